//! Live rooms: opening, pinning, ending, comments, and the views buyers
//! and the farm's device fetch. The rules are `store/rules/rooms.rs`;
//! every change is one immediate transaction that appends its events,
//! published after commit.

use super::records::load_listing;
use super::room_events::{Emitted, append_event, buyer_contact, commit};
use super::room_records::{
    live_room_by_stream_key, live_rooms_of_farm, load_room, save_room, set_stream_key_hash,
};
use super::{Store, from_json, now_ms};
use crate::error::{HubError, Result};
use crate::rooms::Feed;
use crate::store::interface::ROOM_LIST_MAX;
use crate::store::rules::rooms::{self, RoomRecord, RoomRecords};
use farmlive_protocol::room::{
    OpenRoom, PinRequest, RoomEvent, RoomEventBody, RoomView, StreamKey,
};
use farmlive_protocol::{BuyerContact, BuyerId, FarmId, ListingId, ListingState, RoomId};
use rusqlite::{Connection, TransactionBehavior};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The rooms of one transaction on SQLite, and the events it appended
/// (to publish after commit).
pub(crate) struct SqliteRooms<'c> {
    conn: &'c Connection,
    pub(crate) emitted: Emitted,
    /// The last event appended, as stored.
    pub(crate) last: Option<RoomEvent>,
}

impl<'c> SqliteRooms<'c> {
    /// The rooms of the transaction running on `conn`.
    pub(crate) fn new(conn: &'c Connection) -> Self {
        SqliteRooms {
            conn,
            emitted: Emitted::new(),
            last: None,
        }
    }
}

impl RoomRecords for SqliteRooms<'_> {
    fn load_room(&mut self, id: RoomId) -> Result<Option<RoomRecord>> {
        load_room(self.conn, id)
    }

    fn live_rooms_of_farm(&mut self, farm: FarmId) -> Result<Vec<RoomRecord>> {
        live_rooms_of_farm(self.conn, farm)
    }

    fn save_room(&mut self, rec: &RoomRecord) -> Result<()> {
        save_room(self.conn, rec)
    }

    fn set_stream_key_hash(&mut self, id: RoomId, key_hash: &str) -> Result<()> {
        set_stream_key_hash(self.conn, id, key_hash).map(drop)
    }

    fn shelf_listing(&mut self, id: ListingId) -> Result<Option<ListingState>> {
        load_listing(self.conn, id)
    }

    fn commenter(&mut self, buyer: BuyerId) -> Result<BuyerContact> {
        buyer_contact(self.conn, buyer)
    }

    fn farm_name_of(&mut self, farm: FarmId) -> Result<String> {
        Ok(self
            .conn
            .prepare_cached("SELECT name FROM farms WHERE id = ?1")?
            .query_row([farm.to_string()], |r| r.get(0))?)
    }

    fn last_event(&mut self, room: RoomId) -> Result<u64> {
        let last: i64 = self
            .conn
            .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM room_events WHERE room_id = ?1")?
            .query_row([room.to_string()], |r| r.get(0))?;
        Ok(u64::try_from(last).unwrap_or(0))
    }

    fn append_event(&mut self, room: RoomId, at: i64, body: RoomEventBody) -> Result<()> {
        self.last = Some(append_event(self.conn, room, at, body, &mut self.emitted)?);
        Ok(())
    }
}

impl Store {
    /// The view of a room, with its viewers counted in this process.
    fn view(&self, records: &mut SqliteRooms<'_>, rec: &RoomRecord) -> Result<RoomView> {
        rooms::view(records, rec, self.fanout.viewers().count(rec.id))
    }

    /// A room, as anyone signed in sees it.
    pub fn room(&self, id: RoomId) -> Result<RoomView> {
        let mut conn = self.reader();
        // One read transaction: the state and `last_event` agree.
        let tx = conn.transaction()?;
        let rec = load_room(&tx, id)?.ok_or(HubError::NotFound("no such room"))?;
        self.view(&mut SqliteRooms::new(&tx), &rec)
    }

