//! A room's page: the player, the pinned product at its live price, the
//! order form, comments and the ticker; its form posts (order, comment)
//! and its event stream for the page's script.

use super::guest;
use super::i18n::Lang;
use super::media;
use super::respond::{error_page, explain, html, see_other};
use super::views::{
    self, Chrome, CityChoice, CommentLine, OrderFormValues, PinnedCard, RoomPage, ShelfItem,
    TickerLine,
};
use crate::error::{HubError, Result};
use crate::http::{AppState, blocking, sse};
use crate::store::interface::Principal;
use axum::extract::{Form, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use farmlive_protocol::api::{DeliveryQuote, pages, rooms};
use farmlive_protocol::room::{
    RoomEvent, RoomEventBody, RoomOrder, RoomStatus, RoomView, validate_comment,
};
use farmlive_protocol::{BuyerContact, BuyerId, Delivery, ListingId, RoomId};
use serde::Deserialize;
use std::sync::Arc;

type St = State<Arc<AppState>>;

/// Comments the page shows when it opens, at most.
const RECENT_COMMENTS: usize = 30;
/// Orders the ticker shows when the page opens, at most.
const RECENT_ORDERS: usize = 10;
/// How far back (in hub-wide event ids) the page looks for them.
const RECENT_WINDOW: u64 = 300;

/// The room's recent comments and orders, newest first: its events among
/// the hub's last [`RECENT_WINDOW`]. (The script adds what follows.)
async fn recent(s: &Arc<AppState>, view: &RoomView) -> (Vec<CommentLine>, Vec<TickerLine>) {
    let (st, id, upto) = (s.clone(), view.id, view.last_event);
    let after = upto.saturating_sub(RECENT_WINDOW);
    let limit = u32::try_from(RECENT_WINDOW).unwrap_or(u32::MAX);
    let items = blocking(move || st.store.room_events(id, after, Some(upto), limit))
        .await
        .unwrap_or_default();
    let (mut comments, mut ticker) = (Vec::new(), Vec::new());
    for item in items.iter().rev() {
        let Ok(event) = serde_json::from_str::<RoomEvent>(&item.json) else {
            continue;
        };
        match event.body {
            RoomEventBody::Comment { author, text } if comments.len() < RECENT_COMMENTS => {
                comments.push(CommentLine { author, text });
            }
            RoomEventBody::OrderPlaced {
                buyer,
                quantity,
                title,
                unit_price,
                ..
            } if ticker.len() < RECENT_ORDERS => ticker.push(TickerLine {
                buyer,
                quantity,
                title,
                price: views::price(unit_price),
            }),
            _ => {}
        }
    }
    (comments, ticker)
}

/// The cities the room's farm delivers to, with what each promises if
/// ordered now (none when it has no routes, or the store cannot say: the
/// form then takes an address alone, as the API does without a city).
async fn delivery_options(s: &Arc<AppState>, view: &RoomView) -> Vec<DeliveryQuote> {
    let (st, farm) = (s.clone(), view.farm.id);
    blocking(move || st.store.delivery_options(farm))
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(target: "farmlive::hub", "delivery options of {farm}: {e}");
            Vec::new()
        })
}

/// A room page for `view`, as `lang` speaks, with the form's values and a
/// message about the last post; `cities` from [`delivery_options`].
fn page(
    view: &RoomView,
    lang: Lang,
    guest: bool,
    error: Option<String>,
    form: OrderFormValues,
    chosen: Option<ListingId>,
    cities: &[DeliveryQuote],
) -> RoomPage {
    let id = view.id;
    let pinned = view.pinned().map(|(l, now)| PinnedCard {
        id: l.id.to_string(),
        title: l.title.clone(),
        price: views::price(now),
        usual: (now != l.price).then(|| views::price(l.price)),
        unit: lang.unit(l.unit),
        photo: views::photo(l),
    });
    let chosen = chosen.or(view.pin.map(|p| p.listing));
    let shelf = view
        .shelf
        .iter()
        .map(|l| {
            let live = view
                .pin
                .filter(|p| p.listing == l.id)
                .and_then(|p| p.live_price);
            ShelfItem {
                id: l.id.to_string(),
                title: l.title.clone(),
                price: views::price(live.unwrap_or(l.price)),
                unit: lang.unit(l.unit),
                selected: chosen == Some(l.id),
            }
        })
        .collect();
    RoomPage {
        c: Chrome::new(lang, &pages::ROOM.path_for(id)),
        js: super::assets::url("room.js"),
        player_js: super::assets::url("player.js"),
        mpegts_js: super::assets::library_url("mpegts.js"),
        hls_js: super::assets::library_url("hls.mjs"),
        room_id: id.to_string(),
        title: view.title.clone(),
        farm: view.farm.name.clone(),
        live: view.status == RoomStatus::Live,
        viewers: view.viewers,
        player: media::sources(view),
        pinned,
        shelf,
        guest,
        error,
        order_action: pages::ROOM_ORDER.path_for(id),
        comment_action: pages::ROOM_COMMENT.path_for(id),
        forget_action: pages::FORGET_GUEST.path,
        events_url: pages::ROOM_EVENTS.path_for(id),
        public_events_url: rooms::PUBLIC_EVENTS.path_for(id),
        idempotency_key: uuid::Uuid::now_v7().to_string(),
        comments: Vec::new(),
        ticker: Vec::new(),
        last_event: view.last_event,
        cities: CityChoice::all(cities, lang, &form.city),
        form: OrderFormValues {
            quantity: form.quantity.max(1),
            ..form
        },
    }
}

