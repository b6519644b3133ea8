//! What only the PostgreSQL store has to show (the API suite shared with
//! SQLite is `sync_stores.rs`): it opens only a database `farmlive hub
//! migrate` made, rooms and photos answer as on SQLite (an unknown room's
//! order is not found, an unknown photo is not found),
//! and concurrent pushes over several connections keep every op exactly
//! once and every stock edit.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_core::protocol::api::{Outcome, PushResponse, Role};
use farmlive_core::protocol::ops::Op;
use farmlive_core::protocol::{ListingId, OrderId, RoomId};
use farmlive_hub::store::PgStore;
use farmlive_hub::store::objects::PhotoStorage;
use farmlive_tests::api::Api;
use farmlive_tests::pg::{PgCluster, database_of};
use farmlive_tests::stores::{InProcessHub, StoreKind, migrated_database};
use farmlive_tests::{Device, ListingBuilder, rt};
use reqwest::Method;
use serde_json::json;

#[test]
fn the_store_opens_only_the_schema_migrate_made() {
    let pg = PgCluster::shared();
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("hub.secret");
    let photos = || PhotoStorage::local(&dir.path().join("photos")).unwrap();
    let empty = pg.create_database();
    let err = PgStore::open(&empty, &secret, photos())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("schema 0") && err.contains("farmlive hub migrate"),
        "{err}"
    );
    assert!(!secret.exists(), "a refused open makes nothing");

    let (_pg, url) = migrated_database();
    PgStore::open(&url, &secret, photos()).unwrap();
    assert!(secret.exists(), "the code key is made on the first open");
    pg.psql(
        database_of(&url),
        "INSERT INTO schema_version (version, applied_at) VALUES (99, 0)",
    );
    let err = PgStore::open(&url, &secret, photos())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("schema 99") && err.contains("newer"), "{err}");
}

#[test]
fn areas_not_built_yet_answer_501_naming_the_area() {
    let hub = InProcessHub::start(StoreKind::Postgres);
    let rt = rt();
    let api = Api::new(&hub.url);
    rt.block_on(async {
        let buyer = api.buyer("Mei").await;
        // Orders and rooms are built: an unknown order or room is not found.
        let order = format!("/v1/orders/{}", OrderId::new());
        let (status, body) = api.call(Method::GET, &order, &buyer, json!(null)).await;
        assert_eq!(status, 404, "{body}");
        let in_room = format!("/v1/rooms/{}/orders", RoomId::new());
        let room_order = json!({ "quantity": 1, "delivery": "standard", "idempotency_key": "k" });
        let (status, body) = api.call(Method::POST, &in_room, &buyer, room_order).await;
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["error"]["code"], "not_found", "{body}");
        let (status, body) = api
            .call(Method::GET, "/v1/rooms", &buyer, json!(null))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["rooms"], json!([]), "{body}");
        // Photos are built: an unknown one is not found, not 501.
        let photo = format!("/v1/blobs/{}", "a".repeat(64));
        let (status, body) = api.call(Method::GET, &photo, &buyer, json!(null)).await;
        assert_eq!(status, 404, "{body}");
    });
}

async fn push(api: &Api, token: &str, ops: &[Op]) -> Vec<Outcome> {
    let (status, body) = api
        .call(Method::POST, "/v1/ops", token, json!({ "ops": ops }))
        .await;
    assert_eq!(status, 200, "{body}");
    let resp: PushResponse = serde_json::from_value(body).unwrap();
    resp.results.into_iter().map(|r| r.outcome).collect()
}

/// Two devices of a farm take stock off one listing at once, and each
/// batch is sent twice at the same moment (a retry racing the original,
/// on another connection): each op applies once, and every unit taken off
/// is counted.
#[test]
fn racing_pushes_apply_each_op_once_and_keep_every_stock_edit() {
    const EDITS: usize = 12;
    let hub = InProcessHub::start(StoreKind::Postgres);
    let rt = rt();
    let api = Api::new(&hub.url);
    let code = || hub.code(&["Li farm"], Role::Farmer);
    let phone = Device::enrolled(&rt, &hub.url, &code(), "phone");
    let listing: ListingId = ListingBuilder::new("Pears")
        .stock(100)
        .create(&phone.core, phone.farm("Li farm"))
        .id;
    phone.sync(&rt);
    let tablet = Device::enrolled(&rt, &hub.url, &code(), "tablet");
    tablet.sync(&rt);
    let mut batches = Vec::new();
    for d in [&phone, &tablet] {
        for _ in 0..EDITS {
            d.core.adjust_stock(listing, -1).unwrap();
        }
        let ops: Vec<Op> = d
            .core
            .pending_ops(u32::MAX)
            .unwrap()
            .into_iter()
            .map(|p| p.op)
            .collect();
        assert_eq!(ops.len(), EDITS);
        batches.push((d.token(), ops));
    }
    rt.block_on(async {
        let mut racers = Vec::new();
        for (token, ops) in &batches {
            for chunk in ops.chunks(3) {
                for _ in 0..2 {
                    let (api, token, chunk) = (api.clone(), token.clone(), chunk.to_vec());
                    racers.push(tokio::spawn(
                        async move { push(&api, &token, &chunk).await },
                    ));
                }
            }
        }
        let mut applied = 0;
        for r in racers {
            for outcome in r.await.unwrap() {
                match outcome {
                    Outcome::Applied => applied += 1,
                    Outcome::Duplicate => {}
                    other => panic!("{other:?}"),
                }
            }
        }
        assert_eq!(applied, 2 * EDITS, "each op applied exactly once");
    });
    let held = hub.store.listing(listing).unwrap().unwrap();
    assert_eq!(held.stock, 100 - 2 * EDITS as i64, "no edit lost");
    assert_eq!(hub.store.census().unwrap().ops, 1 + 2 * EDITS as u64);
}

/// One phone enrolling twice at once (two codes for its farm, say a retry
/// on another process): both succeed, one after the other, and the hub
/// holds one device, signed in with the later token.
#[test]
fn one_device_enrolling_twice_at_once_is_one_device() {
    use farmlive_core::protocol::DeviceId;
    use farmlive_core::protocol::api::EnrolRequest;
    let hub = InProcessHub::start(StoreKind::Postgres);
    for round in 0..5 {
        let phone = DeviceId::new();
        let requests: Vec<EnrolRequest> = (0..2)
            .map(|_| EnrolRequest {
                code: hub.code(&["Li farm"], Role::Farmer),
                device_name: "phone".into(),
                device_id: phone,
            })
            .collect();
        let tokens: Vec<String> = std::thread::scope(|s| {
            let racers: Vec<_> = requests
                .iter()
                .map(|req| s.spawn(|| hub.store.enrol(req).unwrap().token))
                .collect();
            racers.into_iter().map(|r| r.join().unwrap()).collect()
        });
        let devices = hub.store.devices(None).unwrap();
        assert_eq!(devices.len(), round + 1, "one device per phone");
        let working = tokens
            .iter()
            .filter(|t| hub.store.authenticate(t).is_ok())
            .count();
        assert_eq!(working, 1, "the later enrolment's token only");
    }
}
