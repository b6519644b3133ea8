//! Errors as HTTP answers: always a 4xx or 5xx with a JSON body
//! `{"error": {"code", "message"}}`, never a panic, never a secret.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use farmlive_protocol::api::{ApiError, ApiErrorBody};

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
    /// The database was written by a newer hub. Only `Store::open` returns
    /// it, so the hub refuses to start rather than answer with 500s.
    #[error(
        "the hub database has schema {found}, newer than this hub reads ({supported}); update the hub, or point --db at another file"
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

impl IntoResponse for HubError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            HubError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, *code),
            HubError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            HubError::Denied { code, .. } => (StatusCode::UNAUTHORIZED, *code),
            HubError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            HubError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            HubError::Conflict(code, _) => (StatusCode::CONFLICT, *code),
            HubError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            HubError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            HubError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            HubError::Io(_) | HubError::Internal(_) | HubError::SchemaTooNew { .. } => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        };
        let message = if status.is_server_error() {
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
            error: ApiErrorBody {
                code: code.to_owned(),
                message,
            },
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
