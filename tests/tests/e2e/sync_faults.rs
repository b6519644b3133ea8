//! Sync under faults: a network that drops, resets, stalls and cuts replies,
//! and a device process killed (SIGKILL) at random points during sync. In
//! every run each op is applied exactly once on the hub and nothing is lost.

#![allow(clippy::unwrap_used)]

use farmlive_core::protocol::api::Role;
use farmlive_core::sync::Backoff;
use farmlive_core::{Core, ListingFilter, SyncOptions};
use farmlive_tests::proxy::{Fault, FaultyProxy};
use farmlive_tests::{HubProcess, ListingBuilder, bin, rt};
use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Checks the hub holds exactly what the device made: every op applied once,
/// every listing with the stock its ops add up to, every photo complete.
fn assert_hub_matches(hub: &HubProcess, ops_made: u64, expected: &HashMap<String, i64>) {
    let census = hub.census();
    let (applied, rejected) = (census.ops, census.refused_ops);
    assert_eq!(
        applied, ops_made,
        "every op reached the hub, none twice (op ids are unique keys)"
    );
    assert_eq!(rejected, 0, "nothing was refused");
    let stocks: HashMap<String, i64> = (hub.store().listings().unwrap().into_iter())
        .map(|l| (l.id.to_string(), l.stock))
        .collect();
    assert_eq!(
        &stocks, expected,
        "a delta applied twice or lost would show here"
    );
    assert_eq!(census.incomplete_photos, 0);
    assert_eq!(census.uploads, 0, "no upload left half-way");
}

#[test]
fn sync_through_a_network_that_drops_resets_stalls_and_cuts_replies() {
    let rt = rt();
    let hub = HubProcess::start();
    let upstream = hub.url.trim_start_matches("http://").to_owned();
    let proxy = rt.block_on(FaultyProxy::start(upstream, 0xfa17));
    let device = hub.device(&rt, &["Li orchard"], Role::Farmer, "phone");
    // The device reaches the hub only through the faulty proxy from now on.
    rusqlite::Connection::open(device.dir.path().join(farmlive_core::DB_FILE))
        .unwrap()
        .execute(
            "UPDATE meta SET value = ?1 WHERE key = 'hub_url'",
            [&proxy.url],
        )
        .unwrap();
    let options = SyncOptions {
        push_batch: 7,
        pull_page: 5,
        request_timeout: Duration::from_millis(800),
        backoff: Backoff {
            base: Duration::from_millis(5),
            max: Duration::from_millis(50),
            attempts: 4,
        },
    };
    let farm = device.farm("Li orchard");
    let mut expected = HashMap::new();
    let mut ops = 0u64;
    let mut failed_syncs = 0;
    for round in 0..6 {
        for i in 0..8 {
            let l = ListingBuilder::new(&format!("round {round} item {i}"))
                .stock(100)
                .create(&device.core, farm);
            device.core.adjust_stock(l.id, -(i + 1)).unwrap();
            expected.insert(l.id.to_string(), 100 - (i + 1));
            ops += 2;
        }
        if round % 2 == 0 {
            let listing = device.core.listings(&ListingFilter::default()).unwrap()[0].id;
            let name = [
                "leaf-2560x1600.jpg",
                "cups-2560x1600.jpg",
                "forest-2560x1600.jpg",
            ][round / 2];
            device
                .core
                .add_photo_file(listing, farmlive_tests::photo(name))
                .unwrap();
            ops += 1;
        }
        // Sync until it gets through; each failure is a network failure, never lost data.
        let mut tries = 0;
        loop {
            match device.try_sync(&rt, &options) {
                Ok(_) => break,
                Err(e) => {
                    assert!(e.is_transient(), "only network errors expected: {e:?}");
                    failed_syncs += 1;
                    tries += 1;
                    assert!(tries < 40, "sync never got through");
                }
            }
        }
        assert_eq!(device.core.pending_count().unwrap(), 0);
    }
    proxy
        .faults
        .store(false, std::sync::atomic::Ordering::SeqCst);
    device.sync(&rt);
    assert_hub_matches(&hub, ops, &expected);
    let local: HashMap<String, i64> = device
        .core
        .listings(&ListingFilter {
            limit: 1000,
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|l| (l.id.to_string(), l.stock))
        .collect();
    assert_eq!(local, expected, "the device agrees with the hub");
    for fault in [Fault::Drop, Fault::Reset, Fault::Stall, Fault::CutReply] {
        assert!(
            proxy.count(fault) > 0,
            "{fault:?} never happened; the test would prove nothing"
        );
    }
    eprintln!(
        "faults: {} drops, {} resets, {} stalls, {} cut replies, {} passes; {failed_syncs} syncs failed and were retried",
        proxy.count(Fault::Drop),
        proxy.count(Fault::Reset),
        proxy.count(Fault::Stall),
        proxy.count(Fault::CutReply),
        proxy.count(Fault::Pass)
    );
}

const KILL_POINTS: u64 = 30;

#[test]
fn a_device_killed_during_sync_loses_nothing_and_applies_nothing_twice() {
    let rt = rt();
    let hub = HubProcess::start();
    let device = hub.device(&rt, &["Li orchard"], Role::Farmer, "phone");
    let farm = device.farm("Li orchard");
    let dir = device.dir;
    drop(device.core);

    let mut expected = HashMap::new();
    let mut ops = 0u64;
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut completed = 0;
    for round in 0..KILL_POINTS {
        {
            // The user keeps working between sync attempts.
            let core = Core::open(dir.path()).unwrap();
            for i in 0..40 {
                let l = ListingBuilder::new(&format!("r{round} i{i}"))
                    .stock(50)
                    .create(&core, farm);
                core.adjust_stock(l.id, -1).unwrap();
                expected.insert(l.id.to_string(), 49);
                ops += 2;
            }
            if round % 10 == 0 {
                let listing = core.listings(&ListingFilter::default()).unwrap()[0].id;
                core.add_photo_file(
                    listing,
                    farmlive_tests::photo("phone-12mp-exif-rotated.jpg"),
                )
                .ok();
                ops += 1;
            }
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // From process start-up (opening the store) to the middle of pushing.
        let delay = Duration::from_millis(1 + x % 45);
        let mut child = Command::new(bin("farmlive-syncer"))
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        match child.try_wait().unwrap() {
            Some(status) => {
                assert!(
                    status.success(),
                    "round {round}: the syncer failed on its own"
                );
                completed += 1;
            }
            None => {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
            }
        }
    }
    let status = Command::new(bin("farmlive-syncer"))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let core = Core::open(dir.path()).unwrap();
    assert_eq!(core.pending_count().unwrap(), 0);
    assert_eq!(core.open_report().set_aside, None);
    assert_hub_matches(&hub, ops, &expected);
    eprintln!(
        "{KILL_POINTS} kill points tried ({completed} syncs finished before the kill); {ops} ops applied exactly once"
    );
}
