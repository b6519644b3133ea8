//! Errors as HTTP answers: always a 4xx or 5xx with a JSON body
//! `{"error": {"code", "message"}}`, never a panic, never a secret.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use farmlive_protocol::api::{ApiError, ApiErrorBody, ErrorCode};

/// Result with [`HubError`].
pub type Result<T, E = HubError> = std::result::Result<T, E>;

/// What can go wrong in the hub.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// The request is malformed or breaks a rule.
    #[error("{message}")]
    BadRequest {
        /// Stable code.
        code: &'static str,
        /// For people.
        message: String,
    },
    /// No or bad credentials.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Credentials no longer valid, with a code saying why (an expired
    /// token, a removed device), so the client can tell the person what to do.
    #[error("{message}")]
    Denied {
        /// Stable code, e.g. `token_expired`.
        code: &'static str,
        /// For people.
        message: String,
    },
    /// Not allowed for this caller.
    #[error("{0}")]
    Forbidden(&'static str),
    /// No such thing (or not visible to this caller).
    #[error("{0}")]
    NotFound(&'static str),
    /// The request conflicts with the current state.
    #[error("{1}")]
    Conflict(&'static str, String),
    /// The route exists but not with this method.
    #[error("this address does not take that method")]
    MethodNotAllowed,
    /// The body is too large.
    #[error("the request is too large")]
    TooLarge,
    /// Too many requests of this kind; try again after `retry_after_secs`.
    #[error("slow down: try again in {retry_after_secs} s")]
    RateLimited {
        /// Whole seconds until a retry can succeed (sent as `Retry-After`).
        retry_after_secs: u64,
    },
    /// A file operation failed.
    #[error("storage error: {0}")]
    Io(String),
    /// A bug or a database failure.
    #[error("internal error: {0}")]
    Internal(String),
    /// Something this hub cannot do yet on its database (serving from
    /// PostgreSQL; an area of the PostgreSQL store not built yet): a 501
    /// whose message names what is missing (it holds no secret).
    #[error("{0}")]
    NotBuilt(&'static str),
    /// The hub was started with settings that do not fit together (e.g. a
    /// hub on PostgreSQL without a data folder): said at start, never to a
    /// client.
    #[error("{0}")]
    Setup(String),
    /// The PostgreSQL database has no schema or an older one: the operator
    /// runs `farmlive hub migrate` first (a hub never migrates a shared
    /// database by itself at start).
    #[error(
        "the PostgreSQL database has schema {found}, older than this hub's ({wanted}): run `farmlive hub migrate --db URL` first"
    )]
    SchemaTooOld {
        /// The version found (0: no schema).
        found: u32,
        /// The version this hub writes.
        wanted: u32,
    },
    /// The database was written by a newer hub. Only `Store::open` returns
    /// it, so the hub refuses to start rather than answer with 500s.
    #[error(
        "the hub database has schema {found}, newer than this hub reads ({supported}); update the hub, or point --db at another database"
    )]
    SchemaTooNew {
        /// `user_version` found in the file.
        found: u32,
        /// The newest schema this hub knows.
        supported: u32,
    },
}

impl HubError {
    /// A 400 with a code and message.
    pub fn bad_request(code: &'static str, message: impl ToString) -> HubError {
        HubError::BadRequest {
            code,
            message: message.to_string(),
        }
    }

    /// 401 `device_revoked`: the device was removed from its farm by `by`.
    pub fn device_revoked(by: &str) -> HubError {
        HubError::Denied {
            code: farmlive_protocol::api::DEVICE_REVOKED,
            message: format!(
                "this device was removed from the farm by {by}; ask the farmer for a new code and run farmlive enrol"
            ),
        }
    }
}

