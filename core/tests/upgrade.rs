//! Upgrades: a device database as each older schema left it, full of real
//! work (listings, photos, pending ops; then sync state, orders, a conflict),
//! opened by today's core. The data must survive and keep working: listed,
//! searched, edited, and synced to a real hub on loopback, itself upgraded
//! from each older hub schema. The fixtures are in `testdata/schema/` (see
//! its README); `core/sql` and `hub/sql` build the old schemas.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::*;
use farmlive_core::protocol::OrderStatus;
use farmlive_core::protocol::api::Role;
use farmlive_core::{
    CancelToken, Core, DB_FILE, ListingFilter, OrderFilter, SCHEMA_VERSION, SyncOptions,
};
use farmlive_hub::store::Principal;
use std::path::{Path, PathBuf};

/// The device's enrolment token in `device-v2.sql` (its hash is in the hub fixtures).
const DEVICE_TOKEN: &str = "fld_3c2423ae3f23d1fb3ffcee60f2056cea240249f6da5ecc9cfb8aca1f3d1d077c";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(testdata(&format!("schema/{name}"))).unwrap()
}

/// The photo files of the fixtures, as (sha256, path).
fn fixture_blobs() -> Vec<(String, PathBuf)> {
    std::fs::read_dir(testdata("schema/blobs"))
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                path,
            )
        })
        .collect()
}

/// A data directory as a device at schema `version` left it.
fn device_at(version: u32) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    let sql = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql");
    farmlive_sqlite::build_old_schema(&mut conn, &sql, version).unwrap();
    conn.execute_batch(&fixture(&format!("device-v{version}.sql")))
        .unwrap();
    for (sha, path) in fixture_blobs() {
        let to = dir.path().join("blobs").join(&sha[..2]);
        std::fs::create_dir_all(&to).unwrap();
        std::fs::copy(path, to.join(format!("{sha}.jpg"))).unwrap();
    }
    dir
}

