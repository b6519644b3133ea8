//! `farmlive hub migrate` on a real PostgreSQL (a throwaway cluster, see
//! `farmlive_tests::pg`): the schema is made once, a second run changes
//! nothing, hubs migrating at once take turns, and a database from a newer
//! hub is refused with a clear message and left as it was; and `farmlive
//! hub` serves from it once migrated, with its data folder.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_tests::bin;
use farmlive_tests::pg::{PgCluster, database_of};
use std::process::{Command, Output};

/// The schema this hub's migrations make.
const LATEST: u32 = farmlive_hub::store::PG_SCHEMA_VERSION;

/// The real `farmlive` command (built by `cargo test --workspace`, or
/// `cargo build -p farmlive`).
fn farmlive(args: &[&str]) -> Output {
    let exe = bin("farmlive");
    assert!(
        exe.exists(),
        "{} is missing: build it first (cargo build -p farmlive)",
        exe.display()
    );
    let data = tempfile::tempdir().unwrap();
    Command::new(exe)
        .args(args)
        .env("FARMLIVE_DATA_DIR", data.path())
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The hub's tables, as the database lists them.
fn tables(pg: &PgCluster, db: &str) -> Vec<String> {
    let sql = "SELECT table_name FROM information_schema.tables \
               WHERE table_schema = 'public' ORDER BY 1";
    pg.psql(db, sql).lines().map(str::to_owned).collect()
}

#[test]
fn migrate_makes_the_schema_once_and_a_second_run_is_a_no_op() {
    let pg = PgCluster::shared();
    let url = pg.create_database();
    let db = database_of(&url).to_owned();
    assert!(tables(&pg, &db).is_empty(), "a new database");

    let first = farmlive(&["hub", "migrate", "--db", &url]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    assert!(
        text(&first).contains(&format!("schema {LATEST} (was 0)")),
        "{}",
        text(&first)
    );
    let expected = [
        "applied_ops",
        "blob_owners",
        "blob_uploads",
        "blobs",
        "buyers",
        "changes",
        "device_farms",
        "devices",
        "enrol_codes",
        "farm_origins",
        "farms",
        "feed_counters",
        "guide_blobs",
        "guides",
        "listing_blobs",
        "listings",
        "orders",
        "question_blobs",
        "questions",
        "room_events",
        "rooms",
        "routes",
        "schema_version",
    ];
    assert_eq!(tables(&pg, &db), expected);
    assert_eq!(
        pg.psql(&db, "SELECT max(version) FROM schema_version"),
        LATEST.to_string()
    );
    assert_eq!(
        pg.psql(&db, "SELECT name || '=' || n FROM feed_counters ORDER BY 1"),
        "changes=0\nroom_events=0"
    );
    // The rules the schema keeps: one live room per farm, one order per
    // idempotency key.
    pg.psql(
        &db,
        "INSERT INTO farms VALUES ('f1', 'Li orchard', 0);
         INSERT INTO rooms (id, farm_id, status, opened_at, state) VALUES ('r1', 'f1', 'live', 0, '{}')",
    );
    let second_live = pg.try_psql(
        &db,
        "INSERT INTO rooms (id, farm_id, status, opened_at, state) VALUES ('r2', 'f1', 'live', 0, '{}')",
    );
    assert!(
        second_live
            .as_ref()
            .is_err_and(|e| e.contains("rooms_one_live_per_farm")),
        "{second_live:?}"
    );

    let again = farmlive(&["hub", "migrate", "--db", &url]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(
        text(&again).contains(&format!("schema {LATEST} already; nothing to do")),
        "{}",
        text(&again)
    );
    assert_eq!(
        pg.psql(&db, "SELECT count(*) FROM schema_version"),
        LATEST.to_string(),
        "one row per migration, each once"
    );
    assert_eq!(pg.psql(&db, "SELECT count(*) FROM rooms"), "1", "data kept");
}

#[test]
fn hubs_migrating_at_once_take_turns() {
    let pg = PgCluster::shared();
    let url = pg.create_database();
    let db = database_of(&url).to_owned();
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || farmlive(&["hub", "migrate", "--db", &url]))
        })
        .collect();
    let outputs: Vec<Output> = runs.into_iter().map(|r| r.join().unwrap()).collect();
    for out in &outputs {
        assert_eq!(out.status.code(), Some(0), "{}", text(out));
    }
    let made = outputs
        .iter()
        .filter(|o| text(o).contains("(was 0)"))
        .count();
    assert_eq!(made, 1, "exactly one run made the schema");
    assert_eq!(
        pg.psql(&db, "SELECT count(*) FROM schema_version"),
        LATEST.to_string()
    );
}