/// The room page's response: its policy lets the player load media from
/// the room's external playback address, if it has one.
fn respond(status: StatusCode, view: &RoomView, page: &RoomPage) -> Response {
    let mut resp = html(status, page);
    let external = view.playback_url.as_deref().and_then(origin);
    if let Ok(csp) = HeaderValue::from_str(&super::content_policy(external)) {
        resp.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    resp
}

/// `https://cdn.example:8443` of an http(s) URL.
fn origin(url: &str) -> Option<&str> {
    let rest_at = url.find("://")? + 3;
    if !url[..rest_at].eq_ignore_ascii_case("https://")
        && !url[..rest_at].eq_ignore_ascii_case("http://")
    {
        return None;
    }
    let end = url[rest_at..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| rest_at + i);
    // Only a plain host[:port]: nothing that could end the policy's list.
    let host = &url[rest_at..end];
    (!host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')))
    .then_some(&url[..end])
}

fn parse_room(raw: &str) -> Result<RoomId> {
    raw.parse().map_err(|_| HubError::NotFound("no such room"))
}

async fn load(s: &Arc<AppState>, id: RoomId) -> Result<RoomView> {
    let s = s.clone();
    blocking(move || s.store.room(id)).await
}

/// `GET /r/{room}`.
pub async fn show(State(s): St, Path(raw): Path<String>, headers: HeaderMap) -> Response {
    let lang = Lang::of_request(&headers);
    let here = pages::ROOM.path_for(&raw);
    let view = match parse_room(&raw) {
        Ok(id) => load(&s, id).await,
        Err(e) => Err(e),
    };
    match view {
        Ok(view) => {
            let guest = guest::current(&s, &headers).await.is_some();
            let cities = delivery_options(&s, &view).await;
            let form = OrderFormValues::default();
            let mut p = page(&view, lang, guest, None, form, None, &cities);
            (p.comments, p.ticker) = recent(&s, &view).await;
            respond(StatusCode::OK, &view, &p)
        }
        Err(e) => error_page(&e, lang, &here),
    }
}

/// The order form as posted.
#[derive(Deserialize)]
pub struct OrderForm {
    #[serde(default)]
    listing: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    non_contact: Option<String>,
    #[serde(default)]
    city: String,
    #[serde(default)]
    idempotency_key: String,
}

/// `POST /r/{room}/order`: orders through the same store call as
/// `POST /v1/rooms/{id}/orders` (stock taken atomically, the live price
/// while pinned). A browser without a guest signs one up first, under the
/// sign-up limit. Success: `303` to the order's page. Failure: the room
/// page again with the message and the form as it was, with the error's
/// status (409 when stock ran out).
pub async fn order(
    State(s): St,
    Path(raw): Path<String>,
    parts: Parts,
    Form(f): Form<OrderForm>,
) -> Response {
    let headers = &parts.headers;
    let lang = Lang::of_request(headers);
    let here = pages::ROOM.path_for(&raw);
    if let Err(e) = guest::same_site(headers) {
        return error_page(&e, lang, &here);
    }
    let view = match parse_room(&raw) {
        Ok(id) => load(&s, id).await,
        Err(e) => Err(e),
    };
    let view = match view {
        Ok(v) => v,
        Err(e) => return error_page(&e, lang, &here),
    };
    let chosen: Option<ListingId> = f.listing.trim().parse().ok();
    let values = OrderFormValues {
        quantity: f.quantity.trim().parse().unwrap_or(0),
        name: f.name.clone(),
        phone: f.phone.clone(),
        address: f.address.clone(),
        non_contact: f.non_contact.is_some(),
        city: f.city.trim().to_owned(),
    };
    let cities = delivery_options(&s, &view).await;
    let t = lang.strings();
    let fail = |e: String, status: StatusCode, guest: bool, cookie: Option<HeaderValue>| {
        let p = page(&view, lang, guest, Some(e), values.clone(), chosen, &cities);
        let mut resp = respond(status, &view, &p);
        if let Some(c) = cookie {
            resp.headers_mut().append(header::SET_COOKIE, c);
        }
        resp
    };
    let (buyer, cookie) = match guest::current(&s, headers).await {
        Some(b) => (b, None),
        None => {
            let contact = BuyerContact {
                name: f.name.trim().to_owned(),
                phone: f.phone.trim().to_owned(),
                address: f.address.trim().to_owned(),
            };
            if contact.name.is_empty() || contact.phone.is_empty() || contact.address.is_empty() {
                return fail(t.err_contact.into(), StatusCode::BAD_REQUEST, false, None);
            }
            match guest::sign_up(&s, &parts, contact).await {
                Ok((b, c)) => (b, Some(c)),
                Err(e) => {
                    let (status, msg) = explain(&e, t);
                    let mut resp = fail(msg, status, false, None);
                    if let HubError::RateLimited { retry_after_secs } = e {
                        resp.headers_mut()
                            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                    }
                    return resp;
                }
            }
        }
    };
    let req = RoomOrder {
        listing: chosen,
        quantity: values.quantity,
        delivery: if values.non_contact {
            Delivery::NonContact
        } else {
            Delivery::Standard
        },
        idempotency_key: f.idempotency_key.trim().to_owned(),
        destination: (!values.city.is_empty()).then(|| values.city.clone()),
    };
    let (st, room) = (s.clone(), view.id);
    match blocking(move || st.store.place_room_order(buyer, room, &req)).await {
        Ok((placed, _)) => {
            let to = format!("{}?placed=1", pages::ORDER.path_for(placed.id));
            see_other(&to, cookie)
        }
        Err(e) => {
            let (status, msg) = explain(&e, t);
            // The view again, so the page shows the stock and pin as they are now.
            let view_now = load(&s, view.id).await.unwrap_or(view.clone());
            let cities = delivery_options(&s, &view_now).await;
            let mut p = page(
                &view_now,
                lang,
                true,
                Some(msg),
                values.clone(),
                chosen,
                &cities,
            );
            (p.comments, p.ticker) = recent(&s, &view_now).await;
            let mut resp = respond(status, &view_now, &p);
            if let Some(c) = cookie {
                resp.headers_mut().append(header::SET_COOKIE, c);
            }
            resp
        }
    }
}

/// The comment form as posted.
#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    text: String,
}

/// True when the page's script posted (it wants a status, not a page).
fn from_script(headers: &HeaderMap) -> bool {
    headers
        .get("x-requested-with")
        .is_some_and(|v| v.as_bytes() == b"fetch")
}

/// `POST /r/{room}/comment`: the guest comments, under the API's comment
/// limit. The script gets `204` (or the error's status and message as
/// text); a plain form post goes back to the room.
pub async fn comment(
    State(s): St,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Form(f): Form<CommentForm>,
) -> Response {
    let lang = Lang::of_request(&headers);
    let here = pages::ROOM.path_for(&raw);
    let result = post_comment(&s, &raw, &headers, f.text).await;
    match (result, from_script(&headers)) {
        (Ok(()), true) => StatusCode::NO_CONTENT.into_response(),
        (Ok(()), false) => see_other(&format!("{here}#comments"), None),
        (Err(e), true) => {
            let (status, msg) = explain(&e, lang.strings());
            (status, msg).into_response()
        }
        (Err(e), false) => error_page(&e, lang, &here),
    }
}

async fn post_comment(
    s: &Arc<AppState>,
    raw: &str,
    headers: &HeaderMap,
    text: String,
) -> Result<()> {
    guest::same_site(headers)?;
    let id = parse_room(raw)?;
    let buyer: BuyerId = guest::current(s, headers)
        .await
        .ok_or(HubError::Unauthorized("order once to comment"))?;
    let text = validate_comment(&text).map_err(|e| HubError::bad_request("invalid", e))?;
    s.comments.check(buyer, id)?;
    let st = s.clone();
    blocking(move || st.store.post_comment(buyer, id, text)).await?;
    Ok(())
}

/// `?after=` of the event stream.
#[derive(Deserialize)]
pub struct EventsQuery {
    after: Option<u64>,
}

/// `GET /r/{room}/events`: the room's events for the page's script, as
/// `GET /v1/rooms/{id}/events` serves them (the guest counted as a viewer,
/// the same stream cap), with the guest cookie as the credential.
pub async fn events(
    State(s): St,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> Response {
    let result: Result<Response> = async {
        let id = parse_room(&raw)?;
        let buyer = guest::current(&s, &headers)
            .await
            .ok_or(HubError::Unauthorized("no guest buyer in this browser"))?;
        let cursor = headers
            .get("last-event-id")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
            .or(q.after)
            .unwrap_or(0);
        let state = s.clone();
        let sub = blocking(move || sse::subscribe(state, id, &Principal::Buyer(buyer))).await?;
        Ok(sse::respond(s, id, cursor, sub).into_response())
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::origin;

    #[test]
    fn external_origins_are_plain_hosts() {
        assert_eq!(
            origin("https://cdn.example:8443/live/a.m3u8"),
            Some("https://cdn.example:8443")
        );
        assert_eq!(origin("rtmp://x/live"), None);
        assert_eq!(origin("https://a;script-src *"), None);
        assert_eq!(origin("http://h"), Some("http://h"));
    }
}
