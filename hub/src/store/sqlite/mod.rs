//! The hub's SQLite store: one writer, one reader, WAL. Handlers call it on
//! blocking threads; every write is one short immediate transaction.
//!
//! Each table has one writer module (the only one holding SQL that
//! changes it); the others call it:
//! - `farms`, `enrol_codes`: `accounts`
//! - `devices`, `device_farms`: `devices`
//! - `buyers`: `buyers`
//! - `listings`, `orders`, `changes`: `records`
//! - `listing_blobs`: `listing_blobs` (called by `records::save_listing`)
//! - `applied_ops`: `ops`
//! - `rooms`: `room_records`
//! - `room_events` (and its `sqlite_sequence` row): `room_events`
//! - `blobs`, `blob_owners`, `blob_uploads`: `blobs`

mod accounts;
mod backend;
mod blob_gc;
mod blob_quota;
mod blobs;
mod buyers;
mod devices;
mod files;
mod listing_blobs;
mod listings;
#[cfg(test)]
mod one_writer;
mod ops;
mod orders;
mod records;
mod room_events;
mod room_records;
mod rooms;

pub use accounts::{CODE_TTL_MAX_MS, CODE_TTL_MS, DEVICE_TOKEN_TTL_MS, EnrolCode};
pub use backend::SqliteStore;
pub use blob_gc::{COLLECT_EVERY, ORPHAN_GRACE_MS, PHOTO_QUOTA_ENV, UPLOAD_EXPIRY_MS};
pub use blob_quota::PHOTO_QUOTA_DEFAULT;
pub use blobs::BlobStore;
pub use buyers::BUYER_TOKEN_TTL_MS;
pub use devices::OPERATOR;
pub use files::secret_path;

use crate::error::{HubError, Result};
use crate::rooms::Fanout;
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const MIGRATIONS: &[(&str, &str)] = &[
    ("001_init.sql", include_str!("../../../sql/001_init.sql")),
    ("002_rooms.sql", include_str!("../../../sql/002_rooms.sql")),
    ("003_blobs.sql", include_str!("../../../sql/003_blobs.sql")),
    (
        "004_devices.sql",
        include_str!("../../../sql/004_devices.sql"),
    ),
];

/// The hub's database, and the live rooms' in-memory feeds and viewers
/// (published to after each commit that appends room events).
pub struct Store {
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    fanout: Fanout,
    code_key: files::CodeKey,
    fresh: bool,
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a commit is on disk before the hub answers. A device drops an
    // op from its outbox once the hub acknowledges it, so an acknowledged
    // op must survive a power cut (NORMAL in WAL mode may lose the last
    // commits then, though never corrupts).
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(conn)
}

impl Store {
    /// Opens (creating and migrating) the database at `path`. The file and
    /// its -wal and -shm are 0600 (its folder 0700 when the hub creates
    /// it), and the code key beside it (`<db>.secret`) is made on first open.
    pub fn open(path: &Path) -> Result<Store> {
        files::prepare_db_file(path)?;
        let code_key = files::load_or_create_key(path)?;
        let mut writer = connect(path)?;
        let found: usize = writer.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let fresh = found == 0;
        if found > MIGRATIONS.len() {
            return Err(HubError::Io(format!(
                "the hub database has schema {found}, newer than this hub ({}); update the hub",
                MIGRATIONS.len()
            )));
        }
        for (i, (_, sql)) in MIGRATIONS.iter().enumerate().skip(found) {
            let tx = writer.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i + 1)?;
            tx.commit()?;
        }
        let high_water: i64 =
            writer.query_row("SELECT COALESCE(MAX(id), 0) FROM room_events", [], |r| {
                r.get(0)
            })?;
        let reader = connect(path)?;
        Ok(Store {
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            fanout: Fanout::new(u64::try_from(high_water).unwrap_or(0)),
            code_key,
            fresh,
        })
    }

    /// True if this open created the database (the hub's first start).
    pub fn is_fresh(&self) -> bool {
        self.fresh
    }

    /// The live rooms' feeds and viewers.
    pub(crate) fn fanout(&self) -> &Fanout {
        &self.fanout
    }

    pub(crate) fn writer(&self) -> MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn reader(&self) -> MutexGuard<'_, Connection> {
        self.reader.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Parses a JSON column.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|e| HubError::Internal(format!("stored JSON unreadable: {e}")))
}

/// Encodes a value for a JSON column.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| HubError::Internal(format!("cannot encode JSON: {e}")))
}

#[cfg(test)]
mod durability_tests {
    use super::*;

    #[test]
    fn every_connection_syncs_each_commit_in_wal_mode() {
        // A power cut cannot be simulated here; what can be checked is that
        // the hub's connections run with synchronous=FULL (2) in WAL mode,
        // under which SQLite syncs the WAL before a commit returns.
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("hub.db")).expect("open");
        for conn in [store.writer(), store.reader()] {
            let sync: i64 = conn
                .pragma_query_value(None, "synchronous", |r| r.get(0))
                .expect("synchronous");
            assert_eq!(sync, 2, "synchronous=FULL");
            let mode: String = conn
                .pragma_query_value(None, "journal_mode", |r| r.get(0))
                .expect("journal_mode");
            assert_eq!(mode, "wal");
        }
    }
}
