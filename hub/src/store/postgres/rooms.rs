//! Live rooms on PostgreSQL: opening, pinning, ending, comments, and the
//! views buyers and the farm's device fetch. The rules are
//! `store/rules/rooms.rs`; the rows are written through `room_records.rs`
//! and `room_events.rs`. This file holds the transactions.
//!
//! Locks: a room being changed is read `FOR UPDATE` (a farm opening a
//! room also takes an advisory lock on the farm), so two changes of one
//! room take turns; an order or a comment reads it `FOR SHARE`, so the
//! room cannot end under them and their events come before its `Ended`.
//! Listings are read without a lock here (an order locks the one it
//! buys, `records.rs`), so room and listing locks never form a cycle.

use super::backend::PgStore;
use super::now_ms;
use super::pool::Conn;
use super::records::read_listing;
use super::room_events::{self, Pending};
use super::room_records::{self, RoomLock};
use crate::error::{HubError, Result};
use crate::rooms::Feed;
use crate::store::interface::ROOM_LIST_MAX;
use crate::store::rules::rooms::{self, RoomRecord, RoomRecords};
use farmlive_protocol::room::{
    OpenRoom, PinRequest, RoomEvent, RoomEventBody, RoomView, StreamKey,
};
use farmlive_protocol::{BuyerContact, BuyerId, FarmId, ListingId, ListingState, RoomId};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The rooms of one transaction on PostgreSQL, and the events it
/// appends (stored, numbered and announced by [`PgRooms::finish`]).
pub(super) struct PgRooms<'c, 'p> {
    conn: &'c Conn<'p>,
    lock: RoomLock,
    pending: Vec<Pending>,
}

impl<'c, 'p> PgRooms<'c, 'p> {
    /// The rooms of the transaction running on `conn`, read as `lock` says.
    pub(super) fn new(conn: &'c Conn<'p>, lock: RoomLock) -> Self {
        PgRooms {
            conn,
            lock,
            pending: Vec::new(),
        }
    }

    /// Stores the appended events, numbered last; call it just before the
    /// commit (after `PgRecords::finish`). The events as stored.
    pub(super) fn finish(self) -> Result<Vec<RoomEvent>> {
        room_events::insert(self.conn, self.pending)
    }
}

impl RoomRecords for PgRooms<'_, '_> {
    fn load_room(&mut self, id: RoomId) -> Result<Option<RoomRecord>> {
        room_records::load_room(self.conn, id, self.lock)
    }

    fn live_rooms_of_farm(&mut self, farm: FarmId) -> Result<Vec<RoomRecord>> {
        room_records::live_rooms_of_farm(self.conn, farm, self.lock)
    }

    fn save_room(&mut self, rec: &RoomRecord) -> Result<()> {
        room_records::save_room(self.conn, rec)
    }

    fn set_stream_key_hash(&mut self, id: RoomId, key_hash: &str) -> Result<()> {
        room_records::set_stream_key_hash(self.conn, id, key_hash)
    }

    fn shelf_listing(&mut self, id: ListingId) -> Result<Option<ListingState>> {
        read_listing(self.conn, id)
    }

    fn commenter(&mut self, buyer: BuyerId) -> Result<BuyerContact> {
        super::buyers::contact(self.conn, buyer)
    }

    fn farm_name_of(&mut self, farm: FarmId) -> Result<String> {
        Ok(self
            .conn
            .query_one("SELECT name FROM farms WHERE id = $1", &[&farm.to_string()])?
            .get(0))
    }

    fn last_event(&mut self, room: RoomId) -> Result<u64> {
        room_events::last_event(self.conn, room)
    }

    fn append_event(&mut self, room: RoomId, at: i64, body: RoomEventBody) -> Result<()> {
        self.pending.push((room, at, body));
        Ok(())
    }
}

/// A read-only transaction: the rooms and their last events agree.
const READ: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

impl PgStore {
    /// The view of a room, with its viewers counted in this process.
    fn view(&self, records: &mut PgRooms<'_, '_>, rec: &RoomRecord) -> Result<RoomView> {
        rooms::view(records, rec, self.fanout.viewers().count(rec.id))
    }

    /// Runs `work` on the rooms (read as `lock` says) in one transaction,
    /// and stores its events; the value and the events stored, in order.
    fn room_write<T>(
        &self,
        lock: RoomLock,
        mut work: impl FnMut(&Self, &mut PgRooms<'_, '_>) -> Result<T>,
    ) -> Result<(T, Vec<RoomEvent>)> {
        let conn = self.pool.get()?;
        conn.transaction("BEGIN", |tx| {
            let mut records = PgRooms::new(tx, lock);
            let value = work(self, &mut records)?;
            let stored = records.finish()?;
            Ok((value, stored))
        })
    }