    /// The live rooms, newest first, at most `limit` (≤ [`ROOM_LIST_MAX`]).
    pub fn live_rooms(&self, limit: u32) -> Result<Vec<RoomView>> {
        let mut conn = self.reader();
        let tx = conn.transaction()?;
        let recs: Vec<RoomRecord> = {
            let mut stmt = tx.prepare_cached(
                "SELECT state FROM rooms WHERE status = 'live'
                 ORDER BY opened_at DESC, id DESC LIMIT ?1",
            )?;
            let rows =
                stmt.query_map([limit.clamp(1, ROOM_LIST_MAX)], |r| r.get::<_, String>(0))?;
            let mut recs = Vec::new();
            for row in rows {
                recs.push(from_json(&row?)?);
            }
            recs
        };
        let mut records = SqliteRooms::new(&tx);
        recs.iter().map(|r| self.view(&mut records, r)).collect()
    }

    /// Runs `work` on the rooms in one immediate transaction; commits and
    /// publishes what it appended.
    fn room_write<T>(
        &self,
        work: impl FnOnce(&Self, &mut SqliteRooms<'_>) -> Result<T>,
    ) -> Result<(T, Option<RoomEvent>)> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut records = SqliteRooms::new(&tx);
        let value = work(self, &mut records)?;
        let SqliteRooms { emitted, last, .. } = records;
        commit(tx, &self.fanout, emitted)?;
        Ok((value, last))
    }

    /// Opens a room for one of the device's farms (`rules::rooms::open`).
    pub fn open_room(
        &self,
        farms: &BTreeSet<FarmId>,
        req: &OpenRoom,
    ) -> Result<(RoomView, StreamKey)> {
        let checked = rooms::check_open(farms, req)?;
        let ((view, key), _) = self.room_write(|store, records| {
            let (rec, key) = rooms::open(records, req, checked, now_ms())?;
            Ok((store.view(records, &rec)?, key))
        })?;
        Ok((view, key))
    }

    /// The live room `key` publishes to, and its feed (whose `Ended` tells
    /// the publisher to stop). Runs under the writer, as following does, so
    /// a room ending after this answer still reaches the feed. `None` for a
    /// wrong key or one revoked with its room.
    pub fn publishing_room(&self, key: &StreamKey) -> Result<Option<(RoomId, Arc<Feed>)>> {
        let conn = self.writer();
        let Some(room) = live_room_by_stream_key(&conn, &rooms::stream_key_hash(key))? else {
            return Ok(None);
        };
        Ok(Some((room, self.fanout.feeds.feed(room))))
    }

    /// Pins a listing of the shelf, optionally at a live price.
    pub fn pin(&self, farms: &BTreeSet<FarmId>, id: RoomId, req: &PinRequest) -> Result<RoomView> {
        self.room_write(|store, records| {
            let rec = rooms::pin(records, farms, id, req, now_ms())?;
            store.view(records, &rec)
        })
        .map(|(view, _)| view)
    }

    /// Unpins the pinned listing, if any; its live price stops applying.
    pub fn unpin(&self, farms: &BTreeSet<FarmId>, id: RoomId) -> Result<RoomView> {
        self.room_write(|store, records| {
            let rec = rooms::unpin(records, farms, id, now_ms())?;
            store.view(records, &rec)
        })
        .map(|(view, _)| view)
    }

    /// Ends a room (`Unpinned` if pinned, then `Ended`). Ending an ended
    /// room returns it unchanged.
    pub fn end_room(&self, farms: &BTreeSet<FarmId>, id: RoomId) -> Result<RoomView> {
        self.room_write(|store, records| {
            let rec = rooms::end(records, farms, id, now_ms())?;
            store.view(records, &rec)
        })
        .map(|(view, _)| view)
    }

    /// A buyer's comment (already validated) in a live room.
    pub fn post_comment(&self, buyer: BuyerId, id: RoomId, text: String) -> Result<RoomEvent> {
        let ((), event) =
            self.room_write(|_, records| rooms::comment(records, buyer, id, text, now_ms()))?;
        event.ok_or_else(|| HubError::Internal("a comment appended no event".into()))
    }
}
