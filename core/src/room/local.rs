//! The device's copy of its rooms and their events.

use crate::Core;
use crate::error::{Error, Result};
use farmlive_protocol::room::{RoomEvent, RoomStatus, RoomView};
use farmlive_protocol::{FarmId, ListingId, RoomId, UnixMillis};
use farmlive_sqlite::{from_json, to_json};
use rusqlite::{Connection, OptionalExtension, params};

/// A room this device opened, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomRecord {
    /// Its id.
    pub id: RoomId,
    /// The farm.
    pub farm: FarmId,
    /// The title.
    pub title: String,
    /// Listings on the shelf.
    pub shelf: Vec<ListingId>,
    /// Live or ended (as last heard from the hub).
    pub status: RoomStatus,
    /// When it opened (UTC ms).
    pub opened_at: UnixMillis,
    /// When it ended, if known.
    pub ended_at: Option<UnixMillis>,
    /// The last event stored.
    pub last_event: u64,
}

/// Inserts or refreshes a room from the hub's view (the cursor is kept).
pub(super) fn save_room(conn: &Connection, view: &RoomView) -> Result<()> {
    let shelf: Vec<ListingId> = view.shelf.iter().map(|l| l.id).collect();
    let shelf = to_json("room shelf", &shelf)?;
    conn.execute(
        "INSERT INTO rooms (id, farm_id, title, shelf, status, opened_at, ended_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET title = ?3, shelf = ?4, status = ?5, ended_at = ?7",
        params![
            view.id.to_string(),
            view.farm.id.to_string(),
            view.title,
            shelf,
            view.status.as_str(),
            view.opened_at,
            view.ended_at
        ],
    )?;
    Ok(())
}

/// Stores an event and advances the cursor, in the caller's transaction.
/// Returns false if the event was already stored (a replay).
pub(super) fn store_event(conn: &Connection, event: &RoomEvent) -> Result<bool> {
    let body = to_json("room event", event)?;
    let added = conn.execute(
        "INSERT OR IGNORE INTO room_events (id, room_id, kind, at, body) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            event.id as i64,
            event.room.to_string(),
            event.body.kind(),
            event.at,
            body
        ],
    )?;
    let ended = matches!(event.body, farmlive_protocol::room::RoomEventBody::Ended);
    conn.execute(
        "UPDATE rooms SET last_event = max(last_event, ?2),
             status = CASE WHEN ?3 THEN 'ended' ELSE status END,
             ended_at = CASE WHEN ?3 THEN coalesce(ended_at, ?4) ELSE ended_at END
         WHERE id = ?1",
        params![event.room.to_string(), event.id as i64, ended, event.at],
    )?;
    Ok(added == 1)
}

/// The stored cursor of a room (0 if unknown).
pub(super) fn cursor(conn: &Connection, room: RoomId) -> Result<u64> {
    let last: Option<i64> = conn
        .query_row(
            "SELECT last_event FROM rooms WHERE id = ?1",
            [room.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(last.unwrap_or(0).max(0) as u64)
}

/// A stored room's columns, before their text is parsed.
struct RawRoom {
    id: String,
    farm: String,
    title: String,
    shelf: String,
    status: String,
    opened_at: i64,
    ended_at: Option<i64>,
    last_event: i64,
}

impl RawRoom {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRoom> {
        Ok(RawRoom {
            id: r.get(0)?,
            farm: r.get(1)?,
            title: r.get(2)?,
            shelf: r.get(3)?,
            status: r.get(4)?,
            opened_at: r.get(5)?,
            ended_at: r.get(6)?,
            last_event: r.get(7)?,
        })
    }

    fn parse(self) -> Result<RoomRecord> {
        let bad = |what: &str| Error::StoredData(format!("a stored room has a bad {what}"));
        Ok(RoomRecord {
            id: self.id.parse().map_err(|_| bad("id"))?,
            farm: self.farm.parse().map_err(|_| bad("farm"))?,
            title: self.title,
            shelf: from_json("room shelf", &self.shelf)?,
            status: RoomStatus::from_stored(&self.status),
            opened_at: self.opened_at,
            ended_at: self.ended_at,
            last_event: self.last_event.max(0) as u64,
        })
    }
}

pub(super) fn rooms(conn: &Connection) -> Result<Vec<RoomRecord>> {
    let mut stmt = conn.prepare(
        "SELECT id, farm_id, title, shelf, status, opened_at, ended_at, last_event
         FROM rooms ORDER BY opened_at DESC, id DESC",
    )?;
    let rows = stmt.query_map([], RawRoom::read)?;
    rows.map(|row| row?.parse()).collect()
}

pub(super) fn events(
    conn: &Connection,
    room: RoomId,
    after: u64,
    limit: u32,
) -> Result<Vec<RoomEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT body FROM room_events WHERE room_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
    )?;
    let rows = stmt.query_map(
        params![room.to_string(), after.min(i64::MAX as u64) as i64, limit],
        |r| r.get::<_, String>(0),
    )?;
    let mut out = Vec::new();
    for row in rows {
        out.push(from_json("room event", &row?)?);
    }
    Ok(out)
}

/// The room's shelf: from the local copy, else asked of the hub.
pub(super) async fn shelf_hint(core: &Core, room: RoomId) -> Result<Vec<ListingId>> {
    let stored: Option<String> = core
        .store
        .reader()
        .query_row(
            "SELECT shelf FROM rooms WHERE id = ?1",
            [room.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    match stored {
        Some(shelf) => Ok(from_json("room shelf", &shelf)?),
        None => Ok(core
            .fetch_room(room)
            .await?
            .shelf
            .iter()
            .map(|l| l.id)
            .collect()),
    }
}
