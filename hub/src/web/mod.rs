//! The hub's web storefront: server-rendered pages for buyers (the live
//! rooms and listings, a room with its player, pinned product, comments and
//! order form, and an order's page), in Simplified Chinese and English,
//! usable without JavaScript; small scripts of our own add the live parts.
//!
//! A top layer beside `http`: it calls the store only through its interface
//! ([`crate::store::HubStore`]) with the same calls the JSON API makes (so
//! an order from a page takes stock exactly as one from the API), shares
//! the HTTP layer's state, sign-up limit and event streams, and `http` never
//! imports it. Page paths are declared in `farmlive_protocol::api::pages`.
//!
//! Every page carries a Content-Security-Policy allowing only this hub
//! (and `blob:` media, for players that feed the video through Media
//! Source Extensions), `nosniff`, a same-origin referrer policy and
//! `no-store` (pages may show a buyer's order).

mod assets;
mod guest;
mod hashed;
mod i18n;
mod media;
mod respond;
mod room;
mod shop;
mod vendor;
mod views;

use crate::http::AppState;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};
use farmlive_protocol::api::pages;
use std::sync::Arc;

/// The storefront's routes, with their security headers.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(pages::HOME.path, get(shop::home))
        .route(pages::ROOM.path, get(room::show))
        .route(pages::ROOM_ORDER.path, post(room::order))
        .route(pages::ROOM_COMMENT.path, post(room::comment))
        .route(pages::ROOM_EVENTS.path, get(room::events))
        .route(pages::ORDER.path, get(shop::order))
        .route(pages::ORDER_CANCEL.path, post(shop::cancel))
        .route(pages::ORDER_PHOTO.path, get(shop::order_photo))
        .route(pages::LANG.path, get(shop::switch_lang))
        .route(pages::FORGET_GUEST.path, post(shop::forget))
        .route(pages::ASSET.path, get(assets::serve))
        .layer(axum::middleware::map_response(security_headers))
}

/// The pages' Content-Security-Policy: this hub only, plus `blob:` media
/// (MSE players) and, for a room with an external playback address, that
/// address's origin for media and the player's requests.
pub(crate) fn content_policy(external_media: Option<&str>) -> String {
    let extra = external_media.map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
         media-src 'self' blob:{extra}; connect-src 'self'{extra}; worker-src 'self' blob:; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Adds the security headers a response does not set itself.
async fn security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Ok(v) = HeaderValue::from_str(&content_policy(None)) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    resp
}
