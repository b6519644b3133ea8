//! Live rooms in memory: event fan-out, viewers and the comment limit;
//! beside them the farms' bell ([`bell`]), which wakes devices' long polls
//! of the change feed. The lowest layer of the hub: it knows neither the
//! store nor HTTP.
//!
//! How an event reaches 100 followers:
//! - It is appended to `room_events` (SQLite assigns its hub-wide id) in the
//!   same immediate transaction as the change it reports (an order, a pin).
//! - After commit, still holding the single writer connection, it is
//!   serialised once and pushed onto the room's [`Feed`]: a bounded ring of
//!   recent events plus a `watch` channel. The writer lock orders commits,
//!   so feeds receive events in id order with no gap.
//! - A follower marks its `watch` receiver seen, reads the ring after its
//!   cursor, and waits on the channel when there is nothing new: one shared
//!   copy of each event, no database read per event per viewer.
//! - A cursor older than the ring (a late resume, a slow follower) reads
//!   that part from SQLite in pages, then returns to the ring. Feeds of
//!   ended rooms are dropped a minute after nobody follows them; followers
//!   of an ended room replay from SQLite and close after `Ended`.
//!
//! Viewer counts and comment buckets live only in memory: they reset when
//! the hub restarts (followers reconnect and are counted again). Viewers
//! joining and leaving reach followers as coalesced presence events (at
//! most one per room per second, see [`presence`]); those take an id in the
//! same sequence as stored events, so cursors stay in order, but they live
//! only in the feed's ring, never in `room_events`.

pub mod bell;
mod feed;
pub mod limit;
pub mod presence;
mod viewers;

pub use bell::{BellListener, FarmBell};
pub use feed::{ENDED_FEED_TTL, Feed, FeedItem, Feeds, RING_CAPACITY, Read};
pub use limit::{RateLimiter, SharedLimiter};
pub use presence::{PRESENCE_EVERY, Presence};
pub use viewers::{
    PUBLIC_STREAMS_MAX, PUBLIC_STREAMS_PER_ADDRESS, STREAMS_PER_DEVICE, STREAMS_PER_VIEWER,
    TooManyStreams, Viewers,
};

use crate::error::Result;
use farmlive_protocol::room::{COMMENT_BURST, COMMENT_INTERVAL_MS};
use farmlive_protocol::{BuyerId, RoomId};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::watch;

/// How often an event stream sends a keep-alive comment (which keeps
/// proxies and NATs from closing it). A stream whose client is gone is
/// noticed at the next one, so a viewer or device over its stream cap is
/// told to retry after this long.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The in-memory side of live rooms, owned by the store.
#[derive(Debug)]
pub struct Fanout {
    /// Per-room feeds.
    pub feeds: Feeds,
    /// Buyers watching, per room. In memory only: reset when the hub starts.
    viewers: Mutex<Viewers>,
    /// Viewer presence waiting to be sent, per room.
    presence: Mutex<Presence>,
    /// Set when the hub shuts down: open event streams close.
    closing: watch::Sender<bool>,
    /// Rung when a farm's change feed moves.
    pub bell: FarmBell,
}

impl Fanout {
    /// Fan-out for a hub whose newest stored event id is `high_water`.
    pub fn new(high_water: u64) -> Fanout {
        Fanout {
            feeds: Feeds::new(high_water),
            viewers: Mutex::new(Viewers::default()),
            presence: Mutex::new(Presence::default()),
            closing: watch::Sender::new(false),
            bell: FarmBell::default(),
        }
    }

    /// Publishes committed events in id order (see [`Feeds::publish`]);
    /// a room's `Ended` also forgets its viewers and pending presence.
    pub fn publish(&self, items: &[(RoomId, Arc<FeedItem>)]) {
        self.feeds.publish(items);
        for (room, item) in items {
            if item.ends {
                self.viewers().clear(*room);
                self.presence().clear(*room);
            }
        }
    }

    /// The viewer counts.
    pub fn viewers(&self) -> MutexGuard<'_, Viewers> {
        self.viewers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The viewer presence not yet sent.
    pub fn presence(&self) -> MutexGuard<'_, Presence> {
        self.presence.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Closes every open event stream (the hub is shutting down).
    pub fn close_streams(&self) {
        self.closing.send_replace(true);
    }

    /// Changes to `true` when the hub shuts down.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }
}

/// The comment rate limit per (buyer, room): [`COMMENT_BURST`] at once,
/// then one per [`COMMENT_INTERVAL_MS`]. In memory only.
#[derive(Debug)]
pub struct CommentLimiter(SharedLimiter<(BuyerId, RoomId)>);

impl Default for CommentLimiter {
    fn default() -> Self {
        CommentLimiter(SharedLimiter::new(COMMENT_BURST, COMMENT_INTERVAL_MS))
    }
}

impl CommentLimiter {
    /// Takes a token for `buyer` in `room`, or says how long to wait.
    pub fn check(&self, buyer: BuyerId, room: RoomId) -> Result<()> {
        self.0.check(&(buyer, room))
    }
}
