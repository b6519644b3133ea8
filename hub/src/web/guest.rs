//! The browser's buyer: a guest signed up exactly as the API's sign-up
//! does (same store call, same per-address limit), kept in an `HttpOnly`,
//! `SameSite=Lax` cookie. Lax means a form posted from another site
//! arrives without it, so it can never order as this buyer; posts that say
//! they come from another site are refused outright ([`same_site`]). The
//! token is a secret: it is only ever read from the cookie and written into
//! `Set-Cookie`, never logged or shown.

use crate::error::{HubError, Result};
use crate::http::{AppState, blocking};
use crate::store::interface::Principal;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use farmlive_protocol::{BuyerContact, BuyerId};
use std::sync::Arc;

/// The cookie holding the guest buyer's token.
pub const BUYER_COOKIE: &str = "farmlive_buyer";
/// The cookie holding the chosen language.
pub const LANG_COOKIE: &str = "lang";
/// How long the browser keeps the guest cookie: as long as a buyer token
/// lives on the hub (an expired one is replaced at the next order).
const BUYER_COOKIE_MAX_AGE_SECS: u64 = 365 * 24 * 3600;

/// The value of cookie `name`, if the request sent it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
}

/// `; Secure` when the storefront is served over HTTPS (the operator's
/// `--public-url https://…`): the browser then never sends the cookie over
/// plain HTTP, where anyone on the path could read the guest's token.
fn secure_attr(secure: bool) -> &'static str {
    if secure { "; Secure" } else { "" }
}

/// `Set-Cookie` for the guest's token (`Secure` if `secure`).
pub fn set_buyer_cookie(token: &str, secure: bool) -> HeaderValue {
    // A token is `flb_` and hex: nothing to escape. Checked anyway, so a
    // change of format cannot produce a broken header.
    let value = format!(
        "{BUYER_COOKIE}={token}; Path=/; Max-Age={BUYER_COOKIE_MAX_AGE_SECS}; HttpOnly; SameSite=Lax{}",
        secure_attr(secure)
    );
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("x=; Max-Age=0"))
}

/// `Set-Cookie` that forgets the guest (a `Secure` cookie is only
/// replaced by a `Secure` one).
pub fn clear_buyer_cookie(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static(
            "farmlive_buyer=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure",
        )
    } else {
        HeaderValue::from_static("farmlive_buyer=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
    }
}

/// `Set-Cookie` for the language switch (a year; not a secret, but
/// `Secure` like the guest's when the storefront is HTTPS).
pub fn set_lang_cookie(code: &'static str, secure: bool) -> HeaderValue {
    let value = format!(
        "{LANG_COOKIE}={code}; Path=/; Max-Age=31536000; SameSite=Lax{}",
        secure_attr(secure)
    );
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("lang=zh; Path=/"))
}

/// The guest buyer whose cookie the request carries, if the hub still
/// knows the token (unknown or expired: none, and the next order signs up
/// a fresh guest). Looked up on a blocking thread, like every store call.
pub async fn current(state: &AppState, headers: &HeaderMap) -> Option<BuyerId> {
    let token = cookie(headers, BUYER_COOKIE)?;
    if token.is_empty() || token.len() > 128 {
        return None;
    }
    let store = state.store.clone();
    match blocking(move || store.authenticate(&token)).await {
        Ok(Principal::Buyer(b)) => Some(b),
        _ => None,
    }
}

/// A new guest buyer with `contact`, taken from the client address's
/// sign-up allowance as `POST /v1/buyers` is: the buyer's id and the
/// `Set-Cookie` holding its token.
pub async fn sign_up(
    state: &Arc<AppState>,
    parts: &Parts,
    contact: BuyerContact,
) -> Result<(BuyerId, HeaderValue)> {
    state.signups.check(parts)?;
    let s = state.clone();
    let (buyer, token) = blocking(move || s.store.sign_up_buyer(&contact)).await?;
    Ok((buyer, set_buyer_cookie(&token, state.secure_cookies)))
}

/// Refuses a form post that says it comes from another site: an `Origin`
/// whose host is not this request's `Host`, or `Sec-Fetch-Site:
/// cross-site`. (Without the cookie such a post could not act as the
/// buyer anyway; this keeps it from even signing up guests.)
pub fn same_site(headers: &HeaderMap) -> Result<()> {
    let refused = HubError::Forbidden("a form from another site");
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return Err(refused);
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    match (origin_host, host) {
        (Some(o), Some(h)) if o.eq_ignore_ascii_case(h) => Ok(()),
        _ => Err(refused),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn cookies_are_found_by_exact_name() {
        let h = headers(&[("cookie", "xfarmlive_buyer=a; farmlive_buyer=flb_1; lang=en")]);
        assert_eq!(cookie(&h, BUYER_COOKIE).as_deref(), Some("flb_1"));
        assert_eq!(cookie(&h, "lang").as_deref(), Some("en"));
        assert_eq!(cookie(&h, "missing"), None);
    }

    #[test]
    fn the_guest_cookie_is_http_only_and_lax() {
        let c = set_buyer_cookie("flb_abc", false);
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax"), "{c}");
        assert!(!c.contains("Secure"), "a plain-HTTP hub: {c}");
    }

    #[test]
    fn behind_https_every_cookie_is_secure() {
        let cookies = [
            set_buyer_cookie("flb_abc", true),
            clear_buyer_cookie(true),
            set_lang_cookie("en", true),
        ];
        for c in &cookies {
            let c = c.to_str().unwrap();
            assert!(c.ends_with("; Secure"), "{c}");
        }
        let c = set_buyer_cookie("flb_abc", true);
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax"), "{c}");
        assert!(
            !clear_buyer_cookie(false)
                .to_str()
                .unwrap()
                .contains("Secure")
        );
        assert!(
            !set_lang_cookie("en", false)
                .to_str()
                .unwrap()
                .contains("Secure")
        );
    }

    #[test]
    fn posts_from_other_sites_are_refused() {
        let ok = headers(&[("host", "hub:8080"), ("origin", "http://hub:8080")]);
        assert!(same_site(&ok).is_ok());
        assert!(same_site(&headers(&[("host", "hub:8080")])).is_ok());
        let evil = headers(&[("host", "hub:8080"), ("origin", "https://evil.example")]);
        assert!(same_site(&evil).is_err());
        let null = headers(&[("host", "hub:8080"), ("origin", "null")]);
        assert!(same_site(&null).is_err());
        let fetch = headers(&[("host", "hub"), ("sec-fetch-site", "cross-site")]);
        assert!(same_site(&fetch).is_err());
    }
}
