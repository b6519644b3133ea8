//! Live video out: `GET /live/{room}.flv`, HTTP-FLV from the room's relay.
//!
//! The response streams (chunked) the FLV header, the sequence headers,
//! the GOP cache and then live tags, one shared `Bytes` per tag, for as
//! long as the room is on air; nothing is buffered beyond the viewer's
//! bounded queue in the relay (a slow viewer skips to the next keyframe, a
//! stalled one is dropped, see `crate::media::relay`, and its connection
//! closed at once through its [`Hangup`]: hyper does not poll the body of
//! a connection that cannot write, so the body could not end it; without
//! the hang-up it would wait for the server's write timeout). 404 for a room that
//! is unknown or has no publisher on air. Public, like the room itself:
//! players (mpegts.js, ffplay, a CDN) send no token. Never compressed
//! (the router's compression skips `video/`).
//!
//! With several hub processes, a room's publisher is connected to one of
//! them, and only that one relays it. A viewer who reaches another process
//! is redirected (307) to the process the room records as holding its
//! ingest ([`RoomStore::ingest_node`]); the redirect carries [`SENT_ON`],
//! and a request carrying it is never sent on again, so two processes
//! cannot bounce a player between them. Redirecting rather than pulling
//! the stream from the ingest's process keeps one relay per room and adds
//! one round trip, once; a CDN in front is sent to the ingest's process
//! the same way. The live HLS of a room is sent there too when this
//! process has none of it (processes that share no folder: photos in S3).
//!
//! [`RoomStore::ingest_node`]: crate::store::interface::RoomStore::ingest_node

use super::hangup::Hangup;
use super::sse::schedule_presence;
use super::state::{AppState, St, blocking};
use crate::error::{HubError, Result};
use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use farmlive_protocol::RoomId;
use farmlive_protocol::api::media;
use std::convert::Infallible;
use std::sync::{Arc, OnceLock};

/// Bytes the kernel may hold unsent for one HTTP-FLV viewer (Linux's
/// `TCP_NOTSENT_LOWAT`): about a quarter second of a 1 Mbit/s stream.
/// Without it the send buffer grows to megabytes (tens of seconds of
/// video) for a viewer that reads slowly, which then lags that far behind
/// live although the relay would have skipped it to the next keyframe.
pub const UNSENT_MAX: u32 = 32 * 1024;

/// [`UNSENT_MAX`], or `$FARMLIVE_FLV_UNSENT_BYTES` if set (0: no cap, the
/// kernel's default; for the `relay_slow_viewer` bench's comparison).
fn unsent_max() -> Option<u32> {
    static BYTES: OnceLock<u32> = OnceLock::new();
    let bytes = *BYTES.get_or_init(|| {
        std::env::var("FARMLIVE_FLV_UNSENT_BYTES")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(UNSENT_MAX)
    });
    (bytes > 0).then_some(bytes)
}

/// The media routes.
pub fn router() -> Router<Arc<AppState>> {
    Router::new().route(media::LIVE_FLV.path, get(live_flv))
}

/// The query a viewer redirected by another process of the hub carries.
pub const SENT_ON: &str = "sent=1";

async fn live_flv(
    State(s): St,
    hangup: Option<Extension<Hangup>>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    let room = media::flv_room(&file).ok_or(HubError::NotFound("no such live stream"))?;
    let Some(feed) = s.media.watch(room) else {
        return elsewhere(&s, room, was_sent(query.as_deref())).await;
    };
    // Absent only when the router is served without `crate::serve`.
    if let Some(Extension(hangup)) = hangup {
        // The relay's bounded queue, not the kernel's send buffer, decides
        // what a slow viewer gets (see `UNSENT_MAX`).
        if let Some(bytes) = unsent_max()
            && let Err(e) = hangup.limit_unsent(bytes)
        {
            tracing::debug!(target: "farmlive::hub", "TCP_NOTSENT_LOWAT: {e}");
        }
        feed.on_stalled(move || hangup.fire());
    }
    let player = Player::open(s.clone(), room);
    let body = futures_util::stream::unfold((feed, player), |(mut feed, player)| async move {
        let bytes = feed.next().await?;
        Some((Ok::<_, Infallible>(bytes), (feed, player)))
    });
    let mut resp = Response::new(Body::from_stream(body));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("video/x-flv"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Players on other origins (a storefront behind a CDN) may read it.
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(resp)
}

/// A viewer of a room not on air in this process: redirected to the
/// process that holds the room's ingest, if another one does and the
/// viewer was not sent here already; else 404.
async fn elsewhere(s: &Arc<AppState>, room: RoomId, sent: bool) -> Result<Response> {
    to_ingest(s, room, &media::live_flv_path(room), sent).await
}

/// True when a request's query says another process sent it here.
pub(super) fn was_sent(query: Option<&str>) -> bool {
    query.is_some_and(|q| q.split('&').any(|p| p == SENT_ON))
}

/// A request for `path` (of live room `room`) that this process cannot
/// serve: a 307 to the process holding the room's ingest, marked
/// [`SENT_ON`], unless the request was sent here already or no other
/// process holds it (404 then).
pub(super) async fn to_ingest(
    s: &Arc<AppState>,
    room: RoomId,
    path: &str,
    sent: bool,
) -> Result<Response> {
    let not_here = HubError::NotFound("this room is not on air");
    if sent {
        return Err(not_here);
    }
    let store = s.store.clone();
    let node = blocking(move || store.ingest_node(room)).await?;
    let Some(node) = node.filter(|n| Some(n.as_str()) != s.media.node_url()) else {
        return Err(not_here);
    };
    let to = format!("{node}{path}?{SENT_ON}");
    let location = HeaderValue::from_str(&to)
        .map_err(|_| HubError::Internal(format!("the ingest's address {node:?} is not a URL")))?;
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::TEMPORARY_REDIRECT;
    let h = resp.headers_mut();
    h.insert(header::LOCATION, location);
    // Where a room is on air changes when its phone reconnects.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(resp)
}

/// Counts an HTTP-FLV connection among its room's viewers while its
/// response lives (see `crate::rooms::Viewers`).
struct Player {
    state: Arc<AppState>,
    room: RoomId,
}

impl Player {
    fn open(state: Arc<AppState>, room: RoomId) -> Player {
        state.store.fanout().viewers().player_open(room);
        players_changed(state.clone(), room);
        Player { state, room }
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.state.store.fanout().viewers().player_close(self.room);
        players_changed(self.state.clone(), self.room);
    }
}

/// Tells the room's followers the viewer count, coalesced (see
/// `crate::rooms::presence`), off the async threads.
fn players_changed(state: Arc<AppState>, room: RoomId) {
    let tell = move || match state.store.players_changed(room) {
        Ok(Some(after)) => schedule_presence(state, room, after),
        Ok(None) => {}
        Err(e) => tracing::warn!(target: "farmlive::hub", "players of {room}: {e}"),
    };
    match tokio::runtime::Handle::try_current() {
        Ok(rt) => {
            rt.spawn_blocking(tell);
        }
        Err(_) => tell(),
    }
}
