//! Per-room in-memory feeds: a bounded ring of recent events, serialised
//! once, and a `watch` channel that wakes followers when one is published.

use crate::error::{HubError, Result};
use farmlive_protocol::RoomId;
use farmlive_protocol::api::PublicRoomEvent;
use farmlive_protocol::room::{RoomEvent, RoomEventBody};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Events kept in memory per room; followers further behind read SQLite.
pub const RING_CAPACITY: usize = 256;
/// How long an ended room's feed stays in memory once nobody follows it.
pub const ENDED_FEED_TTL: Duration = Duration::from_secs(60);
/// How often, at most, ended feeds are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// One published event, serialised once for every follower.
#[derive(Debug, PartialEq, Eq)]
pub struct FeedItem {
    /// The event id.
    pub id: u64,
    /// The whole [`RoomEvent`] as JSON.
    pub json: String,
    /// What anyone may see of it, as JSON (a
    /// [`farmlive_protocol::api::PublicRoomEvent`]): made once, like `json`.
    pub public_json: String,
    /// True for `Ended`: the last event of its room.
    pub ends: bool,
}

impl FeedItem {
    /// Serialises an event.
    pub fn new(event: &RoomEvent) -> Result<FeedItem> {
        Ok(FeedItem {
            id: event.id,
            json: serde_json::to_string(event)
                .map_err(|e| HubError::Internal(format!("cannot encode an event: {e}")))?,
            public_json: serde_json::to_string(&PublicRoomEvent::from(event))
                .map_err(|e| HubError::Internal(format!("cannot encode an event: {e}")))?,
            ends: matches!(event.body, RoomEventBody::Ended),
        })
    }
}

/// What a follower gets when it asks a ring for the events after its cursor.
#[derive(Debug, PartialEq, Eq)]
pub enum Read {
    /// The next events after the cursor, in id order.
    Items(Vec<Arc<FeedItem>>),
    /// Nothing new yet: wait for the next publish.
    Nothing,
    /// Nothing new, and the room has ended: nothing will follow.
    Ended,
    /// The cursor is older than the ring: read the room's events in
    /// `(cursor, upto]` from the database, then ask again from `upto`.
    Older {
        /// The ring holds every event of the room after this id.
        upto: u64,
    },
}

/// The ring of one room: holds every event of the room with an id above
/// `covered_from`, at most `capacity` of them.
#[derive(Debug)]
pub struct Ring {
    items: VecDeque<Arc<FeedItem>>,
    covered_from: u64,
    capacity: usize,
    ended_at: Option<Instant>,
}

impl Ring {
    /// An empty ring that vouches for every event after `covered_from`.
    pub fn new(covered_from: u64, capacity: usize) -> Ring {
        Ring {
            items: VecDeque::new(),
            covered_from,
            capacity: capacity.max(1),
            ended_at: None,
        }
    }

    /// Appends the room's next event (ids increase), evicting the oldest.
    pub fn push(&mut self, item: Arc<FeedItem>, now: Instant) {
        if item.ends {
            self.ended_at = Some(now);
        }
        self.items.push_back(item);
        while self.items.len() > self.capacity {
            if let Some(old) = self.items.pop_front() {
                self.covered_from = old.id;
            }
        }
    }

    /// At most `max` events after `cursor`.
    pub fn read(&self, cursor: u64, max: usize) -> Read {
        if cursor < self.covered_from {
            return Read::Older {
                upto: self.covered_from,
            };
        }
        let start = self.items.partition_point(|i| i.id <= cursor);
        let items: Vec<_> = self.items.range(start..).take(max).cloned().collect();
        if !items.is_empty() {
            Read::Items(items)
        } else if self.ended_at.is_some() {
            Read::Ended
        } else {
            Read::Nothing
        }
    }
}

/// One room's feed.
#[derive(Debug)]
pub struct Feed {
    ring: Mutex<Ring>,
    /// The last id published; followers wait on it.
    notify: watch::Sender<u64>,
}

