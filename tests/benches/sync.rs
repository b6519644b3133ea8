//! Sync throughput against a real hub process on loopback, beside the
//! ceiling of the same rows inserted by raw rusqlite; bytes per op on the
//! wire; and a week offline (2,000 ops, 50 photos) synced in one go.
//!
//! Run: `cargo bench -p farmlive-tests --bench sync` (or `cargo xtask bench`).

#![allow(clippy::unwrap_used)]

use farmlive_core::SyncOptions;
use farmlive_core::protocol::api::Role;
use farmlive_tests::{HubProcess, draft, rt};
use std::time::Instant;

const OPS: usize = 10_000;

/// The same listing rows the hub stores, inserted by raw rusqlite: the ceiling.
fn raw_rusqlite(rows: &[(String, String)]) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("raw.db")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
    conn.execute_batch(
        "CREATE TABLE listings (id TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID",
    )
    .unwrap();
    let start = Instant::now();
    for chunk in rows.chunks(200) {
        let tx = conn.unchecked_transaction().unwrap();
        for (id, state) in chunk {
            tx.execute(
                "INSERT INTO listings (id, state) VALUES (?1, ?2)",
                [id, state],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
    rows.len() as f64 / start.elapsed().as_secs_f64()
}

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
    let rt = rt();
    let hub = HubProcess::start();
    let options = SyncOptions {
        push_batch: 500,
        pull_page: 1000,
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

    // Pull: a fresh device pulls all 10,000 changes.
    let puller = hub.device(&rt, &["Bench farm"], Role::Farmer, "puller");
    let start = Instant::now();
    let pulled = puller
        .try_sync(&rt, &options)
        .unwrap()
        .progress
        .changes_pulled;
    let pull_rate = pulled as f64 / start.elapsed().as_secs_f64();

    let rows: Vec<(String, String)> = {
        let sql = hub.sql();
        let mut stmt = sql.prepare("SELECT id, state FROM listings").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    let raw_rate = raw_rusqlite(&rows);

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
    println!("  push      {push_rate:>9.0} ops/s      (target >= 5,000)");
    println!("  pull      {pull_rate:>9.0} changes/s  (target >= 10,000)");
    println!("  raw rusqlite insert of the same rows: {raw_rate:.0} rows/s (the ceiling)");
    println!(
        "  ratio     push {:.2}x, pull {:.2}x of the raw insert rate",
        push_rate / raw_rate,
        pull_rate / raw_rate
    );
    println!("  wire      {bytes_per_op:.0} bytes per listing op, gzip (target <= 200)");
    println!(
        "week offline: {pending} ops + 50 photos ({} files, {:.1} MB) synced in {week_s:.2} s (target < 10 s)",
        r.progress.photos_uploaded,
        r.progress.photo_bytes as f64 / 1e6
    );
}
