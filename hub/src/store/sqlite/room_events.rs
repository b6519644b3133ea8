//! Room events in SQLite, their publication to the in-memory feeds after
//! commit, following a room, and viewers joining and leaving (coalesced
//! presence events that are published but never stored).

use super::room_records::{RoomRecord, load_room};
use super::{Store, from_json, now_ms, to_json};
use crate::error::{HubError, Result};
use crate::rooms::{Fanout, FeedItem};
use crate::store::interface::{Following, Principal};
use crate::store::rules::following::{self, LiveRoom};
use farmlive_protocol::room::{RoomEvent, RoomEventBody, RoomStatus};
use farmlive_protocol::{BuyerContact, BuyerId, RoomId};
use rusqlite::{Connection, Transaction, TransactionBehavior, params};
use std::sync::Arc;
use std::time::Duration;

/// Events appended in a transaction, to publish once it commits.
pub(crate) type Emitted = Vec<(RoomId, Arc<FeedItem>)>;

/// Appends an event to `room` and remembers it for publication.
pub(crate) fn append_event(
    conn: &Connection,
    room: RoomId,
    at: i64,
    body: RoomEventBody,
    emitted: &mut Emitted,
) -> Result<RoomEvent> {
    conn.prepare_cached("INSERT INTO room_events (room_id, at, body) VALUES (?1, ?2, ?3)")?
        .execute(params![room.to_string(), at, to_json(&body)?])?;
    let id = u64::try_from(conn.last_insert_rowid())
        .map_err(|_| HubError::Internal("negative event id".into()))?;
    let event = RoomEvent { id, room, at, body };
    emitted.push((room, Arc::new(FeedItem::new(&event)?)));
    Ok(event)
}

/// Commits, then publishes what the transaction appended. The caller still
/// holds the writer, so publications happen in commit order, i.e. id order.
pub(crate) fn commit(tx: Transaction<'_>, fanout: &Fanout, emitted: Emitted) -> Result<()> {
    tx.commit()?;
    fanout.publish(&emitted);
    Ok(())
}

/// How to reach a buyer (rooms show their display name).
pub(crate) fn buyer_contact(conn: &Connection, buyer: BuyerId) -> Result<BuyerContact> {
    let contact: String = conn
        .prepare_cached("SELECT contact FROM buyers WHERE id = ?1")?
        .query_row([buyer.to_string()], |r| r.get(0))?;
    from_json(&contact)
}

fn sql_id(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

/// Following and presence on SQLite: the writer, taken when first
/// needed and held to the end of the call, orders them against commits.
struct SqliteLive<'s> {
    store: &'s Store,
    writer: Option<super::Writer<'s>>,
}

impl<'s> SqliteLive<'s> {
    fn new(store: &'s Store) -> Self {
        SqliteLive {
            store,
            writer: None,
        }
    }

    fn conn(&mut self) -> &mut Connection {
        self.writer.get_or_insert_with(|| self.store.writer())
    }
}

impl LiveRoom for SqliteLive<'_> {
    fn fanout(&self) -> &Fanout {
        &self.store.fanout
    }

    fn hold(&mut self) -> Result<()> {
        self.conn();
        Ok(())
    }

    fn load(&mut self, room: RoomId) -> Result<Option<RoomRecord>> {
        load_room(self.conn(), room)
    }

    fn still_live(&mut self, _: RoomId) -> Result<bool> {
        // The writer was held since the room was read live: nothing ended it.
        Ok(true)
    }

    fn contact(&mut self, buyer: BuyerId) -> Result<BuyerContact> {
        buyer_contact(self.conn(), buyer)
    }

    fn send_if_live(&mut self, room: RoomId, body: RoomEventBody) -> Result<bool> {
        if load_room(self.conn(), room)?.is_none_or(|r| r.status != RoomStatus::Live) {
            return Ok(false);
        }
        let store = self.store;
        store.publish_unstored(self.conn(), room, body)?;
        Ok(true)
    }
}

impl Store {
    /// The events of `room` with ids in `(after, upto]`, at most `limit`,
    /// in id order, ready to send.
    pub(crate) fn room_events(
        &self,
        room: RoomId,
        after: u64,
        upto: Option<u64>,
        limit: u32,
    ) -> Result<Vec<Arc<FeedItem>>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id, at, body FROM room_events
             WHERE room_id = ?1 AND id > ?2 AND id <= ?3 ORDER BY id LIMIT ?4",
        )?;
        let rows = stmt.query_map(
            params![
                room.to_string(),
                sql_id(after),
                sql_id(upto.unwrap_or(u64::MAX)),
                limit
            ],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (id, at, body) = row?;
            let event = RoomEvent {
                id: u64::try_from(id)
                    .map_err(|_| HubError::Internal("negative event id".into()))?,
                room,
                at,
                body: from_json(&body)?,
            };
            out.push(Arc::new(FeedItem::new(&event)?));
        }
        Ok(out)
    }

    /// Starts following `room` as `who` (`rules::following::follow`).
    /// Runs under the writer, so the room's status and its feed agree: if
    /// it is live now, its `Ended` reaches this feed.
    pub(crate) fn follow(&self, room: RoomId, who: &Principal) -> Result<Following> {
        following::follow(&mut SqliteLive::new(self), room, who)
    }

    /// A buyer's stream of `room` closed (`rules::following::viewer_left`).
    pub(crate) fn viewer_left(&self, room: RoomId, buyer: BuyerId) -> Result<Option<Duration>> {
        following::viewer_left(&mut SqliteLive::new(self), room, buyer)
    }

    /// A player of `room` opened or closed (`rules::following::players_changed`).
    pub(crate) fn players_changed(&self, room: RoomId) -> Result<Option<Duration>> {
        following::players_changed(&mut SqliteLive::new(self), room)
    }

    /// Sends the presence of `room` that waited for its turn, if the room
    /// is still live.
    pub(crate) fn flush_presence(&self, room: RoomId) -> Result<()> {
        following::flush_presence(&mut SqliteLive::new(self), room)
    }

    /// Publishes an event that is not stored: it takes the next id of
    /// `room_events` (reserved in `sqlite_sequence`, so no stored event
    /// ever reuses it, even after a restart) and lives only in the feed.
    fn publish_unstored(
        &self,
        conn: &mut Connection,
        room: RoomId,
        body: RoomEventBody,
    ) -> Result<()> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.prepare_cached(
            "INSERT INTO sqlite_sequence (name, seq)
             SELECT 'room_events', COALESCE(MAX(id), 0) FROM room_events
             WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'room_events')",
        )?
        .execute([])?;
        let id: i64 = tx
            .prepare_cached(
                "UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = 'room_events' RETURNING seq",
            )?
            .query_row([], |r| r.get(0))?;
        tx.commit()?;
        let event = RoomEvent {
            id: u64::try_from(id).map_err(|_| HubError::Internal("negative event id".into()))?,
            room,
            at: now_ms(),
            body,
        };
        self.fanout
            .publish(&[(room, Arc::new(FeedItem::new(&event)?))]);
        Ok(())
    }
}
