//! Room events on PostgreSQL (the one writer of `room_events`; ids from
//! the `room_events` counter, `counters.rs`), and following a room with
//! viewers' presence (`rules/following.rs`).
//!
//! A commit does not publish to this process's feeds: every event is
//! announced with `NOTIFY` inside its transaction (so delivered at commit,
//! in commit order, which the counter makes id order) and published by
//! `listen.rs`, in every process alike. A stored event's notification
//! carries its id only (the listener reads the rows); a presence event,
//! never stored, carries itself.

use super::backend::PgStore;
use super::event_wire::{self, event_of_row};
use super::pool::Conn;
use super::room_records::{RoomLock, load_room};
use super::{counters, now_ms, to_json};
use crate::error::{HubError, Result};
use crate::rooms::{Fanout, FeedItem};
use crate::store::interface::{Following, Principal};
use crate::store::rules::following::{self, LiveRoom};
use crate::store::rules::rooms::RoomRecord;
use farmlive_protocol::room::{RoomEvent, RoomEventBody, RoomStatus};
use farmlive_protocol::{BuyerContact, BuyerId, RoomId};
use std::sync::Arc;
use std::time::Duration;

/// An event appended in a transaction, numbered when it commits.
pub(super) type Pending = (RoomId, i64, RoomEventBody);

fn sql_id(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

/// Stores the events a transaction appended, numbered last (call it just
/// before the commit, after the change feed's numbers), and notifies
/// every listener at commit. The events as stored, in order.
pub(super) fn insert(conn: &Conn<'_>, pending: Vec<Pending>) -> Result<Vec<RoomEvent>> {
    let k = pending.len() as i64;
    if k == 0 {
        return Ok(Vec::new());
    }
    let last = counters::take_room_events(conn, k)?;
    let mut events = Vec::with_capacity(pending.len());
    let (mut ids, mut rooms, mut ats, mut bodies) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (id, (room, at, body)) in (last - k + 1..=last).zip(pending) {
        ids.push(id);
        rooms.push(room.to_string());
        ats.push(at);
        bodies.push(to_json(&body)?);
        let id = u64::try_from(id).map_err(|_| HubError::Internal("negative event id".into()))?;
        events.push(RoomEvent { id, room, at, body });
    }
    conn.execute(
        "INSERT INTO room_events (id, room_id, at, body)
         SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::text[])",
        &[&ids, &rooms, &ats, &bodies],
    )?;
    notify(conn, &event_wire::stored_payload(last))?;
    Ok(events)
}

fn notify(conn: &Conn<'_>, payload: &str) -> Result<()> {
    conn.execute(
        "SELECT pg_notify($1, $2)",
        &[&event_wire::CHANNEL, &payload],
    )?;
    Ok(())
}

/// The id of the room's latest stored event (0 if none).
pub(super) fn last_event(conn: &Conn<'_>, room: RoomId) -> Result<u64> {
    let last: i64 = conn
        .query_one(
            "SELECT COALESCE(MAX(id), 0)::bigint FROM room_events WHERE room_id = $1",
            &[&room.to_string()],
        )?
        .get(0);
    Ok(u64::try_from(last).unwrap_or(0))
}

/// Following and presence on PostgreSQL: each read is a statement of its
/// own; an event not stored is sent in a transaction that sees the room
/// live (and keeps it so until it commits).
struct PgLive<'s> {
    store: &'s PgStore,
}

impl LiveRoom for PgLive<'_> {
    fn fanout(&self) -> &Fanout {
        &self.store.fanout
    }

    fn hold(&mut self) -> Result<()> {
        // Nothing to hold: the feed is taken before the room's status is
        // read (see `still_live`), and events reach it through `listen.rs`.
        Ok(())
    }

    fn load(&mut self, room: RoomId) -> Result<Option<RoomRecord>> {
        load_room(&self.store.pool.get()?, room, RoomLock::Read)
    }

    fn still_live(&mut self, room: RoomId) -> Result<bool> {
        // The feed was made at the published high water: an `Ended` not
        // committed yet will take a higher id, and so reach it.
        let rec = self.load(room)?;
        Ok(rec.is_some_and(|r| r.status == RoomStatus::Live))
    }

    fn contact(&mut self, buyer: BuyerId) -> Result<BuyerContact> {
        super::buyers::contact(&self.store.pool.get()?, buyer)
    }

    fn send_if_live(&mut self, room: RoomId, body: RoomEventBody) -> Result<bool> {
        let conn = self.store.pool.get()?;
        conn.transaction("BEGIN", |tx| {
            let live = load_room(tx, room, RoomLock::Share)?;
            if live.is_none_or(|r| r.status != RoomStatus::Live) {
                return Ok(false);
            }
            let id = counters::take_room_events(tx, 1)?;
            let event = RoomEvent {
                id: u64::try_from(id)
                    .map_err(|_| HubError::Internal("negative event id".into()))?,
                room,
                at: now_ms(),
                body: body.clone(),
            };
            notify(tx, &event_wire::unstored_payload(&event)?)?;
            Ok(true)
        })
    }
}

impl PgStore {
    /// The events of `room` with ids in `(after, upto]`, at most `limit`,
    /// in id order, ready to send.
    pub(super) fn read_room_events(
        &self,
        room: RoomId,
        after: u64,
        upto: Option<u64>,
        limit: u32,
    ) -> Result<Vec<Arc<FeedItem>>> {
        let rows = self.pool.get()?.query(
            "SELECT id, room_id, at, body FROM room_events
             WHERE room_id = $1 AND id > $2 AND id <= $3 ORDER BY id LIMIT $4",
            &[
                &room.to_string(),
                &sql_id(after),
                &sql_id(upto.unwrap_or(u64::MAX)),
                &i64::from(limit),
            ],
        )?;
        rows.iter()
            .map(|row| Ok(Arc::new(FeedItem::new(&event_of_row(row)?)?)))
            .collect()
    }

    /// Starts following `room` as `who` (`rules::following::follow`).
    pub(super) fn follow_room(&self, room: RoomId, who: &Principal) -> Result<Following> {
        following::follow(&mut PgLive { store: self }, room, who)
    }

    /// A buyer's stream of `room` closed (`rules::following::viewer_left`).
    pub(super) fn leave_room(&self, room: RoomId, buyer: BuyerId) -> Result<Option<Duration>> {
        following::viewer_left(&mut PgLive { store: self }, room, buyer)
    }

    /// A player of `room` opened or closed.
    pub(super) fn room_players_changed(&self, room: RoomId) -> Result<Option<Duration>> {
        following::players_changed(&mut PgLive { store: self }, room)
    }

    /// Sends the presence of `room` that waited for its turn.
    pub(super) fn flush_room_presence(&self, room: RoomId) -> Result<()> {
        following::flush_presence(&mut PgLive { store: self }, room)
    }
}
