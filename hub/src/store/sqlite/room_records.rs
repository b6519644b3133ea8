//! Rooms as stored (table `rooms`, its one writer): loading and saving
//! the record (`rules/rooms.rs`), and each live room's stream key (as a
//! hash; revoked when the room is saved ended).

use super::{from_json, to_json};
use crate::error::Result;
pub(crate) use crate::store::rules::rooms::RoomRecord;
use farmlive_protocol::{FarmId, RoomId};
use rusqlite::{Connection, OptionalExtension, params};

pub(crate) fn load_room(conn: &Connection, id: RoomId) -> Result<Option<RoomRecord>> {
    let state: Option<String> = conn
        .prepare_cached("SELECT state FROM rooms WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    state.as_deref().map(from_json).transpose()
}

pub(crate) fn save_room(conn: &Connection, rec: &RoomRecord) -> Result<()> {
    let status = rec.status.as_str();
    // An upsert on the id only: a second live room of a farm breaks the
    // partial unique index instead of silently replacing the first. A room
    // saved ended loses its stream key here, in the same transaction.
    conn.prepare_cached(
        "INSERT INTO rooms (id, farm_id, status, opened_at, state) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, state = excluded.state,
             stream_key_hash = CASE WHEN excluded.status = 'live' THEN rooms.stream_key_hash END",
    )?
    .execute(params![
        rec.id.to_string(),
        rec.farm.to_string(),
        status,
        rec.opened_at,
        to_json(rec)?
    ])?;
    Ok(())
}

/// The live rooms of `farm` (at most one, by the schema).
pub(crate) fn live_rooms_of_farm(conn: &Connection, farm: FarmId) -> Result<Vec<RoomRecord>> {
    let mut stmt =
        conn.prepare_cached("SELECT state FROM rooms WHERE farm_id = ?1 AND status = 'live'")?;
    let rows = stmt.query_map([farm.to_string()], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(from_json(&row?)?);
    }
    Ok(out)
}

/// Gives a live room the stream key whose hash is `key_hash` (replacing any
/// earlier key). False if the room is not live.
pub(crate) fn set_stream_key_hash(conn: &Connection, id: RoomId, key_hash: &str) -> Result<bool> {
    let n = conn
        .prepare_cached("UPDATE rooms SET stream_key_hash = ?2 WHERE id = ?1 AND status = 'live'")?
        .execute(params![id.to_string(), key_hash])?;
    Ok(n == 1)
}

/// The live room whose stream key hashes to `key_hash`, if any.
pub(crate) fn live_room_by_stream_key(conn: &Connection, key_hash: &str) -> Result<Option<RoomId>> {
    let id: Option<String> = conn
        .prepare_cached("SELECT id FROM rooms WHERE stream_key_hash = ?1 AND status = 'live'")?
        .query_row([key_hash], |r| r.get(0))
        .optional()?;
    id.map(|id| {
        id.parse()
            .map_err(|_| crate::error::HubError::Internal("a stored room id is not an id".into()))
    })
    .transpose()
}
