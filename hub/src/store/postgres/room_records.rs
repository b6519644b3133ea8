//! Rooms as stored on PostgreSQL (table `rooms`, its one writer): loading
//! and saving the record (`rules/rooms.rs`), and each live room's stream
//! key (as a hash; revoked when the room is saved ended).

use super::pool::Conn;
use super::{from_json, to_json};
use crate::error::{HubError, Result};
use crate::store::rules::rooms::RoomRecord;
use farmlive_protocol::{FarmId, RoomId};

/// How a transaction reads a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RoomLock {
    /// A plain read (a read-only transaction, or a check).
    Read,
    /// Kept from changing until commit (an order or a comment): a room
    /// being ended waits, so its `Ended` comes after their events.
    Share,
    /// Changed by this transaction (open, pin, unpin, end).
    Update,
}

/// The advisory lock namespace of farms opening a room.
const ROOM_FARM_LOCK: i32 = 0x464C_524F; // "FLRO"

fn records(rows: Vec<tokio_postgres::Row>) -> Result<Vec<RoomRecord>> {
    rows.iter()
        .map(|r| from_json(&r.get::<_, String>(0)))
        .collect()
}

/// A room, read as `lock` says.
pub(super) fn load_room(conn: &Conn<'_>, id: RoomId, lock: RoomLock) -> Result<Option<RoomRecord>> {
    let sql = match lock {
        RoomLock::Read => "SELECT state FROM rooms WHERE id = $1",
        RoomLock::Share => "SELECT state FROM rooms WHERE id = $1 FOR SHARE",
        RoomLock::Update => "SELECT state FROM rooms WHERE id = $1 FOR UPDATE",
    };
    conn.query_opt(sql, &[&id.to_string()])?
        .map(|r| from_json(&r.get::<_, String>(0)))
        .transpose()
}

/// The live rooms of `farm` (at most one, by the schema), read as `lock`
/// says. With [`RoomLock::Update`] the farm itself is locked first, so
/// two rooms opening for one farm take turns (the second then ends the
/// first) rather than both finding none.
pub(super) fn live_rooms_of_farm(
    conn: &Conn<'_>,
    farm: FarmId,
    lock: RoomLock,
) -> Result<Vec<RoomRecord>> {
    let farm = farm.to_string();
    let sql = match lock {
        RoomLock::Read => "SELECT state FROM rooms WHERE farm_id = $1 AND status = 'live'",
        RoomLock::Share => {
            "SELECT state FROM rooms WHERE farm_id = $1 AND status = 'live' FOR SHARE"
        }
        RoomLock::Update => {
            conn.execute(
                "SELECT pg_advisory_xact_lock($1, hashtext($2))",
                &[&ROOM_FARM_LOCK, &farm],
            )?;
            "SELECT state FROM rooms WHERE farm_id = $1 AND status = 'live' FOR UPDATE"
        }
    };
    records(conn.query(sql, &[&farm])?)
}

/// The live rooms, newest first, at most `limit`.
pub(super) fn live_rooms(conn: &Conn<'_>, limit: i64) -> Result<Vec<RoomRecord>> {
    records(conn.query(
        "SELECT state FROM rooms WHERE status = 'live'
         ORDER BY opened_at DESC, id DESC LIMIT $1",
        &[&limit],
    )?)
}

/// Saves a room. An upsert on the id only: a second live room of a farm
/// breaks the partial unique index instead of replacing the first. A room
/// saved ended loses its stream key here, in the same transaction.
pub(super) fn save_room(conn: &Conn<'_>, rec: &RoomRecord) -> Result<()> {
    conn.execute(
        "INSERT INTO rooms (id, farm_id, status, opened_at, state) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, state = EXCLUDED.state,
             stream_key_hash = CASE WHEN EXCLUDED.status = 'live'
                 THEN rooms.stream_key_hash END",
        &[
            &rec.id.to_string(),
            &rec.farm.to_string(),
            &rec.status.as_str(),
            &rec.opened_at,
            &to_json(rec)?,
        ],
    )?;
    Ok(())
}

/// Gives a live room the stream key whose hash is `key_hash`.
pub(super) fn set_stream_key_hash(conn: &Conn<'_>, id: RoomId, key_hash: &str) -> Result<()> {
    conn.execute(
        "UPDATE rooms SET stream_key_hash = $2 WHERE id = $1 AND status = 'live'",
        &[&id.to_string(), &key_hash],
    )?;
    Ok(())
}

/// The live room whose stream key hashes to `key_hash`, if any.
pub(super) fn live_room_by_stream_key(conn: &Conn<'_>, key_hash: &str) -> Result<Option<RoomId>> {
    conn.query_opt(
        "SELECT id FROM rooms WHERE stream_key_hash = $1 AND status = 'live'",
        &[&key_hash],
    )?
    .map(|r| {
        r.get::<_, String>(0)
            .parse()
            .map_err(|_| HubError::Internal("a stored room id is not an id".into()))
    })
    .transpose()
}

/// Records that the process reached at `node` holds live room `id`'s
/// ingest (its publisher is connected there). The last publisher's
/// process wins: a phone that reconnects through another process moves
/// its room there.
pub(super) fn set_ingest_node(conn: &Conn<'_>, id: RoomId, node: &str) -> Result<()> {
    conn.execute(
        "UPDATE rooms SET ingest_node = $2 WHERE id = $1 AND status = 'live'",
        &[&id.to_string(), &node],
    )?;
    Ok(())
}

/// The process holding live room `id`'s ingest, if the room is live and
/// a publisher has connected.
pub(super) fn ingest_node(conn: &Conn<'_>, id: RoomId) -> Result<Option<String>> {
    Ok(conn
        .query_opt(
            "SELECT ingest_node FROM rooms WHERE id = $1 AND status = 'live'",
            &[&id.to_string()],
        )?
        .and_then(|r| r.get::<_, Option<String>>(0)))
}
