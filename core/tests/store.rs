//! Opening the store: migrations, a newer schema, a corrupt file.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::*;
use farmlive_core::{Core, DB_FILE, Error, SCHEMA_VERSION};

#[test]
fn a_new_data_directory_is_migrated_to_the_latest_schema() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(dir.path().join("nested/data")).unwrap();
    assert_eq!(core.open_report().migrated, Some((0, SCHEMA_VERSION)));
    let conn = rusqlite::Connection::open(dir.path().join("nested/data").join(DB_FILE)).unwrap();
    let version: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    for table in [
        "listings",
        "listings_fts",
        "outbox",
        "blobs",
        "listing_photos",
        "farms",
    ] {
        count(&conn, table); // panics if missing
    }
}

#[test]
fn reopening_keeps_data_and_device_identity_and_migrates_nothing() {
    let (dir, core, farm) = open();
    let listing = core.create_listing(farm.id, draft("Mangoes", "")).unwrap();
    let device = core.device_id();
    let stamp = core.last_stamp();
    drop(core);
    let core = Core::open(dir.path()).unwrap();
    assert_eq!(core.open_report().migrated, None);
    assert_eq!(core.device_id(), device);
    assert_eq!(core.listing(listing.id).unwrap().title, "Mangoes");
    // The clock resumes after its last persisted stamp.
    let next = core.create_listing(farm.id, draft("Lychees", "")).unwrap();
    let op = core
        .pending_ops(10)
        .unwrap()
        .into_iter()
        .find(|p| p.op.body.listing() == Some(next.id))
        .unwrap();
    assert!(op.op.at > stamp);
}

#[test]
fn a_schema_from_a_newer_app_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    drop(Core::open(dir.path()).unwrap());
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 5)
        .unwrap();
    drop(conn);
    let before = std::fs::read(dir.path().join(DB_FILE)).unwrap();

    let err = Core::open(dir.path()).unwrap_err();
    assert!(
        matches!(err, Error::SchemaTooNew { found, supported } if found == SCHEMA_VERSION + 5 && supported == SCHEMA_VERSION),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("newer version of FarmLive"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(dir.path().join(DB_FILE)).unwrap(),
        before,
        "the file must not change"
    );
}

#[test]
fn a_file_that_is_not_sqlite_is_set_aside_never_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = b"this is not a database, but it might be someone's only copy".repeat(100);
    std::fs::write(dir.path().join(DB_FILE), &garbage).unwrap();

    let core = Core::open(dir.path()).unwrap();
    let aside = core
        .open_report()
        .set_aside
        .clone()
        .expect("reported as set aside");
    assert!(
        aside
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("farmlive.db.corrupt-")
    );
    assert_eq!(
        std::fs::read(&aside).unwrap(),
        garbage,
        "the damaged file is kept byte for byte"
    );
    // And the core works on a fresh database.
    let farm = core.add_farm("Fresh start").unwrap();
    core.create_listing(farm.id, draft("Mangoes", "")).unwrap();
}

#[test]
fn a_database_with_damaged_pages_is_set_aside() {
    let (dir, core, farm) = open();
    for i in 0..200 {
        core.create_listing(
            farm.id,
            draft(&format!("Listing {i}"), &"long text ".repeat(50)),
        )
        .unwrap();
    }
    drop(core);
    // Checkpoint so all pages are in the main file, then overwrite pages in the middle.
    let conn = raw(&dir);
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    drop(conn);
    let path = dir.path().join(DB_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 64 * 1024);
    for b in &mut bytes[8192..40960] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();

    let core = Core::open(dir.path()).unwrap();
    let aside = core
        .open_report()
        .set_aside
        .clone()
        .expect("damage detected");
    assert_eq!(std::fs::read(aside).unwrap(), bytes);
    assert!(
        core.farms().unwrap().is_empty(),
        "a new database was started"
    );
}
