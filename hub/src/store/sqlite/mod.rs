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
//! - `rooms` (with each live room's stream key): `room_records`
//! - `room_events` (and its `sqlite_sequence` row): `room_events`
//! - `blobs`, `blob_owners`, `blob_uploads`: `blobs`
//! - `questions`, `question_blobs`: `questions` (called by `records`)

mod accounts;
mod backend;
mod blob_gc;
mod blob_quota;
mod blobs;
mod buyers;
mod devices;
mod experts;
pub(crate) mod files;
mod guides;
mod listing_blobs;
mod listings;
#[cfg(test)]
mod one_writer;
mod operator;
mod ops;
mod orders;
mod questions;
mod records;
mod room_events;
mod room_records;
mod rooms;
mod routes;

pub use crate::store::rules::{
    BUYER_TOKEN_TTL_MS, COLLECT_EVERY, DEVICE_TOKEN_TTL_MS, OPERATOR, ORPHAN_GRACE_MS,
    PHOTO_QUOTA_DEFAULT, PHOTO_QUOTA_ENV, UPLOAD_EXPIRY_MS,
};
pub use backend::SqliteStore;
pub use blobs::BlobStore;
pub use files::secret_path;

use crate::error::{HubError, Result};
use crate::rooms::Fanout;
use farmlive_sqlite::{Migration, Synchronous};
use rusqlite::Connection;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

/// The migrations, in order; migration `i` brings the schema to version `i + 1`.
const MIGRATIONS: &[Migration] = &[
    Migration::new("001_init.sql", include_str!("../../../sql/001_init.sql")),
    Migration::new("002_rooms.sql", include_str!("../../../sql/002_rooms.sql")),
    Migration::new("003_blobs.sql", include_str!("../../../sql/003_blobs.sql")),
    Migration::new(
        "004_devices.sql",
        include_str!("../../../sql/004_devices.sql"),
    ),
    Migration::new(
        "005_room_media.sql",
        include_str!("../../../sql/005_room_media.sql"),
    ),
    Migration::new(
        "006_delivery_photos.sql",
        include_str!("../../../sql/006_delivery_photos.sql"),
    ),
    Migration::new(
        "007_routes.sql",
        include_str!("../../../sql/007_routes.sql"),
    ),
    Migration::new(
        "008_questions.sql",
        include_str!("../../../sql/008_questions.sql"),
    ),
    Migration::new(
        "009_guides.sql",
        include_str!("../../../sql/009_guides.sql"),
    ),
    Migration::new(
        "010_guide_photos.sql",
        include_str!("../../../sql/010_guide_photos.sql"),
    ),
];

/// The schema version this hub writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The hub's database, and the live rooms' in-memory feeds and viewers
/// (published to after each commit that appends room events).
pub struct Store {
    writer: Mutex<Connection>,
    /// The last change-feed row the farms' bell was rung for; read and
    /// written only while holding `writer`.
    feed_rung: AtomicI64,
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
    // FULL: a commit is on disk before the hub answers. A device drops an
    // op from its outbox once the hub acknowledges it, so an acknowledged
    // op must survive a power cut (NORMAL in WAL mode may lose the last
    // commits then, though never corrupts).
    Ok(farmlive_sqlite::open(path, Synchronous::Full)?)
}