impl Feed {
    fn new(covered_from: u64) -> Feed {
        Feed {
            ring: Mutex::new(Ring::new(covered_from, RING_CAPACITY)),
            notify: watch::Sender::new(covered_from),
        }
    }

    fn ring(&self) -> MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// At most `max` events after `cursor` (see [`Read`]).
    pub fn read(&self, cursor: u64, max: usize) -> Read {
        self.ring().read(cursor, max)
    }

    /// A receiver that changes on every publish. Mark it seen
    /// (`borrow_and_update`) *before* [`Feed::read`], then wait on
    /// `changed()`: no publish can slip between the two.
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.notify.subscribe()
    }

    fn ended_at(&self) -> Option<Instant> {
        self.ring().ended_at
    }
}

#[derive(Debug)]
struct Inner {
    rooms: HashMap<RoomId, Arc<Feed>>,
    /// Every event with an id up to this one has been published.
    high_water: u64,
    last_sweep: Instant,
}

/// The feeds of all rooms with recent activity.
///
/// Invariant: a room's ring holds every event of the room above its
/// `covered_from`. A feed made by a publish starts just below that event;
/// a feed made for a follower starts at `high_water` (every event up to it
/// is already in SQLite, and later ones will be published into this feed).
/// Both rely on publishes happening in id order, after commit.
#[derive(Debug)]
pub struct Feeds {
    inner: Mutex<Inner>,
}

