//! The storefront's static files, embedded in the binary. Each is served
//! under a name that carries the first bytes of its SHA-256
//! (`app.3f2a9c1b.css`), so browsers may cache it for a year: a new build
//! with a changed file links a new name. The player libraries found at
//! start ([`super::vendor`]) are served the same way.

use super::hashed::hashed;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use farmlive_protocol::api::pages;
use std::sync::OnceLock;

/// One embedded file.
struct Asset {
    /// Its name before the hash is inserted (`app.css`).
    name: &'static str,
    /// Its content type.
    content_type: &'static str,
    /// Its bytes.
    body: &'static str,
}

/// Every embedded file.
const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../web/static/app.css"),
    },
    Asset {
        name: "room.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../web/static/room.js"),
    },
    Asset {
        name: "player.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../web/static/player.js"),
    },
];

/// The served (hashed) names, in [`ASSETS`] order.
fn served_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| hashed(a.name, a.body.as_bytes()))
            .collect()
    })
}

/// The address of the player library `name` (`mpegts.js`, `hls.mjs`), if
/// the hub found it (see [`super::vendor`]).
pub fn library_url(name: &str) -> Option<String> {
    super::vendor::loaded()
        .iter()
        .find(|l| l.name == name)
        .map(|l| pages::ASSET.path_for(&l.served))
}

/// The address of the embedded file `name` (`app.css`), hash included.
pub fn url(name: &str) -> String {
    let served = ASSETS
        .iter()
        .zip(served_names())
        .find(|(a, _)| a.name == name)
        .map_or(name, |(_, s)| s.as_str());
    pages::ASSET.path_for(served)
}

/// `GET /assets/{file}`: the file, cached for a year; any other name, 404.
pub async fn serve(Path(file): Path<String>) -> Response {
    match served_names().iter().position(|n| *n == file) {
        Some(i) => (
            [
                (header::CONTENT_TYPE, ASSETS[i].content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            ASSETS[i].body,
        )
            .into_response(),
        None => match super::vendor::loaded().iter().find(|l| l.served == file) {
            Some(lib) => (
                [
                    (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                    (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                ],
                lib.body.clone(),
            )
                .into_response(),
            None => (StatusCode::NOT_FOUND, "no such file").into_response(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_a_content_hash() {
        let css = url("app.css");
        assert!(
            css.starts_with("/assets/app.") && css.ends_with(".css"),
            "{css}"
        );
        assert_eq!(css.len(), "/assets/app.12345678.css".len());
        assert!(url("room.js").ends_with(".js"));
        assert!(url("player.js").starts_with("/assets/player."));
    }
}
