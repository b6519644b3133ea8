//! Request extractors whose failures are JSON errors, not axum's plain text.

use super::state::AppState;
use crate::error::HubError;
use crate::store::interface::Principal;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// A JSON body; malformed, mistyped or oversized bodies become 4xx JSON errors.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Arc<AppState>> for JsonBody<T> {
    type Rejection = HubError;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, HubError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(JsonBody(v)),
            // Only a body over the limit is "too large"; one that cannot be
            // read (corrupt gzip, a cut connection) is a bad request.
            Err(JsonRejection::BytesRejection(e))
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(HubError::TooLarge)
            }
            Err(JsonRejection::BytesRejection(_)) => Err(HubError::bad_request(
                "unreadable_body",
                "the body could not be read (is its gzip encoding damaged?)",
            )),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(HubError::bad_request(
                "unsupported_media_type",
                "send JSON with Content-Type: application/json",
            )),
            Err(JsonRejection::JsonSyntaxError(_)) => Err(HubError::bad_request(
                "malformed_json",
                "the body is not valid JSON",
            )),
            Err(e) => Err(HubError::bad_request("invalid", e.body_text())),
        }
    }
}

/// Query parameters; bad ones become a 400 JSON error.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<Arc<AppState>> for QueryParams<T> {
    type Rejection = HubError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, HubError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| QueryParams(q.0))
            .map_err(|e: QueryRejection| HubError::bad_request("invalid", e.body_text()))
    }
}

/// The caller, from `Authorization: Bearer <token>`.
pub struct Auth(pub Principal);

impl FromRequestParts<Arc<AppState>> for Auth {
    type Rejection = HubError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, HubError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(HubError::Unauthorized(
                "sign in: send Authorization: Bearer <token>",
            ))?;
        let token = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 128)
            .ok_or(HubError::Unauthorized("malformed Authorization header"))?;
        // On a blocking thread, like every store call: a store may block
        // (on a lock, or on its own client runtime) while it looks.
        let (store, token) = (state.store.clone(), token.to_owned());
        super::state::blocking(move || store.authenticate(&token))
            .await
            .map(Auth)
    }
}

/// A path id; anything that is not one is simply not found.
pub fn parse_id<T: std::str::FromStr>(raw: &str, what: &'static str) -> Result<T, HubError> {
    raw.parse().map_err(|_| HubError::NotFound(what))
}
