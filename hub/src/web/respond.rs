//! Turning pages and failures into responses: HTML with the right status,
//! the store's errors in the buyer's language, redirects after a form post.

use super::i18n::{Lang, Strings};
use super::views::{Chrome, ErrorPage};
use crate::error::HubError;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// A rendered template with `status`; a template that fails to render
/// (a bug) is a plain 500.
pub fn html(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => {
            tracing::error!(target: "farmlive::hub", "page failed to render: {e}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page failed to render",
            )
                .into_response()
        }
    }
}

/// `303 See Other` to `to` (after a form post, so a reload does not post
/// again), with a cookie to set, if any.
pub fn see_other(to: &str, cookie: Option<HeaderValue>) -> Response {
    let mut resp = (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response();
    if let Some(c) = cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

/// The status and the buyer's words for a store error. Server failures
/// are logged (never shown: they may name internals).
pub fn explain(err: &HubError, t: &Strings) -> (StatusCode, String) {
    let other = |detail: &str| format!("{}: {detail}", t.err_other);
    match err {
        HubError::Conflict("out_of_stock", _) => (StatusCode::CONFLICT, t.err_out_of_stock.into()),
        HubError::Conflict("not_available", _) => {
            (StatusCode::CONFLICT, t.err_not_available.into())
        }
        HubError::Conflict("room_ended", _) => (StatusCode::CONFLICT, t.err_room_ended.into()),
        HubError::Conflict("transition", _) => (StatusCode::CONFLICT, t.err_cannot_cancel.into()),
        HubError::Conflict(_, message) => (StatusCode::CONFLICT, other(message)),
        HubError::BadRequest {
            code: "not_pinned", ..
        } => (StatusCode::BAD_REQUEST, t.err_not_pinned.into()),
        HubError::BadRequest { message, .. } => (StatusCode::BAD_REQUEST, other(message)),
        HubError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, t.err_rate_limited.into()),
        HubError::NotFound(_) => (StatusCode::NOT_FOUND, t.err_not_found.into()),
        HubError::Forbidden(_) => (StatusCode::FORBIDDEN, t.err_cross_site.into()),
        HubError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, other(m)),
        HubError::Denied { message, .. } => (StatusCode::UNAUTHORIZED, other(message)),
        HubError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, other(&err.to_string())),
        HubError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, other(&err.to_string())),
        HubError::Io(_)
        | HubError::Internal(_)
        | HubError::NotBuilt(_)
        | HubError::Setup(_)
        | HubError::SchemaTooNew { .. }
        | HubError::SchemaTooOld { .. } => {
            tracing::error!(target: "farmlive::hub", "page: {err}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                other("something went wrong on the hub; try again later"),
            )
        }
    }
}

/// An error page for `err` in `lang`, at the address `here`.
pub fn error_page(err: &HubError, lang: Lang, here: &str) -> Response {
    let c = Chrome::new(lang, here);
    let (status, message) = explain(err, c.t);
    let mut resp = html(status, &ErrorPage { c, message });
    if let HubError::RateLimited { retry_after_secs } = err {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
    }
    resp
}