    /// `view` as of the commit: a write's events get their ids only as it
    /// commits (`PgRooms::finish`), after the view was read inside it, so
    /// its `last_event` is moved up to the last id this write stored in
    /// that room.
    fn as_committed(mut view: RoomView, stored: Vec<RoomEvent>) -> RoomView {
        for e in stored.iter().filter(|e| e.room == view.id) {
            view.last_event = view.last_event.max(e.id);
        }
        view
    }

    /// A room, as anyone signed in sees it.
    pub(super) fn read_room(&self, id: RoomId) -> Result<RoomView> {
        let conn = self.pool.get()?;
        conn.transaction(READ, |tx| {
            let mut records = PgRooms::new(tx, RoomLock::Read);
            let rec = records
                .load_room(id)?
                .ok_or(HubError::NotFound("no such room"))?;
            self.view(&mut records, &rec)
        })
    }

    /// The live rooms, newest first, at most `limit` (≤ [`ROOM_LIST_MAX`]).
    pub(super) fn read_live_rooms(&self, limit: u32) -> Result<Vec<RoomView>> {
        let conn = self.pool.get()?;
        conn.transaction(READ, |tx| {
            let limit = i64::from(limit.clamp(1, ROOM_LIST_MAX));
            let mut records = PgRooms::new(tx, RoomLock::Read);
            room_records::live_rooms(tx, limit)?
                .iter()
                .map(|r| self.view(&mut records, r))
                .collect()
        })
    }

    /// Opens a room for one of the device's farms (`rules::rooms::open`).
    pub(super) fn open_live_room(
        &self,
        farms: &BTreeSet<FarmId>,
        req: &OpenRoom,
    ) -> Result<(RoomView, StreamKey)> {
        let checked = rooms::check_open(farms, req)?;
        let ((view, key), stored) = self.room_write(RoomLock::Update, |store, records| {
            let (rec, key) = rooms::open(records, req, checked.clone(), now_ms())?;
            Ok((store.view(records, &rec)?, key))
        })?;
        Ok((Self::as_committed(view, stored), key))
    }

    /// The live room `key` publishes to, and its feed. The feed is taken
    /// first: a room read live then ends later, with an event that reaches
    /// it (see `listen.rs`).
    pub(super) fn room_of_stream_key(
        &self,
        key: &StreamKey,
    ) -> Result<Option<(RoomId, Arc<Feed>)>> {
        let hash = rooms::stream_key_hash(key);
        let conn = self.pool.get()?;
        let Some(room) = room_records::live_room_by_stream_key(&conn, &hash)? else {
            return Ok(None);
        };
        let feed = self.fanout.feeds.feed(room);
        let live = room_records::live_room_by_stream_key(&conn, &hash)?;
        Ok((live == Some(room)).then_some((room, feed)))
    }

    /// Records `node` as the process holding live room `id`'s ingest.
    pub(super) fn claim_room_ingest(&self, id: RoomId, node: &str) -> Result<()> {
        room_records::set_ingest_node(&self.pool.get()?, id, node)
    }

    /// The process holding live room `id`'s ingest, if recorded.
    pub(super) fn room_ingest_node(&self, id: RoomId) -> Result<Option<String>> {
        room_records::ingest_node(&self.pool.get()?, id)
    }

    /// Pins a listing of the shelf, optionally at a live price.
    pub(super) fn pin_listing(
        &self,
        farms: &BTreeSet<FarmId>,
        id: RoomId,
        req: &PinRequest,
    ) -> Result<RoomView> {
        self.room_write(RoomLock::Update, |store, records| {
            let rec = rooms::pin(records, farms, id, req, now_ms())?;
            store.view(records, &rec)
        })
        .map(|(view, stored)| Self::as_committed(view, stored))
    }

    /// Unpins the pinned listing, if any.
    pub(super) fn unpin_listing(&self, farms: &BTreeSet<FarmId>, id: RoomId) -> Result<RoomView> {
        self.room_write(RoomLock::Update, |store, records| {
            let rec = rooms::unpin(records, farms, id, now_ms())?;
            store.view(records, &rec)
        })
        .map(|(view, stored)| Self::as_committed(view, stored))
    }

    /// Ends a room; ending an ended room returns it unchanged.
    pub(super) fn end_live_room(&self, farms: &BTreeSet<FarmId>, id: RoomId) -> Result<RoomView> {
        self.room_write(RoomLock::Update, |store, records| {
            let rec = rooms::end(records, farms, id, now_ms())?;
            store.view(records, &rec)
        })
        .map(|(view, stored)| Self::as_committed(view, stored))
    }

    /// A buyer's comment (already validated) in a live room.
    pub(super) fn comment(&self, buyer: BuyerId, id: RoomId, text: String) -> Result<RoomEvent> {
        let ((), mut stored) = self.room_write(RoomLock::Share, |_, records| {
            rooms::comment(records, buyer, id, text.clone(), now_ms())
        })?;
        stored
            .pop()
            .ok_or_else(|| HubError::Internal("a comment appended no event".into()))
    }
}