impl Feeds {
    /// Feeds for a hub whose newest stored event is `high_water`.
    pub fn new(high_water: u64) -> Feeds {
        Feeds {
            inner: Mutex::new(Inner {
                rooms: HashMap::new(),
                high_water,
                last_sweep: Instant::now(),
            }),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Publishes committed events. Call in id order, after commit, while
    /// still holding the database writer (which orders commits).
    pub fn publish(&self, items: &[(RoomId, Arc<FeedItem>)]) {
        let now = Instant::now();
        let mut inner = self.inner();
        for (room, item) in items {
            inner.high_water = inner.high_water.max(item.id);
            let feed = inner
                .rooms
                .entry(*room)
                .or_insert_with(|| Arc::new(Feed::new(item.id.saturating_sub(1))))
                .clone();
            feed.ring().push(item.clone(), now);
            feed.notify.send_replace(item.id);
        }
        Self::maybe_sweep(&mut inner, now);
    }

    /// The feed of a live room, made if need be. Call while holding the
    /// database writer, after checking that the room is live.
    pub fn feed(&self, room: RoomId) -> Arc<Feed> {
        let now = Instant::now();
        let mut inner = self.inner();
        Self::maybe_sweep(&mut inner, now);
        let high_water = inner.high_water;
        inner
            .rooms
            .entry(room)
            .or_insert_with(|| Arc::new(Feed::new(high_water)))
            .clone()
    }

    /// Feeds held now (ended ones included until swept).
    pub fn len(&self) -> usize {
        self.inner().rooms.len()
    }

    /// True if no feed is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops feeds of rooms that ended over [`ENDED_FEED_TTL`] ago and that
    /// nobody follows any more.
    fn maybe_sweep(inner: &mut Inner, now: Instant) {
        if now.duration_since(inner.last_sweep) < SWEEP_EVERY {
            return;
        }
        inner.last_sweep = now;
        Self::sweep(inner, now);
    }

    fn sweep(inner: &mut Inner, now: Instant) {
        inner.rooms.retain(|_, feed| {
            Arc::strong_count(feed) > 1
                || feed
                    .ended_at()
                    .is_none_or(|t| now.duration_since(t) < ENDED_FEED_TTL)
        });
    }

    #[cfg(test)]
    fn sweep_at(&self, now: Instant) {
        Self::sweep(&mut self.inner(), now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: u64, ends: bool) -> Arc<FeedItem> {
        Arc::new(FeedItem {
            id,
            json: format!("{{\"id\":{id}}}"),
            public_json: format!("{{\"id\":{id}}}"),
            ends,
        })
    }

    fn ids(read: Read) -> Vec<u64> {
        match read {
            Read::Items(items) => items.iter().map(|i| i.id).collect(),
            other => panic!("expected items, got {other:?}"),
        }
    }

    #[test]
    fn a_cursor_inside_the_ring_gets_exactly_the_later_events() {
        let now = Instant::now();
        let mut ring = Ring::new(10, 4);
        for id in [12, 15, 16, 20] {
            ring.push(item(id, false), now);
        }
        assert_eq!(ids(ring.read(10, 100)), [12, 15, 16, 20]);
        assert_eq!(ids(ring.read(13, 100)), [15, 16, 20], "ids between events");
        assert_eq!(ids(ring.read(15, 100)), [16, 20]);
        assert_eq!(ids(ring.read(12, 2)), [15, 16], "at most max");
        assert_eq!(ring.read(20, 100), Read::Nothing);
        assert_eq!(
            ring.read(99, 100),
            Read::Nothing,
            "a cursor from the future"
        );
    }

    #[test]
    fn a_cursor_older_than_the_ring_is_sent_to_the_database() {
        let now = Instant::now();
        let mut ring = Ring::new(0, 3);
        for id in 1..=5 {
            ring.push(item(id, false), now);
        }
        // 1 and 2 were evicted: the ring vouches only for ids above 2.
        assert_eq!(ring.read(0, 100), Read::Older { upto: 2 });
        assert_eq!(ring.read(1, 100), Read::Older { upto: 2 });
        assert_eq!(ids(ring.read(2, 100)), [3, 4, 5]);
        // A ring made later vouches for nothing before it.
        let fresh = Ring::new(40, 3);
        assert_eq!(fresh.read(7, 100), Read::Older { upto: 40 });
        assert_eq!(fresh.read(40, 100), Read::Nothing);
    }

    #[test]
    fn an_ended_ring_says_so_once_drained() {
        let now = Instant::now();
        let mut ring = Ring::new(0, 8);
        ring.push(item(1, false), now);
        ring.push(item(2, true), now);
        assert_eq!(ids(ring.read(0, 100)), [1, 2]);
        assert_eq!(ring.read(2, 100), Read::Ended);
    }

    #[test]
    fn publishes_reach_followers_and_feeds_start_at_the_right_place() {
        let feeds = Feeds::new(100);
        let a = RoomId::new();
        let b = RoomId::new();
        // A follower's feed made before any publish vouches from high water.
        let fa = feeds.feed(a);
        assert_eq!(fa.read(50, 10), Read::Older { upto: 100 });
        let mut rx = fa.watch();
        rx.borrow_and_update();
        feeds.publish(&[(a, item(101, false)), (b, item(102, false))]);
        assert!(rx.has_changed().unwrap_or(false));
        assert_eq!(ids(fa.read(100, 10)), [101]);
        // A feed made by a publish vouches from just below its first event.
        let fb = feeds.feed(b);
        assert_eq!(ids(fb.read(101, 10)), [102]);
        assert_eq!(fb.read(100, 10), Read::Older { upto: 101 });
        // A later follower's feed of a new room starts at the newest id.
        let c = RoomId::new();
        assert_eq!(feeds.feed(c).read(102, 10), Read::Nothing);
    }

    #[test]
    fn ended_feeds_are_dropped_after_a_while_unless_followed() {
        let feeds = Feeds::new(0);
        let (a, b) = (RoomId::new(), RoomId::new());
        feeds.publish(&[(a, item(1, true)), (b, item(2, false))]);
        let held = feeds.feed(a);
        let later = Instant::now() + ENDED_FEED_TTL + Duration::from_secs(1);
        feeds.sweep_at(later);
        assert_eq!(feeds.len(), 2, "followed, or live");
        drop(held);
        feeds.sweep_at(later);
        assert_eq!(feeds.len(), 1, "only the live room's feed stays");
    }
}
