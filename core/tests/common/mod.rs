//! Shared test helpers.
#![allow(dead_code)]
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_core::protocol::{Currency, ListingDraft, Money, Unit};
use farmlive_core::{Core, Farm};
use std::path::PathBuf;

pub fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(rel)
}

pub fn draft(title: &str, description: &str) -> ListingDraft {
    ListingDraft {
        title: title.into(),
        description: description.into(),
        unit: Unit::Jin,
        price: Money::from_minor(880, Currency::CNY),
        stock: 100,
    }
}

pub fn open() -> (tempfile::TempDir, Core, Farm) {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(dir.path()).unwrap();
    let farm = core.add_farm("李家果园").unwrap();
    (dir, core, farm)
}

/// A raw connection to the core's database file, as another process would have.
pub fn raw(dir: &tempfile::TempDir) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.path().join(farmlive_core::DB_FILE)).unwrap()
}

pub fn count(conn: &rusqlite::Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// Files under the data directory's blob store.
pub fn blob_files(dir: &tempfile::TempDir) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.path().join("blobs")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    out
}
