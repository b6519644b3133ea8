//! Following a live room and the viewers' presence, whichever database
//! holds the rooms: who may follow, a buyer counted as a viewer while
//! their stream is open, and the coalesced presence events (published,
//! never stored) that say so. The counts and the coalescing live in the
//! store's [`Fanout`] (per process); a backend says how it reads a room,
//! orders this against its commits, and sends an event it does not store.

use super::rooms::{RoomRecord, may_follow};
use crate::error::{HubError, Result};
use crate::rooms::presence::{Change, Decision};
use crate::rooms::{Fanout, KEEP_ALIVE};
use crate::store::interface::{Following, Principal};
use farmlive_protocol::room::{RoomEventBody, RoomStatus, display_name};
use farmlive_protocol::{BuyerContact, BuyerId, RoomId};
use std::time::{Duration, Instant};

/// What following and presence need of a backend, for one call.
pub(crate) trait LiveRoom {
    /// The in-memory feeds, viewers and presence.
    fn fanout(&self) -> &Fanout;
    /// Orders the rest of this call against the backend's commits where
    /// it must (SQLite: takes the writer, held until the call ends).
    fn hold(&mut self) -> Result<()>;
    /// A room as stored now.
    fn load(&mut self, room: RoomId) -> Result<Option<RoomRecord>>;
    /// Asked after a live room's feed was taken: is it still live? A room
    /// live then ends later, with an event that reaches that feed.
    fn still_live(&mut self, room: RoomId) -> Result<bool>;
    /// How to reach a buyer (presence shows their display name).
    fn contact(&mut self, buyer: BuyerId) -> Result<BuyerContact>;
    /// Sends an event that is not stored (it takes the next event id), if
    /// the room is still live: false if it is not.
    fn send_if_live(&mut self, room: RoomId, body: RoomEventBody) -> Result<bool>;
}

fn is_live(rec: Option<RoomRecord>) -> bool {
    rec.is_some_and(|r| r.status == RoomStatus::Live)
}

/// Starts following `room` as `who`: the farm's devices and any buyer.
/// A buyer on a live room becomes a viewer (`ViewerJoined` on their
/// first connection).
pub(crate) fn follow(io: &mut impl LiveRoom, room: RoomId, who: &Principal) -> Result<Following> {
    io.hold()?;
    let rec = io.load(room)?.ok_or(HubError::NotFound("no such room"))?;
    may_follow(who, &rec)?;
    if rec.status == RoomStatus::Ended {
        return Ok(Following::Ended);
    }
    let feed = io.fanout().feeds.feed(room);
    if !io.still_live(room)? {
        return Ok(Following::Ended);
    }
    let Principal::Buyer(buyer) = who else {
        return Ok(Following::Live {
            feed,
            viewer: None,
            flush_after: None,
        });
    };
    // A stale stream is noticed at the next keep-alive: retry after it.
    let joined = io
        .fanout()
        .viewers()
        .join(room, *buyer)
        .map_err(|_| HubError::RateLimited {
            retry_after_secs: KEEP_ALIVE.as_secs(),
        })?;
    let mut flush_after = None;
    if let Some(viewers) = joined {
        match presence(io, room, *buyer, Change::Joined, viewers) {
            Ok(after) => flush_after = after,
            Err(e) => {
                io.fanout().viewers().leave(room, *buyer);
                return Err(e);
            }
        }
    }
    Ok(Following::Live {
        feed,
        viewer: Some(*buyer),
        flush_after,
    })
}

/// A buyer's stream of `room` closed: if it was their last and the room
/// is still live, they left (no event follows `Ended`). Returns when to
/// flush the presence, if at all.
pub(crate) fn viewer_left(
    io: &mut impl LiveRoom,
    room: RoomId,
    buyer: BuyerId,
) -> Result<Option<Duration>> {
    io.hold()?;
    let Some(viewers) = io.fanout().viewers().leave(room, buyer) else {
        return Ok(None);
    };
    if !is_live(io.load(room)?) {
        return Ok(None);
    }
    presence(io, room, buyer, Change::Left, viewers)
}

/// A player of `room` opened or closed: a presence event now, later or
/// not at all (only if the count changed). The backend is held only to
/// send: a thousand players joining contend for the presence lock, not
/// the database.
pub(crate) fn players_changed(io: &mut impl LiveRoom, room: RoomId) -> Result<Option<Duration>> {
    let count = io.fanout().viewers().count(room);
    let decision = io
        .fanout()
        .presence()
        .players_changed(room, count, Instant::now());
    match decision {
        Decision::Send(body) => {
            io.hold()?;
            send(io, room, body).map(|()| None)
        }
        Decision::FlushAfter(after) => Ok(Some(after)),
        Decision::Nothing => Ok(None),
    }
}

/// Sends the presence of `room` that waited for its turn, if the room is
/// still live.
pub(crate) fn flush_presence(io: &mut impl LiveRoom, room: RoomId) -> Result<()> {
    io.hold()?;
    let count = io.fanout().viewers().count(room);
    let Some(body) = io.fanout().presence().flush(room, count, Instant::now()) else {
        return Ok(());
    };
    send(io, room, body)
}

/// Sends a presence event; a room no longer live forgets its presence.
fn send(io: &mut impl LiveRoom, room: RoomId, body: RoomEventBody) -> Result<()> {
    if !io.send_if_live(room, body)? {
        io.fanout().presence().clear(room);
    }
    Ok(())
}

/// A viewer change: sent now, later, or not at all.
fn presence(
    io: &mut impl LiveRoom,
    room: RoomId,
    buyer: BuyerId,
    change: Change,
    viewers: u32,
) -> Result<Option<Duration>> {
    let name = display_name(&io.contact(buyer)?.name);
    let decision =
        io.fanout()
            .presence()
            .change(room, buyer, change, name, viewers, Instant::now());
    match decision {
        Decision::Send(body) => io.send_if_live(room, body).map(|_| None),
        Decision::FlushAfter(after) => Ok(Some(after)),
        Decision::Nothing => Ok(None),
    }
}
