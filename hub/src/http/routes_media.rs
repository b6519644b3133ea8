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

use super::hangup::Hangup;
use super::state::{AppState, St};
use crate::error::{HubError, Result};
use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::get;
use farmlive_protocol::RoomId;
use farmlive_protocol::api::media;
use std::convert::Infallible;
use std::sync::Arc;

/// The media routes.
pub fn router() -> Router<Arc<AppState>> {
    Router::new().route(media::LIVE_FLV.path, get(live_flv))
}

async fn live_flv(
    State(s): St,
    hangup: Option<Extension<Hangup>>,
    Path(file): Path<String>,
) -> Result<Response> {
    let room = media::flv_room(&file).ok_or(HubError::NotFound("no such live stream"))?;
    let feed = s
        .media
        .watch(room)
        .ok_or(HubError::NotFound("this room is not on air"))?;
    // Absent only when the router is served without `crate::serve`.
    if let Some(Extension(hangup)) = hangup {
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

/// Counts an HTTP-FLV connection among its room's viewers while its
/// response lives (see `crate::rooms::Viewers`).
struct Player {
    state: Arc<AppState>,
    room: RoomId,
}

impl Player {
    fn open(state: Arc<AppState>, room: RoomId) -> Player {
        state.store.fanout().viewers().player_open(room);
        Player { state, room }
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.state.store.fanout().viewers().player_close(self.room);
    }
}
