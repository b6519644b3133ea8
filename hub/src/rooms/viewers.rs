//! Who watches which room: distinct buyers with at least one open event
//! stream, and anonymous players (open HTTP-FLV connections). Held in
//! memory only, so counts start at zero when the hub starts (followers and
//! players reconnect and count again).
//!
//! A room's count is the larger of the two, not their sum: a buyer's
//! browser on the room page both follows the events and plays the video,
//! and must count once. The cost: signed-in followers who do not play
//! (the `farmlive buyer` simulator, a phone app without the player) are
//! hidden behind the players while there are more players. HLS players
//! are not counted: a playlist fetch names no viewer (players behind one
//! NAT or CDN edge share an address, and a CDN answers most fetches itself).

use farmlive_protocol::{BuyerId, DeviceId, RoomId};
use std::collections::HashMap;
use std::net::IpAddr;

/// Event streams one buyer may hold open on one room. A phone needs one;
/// a few more cover a reconnect racing a half-open old connection, which
/// the hub notices at the next keep-alive. More would let one buyer tie up
/// the hub's sockets.
pub const STREAMS_PER_VIEWER: u32 = 4;

/// Event streams one device may hold open, over all rooms: the farmer's
/// phone follows its one live room; a few more cover reconnects racing
/// half-open connections, as for buyers.
pub const STREAMS_PER_DEVICE: u32 = STREAMS_PER_VIEWER;

/// Anonymous public event streams (room pages without a buyer) one client
/// address may hold, over all rooms. Generous: a village behind one
/// carrier-grade NAT watches together; a script holds no more than this.
pub const PUBLIC_STREAMS_PER_ADDRESS: u32 = 64;

/// Anonymous public event streams the whole hub holds at most: the rest of
/// its connections stay for players, buyers and devices.
pub const PUBLIC_STREAMS_MAX: u32 = 10_000;

/// The buyer already holds [`STREAMS_PER_VIEWER`] streams on the room.
#[derive(Debug, PartialEq, Eq)]
pub struct TooManyStreams;

/// Open connections per buyer per room, per device, and players per room.
#[derive(Debug, Default)]
pub struct Viewers {
    rooms: HashMap<RoomId, HashMap<BuyerId, u32>>,
    devices: HashMap<DeviceId, u32>,
    players: HashMap<RoomId, u32>,
    /// Public streams per client address, and their total.
    public: HashMap<IpAddr, u32>,
    public_total: u32,
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
        let first = *n == 1;
        Ok(first.then(|| self.count(room)))
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
        if buyers.is_empty() {
            self.rooms.remove(&room);
        }
        Some(self.count(room))
    }

    /// Viewers of `room`: distinct buyers following it or players playing
    /// it, whichever are more (see the module's notes).
    pub fn count(&self, room: RoomId) -> u32 {
        let buyers = self.rooms.get(&room).map_or(0, count);
        buyers.max(self.players.get(&room).copied().unwrap_or(0))
    }

    /// An anonymous player (an HTTP-FLV connection) starts playing `room`.
    pub fn player_open(&mut self, room: RoomId) {
        *self.players.entry(room).or_insert(0) += 1;
    }

    /// A player of `room` stopped. Unknown rooms are ignored.
    pub fn player_close(&mut self, room: RoomId) {
        if let Some(n) = self.players.get_mut(&room) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.players.remove(&room);
            }
        }
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

    /// An anonymous client opens a public event stream; refused past
    /// [`PUBLIC_STREAMS_PER_ADDRESS`] for its address or
    /// [`PUBLIC_STREAMS_MAX`] in all.
    pub fn public_open(&mut self, client: IpAddr) -> Result<(), TooManyStreams> {
        if self.public_total >= PUBLIC_STREAMS_MAX {
            return Err(TooManyStreams);
        }
        let n = self.public.entry(client).or_insert(0);
        if *n >= PUBLIC_STREAMS_PER_ADDRESS {
            return Err(TooManyStreams);
        }
        *n += 1;
        self.public_total += 1;
        Ok(())
    }

    /// A public event stream of `client` closed.
    pub fn public_close(&mut self, client: IpAddr) {
        if let Some(n) = self.public.get_mut(&client) {
            *n -= 1;
            self.public_total = self.public_total.saturating_sub(1);
            if *n == 0 {
                self.public.remove(&client);
            }
        }
    }

    /// Players of `room` now (HTTP-FLV connections).
    pub fn players(&self, room: RoomId) -> u32 {
        self.players.get(&room).copied().unwrap_or(0)
    }

    /// Forgets a room (it ended; its streams are closing).
    pub fn clear(&mut self, room: RoomId) {
        self.rooms.remove(&room);
        self.players.remove(&room);
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
    fn players_count_and_a_buyer_who_also_plays_counts_once() {
        let mut v = Viewers::default();
        let (room, other_room) = (RoomId::new(), RoomId::new());
        let (wang, li) = (BuyerId::new(), BuyerId::new());
        v.player_open(room);
        v.player_open(room);
        v.player_open(room);
        assert_eq!(v.count(room), 3, "three anonymous players");
        assert_eq!(v.count(other_room), 0);
        // Wang's browser follows and plays: one of the three players.
        assert_eq!(v.join(room, wang), Ok(Some(3)));
        v.player_close(room);
        v.player_close(room);
        assert_eq!(v.count(room), 1, "Wang, following and playing");
        assert_eq!(v.join(room, li), Ok(Some(2)), "more followers than players");
        v.player_close(room);
        v.player_close(room); // a late close of a player already gone
        assert_eq!(v.count(room), 2);
        assert_eq!(v.leave(room, wang), Some(1));
        assert_eq!(v.leave(room, li), Some(0));
        assert!(v.players.is_empty() && v.rooms.is_empty(), "nothing kept");
        v.player_open(room);
        v.clear(room);
        v.player_close(room);
        assert_eq!(v.count(room), 0, "a cleared room forgets its players");
    }

    #[test]
    fn one_address_holds_a_few_public_streams_at_most() {
        let mut v = Viewers::default();
        let (village, other): (IpAddr, IpAddr) = (
            "203.0.113.7".parse().unwrap(),
            "198.51.100.1".parse().unwrap(),
        );
        for _ in 0..PUBLIC_STREAMS_PER_ADDRESS {
            assert_eq!(v.public_open(village), Ok(()));
        }
        assert_eq!(v.public_open(village), Err(TooManyStreams));
        assert_eq!(v.public_open(other), Ok(()), "other addresses still open");
        v.public_close(village);
        assert_eq!(
            v.public_open(village),
            Ok(()),
            "a closed stream frees a place"
        );
        for _ in 0..PUBLIC_STREAMS_PER_ADDRESS {
            v.public_close(village);
        }
        v.public_close(village); // a late close
        v.public_close(other);
        assert!(v.public.is_empty() && v.public_total == 0, "nothing kept");
    }

    #[test]
    fn the_hub_holds_a_bounded_number_of_public_streams() {
        let mut v = Viewers::default();
        let mut n = 0u32;
        'fill: for a in 0..=255u8 {
            for b in 0..=255u8 {
                let ip = IpAddr::from([10, 0, a, b]);
                if v.public_open(ip).is_err() {
                    break 'fill;
                }
                n += 1;
            }
        }
        assert_eq!(n, PUBLIC_STREAMS_MAX);
        v.public_close(IpAddr::from([10, 0, 0, 0]));
        assert_eq!(v.public_open(IpAddr::from([10, 9, 9, 9])), Ok(()));
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
