//! Sync throughput against a real hub process on loopback, each phase beside
//! its ceiling; bytes per op on the wire; and a week offline (2,000 ops, 50
//! photos) synced in one go.
//!
//! The ceiling of a phase (see `common/ceiling.rs`) is the rows that phase
//! wrote, inserted by raw rusqlite into an empty database with the same
//! schema (indexes, triggers, full-text index) and the writer's pragmas, in
//! as many transactions as the phase committed: for the push, the hub's rows
//! (20 commits of 500 ops, `synchronous=FULL`); for the pull, the fresh
//! device's rows (10 pages of 1,000 changes, `synchronous=NORMAL`).
//!
//! Run: `cargo bench -p farmlive-tests --bench sync` (or `cargo xtask bench`).

#![allow(clippy::unwrap_used)]

#[path = "common/ceiling.rs"]
mod ceiling;
#[path = "../../core/benches/common/machine.rs"]
mod machine;

use ceiling::Snapshot;
use farmlive_core::SyncOptions;
use farmlive_core::protocol::api::Role;
use farmlive_tests::{HubProcess, draft, rt};
use std::time::Instant;

const OPS: usize = 10_000;
const PUSH_BATCH: usize = 500;
const PULL_PAGE: u32 = 1_000;
/// The hub's connection pragmas (`hub/src/store`).
const HUB_PRAGMAS: &[(&str, &str)] = &[
    ("journal_mode", "WAL"),
    ("synchronous", "FULL"),
    ("foreign_keys", "ON"),
];
/// The device's connection pragmas (`core/src/store`).
const DEVICE_PRAGMAS: &[(&str, &str)] = &[
    ("foreign_keys", "ON"),
    ("synchronous", "NORMAL"),
    ("journal_mode", "WAL"),
];

/// Distinct photo-like PNGs (gradients and shapes), so none dedupe.
fn photo(i: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(1600, 1200, |x, y| {
        let r = ((x + i * 37) % 256) as u8;
        let g = ((y + i * 11) % 256) as u8;
        let b = (((x / 40 + y / 40 + i) % 2) * 200) as u8;
        image::Rgb([r, g, b])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn main() {
    println!("{}", machine::describe());
    let rt = rt();
    let hub = HubProcess::start();
    let options = SyncOptions {
        push_batch: PUSH_BATCH,
        pull_page: PULL_PAGE,
        ..Default::default()
    };

    // Push: one device, 10,000 listing creates.
    let pusher = hub.device(&rt, &["Bench farm"], Role::Agent, "pusher");
    let farm = pusher.farm("Bench farm");
    for i in 0..OPS {
        pusher
            .core
            .create_listing(
                farm,
                draft(&format!("海南芒果 Guifei mangoes lot {i}"), 100),
            )
            .unwrap();
    }
    let hub_before = Snapshot::take(&hub.sqlite());
    // Time the push phase alone: until the sync turns to pulling.
    let pushed_at = std::sync::Mutex::new(None);
    let start = Instant::now();
    let on_progress = |p: &farmlive_core::SyncProgress| {
        if p.phase == farmlive_core::SyncPhase::Pulling {
            pushed_at
                .lock()
                .unwrap()
                .get_or_insert_with(|| start.elapsed());
        }
    };
    let report = rt
        .block_on(
            pusher
                .core
                .sync(&options, &farmlive_core::CancelToken::new(), &on_progress),
        )
        .unwrap();
    let push_s = pushed_at.lock().unwrap().unwrap().as_secs_f64();
    let push_rate = report.progress.ops_pushed as f64 / push_s;
    let bytes_per_op = report.progress.push_bytes as f64 / report.progress.ops_pushed as f64;
    let hub_written = hub_before.written_since(&hub.sqlite());

    // Pull: a fresh device pulls all 10,000 changes.
    let puller = hub.device(&rt, &["Bench farm"], Role::Farmer, "puller");
    let puller_db =
        || rusqlite::Connection::open(puller.dir.path().join(farmlive_core::DB_FILE)).unwrap();
    let device_before = Snapshot::take(&puller_db());
    let start = Instant::now();
    let pulled = puller
        .try_sync(&rt, &options)
        .unwrap()
        .progress
        .changes_pulled;
    let pull_rate = pulled as f64 / start.elapsed().as_secs_f64();
    let device_written = device_before.written_since(&puller_db());

    let scratch = tempfile::tempdir().unwrap();
    let push_ceiling = OPS as f64
        / hub_written.insert_into(
            &scratch.path().join("hub.db"),
            HUB_PRAGMAS,
            OPS.div_ceil(PUSH_BATCH),
        );
    let pull_ceiling = pulled as f64
        / device_written.insert_into(
            &scratch.path().join("device.db"),
            DEVICE_PRAGMAS,
            (pulled as usize).div_ceil(PULL_PAGE as usize),
        );

    // A week offline: 2,000 ops and 50 photos, then one sync.
    let week = hub.device(&rt, &["Week farm"], Role::Farmer, "week");
    let wfarm = week.farm("Week farm");
    let mut ops = 0;
    let mut listings = Vec::new();
    while ops < 2_000 - 50 {
        let l = week
            .core
            .create_listing(wfarm, draft(&format!("lot {ops}"), 500))
            .unwrap();
        listings.push(l.id);
        week.core.adjust_stock(l.id, -3).unwrap();
        week.core
            .edit_listing(
                l.id,
                farmlive_core::protocol::ListingPatch {
                    description: Some("picked today".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        ops += 3;
    }
    for i in 0..50u32 {
        week.core
            .add_photo_bytes(listings[i as usize], &photo(i))
            .unwrap();
    }
    let pending = week.core.pending_count().unwrap();
    let start = Instant::now();
    let r = week.try_sync(&rt, &options).unwrap();
    let week_s = start.elapsed().as_secs_f64();

    println!("sync against a real hub process on loopback ({OPS} listing ops)");
    println!(
        "  push      {push_rate:>9.0} ops/s      (target >= 5,000); ceiling {push_ceiling:.0} ops/s, ratio {:.2}x",
        push_rate / push_ceiling
    );
    println!(
        "            ceiling: the hub's rows ({}) in {} transactions",
        hub_written.describe(),
        OPS.div_ceil(PUSH_BATCH)
    );
    println!(
        "  pull      {pull_rate:>9.0} changes/s  (target >= 10,000); ceiling {pull_ceiling:.0} changes/s, ratio {:.2}x",
        pull_rate / pull_ceiling
    );
    println!(
        "            ceiling: the device's rows ({}) in {} transactions",
        device_written.describe(),
        (pulled as usize).div_ceil(PULL_PAGE as usize)
    );
    println!("  wire      {bytes_per_op:.0} bytes per listing op, gzip (target <= 200)");
    println!(
        "week offline: {pending} ops + 50 photos ({} files, {:.1} MB) synced in {week_s:.2} s (target < 10 s)",
        r.progress.photos_uploaded,
        r.progress.photo_bytes as f64 / 1e6
    );
    println!("load average at the end: {}", machine::load_average());
}
