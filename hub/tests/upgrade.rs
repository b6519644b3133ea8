//! Upgrades: a hub database as each older schema left it, full of real data
//! (`testdata/schema/hub-vN.sql`, cut from one run of a farm with a device,
//! a buyer, orders and a live room), opened by today's hub. The data must
//! survive, each migration's data step must have run, and the hub must keep
//! working on it. A database from a newer hub is refused at open.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_hub::store::objects::PhotoStorage;
use farmlive_hub::store::{BlobStore, Principal, SCHEMA_VERSION};
use farmlive_hub::{Hub, HubError, Store};
use farmlive_protocol::api::{PlaceOrder, Role};
use farmlive_protocol::order::{Delivery, OrderStatus};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The device's token in the fixtures (`device-v2.sql`; its hash is here).
const DEVICE_TOKEN: &str = "fld_3c2423ae3f23d1fb3ffcee60f2056cea240249f6da5ecc9cfb8aca1f3d1d077c";

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/schema")
        .join(rel)
}

/// A hub database (and its photo folder) as a hub at schema `version` left it.
fn hub_at(version: u32) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let mut conn = rusqlite::Connection::open(&db).unwrap();
    let sql = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql");
    farmlive_sqlite::build_old_schema(&mut conn, &sql, version).unwrap();
    let rows = std::fs::read_to_string(testdata(&format!("hub-v{version}.sql"))).unwrap();
    conn.execute_batch(&rows).unwrap();
    let blobs = dir.path().join("hub.blobs");
    std::fs::create_dir_all(&blobs).unwrap();
    for e in std::fs::read_dir(testdata("blobs")).unwrap() {
        let path = e.unwrap().path();
        std::fs::copy(&path, blobs.join(path.file_name().unwrap())).unwrap();
    }
    (dir, db)
}

