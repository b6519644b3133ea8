//! Issue 10 (findings 4 and 8) from the command line: `farmlive hub` mints
//! a code on its first start only, `farmlive hub devices list|revoke`, a
//! removed device is told so and comes back with `farmlive enrol`, keeping
//! what it had not synced, and what both keep on disk is private.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{Hub, ListingArgs, farmlive, ok};
use serde_json::Value;
use std::path::Path;

fn unused_codes(db: &Path) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM enrol_codes WHERE used_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn a_restarted_hub_prints_and_mints_no_new_code() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let first = Hub::start(&db);
    assert!(
        first.second_line.contains("enrolment code for Li farm"),
        "{}",
        first.second_line
    );
    drop(first);
    let again = Hub::start(&db);
    assert!(
        again.second_line.contains("no new enrolment code")
            && again.second_line.contains("enrol-code"),
        "{}",
        again.second_line
    );
    drop(again);
    assert_eq!(unused_codes(&db), 1, "a restart minted no code");
}

#[test]
fn the_operator_lists_and_revokes_a_device_which_is_told_and_comes_back_with_its_changes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub").join("hub.db");
    let hub = Hub::start(&db);
    let code = hub.code();
    let phone = dir.path().join("phone");
    let db_arg = db.to_str().unwrap();
    ok(
        &phone,
        &[
            "enrol",
            "--hub",
            &hub.url,
            "--code",
            &code,
            "--name",
            "Li's phone",
        ],
    );

    let list: Value = serde_json::from_str(&ok(
        dir.path(),
        &["hub", "devices", "list", "--db", db_arg, "--json"],
    ))
    .unwrap();
    let devices = list.as_array().unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0]["name"], "Li's phone");
    assert_eq!(devices[0]["farms"][0], "Li farm");
    let id = devices[0]["id"].as_str().unwrap().to_owned();
    let table = ok(dir.path(), &["hub", "devices", "list", "--db", db_arg]);
    assert!(
        table.contains("Li's phone") && table.contains("active"),
        "{table}"
    );

    ListingArgs::new("Mangoes", "10").stock(5).add(&phone);
    ok(
        dir.path(),
        &[
            "hub",
            "devices",
            "revoke",
            &id[id.len() - 8..],
            "--db",
            db_arg,
        ],
    );
    let table = ok(dir.path(), &["hub", "devices", "list", "--db", db_arg]);
    assert!(table.contains("removed"), "{table}");

    let out = farmlive(&phone, &["sync"]);
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("removed from the farm by the hub operator") && err.contains("farmlive enrol"),
        "{err}"
    );

    let code = ok(
        dir.path(),
        &[
            "hub",
            "enrol-code",
            "--db",
            db_arg,
            "--farm",
            "Li farm",
            "--valid-hours",
            "2",
        ],
    );
    let enrolled = ok(
        &phone,
        &[
            "enrol",
            "--hub",
            &hub.url,
            "--code",
            code.trim(),
            "--name",
            "Li's phone",
        ],
    );
    assert!(enrolled.contains("unsynced change(s) kept"), "{enrolled}");
    let synced = ok(&phone, &["sync", "--json"]);
    let synced: Value = serde_json::from_str(&synced).unwrap();
    assert_eq!(
        synced["ops_pushed"], 1,
        "the listing made while removed is sent"
    );
    assert_eq!(synced["rejected"], 0);

    // Enrolled and working: enrolling again needs --again.
    let code = ok(
        dir.path(),
        &["hub", "enrol-code", "--db", db_arg, "--farm", "Li farm"],
    );
    let out = farmlive(&phone, &["enrol", "--hub", &hub.url, "--code", code.trim()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--again"));
    ok(
        &phone,
        &["enrol", "--hub", &hub.url, "--code", code.trim(), "--again"],
    );
    ok(&phone, &["sync"]);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&phone), 0o700, "the device's data folder");
        // SQLite removes -wal and -shm when the CLI closes; any left are 0600.
        assert_eq!(mode(&phone.join("farmlive.db")), 0o600);
        for f in ["farmlive.db-wal", "farmlive.db-shm"] {
            if phone.join(f).exists() {
                assert_eq!(mode(&phone.join(f)), 0o600, "{f}");
            }
        }
        assert_eq!(
            mode(db.parent().unwrap()),
            0o700,
            "the hub's folder, made by the hub"
        );
        for f in ["hub.db", "hub.db-wal", "hub.db-shm", "hub.db.secret"] {
            assert_eq!(mode(&db.with_file_name(f)), 0o600, "{f}");
        }
        assert_eq!(mode(&db.with_extension("blobs")), 0o700);
    }
}

#[test]
fn the_help_describes_the_device_commands() {
    let dir = tempfile::tempdir().unwrap();
    let help = ok(dir.path(), &["hub", "devices", "--help"]);
    assert!(help.contains("list") && help.contains("revoke"), "{help}");
    let help = ok(dir.path(), &["hub", "enrol-code", "--help"]);
    assert!(help.contains("--valid-hours"), "{help}");
    let help = ok(dir.path(), &["enrol", "--help"]);
    assert!(help.contains("--again"), "{help}");
}

#[test]
fn a_buyer_whose_token_expired_is_told_and_signs_up_anew_on_the_next_command() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let hub = Hub::start(&db);
    let code = hub.code();
    let phone = dir.path().join("phone");
    ok(&phone, &["enrol", "--hub", &hub.url, "--code", &code]);
    let added = ListingArgs::new("Mangoes", "8").stock(9).add(&phone);
    ok(&phone, &["sync"]);
    let listing = added["id"].as_str().unwrap().to_owned();
    let buyer = dir.path().join("buyer");
    let order = [
        "buyer",
        "--hub",
        &hub.url,
        "order",
        "--listing",
        &listing,
        "--qty",
        "1",
    ];
    ok(&buyer, &order);
    // 180 days pass without an order: the hub forgets the token.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE buyers SET expires_at = 1", [])
        .unwrap();
    let refused = farmlive(&buyer, &order);
    let err = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert_eq!(refused.status.code(), Some(1), "{err}");
    assert!(err.contains("sign up anew"), "{err}");
    // The next command signs up again instead of failing for ever.
    ok(&buyer, &order);
    let buyers: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM buyers", [], |r| r.get(0))
        .unwrap();
    assert_eq!(buyers, 2);
}