impl HubError {
    /// The HTTP status and the stable code the client sees.
    fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        match self {
            HubError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, declared(code)),
            HubError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            HubError::Denied { code, .. } => (StatusCode::UNAUTHORIZED, declared(code)),
            HubError::Forbidden(_) => (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
            HubError::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            HubError::Conflict(code, _) => (StatusCode::CONFLICT, declared(code)),
            HubError::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed)
            }
            HubError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::TooLarge),
            HubError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited),
            HubError::NotBuilt(_) => (StatusCode::NOT_IMPLEMENTED, ErrorCode::Internal),
            HubError::Io(_)
            | HubError::Internal(_)
            | HubError::Setup(_)
            | HubError::SchemaTooNew { .. }
            | HubError::SchemaTooOld { .. } => {
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal)
            }
        }
    }
}

/// The declared code for a code the hub's handlers name as a string. Every
/// such string must be one of [`ErrorCode`]'s (a test below checks the
/// hub's sources); an undeclared one is a bug, logged, and still sent.
fn declared(code: &str) -> ErrorCode {
    let code = ErrorCode::parse(code);
    if let ErrorCode::Other(undeclared) = &code {
        tracing::error!(target: "farmlive::hub", "error code {undeclared:?} is not declared in protocol::api::ErrorCode");
    }
    code
}

impl IntoResponse for HubError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        // A server error's detail stays in the log; what is not built
        // yet is said as it is (it names an area, nothing secret).
        let message = if status.is_server_error() && !matches!(self, HubError::NotBuilt(_)) {
            // The detail goes to the log only, under the request's id; the
            // client gets the id to quote.
            match crate::logs::current_request_id() {
                Some(id) => {
                    tracing::error!(target: "farmlive::hub", request_id = %id, "{self}");
                    format!("something went wrong on the hub; try again later (request {id})")
                }
                None => {
                    tracing::error!(target: "farmlive::hub", "{self}");
                    "something went wrong on the hub; try again later".to_owned()
                }
            }
        } else {
            self.to_string()
        };
        let body = ApiError {
            error: ApiErrorBody { code, message },
        };
        let mut resp = (status, axum::Json(body)).into_response();
        if let HubError::RateLimited { retry_after_secs } = self {
            resp.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_secs),
            );
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code the hub's handlers spell as a string (`bad_request("…"`,
    /// `Conflict("…"`, `code: …`) is declared in `ErrorCode`, so clients can
    /// match on it.
    #[test]
    fn every_code_the_hub_names_is_declared() {
        fn visit(dir: &std::path::Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    visit(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for opener in ["bad_request(", "Conflict(", "code: \""] {
                        for (at, _) in text.match_indices(opener) {
                            let rest = text[at + opener.len()..].trim_start();
                            let rest = rest.strip_prefix('"').unwrap_or(rest);
                            let word: String = rest
                                .chars()
                                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                                .collect();
                            if rest.len() > word.len() && rest[word.len()..].starts_with('"') {
                                found.push(word);
                            }
                        }
                    }
                }
            }
        }
        let mut found = Vec::new();
        visit(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
        );
        assert!(found.len() > 20, "the scan found too few codes: {found:?}");
        for code in found {
            assert!(
                !matches!(ErrorCode::parse(&code), ErrorCode::Other(_)),
                "{code:?} is not declared in protocol::api::ErrorCode"
            );
        }
    }

    #[test]
    fn fixed_errors_answer_with_their_declared_codes() {
        let (status, code) = HubError::RateLimited {
            retry_after_secs: 3,
        }
        .status_and_code();
        assert_eq!((status.as_u16(), code), (429, ErrorCode::RateLimited));
        let (status, code) = HubError::device_revoked("the farmer").status_and_code();
        assert_eq!((status.as_u16(), code), (401, ErrorCode::DeviceRevoked));
        let (status, code) =
            HubError::NotBuilt("photos are not built on PostgreSQL yet").status_and_code();
        assert_eq!((status.as_u16(), code), (501, ErrorCode::Internal));
        let (_, code) = HubError::Conflict("out_of_stock", "gone".into()).status_and_code();
        assert_eq!(code, ErrorCode::OutOfStock);
    }
}