fn scalar(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_hub_database_from_each_older_schema_is_upgraded_with_its_data_working() {
    for version in 1..SCHEMA_VERSION {
        let (dir, db) = hub_at(version);
        let hub = Hub::open(&db).unwrap();
        let store = hub.store();
        assert!(!store.is_fresh(), "v{version}: an upgraded hub is not new");
        let raw = rusqlite::Connection::open(&db).unwrap();
        assert_eq!(
            scalar(&raw, "PRAGMA user_version"),
            i64::from(SCHEMA_VERSION)
        );

        // The device still signs in, and sees its farm's feed from the start.
        let device = store.authenticate(DEVICE_TOKEN).unwrap();
        let Principal::Device { farms, role, .. } = &device else {
            panic!("v{version}: {device:?}")
        };
        assert_eq!(*role, Role::Farmer);
        let farm = *farms.iter().next().unwrap();
        assert_eq!(store.farm_name(farm).unwrap(), "Green Valley");
        let page = store.changes(farms, 0, 100, true).unwrap();
        assert_eq!(
            page.changes.len() as i64,
            scalar(&raw, "SELECT count(*) FROM changes"),
            "v{version}"
        );

        // Listings and their photos, as buyers see them.
        let public = store.public_listings(10).unwrap();
        let titles: BTreeSet<&str> = public.iter().map(|l| l.title.as_str()).collect();
        assert_eq!(
            titles,
            BTreeSet::from(["Hainan mangoes", "Free-range eggs", "野蜂蜜 wild honey"]),
            "v{version}"
        );
        // Schema 3's data step: each shown photo recorded and charged to the
        // farm; the half-done upload of the shared-uploads era is gone.
        let shown: BTreeSet<String> = public.iter().flat_map(|l| l.photos.clone()).collect();
        assert_eq!(shown.len(), 2, "v{version}");
        for sha in &shown {
            assert_eq!(
                scalar(
                    &raw,
                    &format!(
                        "SELECT count(*) FROM blob_owners WHERE sha256 = '{sha}' AND farm_id = '{farm}'"
                    )
                ),
                1,
                "v{version}"
            );
        }
        assert_eq!(
            scalar(&raw, "SELECT count(*) FROM blobs WHERE complete = 0"),
            0
        );
        let blobs = BlobStore::new(PhotoStorage::local(&dir.path().join("hub.blobs")).unwrap());
        // The two photos, and from schema 3 on the device's upload in
        // progress (its declared length is reserved against the quota).
        let uploading = if version >= 3 { 40960 } else { 0 };
        assert_eq!(
            blobs.usage(&Store::open(&db).unwrap(), farm).unwrap(),
            2229 + 3037 + uploading,
            "v{version}"
        );

        // Schema 4's data step: unused plain-hash codes dropped, buyers given a term.
        assert_eq!(
            scalar(
                &raw,
                "SELECT count(*) FROM enrol_codes WHERE used_at IS NULL"
            ),
            0
        );
        let now = farmlive_hub::store::now_ms();
        assert!(scalar(&raw, "SELECT min(expires_at) FROM buyers") > now);

        // Orders: readable by their buyer and the farm, and new ones placed.
        let buyer: String = raw
            .query_row("SELECT id FROM buyers", [], |r| r.get(0))
            .unwrap();
        let buyer = Principal::Buyer(buyer.parse().unwrap());
        let ids: Vec<String> = raw
            .prepare("SELECT id FROM orders")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(ids.len(), 3);
        let mut statuses = BTreeSet::new();
        for id in &ids {
            let order = store.order_for(&buyer, id.parse().unwrap()).unwrap();
            assert_eq!(store.order_for(&device, order.id).unwrap(), order);
            statuses.insert(format!("{:?}", order.status));
        }
        assert!(
            statuses.contains(&format!("{:?}", OrderStatus::Cancelled)),
            "{statuses:?}"
        );
        let Principal::Buyer(buyer_id) = buyer else {
            unreachable!()
        };
        let mango = public.iter().find(|l| l.title == "Hainan mangoes").unwrap();
        let (placed, new) = store
            .place_order(
                buyer_id,
                &PlaceOrder {
                    listing: mango.id,
                    quantity: 1,
                    delivery: Delivery::default(),
                    idempotency_key: "after-upgrade".into(),
                    destination: None,
                },
            )
            .unwrap();
        assert!(new);
        assert_eq!(placed.status, OrderStatus::Placed);

        // Rooms, from schema 2 on.
        let rooms = store.live_rooms(10).unwrap();
        if version >= 2 {
            assert_eq!(rooms.len(), 1, "v{version}");
            assert_eq!(rooms[0].title, "Mango harvest live");
        } else {
            assert!(rooms.is_empty());
        }

        // Devices can be listed, revoked, and new ones enrolled.
        assert_eq!(store.devices(None).unwrap().len(), 1);
        let Principal::Device { id, .. } = device else {
            unreachable!()
        };
        store
            .revoke_device(id, None, farmlive_hub::store::OPERATOR)
            .unwrap();
        assert!(matches!(
            store.authenticate(DEVICE_TOKEN),
            Err(HubError::Denied { .. })
        ));
        store
            .mint_enrol_code(&["Green Valley".into()], Role::Agent)
            .unwrap();
    }
}

#[test]
fn a_database_from_a_newer_hub_is_refused_at_open_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    drop(Store::open(&db).unwrap());
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 3)
        .unwrap();
    drop(conn);
    let before = std::fs::read(&db).unwrap();

    let err = Hub::open(&db).err().unwrap();
    assert!(
        matches!(err, HubError::SchemaTooNew { found, supported } if found == SCHEMA_VERSION + 3 && supported == SCHEMA_VERSION),
        "{err:?}"
    );
    let shown = err.to_string();
    assert!(shown.contains("newer than this hub"), "{shown}");
    assert!(shown.contains("update the hub"), "{shown}");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the file must not change"
    );
}

#[test]
fn a_newer_database_gets_nothing_new_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    assert!(matches!(
        Store::open(&db),
        Err(HubError::SchemaTooNew { found: 99, .. })
    ));
    assert!(!db.with_extension("db.secret").exists());
    assert!(
        !dir.path().join("hub.db.secret").exists(),
        "no code key made for it"
    );
    assert!(
        !db.with_extension("blobs").exists(),
        "no photo folder made for it"
    );
}
