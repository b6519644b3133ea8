//! Who watches which room: distinct buyers with at least one open event
//! stream. Held in memory only, so counts start at zero when the hub
//! starts (followers reconnect and count again).

use farmlive_protocol::{BuyerId, RoomId};
use std::collections::HashMap;

/// Open connections per buyer per room.
#[derive(Debug, Default)]
pub struct Viewers {
    rooms: HashMap<RoomId, HashMap<BuyerId, u32>>,
}

impl Viewers {
    /// A buyer opened a stream. `Some(viewers)` if this is their first,
    /// i.e. they just joined.
    pub fn join(&mut self, room: RoomId, buyer: BuyerId) -> Option<u32> {
        let buyers = self.rooms.entry(room).or_default();
        let n = buyers.entry(buyer).or_insert(0);
        *n = n.saturating_add(1);
        (*n == 1).then(|| count(buyers))
    }

    /// A buyer's stream closed. `Some(viewers)` if it was their last, i.e.
    /// they just left. Unknown rooms and buyers are ignored.
    pub fn leave(&mut self, room: RoomId, buyer: BuyerId) -> Option<u32> {
        let buyers = self.rooms.get_mut(&room)?;
        let n = buyers.get_mut(&buyer)?;
        *n -= 1;
        if *n > 0 {
            return None;
        }
        buyers.remove(&buyer);
        let left = count(buyers);
        if buyers.is_empty() {
            self.rooms.remove(&room);
        }
        Some(left)
    }

    /// Distinct buyers watching `room`.
    pub fn count(&self, room: RoomId) -> u32 {
        self.rooms.get(&room).map_or(0, count)
    }

    /// Forgets a room (it ended; its streams are closing).
    pub fn clear(&mut self, room: RoomId) {
        self.rooms.remove(&room);
    }
}

fn count(buyers: &HashMap<BuyerId, u32>) -> u32 {
    u32::try_from(buyers.len()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buyer_counts_once_however_many_streams() {
        let mut v = Viewers::default();
        let room = RoomId::new();
        let (wang, li) = (BuyerId::new(), BuyerId::new());
        assert_eq!(v.join(room, wang), Some(1));
        assert_eq!(v.join(room, wang), None, "second stream: no new viewer");
        assert_eq!(v.join(room, li), Some(2));
        assert_eq!(v.leave(room, wang), None, "one stream still open");
        assert_eq!(v.count(room), 2);
        assert_eq!(v.leave(room, wang), Some(1));
        assert_eq!(v.leave(room, wang), None, "already gone");
        assert_eq!(v.leave(room, li), Some(0));
        assert_eq!(v.count(room), 0);
        assert!(v.rooms.is_empty(), "nothing kept for empty rooms");
    }

    #[test]
    fn a_cleared_room_ignores_late_leaves() {
        let mut v = Viewers::default();
        let room = RoomId::new();
        let b = BuyerId::new();
        v.join(room, b);
        v.clear(room);
        assert_eq!(v.leave(room, b), None);
        assert_eq!(v.count(room), 0);
    }
}
