//! A room's HLS over HTTP, public: the live playlist, the replay playlist
//! and the segments, read from the folders [`HlsWriter`] writes.
//!
//! Only names the hub itself makes are served: the room must be a room id
//! (the folder is named by its canonical form) and a segment name must be
//! exactly `segNNNNNN.ts`, so no request reaches another path. Caching fits
//! a CDN in front: the live playlist changes every segment (`no-cache`),
//! the replay is written once at the end (a minute), segments never change
//! (a year, immutable). A hub with shared storage (`--objects`) also
//! serves the replays other processes recorded, from there.
//!
//! [`HlsWriter`]: crate::media::hls_writer::HlsWriter

use super::routes_media::{to_ingest, was_sent};
use super::state::AppState;
use crate::error::{HubError, Result};
use crate::media::hls_writer::{LIVE_PLAYLIST, REPLAY_PLAYLIST, room_dir};
use crate::store::objects::RecordingStore;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use farmlive_media::hls::parse_segment_name;
use farmlive_protocol::RoomId;
use farmlive_protocol::api::media;
use std::path::PathBuf;
use std::sync::Arc;

const PLAYLIST_TYPE: &str = "application/vnd.apple.mpegurl";
const SEGMENT_TYPE: &str = "video/mp2t";
const LIVE_CACHE: &str = "no-cache";
const REPLAY_CACHE: &str = "public, max-age=60";
const SEGMENT_CACHE: &str = "public, max-age=31536000, immutable";

/// Where the rooms' HLS folders are (`<db>.live`, see
/// [`crate::media::hls_writer::live_root`]), and the hub, to send a
/// player of a room on air elsewhere to the process that has its HLS.
#[derive(Clone)]
struct HlsRoot {
    dir: Arc<PathBuf>,
    hub: Option<Arc<AppState>>,
    recordings: Option<Arc<dyn RecordingStore>>,
}

/// The HLS routes, serving the folders under `root`; merge them into the
/// hub's router (they carry their own state, so any `S` fits). With `hub`,
/// a live playlist or segment this process does not have is redirected to
/// the process holding the room's ingest (see `routes_media`). With
/// `recordings`, a replay playlist or segment this process does not have
/// is read from there (a show recorded by another process, see
/// `media::archive`).
pub fn router<S: Clone + Send + Sync + 'static>(
    root: PathBuf,
    hub: Option<Arc<AppState>>,
    recordings: Option<Arc<dyn RecordingStore>>,
) -> Router<S> {
    Router::new()
        .route(media::HLS_LIVE.path, get(live))
        .route(media::HLS_REPLAY.path, get(replay))
        .route(media::HLS_SEGMENT, get(segment))
        .with_state(HlsRoot {
            dir: Arc::new(root),
            hub,
            recordings,
        })
}

/// The room a path names, in the id's canonical form only: one URL per
/// file, as a cache in front wants.
fn room(raw: &str) -> Result<RoomId> {
    raw.parse::<RoomId>()
        .ok()
        .filter(|id| id.to_string() == raw)
        .ok_or(HubError::NotFound("no such room"))
}

async fn live(
    State(root): State<HlsRoot>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    let room = room(&id)?;
    or_elsewhere(
        &root,
        room,
        LIVE_PLAYLIST,
        query,
        serve(&root, room, LIVE_PLAYLIST, PLAYLIST_TYPE, LIVE_CACHE).await,
    )
    .await
}

async fn replay(State(root): State<HlsRoot>, Path(id): Path<String>) -> Result<Response> {
    let room = room(&id)?;
    // With shared storage, the stored replay is the whole show: a show
    // that moved between processes was merged there after this process
    // wrote its part. This process's own copy is for when it is not
    // stored yet (or storage is out).
    let stored = from_store(&root, room, REPLAY_PLAYLIST, PLAYLIST_TYPE, REPLAY_CACHE).await;
    match stored {
        Some(Ok(found)) => Ok(found),
        Some(Err(e)) if !matches!(e, HubError::NotFound(_)) => {
            tracing::warn!(target: "farmlive::hub", "room {room}: stored replay unreadable ({e}); serving this process's copy");
            serve(&root, room, REPLAY_PLAYLIST, PLAYLIST_TYPE, REPLAY_CACHE).await
        }
        _ => serve(&root, room, REPLAY_PLAYLIST, PLAYLIST_TYPE, REPLAY_CACHE).await,
    }
}

