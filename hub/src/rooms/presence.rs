//! Viewer presence, coalesced: buyers joining and leaving a room become at
//! most one `ViewerJoined`/`ViewerLeft` event per room per
//! [`PRESENCE_EVERY`], never stored in `room_events`. Pure: the caller
//! passes `now` and sends (or schedules) what this decides.
//!
//! The first change in a quiet room goes out at once; changes within the
//! next [`PRESENCE_EVERY`] wait and go out together as one event: the last
//! change, with the count at that moment. A single buyer who comes and goes
//! and ends where they began (100 reconnects) sends nothing at all.

use farmlive_protocol::room::RoomEventBody;
use farmlive_protocol::{BuyerId, RoomId};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// At most one presence event per room this often.
pub const PRESENCE_EVERY: Duration = Duration::from_secs(1);

/// A buyer's first stream on a room opened, or their last one closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Started watching.
    Joined,
    /// Stopped watching.
    Left,
}

/// What to do about a change.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// Send this event now.
    Send(RoomEventBody),
    /// Call [`Presence::flush`] for the room after this long.
    FlushAfter(Duration),
    /// Nothing: a flush is already scheduled, or nothing changed.
    Nothing,
}

#[derive(Debug)]
struct Pending {
    first: (BuyerId, Change),
    last: (BuyerId, Change, String),
    one_buyer: bool,
}

#[derive(Debug, Default)]
struct RoomPresence {
    sent_at: Option<Instant>,
    sent_count: u32,
    pending: Option<Pending>,
    scheduled: bool,
}

/// Presence per room, in memory.
#[derive(Debug, Default)]
pub struct Presence {
    rooms: HashMap<RoomId, RoomPresence>,
}

impl Presence {
    /// `buyer` (shown as `name`) joined or left `room`; `count` buyers watch now.
    pub fn change(
        &mut self,
        room: RoomId,
        buyer: BuyerId,
        change: Change,
        name: String,
        count: u32,
        now: Instant,
    ) -> Decision {
        let r = self.rooms.entry(room).or_default();
        match &mut r.pending {
            Some(p) => {
                p.one_buyer &= p.first.0 == buyer;
                p.last = (buyer, change, name);
            }
            None => {
                r.pending = Some(Pending {
                    first: (buyer, change),
                    last: (buyer, change, name),
                    one_buyer: true,
                })
            }
        }
        if r.scheduled {
            return Decision::Nothing;
        }
        if let Some(at) = r.sent_at {
            let since = now.saturating_duration_since(at);
            if since < PRESENCE_EVERY {
                r.scheduled = true;
                return Decision::FlushAfter(PRESENCE_EVERY - since);
            }
        }
        match Self::take(r, count, now) {
            Some(body) => Decision::Send(body),
            None => Decision::Nothing,
        }
    }

    /// The scheduled flush of `room` is due: the coalesced event, if any.
    pub fn flush(&mut self, room: RoomId, count: u32, now: Instant) -> Option<RoomEventBody> {
        let r = self.rooms.get_mut(&room)?;
        r.scheduled = false;
        Self::take(r, count, now)
    }

    fn take(r: &mut RoomPresence, count: u32, now: Instant) -> Option<RoomEventBody> {
        let p = r.pending.take()?;
        // One buyer who ends where they began changed nothing anyone sees.
        if p.one_buyer && p.first.1 != p.last.1 && count == r.sent_count {
            return None;
        }
        r.sent_at = Some(now);
        r.sent_count = count;
        let (_, change, viewer) = p.last;
        Some(match change {
            Change::Joined => RoomEventBody::ViewerJoined {
                viewer,
                viewers: count,
            },
            Change::Left => RoomEventBody::ViewerLeft {
                viewer,
                viewers: count,
            },
        })
    }

    /// Forgets a room (it ended). Rooms are held only while live.
    pub fn clear(&mut self, room: RoomId) {
        self.rooms.remove(&room);
    }

    /// Rooms with presence state held.
    pub fn len(&self) -> usize {
        self.rooms.len()
    }

    /// True if none is held.
    pub fn is_empty(&self) -> bool {
        self.rooms.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(v: &str, n: u32) -> RoomEventBody {
        RoomEventBody::ViewerJoined {
            viewer: v.into(),
            viewers: n,
        }
    }

    #[test]
    fn the_first_change_goes_out_at_once_and_later_ones_together() {
        let mut p = Presence::default();
        let room = RoomId::new();
        let (wang, li) = (BuyerId::new(), BuyerId::new());
        let t0 = Instant::now();
        let d = p.change(room, wang, Change::Joined, "Wang".into(), 1, t0);
        assert_eq!(d, Decision::Send(joined("Wang", 1)));
        let t1 = t0 + Duration::from_millis(300);
        let d = p.change(room, li, Change::Joined, "Li".into(), 2, t1);
        assert_eq!(d, Decision::FlushAfter(Duration::from_millis(700)));
        let d = p.change(room, wang, Change::Left, "Wang".into(), 1, t1);
        assert_eq!(d, Decision::Nothing, "already scheduled");
        let t2 = t0 + PRESENCE_EVERY;
        assert_eq!(
            p.flush(room, 1, t2),
            Some(RoomEventBody::ViewerLeft {
                viewer: "Wang".into(),
                viewers: 1
            })
        );
        assert_eq!(p.flush(room, 1, t2), None, "nothing pending");
        // A quiet second later, the next change goes out at once again.
        let t3 = t2 + PRESENCE_EVERY;
        let d = p.change(room, wang, Change::Joined, "Wang".into(), 2, t3);
        assert_eq!(d, Decision::Send(joined("Wang", 2)));
    }

    #[test]
    fn a_hundred_reconnects_of_one_buyer_send_at_most_one_event_a_second() {
        let mut p = Presence::default();
        let room = RoomId::new();
        let wang = BuyerId::new();
        let t0 = Instant::now();
        let mut sent = 0;
        let mut flush_at = None;
        for i in 0..100u64 {
            let now = t0 + Duration::from_millis(i * 10);
            for (change, count) in [(Change::Joined, 1), (Change::Left, 0)] {
                match p.change(room, wang, change, "Wang".into(), count, now) {
                    Decision::Send(_) => sent += 1,
                    Decision::FlushAfter(d) => flush_at = Some(now + d),
                    Decision::Nothing => {}
                }
            }
        }
        assert_eq!(sent, 1, "the first join");
        let at = flush_at.unwrap();
        // Wang was watching at the last event and is gone now.
        assert_eq!(
            p.flush(room, 0, at),
            Some(RoomEventBody::ViewerLeft {
                viewer: "Wang".into(),
                viewers: 0
            })
        );
        // Join-leave-join within a window after an event: no net change.
        let t = at + PRESENCE_EVERY * 2;
        assert!(matches!(
            p.change(room, wang, Change::Joined, "Wang".into(), 1, t),
            Decision::Send(_)
        ));
        let t = t + Duration::from_millis(10);
        assert!(matches!(
            p.change(room, wang, Change::Left, "Wang".into(), 0, t),
            Decision::FlushAfter(_)
        ));
        p.change(room, wang, Change::Joined, "Wang".into(), 1, t);
        assert_eq!(p.flush(room, 1, t + PRESENCE_EVERY), None);
    }
}