#[test]
fn a_database_from_a_newer_hub_is_refused_and_left_as_it_was() {
    let pg = PgCluster::shared();
    let url = pg.create_database();
    let db = database_of(&url).to_owned();
    let first = farmlive(&["hub", "migrate", "--db", &url]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    pg.psql(
        &db,
        "INSERT INTO schema_version (version, applied_at) VALUES (97, 0)",
    );
    let refused = farmlive(&["hub", "migrate", "--db", &url]);
    let said = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{said}");
    assert!(said.contains("schema 97"), "{said}");
    assert!(said.contains("newer than this hub"), "{said}");
    assert!(said.contains("update the hub"), "{said}");
    assert_eq!(
        pg.psql(
            &db,
            "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version"
        ),
        (1..=LATEST)
            .map(|v| v.to_string())
            .chain(["97".to_owned()])
            .collect::<Vec<_>>()
            .join(","),
        "nothing changed"
    );
}

/// The operator's whole path with the `farmlive` command: a hub on
/// PostgreSQL needs a data folder and a migrated database, says so when
/// either is missing, then serves; codes minted by `farmlive hub
/// enrol-code` beside it enrol a real device, which syncs, and `devices
/// list` shows it.
#[test]
fn farmlive_hub_serves_from_postgres_once_migrated_with_a_data_folder() {
    let pg = PgCluster::shared();
    let url = pg.create_database();
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();

    let out = farmlive(&["hub", "--listen", "127.0.0.1:0", "--db", &url]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("--hub-data"), "{said}");
    assert!(!said.contains("listening"), "{said}");

    let serve = ["hub", "--listen", "127.0.0.1:0", "--rtmp-listen", "off"];
    let out = farmlive(&[&serve[..], &["--db", &url, "--hub-data", dir]].concat());
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("farmlive hub migrate"), "{said}");

    let out = farmlive(&["hub", "migrate", "--db", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let mut hub = Command::new(bin("farmlive"))
        .args(serve)
        .args(["--db", &url, "--hub-data", dir])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(hub.stdout.take().unwrap()));
    let first = lines.next().unwrap().unwrap();
    let address = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();

    let minted = farmlive(&[
        "hub",
        "enrol-code",
        "--farm",
        "Li farm",
        "--db",
        &url,
        "--hub-data",
        dir,
    ]);
    assert_eq!(minted.status.code(), Some(0), "{}", text(&minted));
    let code = String::from_utf8_lossy(&minted.stdout).trim().to_owned();
    let rt = farmlive_tests::rt();
    let phone = farmlive_tests::Device::enrolled(&rt, &address, &code, "Li's phone");
    phone.list(
        "Li farm",
        &farmlive_tests::ListingBuilder::new("Pomelos").stock(40),
    );
    let report = phone.sync(&rt);
    assert_eq!(report.progress.ops_pushed, 1, "{report:?}");

    let listed = farmlive(&[
        "--json",
        "hub",
        "devices",
        "list",
        "--db",
        &url,
        "--hub-data",
        dir,
    ]);
    assert_eq!(listed.status.code(), Some(0), "{}", text(&listed));
    assert!(text(&listed).contains("Li's phone"), "{}", text(&listed));
    assert!(
        std::fs::metadata(data.path().join("hub.secret")).is_ok(),
        "the code key is kept in the data folder"
    );
    let _ = hub.kill();
    let _ = hub.wait();
}

#[test]
fn a_cluster_unreachable_is_a_clear_error_without_the_password() {
    let url = "postgres://hub:s3cret@127.0.0.1:1/farmlive";
    let out = farmlive(&["hub", "migrate", "--db", url]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("PostgreSQL, connecting"), "{said}");
    assert!(!said.contains("s3cret"), "{said}");
}
