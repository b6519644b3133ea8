//! Viewer presence, coalesced: buyers joining and leaving a room become at
//! most one `ViewerJoined`/`ViewerLeft` event per room per
//! [`PRESENCE_EVERY`], never stored in `room_events`. Pure: the caller
//! passes `now` and sends (or schedules) what this decides.
//!
//! The first change in a quiet room goes out at once; changes within the
//! next [`PRESENCE_EVERY`] wait and go out together as one event: the last
//! change, with the count at that moment. A single buyer who comes and goes
//! and ends where they began (100 reconnects) sends nothing at all.
//!
//! Players (anonymous HTTP-FLV connections) count too: a change of the
//! player count is coalesced the same way and goes out only if the count
//! everyone sees changed, named [`PLAYER_NAME`] (a player has no name), so
//! 1,000 players joining in a second make one or two events, not 1,000.

use farmlive_protocol::room::RoomEventBody;
use farmlive_protocol::{BuyerId, RoomId};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How a player (no buyer) appears in presence events.
pub const PLAYER_NAME: &str = "viewer";

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

/// The changes waiting for the next event. `last` is `None` while only
/// players changed: the event then says whatever the count did.
#[derive(Debug)]
struct Pending {
    first: Option<(BuyerId, Change)>,
    last: Option<(BuyerId, Change, String)>,
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
                let first = *p.first.get_or_insert((buyer, change));
                p.one_buyer &= first.0 == buyer;
                p.last = Some((buyer, change, name));
            }
            None => {
                r.pending = Some(Pending {
                    first: Some((buyer, change)),
                    last: Some((buyer, change, name)),
                    one_buyer: true,
                })
            }
        }
        Self::decide(r, count, now)
    }

    /// The number of players of `room` changed; `count` watch now (buyers
    /// and players, as [`crate::rooms::Viewers::count`] says).
    pub fn players_changed(&mut self, room: RoomId, count: u32, now: Instant) -> Decision {
        let r = self.rooms.entry(room).or_default();
        match &mut r.pending {
            Some(p) => p.one_buyer = false,
            // Nobody sees a change: nothing to send, nothing to wait for.
            None if count == r.sent_count => return Decision::Nothing,
            None => {
                r.pending = Some(Pending {
                    first: None,
                    last: None,
                    one_buyer: false,
                })
            }
        }
        Self::decide(r, count, now)
    }

    /// Sends `r`'s pending change now, or schedules it.
    fn decide(r: &mut RoomPresence, count: u32, now: Instant) -> Decision {
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
        let (change, viewer) = match (p.first, p.last) {
            // One buyer who ends where they began changed nothing anyone sees.
            (Some(first), Some(last))
                if p.one_buyer && first.1 != last.1 && count == r.sent_count =>
            {
                return None;
            }
            (_, Some((_, change, name))) => (change, name),
            // Only players came and went: only the count tells.
            (_, None) if count == r.sent_count => return None,
            (_, None) if count > r.sent_count => (Change::Joined, PLAYER_NAME.to_owned()),
            (_, None) => (Change::Left, PLAYER_NAME.to_owned()),
        };
        r.sent_at = Some(now);
        r.sent_count = count;
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
    fn a_thousand_players_joining_make_two_events_and_only_count_changes_are_sent() {
        let mut p = Presence::default();
        let room = RoomId::new();
        let t0 = Instant::now();
        let mut sent = Vec::new();
        let mut flush_at = None;
        for i in 1..=1000u32 {
            let now = t0 + Duration::from_micros(u64::from(i) * 500);
            match p.players_changed(room, i, now) {
                Decision::Send(body) => sent.push(body),
                Decision::FlushAfter(d) => flush_at = Some(now + d),
                Decision::Nothing => {}
            }
        }
        assert_eq!(sent, [joined(PLAYER_NAME, 1)], "the first at once");
        let at = flush_at.expect("the rest scheduled");
        assert_eq!(p.flush(room, 1000, at), Some(joined(PLAYER_NAME, 1000)));
        // A buyer's page counts once: its player changes nothing anyone sees.
        let later = at + PRESENCE_EVERY * 2;
        assert_eq!(p.players_changed(room, 1000, later), Decision::Nothing);
        // Players leaving: one event, the count after.
        assert!(matches!(
            p.players_changed(room, 999, later),
            Decision::Send(RoomEventBody::ViewerLeft { viewers: 999, .. })
        ));
        let d = p.players_changed(room, 998, later + Duration::from_millis(10));
        assert_eq!(
            d,
            Decision::FlushAfter(PRESENCE_EVERY - Duration::from_millis(10))
        );
        p.players_changed(room, 999, later + Duration::from_millis(20));
        assert_eq!(
            p.flush(room, 999, later + PRESENCE_EVERY),
            None,
            "back where it was: nothing"
        );
    }

    #[test]
    fn a_buyer_change_keeps_its_name_when_players_change_too() {
        let mut p = Presence::default();
        let room = RoomId::new();
        let wang = BuyerId::new();
        let t0 = Instant::now();
        assert!(matches!(p.players_changed(room, 1, t0), Decision::Send(_)));
        let t1 = t0 + Duration::from_millis(100);
        let d = p.change(room, wang, Change::Joined, "Wang".into(), 2, t1);
        assert!(matches!(d, Decision::FlushAfter(_)));
        assert_eq!(
            p.players_changed(room, 3, t1),
            Decision::Nothing,
            "scheduled"
        );
        assert_eq!(
            p.flush(room, 3, t0 + PRESENCE_EVERY),
            Some(joined("Wang", 3))
        );
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