async fn segment(
    State(root): State<HlsRoot>,
    Path((id, name)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    let room = room(&id)?;
    parse_segment_name(&name).ok_or(HubError::NotFound("no such segment"))?;
    let here = serve(&root, room, &name, SEGMENT_TYPE, SEGMENT_CACHE).await;
    let here = or_stored(&root, room, &name, SEGMENT_TYPE, SEGMENT_CACHE, here).await;
    or_elsewhere(&root, room, &name, query, here).await
}

/// `here` if this process had the file; else the recording's copy in
/// shared storage, if the hub has some and it holds the file.
async fn or_stored(
    root: &HlsRoot,
    room: RoomId,
    name: &str,
    content_type: &'static str,
    cache: &'static str,
    here: Result<Response>,
) -> Result<Response> {
    let Err(HubError::NotFound(why)) = here else {
        return here;
    };
    match from_store(root, room, name, content_type, cache).await {
        Some(Ok(found)) => Ok(found),
        // Not there either: this file's own 404.
        Some(Err(HubError::NotFound(_))) | None => Err(HubError::NotFound(why)),
        Some(Err(e)) => Err(e),
    }
}

/// `room`'s file `name` from shared storage; `None` without any.
async fn from_store(
    root: &HlsRoot,
    room: RoomId,
    name: &str,
    content_type: &'static str,
    cache: &'static str,
) -> Option<Result<Response>> {
    let store = root.recordings.clone()?;
    let owned = name.to_owned();
    let got = tokio::task::spawn_blocking(move || store.get(room, &owned)).await;
    Some(match got {
        Ok(Ok(bytes)) => Ok(with_headers(Body::from(bytes), None, content_type, cache)),
        Ok(Err(e)) => Err(e),
        Err(e) => Err(HubError::Internal(format!("reading a recording: {e}"))),
    })
}

/// `here` if this process had the file; else, for a room on air through
/// another process, a redirect there (see `routes_media::to_ingest`).
async fn or_elsewhere(
    root: &HlsRoot,
    room: RoomId,
    name: &str,
    query: Option<String>,
    here: Result<Response>,
) -> Result<Response> {
    match (here, &root.hub) {
        (Err(HubError::NotFound(why)), Some(hub)) => {
            let path = media::hls_segment(room, name);
            let sent = was_sent(query.as_deref());
            // Nobody else has it: this file's own 404. A database that
            // cannot say where the room is stays a 500, not a 404.
            to_ingest(hub, room, &path, sent)
                .await
                .map_err(|e| match e {
                    HubError::NotFound(_) => HubError::NotFound(why),
                    other => other,
                })
        }
        (here, _) => here,
    }
}

/// Streams `room`'s file `name` (checked by the caller) from disk.
async fn serve(
    root: &HlsRoot,
    room: RoomId,
    name: &str,
    content_type: &'static str,
    cache: &'static str,
) -> Result<Response> {
    let path = room_dir(&root.dir, room).join(name);
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| HubError::NotFound("no such video"))?;
    let length = file
        .metadata()
        .await
        .map_err(|_| HubError::NotFound("no such video"))?
        .len();
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok(with_headers(body, Some(length), content_type, cache))
}

/// A response of `body` with HLS's headers.
fn with_headers(
    body: Body,
    length: Option<u64>,
    content_type: &'static str,
    cache: &'static str,
) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(length) = length {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    // Public media: a player on another origin (a CDN'd page) may read it.
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    resp
}

#[cfg(test)]
mod tests;