impl Store {
    /// Opens (creating and migrating) the database at `path`. The file and
    /// its -wal and -shm are 0600 (its folder 0700 when the hub creates
    /// it), and the code key beside it (`<db>.secret`) is made on first open.
    pub fn open(path: &Path) -> Result<Store> {
        files::prepare_db_file(path)?;
        let mut writer = connect(path)?;
        // Before the key is made: a database from a newer hub is refused
        // with nothing new beside it.
        let fresh = farmlive_sqlite::migrate(&mut writer, MIGRATIONS)?.from == 0;
        let code_key = files::load_or_create_key(path)?;
        let high_water: i64 =
            writer.query_row("SELECT COALESCE(MAX(id), 0) FROM room_events", [], |r| {
                r.get(0)
            })?;
        let feed_rung: i64 =
            writer.query_row("SELECT COALESCE(MAX(seq), 0) FROM changes", [], |r| {
                r.get(0)
            })?;
        let reader = connect(path)?;
        Ok(Store {
            writer: Mutex::new(writer),
            feed_rung: AtomicI64::new(feed_rung),
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

    /// The one writing connection, until the guard drops; then the farms
    /// whose change feed moved meanwhile are rung (see [`Writer`]).
    pub(crate) fn writer(&self) -> Writer<'_> {
        Writer {
            conn: self.writer.lock().unwrap_or_else(|p| p.into_inner()),
            store: self,
        }
    }

    pub(crate) fn reader(&self) -> MutexGuard<'_, Connection> {
        self.reader.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The writing connection, held. When it is let go, every farm with
/// change-feed rows committed since the last let-go is rung on the bell
/// (`crate::rooms::bell`), in one indexed read that finds nothing for
/// writes that append no change. Here rather than at each writer of the
/// feed: every transaction on this hub ends before its guard drops, so no
/// commit is missed and none rings twice.
pub(crate) struct Writer<'a> {
    conn: MutexGuard<'a, Connection>,
    store: &'a Store,
}

impl std::ops::Deref for Writer<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl std::ops::DerefMut for Writer<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

impl Drop for Writer<'_> {
    fn drop(&mut self) {
        if !self.conn.is_autocommit() {
            return; // a transaction still open (a panic unwinding): nothing committed
        }
        let after = self.store.feed_rung.load(Ordering::Relaxed);
        match ops::farms_moved_after(&self.conn, after) {
            Ok((last, farms)) => {
                self.store.feed_rung.store(last, Ordering::Relaxed);
                for farm in farms {
                    self.store.fanout.bell.ring(farm);
                }
            }
            Err(e) => {
                tracing::warn!(target: "farmlive::hub", "ringing the farms' bell: {e}");
                self.store.fanout.bell.ring_all();
            }
        }
    }
}

/// Brings the SQLite file at `path` to [`SCHEMA_VERSION`] (creating it if
/// new), exactly as a hub opening it does; what it found and did.
pub fn migrate_file(path: &Path) -> Result<farmlive_sqlite::Migrated> {
    let from = if path.exists() {
        let conn = connect(path)?;
        let found: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        found
    } else {
        0
    };
    backend::SqliteStore::open(path)?;
    Ok(farmlive_sqlite::Migrated {
        from,
        to: SCHEMA_VERSION,
    })
}

/// Parses a JSON column.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    Ok(farmlive_sqlite::from_json("JSON", text)?)
}

/// Encodes a value for a JSON column.
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    Ok(farmlive_sqlite::to_json("value", value)?)
}

/// The shared SQLite plumbing's errors, as the hub's. All are the hub's own
/// fault (a 500 if a request meets one); a schema too new can only happen
/// at open, before anything listens.
impl From<farmlive_sqlite::Error> for HubError {
    fn from(e: farmlive_sqlite::Error) -> HubError {
        match e {
            farmlive_sqlite::Error::Sqlite(e) => e.into(),
            farmlive_sqlite::Error::SchemaTooNew { found, supported } => {
                HubError::SchemaTooNew { found, supported }
            }
            other => HubError::Internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod migration_tests {
    use super::*;

    #[test]
    fn every_sql_file_is_listed_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/sql");
        if let Err(e) = farmlive_sqlite::check_migration_folder(dir.as_ref(), MIGRATIONS) {
            panic!("hub/sql and MIGRATIONS disagree: {e}");
        }
    }

    #[test]
    fn migrating_a_file_makes_it_once_then_does_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("hub.db");
        let made = migrate_file(&db).expect("migrate");
        assert_eq!((made.from, made.to), (0, SCHEMA_VERSION));
        let again = migrate_file(&db).expect("again");
        assert_eq!((again.from, again.to), (SCHEMA_VERSION, SCHEMA_VERSION));
        assert!(!Store::open(&db).expect("open").is_fresh());
    }
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
        let (writer, reader) = (store.writer(), store.reader());
        for conn in [&*writer, &*reader] {
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
