//! Room events in SQLite, their publication to the in-memory feeds after
//! commit, following a room, and viewers joining and leaving (coalesced
//! presence events that are published but never stored).

use super::room_records::load_room;
use super::{Store, from_json, now_ms, to_json};
use crate::error::{HubError, Result};
use crate::rooms::presence::{Change, Decision};
use crate::rooms::{Fanout, FeedItem, KEEP_ALIVE};
use crate::store::interface::{Following, Principal};
use farmlive_protocol::roles::{Capability, allows};
use farmlive_protocol::room::{RoomEvent, RoomEventBody, RoomStatus, display_name};
use farmlive_protocol::{BuyerContact, BuyerId, RoomId};
use rusqlite::{Connection, Transaction, TransactionBehavior, params};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    fanout.feeds.publish(&emitted);
    for (room, item) in &emitted {
        if item.ends {
            fanout.viewers().clear(*room);
            fanout.presence().clear(*room);
        }
    }
    Ok(())
}

/// How a buyer appears in rooms.
pub(crate) fn buyer_display_name(conn: &Connection, buyer: BuyerId) -> Result<String> {
    let contact: String = conn
        .prepare_cached("SELECT contact FROM buyers WHERE id = ?1")?
        .query_row([buyer.to_string()], |r| r.get(0))?;
    let contact: BuyerContact = from_json(&contact)?;
    Ok(display_name(&contact.name))
}

fn sql_id(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
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

    /// Starts following `room` as `who`: the farm's devices and any buyer.
    /// A buyer on a live room becomes a viewer (`ViewerJoined` on their
    /// first connection). Runs under the writer, so the room's status and
    /// its feed agree: if it is live now, its `Ended` reaches this feed.
    pub(crate) fn follow(&self, room: RoomId, who: &Principal) -> Result<Following> {
        let mut conn = self.writer();
        let rec = load_room(&conn, room)?.ok_or(HubError::NotFound("no such room"))?;
        if let Principal::Device { farms, role, .. } = who {
            if !allows(*role, Capability::RunRooms) {
                return Err(HubError::Forbidden(Capability::RunRooms.refusal()));
            }
            if !farms.contains(&rec.farm) {
                return Err(HubError::Forbidden(
                    "only the farm's devices and buyers may follow a room",
                ));
            }
        }
        if rec.status == RoomStatus::Ended {
            return Ok(Following::Ended);
        }
        let feed = self.fanout.feeds.feed(room);
        let Principal::Buyer(buyer) = who else {
            return Ok(Following::Live {
                feed,
                viewer: None,
                flush_after: None,
            });
        };
        // A stale stream is noticed at the next keep-alive: retry after it.
        let joined =
            self.fanout
                .viewers()
                .join(room, *buyer)
                .map_err(|_| HubError::RateLimited {
                    retry_after_secs: KEEP_ALIVE.as_secs(),
                })?;
        let mut flush_after = None;
        if let Some(viewers) = joined {
            match self.presence(&mut conn, room, *buyer, Change::Joined, viewers) {
                Ok(after) => flush_after = after,
                Err(e) => {
                    self.fanout.viewers().leave(room, *buyer);
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
    /// call [`Store::flush_presence`], if at all.
    pub(crate) fn viewer_left(&self, room: RoomId, buyer: BuyerId) -> Result<Option<Duration>> {
        let mut conn = self.writer();
        let Some(viewers) = self.fanout.viewers().leave(room, buyer) else {
            return Ok(None);
        };
        if load_room(&conn, room)?.is_none_or(|r| r.status != RoomStatus::Live) {
            return Ok(None);
        }
        self.presence(&mut conn, room, buyer, Change::Left, viewers)
    }

    /// A player of `room` opened or closed: a presence event now, later or
    /// not at all (only if the count changed). The writer is taken only to
    /// send: a thousand players joining contend for the presence lock, not
    /// the database.
    pub(crate) fn players_changed(&self, room: RoomId) -> Result<Option<Duration>> {
        let count = self.fanout.viewers().count(room);
        let decision = self
            .fanout
            .presence()
            .players_changed(room, count, Instant::now());
        match decision {
            Decision::Send(body) => {
                let mut conn = self.writer();
                if load_room(&conn, room)?.is_none_or(|r| r.status != RoomStatus::Live) {
                    self.fanout.presence().clear(room);
                    return Ok(None);
                }
                self.publish_unstored(&mut conn, room, body).map(|()| None)
            }
            Decision::FlushAfter(after) => Ok(Some(after)),
            Decision::Nothing => Ok(None),
        }
    }

    /// Sends the presence of `room` that waited for its turn, if the room
    /// is still live.
    pub(crate) fn flush_presence(&self, room: RoomId) -> Result<()> {
        let mut conn = self.writer();
        let count = self.fanout.viewers().count(room);
        let Some(body) = self.fanout.presence().flush(room, count, Instant::now()) else {
            return Ok(());
        };
        if load_room(&conn, room)?.is_none_or(|r| r.status != RoomStatus::Live) {
            self.fanout.presence().clear(room);
            return Ok(());
        }
        self.publish_unstored(&mut conn, room, body)
    }

    /// A viewer change, under the writer: sent now, later, or not at all.
    fn presence(
        &self,
        conn: &mut Connection,
        room: RoomId,
        buyer: BuyerId,
        change: Change,
        viewers: u32,
    ) -> Result<Option<Duration>> {
        let name = buyer_display_name(conn, buyer)?;
        let decision =
            self.fanout
                .presence()
                .change(room, buyer, change, name, viewers, Instant::now());
        match decision {
            Decision::Send(body) => self.publish_unstored(conn, room, body).map(|()| None),
            Decision::FlushAfter(after) => Ok(Some(after)),
            Decision::Nothing => Ok(None),
        }
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
            .feeds
            .publish(&[(room, Arc::new(FeedItem::new(&event)?))]);
        Ok(())
    }
}
