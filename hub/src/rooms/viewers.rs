//! Who watches which room: distinct buyers with at least one open event
//! stream. Held in memory only, so counts start at zero when the hub
//! starts (followers reconnect and count again).

use farmlive_protocol::{BuyerId, DeviceId, RoomId};
use std::collections::HashMap;

/// Event streams one buyer may hold open on one room. A phone needs one;
/// a few more cover a reconnect racing a half-open old connection, which
/// the hub notices at the next keep-alive. More would let one buyer tie up
/// the hub's sockets.
pub const STREAMS_PER_VIEWER: u32 = 4;

/// Event streams one device may hold open, over all rooms: the farmer's
/// phone follows its one live room; a few more cover reconnects racing
/// half-open connections, as for buyers.
pub const STREAMS_PER_DEVICE: u32 = STREAMS_PER_VIEWER;

/// The buyer already holds [`STREAMS_PER_VIEWER`] streams on the room.
#[derive(Debug, PartialEq, Eq)]
pub struct TooManyStreams;

/// Open connections per buyer per room, and per device.
#[derive(Debug, Default)]
pub struct Viewers {
    rooms: HashMap<RoomId, HashMap<BuyerId, u32>>,
    devices: HashMap<DeviceId, u32>,
}

impl Viewers {
    /// A buyer opens a stream. `Some(viewers)` if this is their first,
    /// i.e. they just joined; refused past [`STREAMS_PER_VIEWER`].
    pub fn join(&mut self, room: RoomId, buyer: BuyerId) -> Result<Option<u32>, TooManyStreams> {
        let buyers = self.rooms.entry(room).or_default();
        let n = buyers.entry(buyer).or_insert(0);
        if *n >= STREAMS_PER_VIEWER {
            return Err(TooManyStreams);
        }
        *n += 1;
        Ok((*n == 1).then(|| count(buyers)))
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

    /// A device opens an event stream; refused past [`STREAMS_PER_DEVICE`].
    pub fn device_open(&mut self, device: DeviceId) -> Result<(), TooManyStreams> {
        let n = self.devices.entry(device).or_insert(0);
        if *n >= STREAMS_PER_DEVICE {
            return Err(TooManyStreams);
        }
        *n += 1;
        Ok(())
    }

    /// A device's event stream closed.
    pub fn device_close(&mut self, device: DeviceId) {
        if let Some(n) = self.devices.get_mut(&device) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.devices.remove(&device);
            }
        }
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
        assert_eq!(v.join(room, wang), Ok(Some(1)));
        assert_eq!(v.join(room, wang), Ok(None), "second stream: no new viewer");
        assert_eq!(v.join(room, li), Ok(Some(2)));
        assert_eq!(v.leave(room, wang), None, "one stream still open");
        assert_eq!(v.count(room), 2);
        assert_eq!(v.leave(room, wang), Some(1));
        assert_eq!(v.leave(room, wang), None, "already gone");
        assert_eq!(v.leave(room, li), Some(0));
        assert_eq!(v.count(room), 0);
        assert!(v.rooms.is_empty(), "nothing kept for empty rooms");
    }

    #[test]
    fn one_buyer_cannot_hold_more_than_a_few_streams() {
        let mut v = Viewers::default();
        let (room, other_room) = (RoomId::new(), RoomId::new());
        let (wang, li) = (BuyerId::new(), BuyerId::new());
        for _ in 0..STREAMS_PER_VIEWER {
            assert!(v.join(room, wang).is_ok());
        }
        assert_eq!(v.join(room, wang), Err(TooManyStreams));
        assert_eq!(v.join(room, li), Ok(Some(2)), "other buyers still join");
        assert_eq!(v.join(other_room, wang), Ok(Some(1)), "per room");
        assert_eq!(v.leave(room, wang), None);
        assert_eq!(
            v.join(room, wang),
            Ok(None),
            "a closed stream frees a place"
        );
        assert_eq!(v.count(room), 2);
    }

    #[test]
    fn a_device_holds_a_few_streams_at_most() {
        let mut v = Viewers::default();
        let (phone, other) = (DeviceId::new(), DeviceId::new());
        for _ in 0..STREAMS_PER_DEVICE {
            assert_eq!(v.device_open(phone), Ok(()));
        }
        assert_eq!(v.device_open(phone), Err(TooManyStreams));
        assert_eq!(v.device_open(other), Ok(()));
        v.device_close(phone);
        assert_eq!(
            v.device_open(phone),
            Ok(()),
            "a closed stream frees a place"
        );
        for _ in 0..=STREAMS_PER_DEVICE {
            v.device_close(phone);
        }
        v.device_close(other);
        assert!(v.devices.is_empty());
    }

    #[test]
    fn a_cleared_room_ignores_late_leaves() {
        let mut v = Viewers::default();
        let room = RoomId::new();
        let b = BuyerId::new();
        assert!(v.join(room, b).is_ok());
        v.clear(room);
        assert_eq!(v.leave(room, b), None);
        assert_eq!(v.count(room), 0);
    }
}
