//! The device's SQLite store: opening, connection settings, migrations, and
//! what happens to a database that is corrupt or from a newer app.
//!
//! Two connections: one writer, one reader. In WAL mode reads never wait
//! behind a write (such as a long sync), and every write is a short
//! transaction on the writer.

mod checkpoint;
mod migrations;

use crate::error::{Error, Result};
use farmlive_sqlite::{IdSuffix, SuffixMatch, Synchronous, find_by_id_suffix, is_corruption};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

pub use migrations::LATEST_VERSION;

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "farmlive.db";

/// What opening the store found and did, for the caller to report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// Where an unreadable database was moved before a new one was started.
    /// Its unsynced work may still be recoverable from there; it is never deleted.
    pub set_aside: Option<PathBuf>,
    /// Migrations applied on this open (from, to).
    pub migrated: Option<(u32, u32)>,
}

/// The writer and reader connections.
pub(crate) struct Store {
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    checkpointer: checkpoint::Checkpointer,
}

impl Store {
    /// Opens (creating if needed) the database in `dir`.
    pub(crate) fn open(dir: &Path, now_ms: i64) -> Result<(Store, OpenReport)> {
        let path = dir.join(DB_FILE);
        crate::private::prepare_db_file(&path)?;
        let mut report = OpenReport::default();
        let writer = match open_checked(&path) {
            Ok(conn) => conn,
            Err(OpenFailure::Corrupt) => {
                let aside = set_aside(&path, now_ms)?;
                tracing::warn!(target: "farmlive::store", "database unreadable; moved aside to {}", aside.display());
                report.set_aside = Some(aside);
                open_checked(&path).map_err(|e| e.into_error())?
            }
            Err(e) => return Err(e.into_error()),
        };
        let mut writer = writer;
        report.migrated = migrations::migrate(&mut writer)?;
        writer.pragma_update(None, "wal_autocheckpoint", checkpoint::SAFETY_NET_PAGES)?;
        let reader = connect(&path)?;
        let checkpointer = checkpoint::Checkpointer::start(connect(&path)?);
        Ok((
            Store {
                writer: Mutex::new(writer),
                reader: Mutex::new(reader),
                checkpointer,
            },
            report,
        ))
    }

    /// The writer connection. Keep transactions short.
    pub(crate) fn writer(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-written
        // transaction (SQLite rolls it back), so a poisoned lock is safe to reuse.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Tells the store a write transaction committed (schedules checkpoints).
    pub(crate) fn committed(&self) {
        self.checkpointer.committed();
    }

    /// The reader connection.
    pub(crate) fn reader(&self) -> MutexGuard<'_, Connection> {
        self.reader.lock().unwrap_or_else(|p| p.into_inner())
    }
}

enum OpenFailure {
    Corrupt,
    Other(Error),
}

impl OpenFailure {
    fn into_error(self) -> Error {
        match self {
            OpenFailure::Corrupt => Error::Corrupt,
            OpenFailure::Other(e) => e,
        }
    }
}

fn connect(path: &Path) -> Result<Connection> {
    Ok(farmlive_sqlite::open(path, Synchronous::Normal)?)
}

/// Opens the file and checks it is a healthy SQLite database.
fn open_checked(path: &Path) -> std::result::Result<Connection, OpenFailure> {
    let conn = match connect(path) {
        Ok(c) => c,
        Err(Error::Database(e)) if is_corruption(&e) => return Err(OpenFailure::Corrupt),
        Err(e) => return Err(OpenFailure::Other(e)),
    };
    let check: rusqlite::Result<String> =
        conn.query_row("PRAGMA quick_check(1)", [], |row| row.get(0));
    match check {
        Ok(ok) if ok == "ok" => Ok(conn),
        Ok(_) => Err(OpenFailure::Corrupt),
        Err(e) if is_corruption(&e) => Err(OpenFailure::Corrupt),
        Err(e) => Err(OpenFailure::Other(e.into())),
    }
}

/// Renames the database (and its WAL and shared-memory files) aside.
fn set_aside(path: &Path, now_ms: i64) -> Result<PathBuf> {
    let aside = path.with_file_name(format!("{DB_FILE}.corrupt-{now_ms}"));
    std::fs::rename(path, &aside)
        .map_err(|e| Error::io("move the unreadable database aside", e))?;
    for suffix in ["-wal", "-shm"] {
        let side = path.with_file_name(format!("{DB_FILE}{suffix}"));
        if side.exists() {
            let side_aside = aside.with_file_name(format!(
                "{}{suffix}",
                aside
                    .file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            ));
            std::fs::rename(&side, side_aside)
                .map_err(|e| Error::io("move the unreadable database aside", e))?;
        }
    }
    Ok(aside)
}

/// Finds the id in `table` that is `key`, or ends in it (at least 4
/// characters, as the CLI's tables show ids); the end must be unambiguous.
/// `what` names the thing in errors ("listing").
pub(crate) fn find_id<T>(
    conn: &Connection,
    table: &'static str,
    what: &'static str,
    key: &str,
) -> Result<T>
where
    T: std::str::FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let key = key.trim().to_ascii_lowercase();
    if let Ok(id) = key.parse::<T>() {
        return Ok(id);
    }
    let Some(suffix) = IdSuffix::parse(&key) else {
        return Err(Error::InvalidArgument(format!(
            "{key:?} is not a {what} id; give the id or at least its last {} characters",
            IdSuffix::MIN_LEN
        )));
    };
    match find_by_id_suffix(conn, table, &suffix)? {
        SuffixMatch::Unique(id) => Ok(id),
        SuffixMatch::NoMatch => Err(Error::not_found(what, suffix)),
        SuffixMatch::Ambiguous => Err(Error::InvalidArgument(format!(
            "more than one {what} id ends in {suffix}; give more characters"
        ))),
    }
}

/// The shared SQLite plumbing's errors, as the core's.
impl From<farmlive_sqlite::Error> for Error {
    fn from(e: farmlive_sqlite::Error) -> Error {
        match e {
            farmlive_sqlite::Error::Sqlite(e) => Error::Database(e),
            farmlive_sqlite::Error::SchemaTooNew { found, supported } => {
                Error::SchemaTooNew { found, supported }
            }
            farmlive_sqlite::Error::Migration { name, message } => {
                Error::Migration { name, message }
            }
            // Damaged stored data is not the caller's input: it exits 1,
            // not 2 (issue 11, item 6).
            e @ (farmlive_sqlite::Error::StoredDataUnreadable { .. }
            | farmlive_sqlite::Error::Unencodable { .. }) => Error::StoredData(e.to_string()),
            // The support crate's error is non-exhaustive.
            other => Error::StoredData(other.to_string()),
        }
    }
}
