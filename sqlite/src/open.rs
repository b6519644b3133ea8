//! Opening a connection with the settings every FarmLive database uses.

use crate::error::Result;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

/// How long a connection waits for another's write lock before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How hard a commit waits for the disk (`PRAGMA synchronous`), in WAL mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    /// Commits do not sync; checkpoints do. A power cut may lose the last
    /// commits but never corrupts. The device's choice: its outbox is still
    /// there to resend.
    Normal,
    /// Every commit syncs the WAL before it returns. The hub's choice: a
    /// device drops an op once the hub acknowledged it, so an acknowledged
    /// commit must survive a power cut.
    Full,
}

impl Synchronous {
    fn pragma_value(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

/// Opens (creating if needed) the database at `path` in WAL mode, with
/// foreign keys enforced, a [`BUSY_TIMEOUT`], and `synchronous`.
pub fn open(path: &Path, synchronous: Synchronous) -> Result<Connection> {
    // Each connection is used by one thread at a time (behind a Mutex), so
    // SQLite's own per-connection mutex is not needed.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "synchronous", synchronous.pragma_value())?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    Ok(conn)
}

/// True if SQLite says the file is not a database or is damaged.
pub fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

    use super::*;

    fn pragma<T: rusqlite::types::FromSql>(conn: &Connection, name: &str) -> T {
        conn.pragma_query_value(None, name, |r| r.get(0)).unwrap()
    }

    #[test]
    fn each_connection_gets_wal_foreign_keys_and_the_asked_durability() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        for (sync, level) in [(Synchronous::Normal, 1), (Synchronous::Full, 2)] {
            let conn = open(&path, sync).unwrap();
            assert_eq!(pragma::<String>(&conn, "journal_mode"), "wal");
            assert_eq!(pragma::<i64>(&conn, "foreign_keys"), 1);
            assert_eq!(pragma::<i64>(&conn, "synchronous"), level);
            assert_eq!(pragma::<i64>(&conn, "busy_timeout"), 5000);
        }
    }

    #[test]
    fn a_file_that_is_not_a_database_is_recognised_as_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junk.db");
        std::fs::write(&path, vec![0x5a; 8192]).unwrap();
        let err = open(&path, Synchronous::Normal)
            .and_then(|c| Ok(c.query_row("PRAGMA quick_check(1)", [], |r| r.get::<_, String>(0))?))
            .unwrap_err();
        match err {
            crate::Error::Sqlite(e) => assert!(is_corruption(&e), "{e}"),
            other => panic!("{other:?}"),
        }
    }
}