/// A hub serving on loopback, from a database at `version` (or a new one).
struct Hub {
    url: String,
    db: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Hub {
    fn start(rt: &tokio::runtime::Runtime, version: Option<u32>) -> Hub {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("hub.db");
        if let Some(version) = version {
            let mut conn = rusqlite::Connection::open(&db).unwrap();
            let sql = Path::new(env!("CARGO_MANIFEST_DIR")).join("../hub/sql");
            farmlive_sqlite::build_old_schema(&mut conn, &sql, version).unwrap();
            conn.execute_batch(&fixture(&format!("hub-v{version}.sql")))
                .unwrap();
            let blobs = dir.path().join("hub.blobs");
            std::fs::create_dir_all(&blobs).unwrap();
            for (sha, path) in fixture_blobs() {
                std::fs::copy(path, blobs.join(sha)).unwrap();
            }
        }
        let hub = farmlive_hub::Hub::open(&db).unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        rt.spawn(hub.serve(listener, async {
            let _ = stopped.await;
        }));
        Hub {
            url,
            db,
            stop: Some(stop),
            _dir: dir,
        }
    }

    /// The hub's database, opened beside the running hub, as operators reach it.
    fn store(&self) -> std::sync::Arc<dyn farmlive_hub::OperatorStore> {
        farmlive_hub::store::open(&farmlive_hub::DbTarget::from(self.db.as_path())).unwrap()
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn sync(rt: &tokio::runtime::Runtime, core: &Core) {
    let report = rt
        .block_on(core.sync(&SyncOptions::default(), &CancelToken::new(), &|_| {}))
        .unwrap();
    assert_eq!(report.rejected, 0, "{report:?}");
}

fn by_title(core: &Core, title: &str) -> farmlive_core::Listing {
    let all = core
        .listings(&ListingFilter {
            limit: 50,
            ..Default::default()
        })
        .unwrap();
    all.into_iter()
        .find(|l| l.title == title)
        .unwrap_or_else(|| panic!("no listing {title:?}"))
}

#[test]
fn a_device_from_schema_1_keeps_its_offline_work_and_syncs_it_after_the_upgrade() {
    let dir = device_at(1);
    let queued = count(&raw(&dir), "outbox");
    assert!(queued >= 9, "the fixture has offline work: {queued}");
    let core = Core::open(dir.path()).unwrap();
    assert_eq!(core.open_report().migrated, Some((1, SCHEMA_VERSION)));

    // What the farmer made offline is all there, as it was.
    let mango = by_title(&core, "Hainan mangoes");
    assert_eq!(mango.price.minor, 1180);
    assert_eq!(mango.stock, 40);
    assert_eq!(mango.photos.len(), 1);
    assert!(core.photo_path(&mango.photos[0].sha256).unwrap().exists());
    assert_eq!(by_title(&core, "Free-range eggs").stock, 240);
    assert_eq!(
        by_title(&core, "Winter melon").status,
        farmlive_core::protocol::ListingStatus::Paused
    );
    assert_eq!(core.pending_count().unwrap(), queued as u64);
    // The search index came along, for long and short terms.
    let honey = by_title(&core, "野蜂蜜 wild honey");
    assert_eq!(core.search("mangoes", 10).unwrap()[0].id, mango.id);
    assert_eq!(core.search("蜂蜜", 10).unwrap()[0].id, honey.id);
    let id = mango.id.to_string();
    assert_eq!(core.find_listing_id(&id[id.len() - 6..]).unwrap(), mango.id);
    // And it takes new work.
    core.set_stock(honey.id, 11).unwrap();
    assert_eq!(core.pending_count().unwrap(), queued as u64 + 1);

    // Enrolled with a hub afterwards, everything is pushed, photos included.
    let rt = rt();
    let hub = Hub::start(&rt, None);
    let code = hub
        .store()
        .mint_enrol_code(&["Green Valley".into()], Role::Farmer)
        .unwrap();
    rt.block_on(core.enrol(&hub.url, &code.code, "Li's phone"))
        .unwrap();
    sync(&rt, &core);
    assert_eq!(core.pending_count().unwrap(), 0);
    let public = hub.store().public_listings(10).unwrap();
    let titles: Vec<&str> = public.iter().map(|l| l.title.as_str()).collect();
    assert_eq!(public.len(), 3, "{titles:?}");
    let on_hub = public.iter().find(|l| l.id == mango.id).unwrap();
    assert_eq!(on_hub.photos, vec![mango.photos[0].sha256.clone()]);
    assert!(
        hub.db
            .with_extension("blobs")
            .join(&on_hub.photos[0])
            .exists()
    );
    assert_eq!(public.iter().find(|l| l.id == honey.id).unwrap().stock, 11);
}

#[test]
fn a_device_from_schema_2_and_its_hub_from_each_older_schema_sync_after_both_upgrade() {
    let rt = rt();
    for hub_version in 1..=3 {
        let hub = Hub::start(&rt, Some(hub_version));
        let dir = device_at(2);
        // The hub now listens elsewhere: the one thing the test changes.
        raw(&dir)
            .execute(
                "UPDATE meta SET value = ?1 WHERE key = 'hub_url'",
                [&hub.url],
            )
            .unwrap();
        let core = Core::open(dir.path()).unwrap();
        assert_eq!(core.open_report().migrated, Some((2, SCHEMA_VERSION)));

        // Orders, the conflict and the pending work survived.
        let orders = core.orders(&OrderFilter::default()).unwrap();
        assert_eq!(orders.len(), 3, "hub v{hub_version}");
        let mango_order = orders
            .iter()
            .find(|o| o.state.title == "Hainan mangoes")
            .unwrap();
        assert!(mango_order.pending_sync);
        assert_eq!(mango_order.state.status, OrderStatus::Accepted);
        let cancelled = orders
            .iter()
            .find(|o| o.state.status == OrderStatus::Cancelled)
            .unwrap();
        assert_eq!(cancelled.state.title, "野蜂蜜 wild honey");
        let conflicts = core.conflicts(false).unwrap();
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].entity_id, cancelled.state.id.to_string());
        assert_eq!(core.pending_count().unwrap(), 3);
        let order_id = mango_order.state.id.to_string();
        assert_eq!(
            core.find_order_id(&order_id[order_id.len() - 5..]).unwrap(),
            mango_order.state.id
        );

        // Both upgraded, they sync: the pending work reaches the hub.
        sync(&rt, &core);
        assert_eq!(core.pending_count().unwrap(), 0, "hub v{hub_version}");
        let store = hub.store();
        let device = store.authenticate(DEVICE_TOKEN).unwrap();
        assert!(matches!(device, Principal::Device { .. }));
        let on_hub = store.order_for(&device, mango_order.state.id).unwrap();
        assert_eq!(on_hub.status, OrderStatus::Accepted);
        let eggs = by_title(&core, "Free-range eggs, tray of 30");
        assert!(
            store
                .public_listings(10)
                .unwrap()
                .iter()
                .any(|l| l.id == eggs.id && l.title == eggs.title),
            "hub v{hub_version}"
        );
        let mango_order = core.order(mango_order.state.id).unwrap();
        assert!(!mango_order.pending_sync);
    }
}
