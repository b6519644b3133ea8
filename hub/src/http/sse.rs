//! One follower's event stream: replay after the cursor, then live events,
//! in id order, each once; closes after `Ended` or when the hub stops.

use super::state::AppState;
use crate::error::{HubError, Result};
use crate::rooms::{Feed, FeedItem, KEEP_ALIVE, Read};
use crate::store::interface::{Following, Principal};
use axum::response::sse::{Event, KeepAlive, Sse};
use farmlive_protocol::room::{RoomStatus, SSE_EVENT_NAME};
use farmlive_protocol::{BuyerId, DeviceId, RoomId};
use futures_util::stream::Stream;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// What a reconnecting client waits before retrying, sent first.
pub const RETRY: Duration = Duration::from_millis(1000);
/// Events read from SQLite at a time, and taken from the ring at a time.
const PAGE: u32 = 256;

/// Counts a buyer as a viewer while their stream lives; when axum drops the
/// stream (client gone, room ended, hub stopping), they leave.
struct ViewerGuard {
    state: Arc<AppState>,
    room: RoomId,
    buyer: BuyerId,
}

impl Drop for ViewerGuard {
    fn drop(&mut self) {
        let (state, room, buyer) = (self.state.clone(), self.room, self.buyer);
        let leave = move || match state.store.viewer_left(room, buyer) {
            Ok(Some(after)) => schedule_presence(state, room, after),
            Ok(None) => {}
            Err(e) => tracing::warn!(target: "farmlive::hub", "viewer left {room}: {e}"),
        };
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn_blocking(leave);
            }
            Err(_) => leave(),
        }
    }
}

/// Counts one of a device's event streams while it lives.
pub(super) struct DeviceStreamGuard {
    state: Arc<AppState>,
    device: DeviceId,
}

impl Drop for DeviceStreamGuard {
    fn drop(&mut self) {
        self.state
            .store
            .fanout()
            .viewers()
            .device_close(self.device);
    }
}

/// Counts one more event stream (or held long poll) of `device`; past
/// [`crate::rooms::STREAMS_PER_DEVICE`] it is told to retry after the
/// next keep-alive, when a half-open old stream has been noticed.
pub(super) fn device_stream(state: &Arc<AppState>, device: DeviceId) -> Result<DeviceStreamGuard> {
    state
        .store
        .fanout()
        .viewers()
        .device_open(device)
        .map_err(|_| HubError::RateLimited {
            retry_after_secs: KEEP_ALIVE.as_secs(),
        })?;
    Ok(DeviceStreamGuard {
        state: state.clone(),
        device,
    })
}

/// Counts an anonymous public stream against its client address while
/// it lives.
struct PublicStreamGuard {
    state: Arc<AppState>,
    client: IpAddr,
}

impl Drop for PublicStreamGuard {
    fn drop(&mut self) {
        self.state
            .store
            .fanout()
            .viewers()
            .public_close(self.client);
    }
}

/// Sends the room's waiting presence after `after` (at once if no runtime).
pub(crate) fn schedule_presence(state: Arc<AppState>, room: RoomId, after: Duration) {
    let flush = move || {
        if let Err(e) = state.store.flush_presence(room) {
            tracing::warn!(target: "farmlive::hub", "viewers of {room}: {e}");
        }
    };
    match tokio::runtime::Handle::try_current() {
        Ok(rt) => {
            rt.spawn(async move {
                tokio::time::sleep(after).await;
                let _ = tokio::task::spawn_blocking(flush).await;
            });
        }
        Err(_) => flush(),
    }
}

enum Source {
    /// A live room: the ring, and SQLite for what it no longer holds.
    Live {
        feed: Arc<Feed>,
        changed: watch::Receiver<u64>,
    },
    /// An ended room: SQLite only, then close.
    Stored,
}

struct Follower {
    state: Arc<AppState>,
    room: RoomId,
    /// Everything of the room up to here has been queued or sent.
    cursor: u64,
    source: Source,
    queue: VecDeque<Arc<FeedItem>>,
    /// Sends each event's public form (see [`subscribe_public`]).
    public: bool,
    greeted: bool,
    done: bool,
    closing: watch::Receiver<bool>,
    _viewer: Option<ViewerGuard>,
    _device: Option<DeviceStreamGuard>,
    _public: Option<PublicStreamGuard>,
}

/// A follower admitted to a room, a buyer counted as a viewer, a device's
/// stream counted against its cap.
pub(crate) struct Subscription {
    following: Following,
    viewer: Option<ViewerGuard>,
    device: Option<DeviceStreamGuard>,
    public: Option<PublicStreamGuard>,
}

/// Admits `who` to `room` (blocking: run off the async threads). The
/// guards are made here, so a request abandoned while this runs still
/// uncounts its viewer and frees its device's place. A device past
/// [`crate::rooms::STREAMS_PER_DEVICE`] streams is told to retry after the next
/// keep-alive, when a half-open old stream has been noticed.
pub(crate) fn subscribe(
    state: Arc<AppState>,
    room: RoomId,
    who: &Principal,
) -> Result<Subscription> {
    let device = match who {
        Principal::Device { id, .. } => Some(device_stream(&state, *id)?),
        Principal::Buyer(_) => None,
    };
    let following = state.store.follow(room, who)?;
    let viewer = match following {
        Following::Live {
            viewer: Some(buyer),
            flush_after,
            ..
        } => {
            if let Some(after) = flush_after {
                schedule_presence(state.clone(), room, after);
            }
            Some(ViewerGuard {
                state: state.clone(),
                room,
                buyer,
            })
        }
        _ => None,
    };
    Ok(Subscription {
        following,
        viewer,
        device,
        public: None,
    })
}

