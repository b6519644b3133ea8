//! `farmlive hub` on a database from a newer hub: it refuses to start, with
//! a clear message and exit status 1, and never listens (so no request can
//! meet the unknown schema and get a 500).

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::process::Command;

#[test]
fn the_hub_refuses_a_database_from_a_newer_hub_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);

    let out = Command::new(env!("CARGO_BIN_EXE_farmlive"))
        .args(["hub", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .env_remove("FARMLIVE_DATA_DIR")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("schema 999"), "{stderr}");
    assert!(stderr.contains("newer than this hub"), "{stderr}");
    assert!(stderr.contains("update the hub"), "{stderr}");
    assert!(!stdout.contains("listening"), "it must not serve: {stdout}");
}

#[test]
fn a_postgres_database_without_a_data_folder_is_refused_clearly() {
    let url = "postgres://hub:s3cret@127.0.0.1:1/farmlive";
    for args in [
        vec!["hub", "--listen", "127.0.0.1:0", "--db", url],
        vec!["hub", "enrol-code", "--farm", "Li farm", "--db", url],
        vec!["hub", "devices", "list", "--db", url],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_farmlive"))
            .args(&args)
            .env_remove("FARMLIVE_DATA_DIR")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("--hub-data"), "{args:?}: {stderr}");
        assert!(!stdout.contains("listening"), "it must not serve: {stdout}");
        assert!(!format!("{stdout}{stderr}").contains("s3cret"));
    }
    // Another scheme is a wrong argument, not a file name.
    let out = Command::new(env!("CARGO_BIN_EXE_farmlive"))
        .args(["hub", "--listen", "127.0.0.1:0", "--db", "mysql://hub@db/x"])
        .env_remove("FARMLIVE_DATA_DIR")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("mysql://"), "{stderr}");
}
