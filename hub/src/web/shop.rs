//! The home page, the order page (and its cancel button), the language
//! switch and forgetting the guest.

use super::guest;
use super::i18n::Lang;
use super::respond::{error_page, explain, html, see_other};
use super::views::{Chrome, HomePage, ListingCard, OrderPage, RoomCard};
use crate::error::{HubError, Result};
use crate::http::{AppState, blocking, jpeg_file};
use crate::store::interface::Principal;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use farmlive_protocol::OrderId;
use farmlive_protocol::api::pages;
use serde::Deserialize;
use std::sync::Arc;

type St = State<Arc<AppState>>;

/// Rooms the home page lists at most.
const HOME_ROOMS: u32 = 20;
/// Listings the home page lists at most.
const HOME_LISTINGS: u32 = 100;

/// `GET /`: the rooms on air and the active listings.
pub async fn home(State(s): St, headers: HeaderMap) -> Response {
    let lang = Lang::of_request(&headers);
    let read = blocking(move || {
        Ok((
            s.store.live_rooms(HOME_ROOMS)?,
            s.store.public_listings(HOME_LISTINGS)?,
        ))
    })
    .await;
    match read {
        Ok((rooms, listings)) => html(
            StatusCode::OK,
            &HomePage {
                c: Chrome::new(lang, pages::HOME.path),
                rooms: rooms
                    .iter()
                    .map(|r| RoomCard {
                        href: pages::ROOM.path_for(r.id),
                        title: r.title.clone(),
                        farm: r.farm.name.clone(),
                        viewers: r.viewers,
                    })
                    .collect(),
                listings: listings.iter().map(|l| ListingCard::new(l, lang)).collect(),
            },
        ),
        Err(e) => error_page(&e, lang, pages::HOME.path),
    }
}

/// `?placed=1` after an order.
#[derive(Deserialize)]
pub struct OrderQuery {
    #[serde(default)]
    placed: Option<String>,
}

fn parse_order(raw: &str) -> Result<OrderId> {
    raw.parse().map_err(|_| HubError::NotFound("no such order"))
}

/// The order `raw` of this browser's guest (404 for anyone else's).
async fn load(
    s: &Arc<AppState>,
    headers: &HeaderMap,
    raw: &str,
) -> Result<farmlive_protocol::OrderState> {
    let id = parse_order(raw)?;
    let buyer = guest::current(s, headers)
        .await
        .ok_or(HubError::NotFound("no such order"))?;
    let s = s.clone();
    blocking(move || s.store.order_for(&Principal::Buyer(buyer), id)).await
}

/// `GET /o/{order}`: status, ship-by, shipment, and a cancel button while
/// the order state machine allows cancelling.
pub async fn order(
    State(s): St,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Query(q): Query<OrderQuery>,
) -> Response {
    let lang = Lang::of_request(&headers);
    let here = pages::ORDER.path_for(&raw);
    match load(&s, &headers, &raw).await {
        Ok(o) => {
            let notice = q.placed.is_some().then_some(lang.strings().placed_ok);
            html(
                StatusCode::OK,
                &OrderPage::new(Chrome::new(lang, &here), lang, &o, notice, None),
            )
        }
        Err(e) => error_page(&e, lang, &here),
    }
}

/// `GET /o/{order}/delivery-photo`: the delivery photo of this browser's
/// guest's order (the guest cookie is the credential; 404 for anyone
/// else, and for an order without one). The photo shows the buyer's door.
pub async fn order_photo(State(s): St, Path(raw): Path<String>, headers: HeaderMap) -> Response {
    let lang = Lang::of_request(&headers);
    let here = pages::ORDER.path_for(&raw);
    let served: Result<Response> = async {
        let id = parse_order(&raw)?;
        let buyer = guest::current(&s, &headers)
            .await
            .ok_or(HubError::NotFound("no such order"))?;
        let s = s.clone();
        let photo =
            blocking(move || s.store.open_delivery_photo(&Principal::Buyer(buyer), id)).await?;
        jpeg_file(photo).await
    }
    .await;
    served.unwrap_or_else(|e| error_page(&e, lang, &here))
}

/// The cancel form.
#[derive(Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
}

/// `POST /o/{order}/cancel`: the same store call as
/// `POST /v1/orders/{id}/cancel`. Refused (409, the page says so) once the
/// order is packed.
pub async fn cancel(
    State(s): St,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Form(f): Form<CancelForm>,
) -> Response {
    let lang = Lang::of_request(&headers);
    let here = pages::ORDER.path_for(&raw);
    let done: Result<()> = async {
        guest::same_site(&headers)?;
        let id = parse_order(&raw)?;
        let buyer = guest::current(&s, &headers)
            .await
            .ok_or(HubError::NotFound("no such order"))?;
        let reason = match f.reason.trim() {
            "" => lang.strings().cancel_reason.to_owned(),
            r => r.to_owned(),
        };
        let st = s.clone();
        blocking(move || st.store.cancel_by_buyer(buyer, id, &reason)).await?;
        Ok(())
    }
    .await;
    match done {
        Ok(()) => see_other(&here, None),
        Err(e @ HubError::Conflict(..)) => match load(&s, &headers, &raw).await {
            Ok(o) => {
                let c = Chrome::new(lang, &here);
                let (status, msg) = explain(&e, c.t);
                html(status, &OrderPage::new(c, lang, &o, None, Some(msg)))
            }
            Err(e) => error_page(&e, lang, &here),
        },
        Err(e) => error_page(&e, lang, &here),
    }
}

/// `?back=` of the language switch and the forget form.
#[derive(Deserialize)]
pub struct Back {
    #[serde(default)]
    back: String,
}

/// `back` if it is a path on this site, else the home page (never an
/// address elsewhere: the switch is no open redirect).
fn local(back: &str) -> &str {
    let ok = back.starts_with('/')
        && !back.starts_with("//")
        && !back.contains('\\')
        && !back.chars().any(char::is_control);
    if ok { back } else { pages::HOME.path }
}

/// `GET /lang/{lang}?back=/r/...`: remembers the language, goes back.
pub async fn switch_lang(
    State(s): St,
    Path(code): Path<String>,
    Query(b): Query<Back>,
    headers: HeaderMap,
) -> Response {
    match Lang::from_code(&code) {
        Some(lang) => see_other(
            local(&b.back),
            Some(guest::set_lang_cookie(lang.code(), s.secure_cookies)),
        ),
        None => error_page(
            &HubError::NotFound("no such language"),
            Lang::of_request(&headers),
            pages::HOME.path,
        ),
    }
}

/// `POST /guest/forget`: drops the guest cookie (the next order signs up
/// a new guest with the details given then).
pub async fn forget(State(s): St, headers: HeaderMap, Form(b): Form<Back>) -> Response {
    if let Err(e) = guest::same_site(&headers) {
        return error_page(&e, Lang::of_request(&headers), pages::HOME.path);
    }
    see_other(
        local(&b.back),
        Some(guest::clear_buyer_cookie(s.secure_cookies)),
    )
}

#[cfg(test)]
mod tests {
    use super::local;

    #[test]
    fn going_back_stays_on_this_site() {
        assert_eq!(local("/r/abc"), "/r/abc");
        assert_eq!(local("//evil.example/"), "/");
        assert_eq!(local("https://evil.example/"), "/");
        assert_eq!(local("/\\evil"), "/");
        assert_eq!(local(""), "/");
    }
}
