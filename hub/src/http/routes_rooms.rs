//! Live-room routes: open, pin, end, comment, order, and follow the events
//! (a buyer's or device's, or anyone's public ones).

use super::caller::{buyer, device};
use super::extract::{Auth, JsonBody, QueryParams, parse_id};
use super::sse;
use super::state::{AppState, St, blocking};
use crate::error::{HubError, Result};
use crate::store::interface::ROOM_LIST_MAX;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::header::HOST;
use axum::http::{Extensions, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use farmlive_protocol::api::rooms;
use farmlive_protocol::roles::Capability;
use farmlive_protocol::room::{
    OpenRoom, OpenedRoom, PinRequest, PostComment, RoomEvent, RoomList, RoomOrder, RoomView,
    validate_comment,
};
use farmlive_protocol::{OrderState, RoomId};
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;

/// The live-room routes.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(rooms::OPEN.path, post(open).get(list))
        .route(rooms::SHOW.path, get(show))
        .route(rooms::PIN.path, put(pin).delete(unpin))
        .route(rooms::END.path, post(end))
        .route(rooms::COMMENT.path, post(comment))
        .route(rooms::ORDER.path, post(order))
        .route(rooms::EVENTS.path, get(events))
        .route(rooms::PUBLIC_EVENTS.path, get(public_events))
}

fn room_id(raw: &str) -> Result<RoomId> {
    parse_id(raw, "no such room")
}

/// The reply carries the room's hub ingest (with its stream key): only the
/// opening device ever sees it.
async fn open(
    State(s): St,
    Auth(p): Auth,
    headers: HeaderMap,
    JsonBody(req): JsonBody<OpenRoom>,
) -> Result<(StatusCode, Json<OpenedRoom>)> {
    let (_, farms) = device(p, Capability::RunRooms)?;
    let store = s.clone();
    let (room, key) = blocking(move || store.store.open_room(&farms, &req)).await?;
    let host = headers.get(HOST).and_then(|h| h.to_str().ok());
    let ingest = s.media.ingest_for(host, key);
    Ok((StatusCode::CREATED, Json(OpenedRoom { room, ingest })))
}

#[derive(Deserialize)]
struct ListQuery {
    limit: Option<u32>,
}

/// Public, like `GET /v1/listings`: people browse rooms before signing up.
async fn list(State(s): St, QueryParams(q): QueryParams<ListQuery>) -> Result<Json<RoomList>> {
    let limit = q.limit.unwrap_or(ROOM_LIST_MAX);
    let rooms = blocking(move || s.store.live_rooms(limit)).await?;
    Ok(Json(RoomList { rooms }))
}

/// Public: a room link shared on social media opens without an account.
async fn show(State(s): St, Path(id): Path<String>) -> Result<Json<RoomView>> {
    let id = room_id(&id)?;
    Ok(Json(blocking(move || s.store.room(id)).await?))
}

async fn pin(
    State(s): St,
    Auth(p): Auth,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<PinRequest>,
) -> Result<Json<RoomView>> {
    let (_, farms) = device(p, Capability::PinPrices)?;
    let id = room_id(&id)?;
    Ok(Json(blocking(move || s.store.pin(&farms, id, &req)).await?))
}

async fn unpin(State(s): St, Auth(p): Auth, Path(id): Path<String>) -> Result<Json<RoomView>> {
    let (_, farms) = device(p, Capability::PinPrices)?;
    let id = room_id(&id)?;
    Ok(Json(blocking(move || s.store.unpin(&farms, id)).await?))
}

async fn end(State(s): St, Auth(p): Auth, Path(id): Path<String>) -> Result<Json<RoomView>> {
    let (_, farms) = device(p, Capability::RunRooms)?;
    let id = room_id(&id)?;
    let store = s.clone();
    let view = blocking(move || store.store.end_room(&farms, id)).await?;
    // Its video ends now too (a publisher still on air is cut off by the
    // room's `Ended` event; this also ends one waiting for a reconnect).
    s.media.end(id);
    Ok(Json(view))
}

async fn comment(
    State(s): St,
    Auth(p): Auth,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<PostComment>,
) -> Result<(StatusCode, Json<RoomEvent>)> {
    let buyer = buyer(p)?;
    let id = room_id(&id)?;
    let text = validate_comment(&req.text).map_err(|e| HubError::bad_request("invalid", e))?;
    s.comments.check(buyer, id)?;
    let event = blocking(move || s.store.post_comment(buyer, id, text)).await?;
    Ok((StatusCode::CREATED, Json(event)))
}

async fn order(
    State(s): St,
    Auth(p): Auth,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<RoomOrder>,
) -> Result<(StatusCode, Json<OrderState>)> {
    let buyer = buyer(p)?;
    let id = room_id(&id)?;
    let (order, created) = blocking(move || s.store.place_room_order(buyer, id, &req)).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(order)))
}

#[derive(Deserialize)]
struct EventsQuery {
    after: Option<String>,
}

/// The cursor: `Last-Event-ID` (what a reconnecting client sends), else
/// `?after=`, else 0. Anything but a number is refused.
fn cursor(headers: &HeaderMap, after: Option<&str>) -> Result<u64> {
    let raw = match headers.get("last-event-id") {
        Some(v) => Some(v.to_str().map_err(|_| bad_cursor())?),
        None => after,
    };
    match raw.map(str::trim) {
        None | Some("") => Ok(0),
        Some(v) => v.parse().map_err(|_| bad_cursor()),
    }
}

fn bad_cursor() -> HubError {
    HubError::bad_request(
        "invalid",
        "Last-Event-ID (or ?after=) must be the number of an event",
    )
}

/// The room's server-sent events after `Last-Event-ID` (or `?after=`). A
/// buyer holds at most [`crate::rooms::STREAMS_PER_VIEWER`] streams per room;
/// past that, 429 with `Retry-After`.
async fn events(
    State(s): St,
    Auth(p): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    QueryParams(q): QueryParams<EventsQuery>,
) -> Result<Response> {
    let id = room_id(&id)?;
    let cursor = cursor(&headers, q.after.as_deref())?;
    let state = s.clone();
    let sub = blocking(move || sse::subscribe(state, id, &p)).await?;
    Ok(sse::respond(s, id, cursor, sub).into_response())
}

/// The room's public events, for anyone (see [`rooms::PUBLIC_EVENTS`]):
/// resumes like [`events`]; a few streams per client address.
async fn public_events(
    State(s): St,
    extensions: Extensions,
    Path(id): Path<String>,
    headers: HeaderMap,
    QueryParams(q): QueryParams<EventsQuery>,
) -> Result<Response> {
    let id = room_id(&id)?;
    let cursor = cursor(&headers, q.after.as_deref())?;
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let client = s.signups.client(peer, &headers);
    let state = s.clone();
    let sub = blocking(move || sse::subscribe_public(state, id, client)).await?;
    Ok(sse::respond(s, id, cursor, sub).into_response())
}