/// Admits an anonymous client at `client` to `room`'s public events
/// (blocking: run off the async threads): no viewer is counted (its player
/// is), and the client's address holds at most
/// [`crate::rooms::PUBLIC_STREAMS_PER_ADDRESS`] such streams, the hub at
/// most [`crate::rooms::PUBLIC_STREAMS_MAX`]; past them, retry after the
/// next keep-alive, when closed streams have been noticed.
pub(crate) fn subscribe_public(
    state: Arc<AppState>,
    room: RoomId,
    client: IpAddr,
) -> Result<Subscription> {
    let view = state.store.room(room)?;
    state
        .store
        .fanout()
        .viewers()
        .public_open(client)
        .map_err(|_| HubError::RateLimited {
            retry_after_secs: KEEP_ALIVE.as_secs(),
        })?;
    let public = PublicStreamGuard {
        state: state.clone(),
        client,
    };
    // An ended room replays from SQLite; a live one follows its feed (a
    // room ending meanwhile still sends `Ended`, from the feed or SQLite).
    let following = if view.status == RoomStatus::Ended {
        Following::Ended
    } else {
        Following::Live {
            feed: state.store.fanout().feeds.feed(room),
            viewer: None,
            flush_after: None,
        }
    };
    Ok(Subscription {
        following,
        viewer: None,
        device: None,
        public: Some(public),
    })
}

/// The SSE response for a follower of `room` after `cursor`.
pub(crate) fn respond(
    state: Arc<AppState>,
    room: RoomId,
    cursor: u64,
    sub: Subscription,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let source = match sub.following {
        Following::Live { feed, .. } => Source::Live {
            changed: feed.watch(),
            feed,
        },
        Following::Ended => Source::Stored,
    };
    let follower = Follower {
        closing: state.store.fanout().closing(),
        state,
        room,
        cursor,
        source,
        queue: VecDeque::new(),
        public: sub.public.is_some(),
        greeted: false,
        done: false,
        _viewer: sub.viewer,
        _device: sub.device,
        _public: sub.public,
    };
    let stream = futures_util::stream::unfold(follower, |mut f| async move {
        let event = f.next_event().await?;
        Some((Ok(event), f))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("keep-alive"))
}

impl Follower {
    async fn next_event(&mut self) -> Option<Event> {
        if !self.greeted {
            self.greeted = true;
            return Some(Event::default().retry(RETRY));
        }
        loop {
            if self.done {
                return None;
            }
            if *self.closing.borrow() {
                // This process is shutting down: say so, and when to come
                // back (through the load balancer, to another process,
                // with Last-Event-ID).
                self.done = true;
                return Some(Event::default().comment("draining").retry(RETRY));
            }
            if let Some(item) = self.queue.pop_front() {
                self.done = item.ends;
                return Some(
                    Event::default()
                        .id(item.id.to_string())
                        .event(SSE_EVENT_NAME)
                        .data(if self.public {
                            &item.public_json
                        } else {
                            &item.json
                        }),
                );
            }
            match &mut self.source {
                Source::Stored => {
                    let page = self.stored(None).await?;
                    if page.is_empty() {
                        return None;
                    }
                    self.take(page, None);
                }
                Source::Live { feed, changed } => {
                    // Seen before reading: a publish after this wakes us.
                    changed.borrow_and_update();
                    match feed.read(self.cursor, PAGE as usize) {
                        Read::Items(items) => self.take(items, None),
                        Read::Ended => return None,
                        Read::Older { upto } => {
                            let page = self.stored(Some(upto)).await?;
                            self.take(page, Some(upto));
                        }
                        Read::Nothing => {
                            tokio::select! {
                                r = changed.changed() => r.ok()?,
                                r = self.closing.changed() => r.ok()?,
                            }
                        }
                    }
                }
            }
        }
    }

    /// Queues `items` (the events after the cursor, in order) and moves the
    /// cursor: to the last one, or to `upto` when a short page from SQLite
    /// shows nothing else lies before it.
    fn take(&mut self, items: Vec<Arc<FeedItem>>, upto: Option<u64>) {
        let short = items.len() < PAGE as usize;
        if let Some(last) = items.last() {
            self.cursor = last.id;
        }
        if let Some(upto) = upto.filter(|_| short) {
            self.cursor = self.cursor.max(upto);
        }
        self.queue.extend(items);
    }

    /// The room's events after the cursor (up to `upto`) from SQLite. A
    /// database failure ends the stream; the client resumes from its last id.
    async fn stored(&self, upto: Option<u64>) -> Option<Vec<Arc<FeedItem>>> {
        let (state, room, after) = (self.state.clone(), self.room, self.cursor);
        let read =
            tokio::task::spawn_blocking(move || state.store.room_events(room, after, upto, PAGE))
                .await;
        match read {
            Ok(Ok(page)) => Some(page),
            Ok(Err(e)) => {
                tracing::warn!(target: "farmlive::hub", "room {room} events: {e}");
                None
            }
            Err(e) => {
                tracing::warn!(target: "farmlive::hub", "room {room} events: {e}");
                None
            }
        }
    }
}
