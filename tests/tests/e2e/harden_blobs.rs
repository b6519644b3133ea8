//! Photo blobs under hostile and heavy use (issue 10, findings 1 and 3): an
//! upload belongs to whoever started it, so another farm cannot wedge it;
//! only photos an active listing shows are public; each farm has a quota;
//! unfinished uploads and unneeded photos are collected; and slow readers
//! of a large photo cost the hub no memory to speak of.

#![allow(clippy::unwrap_used)]

use farmlive_core::protocol::api::Role;
use farmlive_core::{Error, SyncOptions};
use farmlive_hub::store::{Collected, ORPHAN_GRACE_MS};
use farmlive_tests::api::Api;
use farmlive_tests::blobs::{MIB, sha_hex};
use farmlive_tests::{Device, HubProcess, ListingBuilder, rt};
use std::io::{Read, Write};
use std::time::Duration;

/// `n` bytes that no other test makes (a seeded xorshift).
fn noise(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// A synced listing of `device`'s farm `farm`; its id.
fn listing(rt: &tokio::runtime::Runtime, device: &Device, farm: &str, title: &str) -> String {
    let l = device.list(farm, &ListingBuilder::new(title).stock(5));
    device.sync(rt);
    l.id.to_string()
}

/// Runs the hub's collector as of `now`, from beside the running process.
fn collect(hub: &HubProcess, now: i64) -> Collected {
    hub.store().collect_photos(now).unwrap()
}

fn now_ms() -> i64 {
    farmlive_hub::store::now_ms()
}

#[test]
fn another_farms_upload_of_the_same_photo_does_not_block_sync() {
    let rt = rt();
    let hub = HubProcess::start();
    let api = Api::new(&hub.url);
    let a = hub.device(&rt, &["Farm A"], Role::Farmer, "A");
    let b = hub.device(&rt, &["Farm B"], Role::Farmer, "B");
    let tb = b.token();
    let l = a.list("Farm A", &ListingBuilder::new("Mangoes").stock(5));
    let p = a
        .core
        .add_photo_file(l.id, farmlive_tests::photo("phone-12mp-exif-rotated.jpg"))
        .unwrap();
    rt.block_on(async {
        // Farm B knows the hashes (the same picture gives the same bytes)
        // and starts one-byte uploads of both files before A syncs.
        for sha in [&p.sha256, &p.thumb_sha256] {
            assert_eq!(api.blob_patch(&tb, sha, 0, 1, b"").await, (204, None));
            assert_eq!(
                api.blob_head(&tb, sha).await,
                (200, Some(0)),
                "B sees its own upload"
            );
        }
    });
    let report = a
        .try_sync(&rt, &SyncOptions::default())
        .expect("A's sync is not blocked by B's uploads");
    assert_eq!(report.progress.photos_uploaded, 2, "image and thumbnail");
    assert_eq!(a.core.pending_count().unwrap(), 0, "no op left queued");
    let local = std::fs::read(a.core.photo_path(&p.sha256).unwrap()).unwrap();
    rt.block_on(async {
        assert_eq!(
            api.public_photos(&l.id.to_string()).await,
            Some(vec![p.sha256.clone()]),
            "the public listing shows A's photo"
        );
        assert_eq!(api.blob_get(None, &p.sha256).await, (200, local.clone()));
        // B's one-byte upload is still B's alone, and completing it with
        // wrong bytes harms no one.
        assert_eq!(api.blob_head(&tb, &p.sha256).await, (200, Some(0)));
        let (s, code) = api.blob_patch(&tb, &p.sha256, 0, 1, b"x").await;
        assert_eq!((s, code.as_deref()), (400, Some("hash_mismatch")));
        assert_eq!(api.blob_get(None, &p.sha256).await, (200, local));
    });
    // Another photo later syncs as well.
    a.core
        .add_photo_file(l.id, farmlive_tests::photo("leaf-2560x1600.jpg"))
        .unwrap();
    a.sync(&rt);
    assert_eq!(a.core.pending_count().unwrap(), 0);
}

#[test]
fn an_upload_is_its_owners_and_it_may_start_again_with_another_length() {
    let rt = rt();
    let hub = HubProcess::start();
    let api = Api::new(&hub.url);
    let ta = hub.device(&rt, &["Farm A"], Role::Farmer, "A").token();
    let tb = hub.device(&rt, &["Farm B"], Role::Farmer, "B").token();
    let bytes = b"abcdef";
    let sha = sha_hex(bytes);
    rt.block_on(async {
        assert_eq!(api.blob_patch(&ta, &sha, 0, 10, b"abc").await, (204, None));
        assert_eq!(
            api.blob_head(&tb, &sha).await.0,
            404,
            "B sees nothing of A's upload"
        );
        let (s, code) = api.blob_patch(&ta, &sha, 3, 6, b"def").await;
        assert_eq!((s, code.as_deref()), (409, Some("length_mismatch")));
        // The owner starts again at 0 with the right length.
        assert_eq!(api.blob_patch(&ta, &sha, 0, 6, b"abc").await, (204, None));
        assert_eq!(api.blob_head(&ta, &sha).await, (200, Some(3)));
        assert_eq!(api.blob_patch(&ta, &sha, 3, 6, b"def").await, (204, None));
        assert_eq!(api.blob_head(&ta, &sha).await, (200, Some(6)), "complete");
        // Knowing the hash is not having the photo: B must send the bytes.
        assert_eq!(api.blob_head(&tb, &sha).await.0, 404);
        assert_eq!(api.blob_get(Some(&tb), &sha).await.0, 404);
        assert_eq!(api.blob_patch(&tb, &sha, 0, 6, bytes).await, (204, None));
        assert_eq!(api.blob_head(&tb, &sha).await, (200, Some(6)));
        assert_eq!(api.blob_get(Some(&tb), &sha).await, (200, bytes.to_vec()));
    });
}

#[test]
fn only_photos_an_active_listing_shows_are_public() {
    let rt = rt();
    let hub = HubProcess::start();
    let api = Api::new(&hub.url);
    let a = hub.device(&rt, &["Farm A"], Role::Farmer, "A");
    let b = hub.device(&rt, &["Farm B"], Role::Farmer, "B");
    let a2 = hub.device(&rt, &["Farm A"], Role::Agent, "A's agent");
    let (ta, tb, ta2) = (a.token(), b.token(), a2.token());
    let la = listing(&rt, &a, "Farm A", "A's pears");
    let lb = listing(&rt, &b, "Farm B", "B's pears");
    let bytes = noise(1, 300_000);
    rt.block_on(async {
        let sha = api.upload(&ta, &bytes).await;
        assert_eq!(api.blob_get(None, &sha).await.0, 404, "uploaded, not shown");
        assert_eq!(
            api.blob_get(Some(&ta), &sha).await,
            (200, bytes.clone()),
            "its uploader"
        );
        assert_eq!(
            api.blob_get(Some(&ta2), &sha).await,
            (200, bytes.clone()),
            "its farm"
        );
        assert_eq!(api.blob_get(Some(&tb), &sha).await.0, 404, "another farm");
        // Another farm cannot show it by naming its hash.
        assert_eq!(
            api.attach(&tb, &lb, &sha, bytes.len()).await,
            "blob_missing"
        );
        assert_eq!(api.blob_get(None, &sha).await.0, 404);
        assert_eq!(api.attach(&ta, &la, &sha, bytes.len()).await, "applied");
        let (s, got) = api.blob_get(None, &sha).await;
        assert_eq!((s, got == bytes), (200, true), "shown by an active listing");
        assert_eq!(api.public_photos(&la).await, Some(vec![sha.clone()]));
        // Paused: no longer public, still the farm's.
        assert_eq!(api.set_status(&ta, &la, "paused").await, "applied");
        assert_eq!(api.blob_get(None, &sha).await.0, 404);
        assert_eq!(api.blob_get(Some(&tb), &sha).await.0, 404);
        assert_eq!(api.blob_get(Some(&ta2), &sha).await, (200, bytes.clone()));
        assert_eq!(api.set_status(&ta, &la, "active").await, "applied");
        assert_eq!(api.blob_get(None, &sha).await.0, 200);
        // Bad credentials are refused, not ignored.
        assert_eq!(api.blob_get(Some("fld_nonsense"), &sha).await.0, 401);
    });
    // The farm's other device downloads the photo with its token.
    let pulled = a2.sync(&rt);
    assert!(pulled.progress.photos_downloaded >= 1);
}

#[test]
fn each_farm_has_a_photo_quota_and_is_told_clearly_when_it_is_full() {
    let rt = rt();
    let hub = HubProcess::start_with_env(&[(farmlive_hub::store::PHOTO_QUOTA_ENV, "1")]);
    let api = Api::new(&hub.url);
    let a = hub.device(&rt, &["Farm A"], Role::Farmer, "A");
    let b = hub.device(&rt, &["Farm B"], Role::Farmer, "B");
    let (ta, tb) = (a.token(), b.token());
    let small = noise(3, 30 * 1024);
    rt.block_on(async {
        api.upload(&ta, &noise(2, 1000 * 1024)).await;
        let (s, code) = api
            .blob_patch(&ta, &sha_hex(&small), 0, small.len(), &small)
            .await;
        assert_eq!((s, code.as_deref()), (409, Some("quota_exceeded")));
        // An upload in progress counts at its declared length.
        let big = noise(4, 600 * 1024);
        assert_eq!(
            api.blob_patch(&tb, &sha_hex(&big), 0, big.len(), &big[..1024])
                .await,
            (204, None)
        );
        let (s, code) = api
            .blob_patch(&tb, &sha_hex(&small), 0, 500 * 1024, &small)
            .await;
        assert_eq!((s, code.as_deref()), (409, Some("quota_exceeded")));
        // Each farm has its own.
        api.upload(&tb, &small).await;
    });
    // A device of the full farm gets a clear error, not a retry loop.
    let l = a.list("Farm A", &ListingBuilder::new("Plums").stock(5));
    a.core
        .add_photo_file(l.id, farmlive_tests::photo("cups-2560x1600.jpg"))
        .unwrap();
    let err = a.try_sync(&rt, &SyncOptions::default()).unwrap_err();
    assert!(!err.is_transient(), "{err:?}");
    match &err {
        Error::Hub { status, code, .. } => {
            assert_eq!((*status, code.as_str()), (409, "quota_exceeded"))
        }
        other => panic!("not the hub's quota error: {other:?}"),
    }
    assert!(err.to_string().contains("MiB"), "{err}");
    // Once the unused photo is collected there is room again.
    collect(&hub, now_ms() + ORPHAN_GRACE_MS + 60_000);
    a.sync(&rt);
    assert_eq!(a.core.pending_count().unwrap(), 0);
}

#[test]
fn unfinished_uploads_and_photos_no_listing_shows_are_collected() {
    let rt = rt();
    let hub = HubProcess::start();
    let api = Api::new(&hub.url);
    let a = hub.device(&rt, &["Farm A"], Role::Farmer, "A");
    let ta = a.token();
    let la = listing(&rt, &a, "Farm A", "Quinces");
    let half = noise(5, 200_000);
    let orphan = noise(6, 200_000);
    let kept = noise(7, 200_000);
    let blob_dir = {
        let mut d = hub.db.clone();
        d.set_extension("blobs");
        d
    };
    let files = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&blob_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    let (half_sha, orphan_sha, kept_sha) = rt.block_on(async {
        let half_sha = sha_hex(&half);
        assert_eq!(
            api.blob_patch(&ta, &half_sha, 0, half.len(), &half[..1000])
                .await,
            (204, None)
        );
        let orphan_sha = api.upload(&ta, &orphan).await;
        let kept_sha = api.upload(&ta, &kept).await;
        assert_eq!(api.attach(&ta, &la, &kept_sha, kept.len()).await, "applied");
        assert_eq!(api.set_status(&ta, &la, "paused").await, "applied");
        (half_sha, orphan_sha, kept_sha)
    });
    assert_eq!(files().len(), 3, "{:?}", files());
    // Now: everything is fresh; a photo whose listing op is not pushed yet stays.
    assert_eq!(collect(&hub, now_ms()), Collected::default());
    rt.block_on(async {
        assert_eq!(api.blob_head(&ta, &half_sha).await, (200, Some(1000)));
        assert_eq!(api.blob_get(Some(&ta), &orphan_sha).await.0, 200);
    });
    // A day later: the unfinished upload and the unshown photo go; the
    // photo a (paused) listing shows stays.
    let later = collect(&hub, now_ms() + ORPHAN_GRACE_MS + 60_000);
    assert_eq!((later.uploads, later.blobs), (1, 1), "{later:?}");
    assert_eq!(files(), std::slice::from_ref(&kept_sha));
    rt.block_on(async {
        assert_eq!(api.blob_head(&ta, &half_sha).await.0, 404);
        assert_eq!(api.blob_get(Some(&ta), &orphan_sha).await.0, 404);
        assert_eq!(
            api.blob_get(Some(&ta), &kept_sha).await,
            (200, kept.clone())
        );
        // Both can be sent again from the start.
        assert_eq!(
            api.blob_patch(&ta, &half_sha, 0, half.len(), &half[..1000])
                .await,
            (204, None)
        );
        assert_eq!(api.upload(&ta, &orphan).await, orphan_sha);
    });
    // Files nothing records (a crash, an older hub) are swept.
    std::fs::write(blob_dir.join(format!("{}.part", "ab".repeat(32))), b"old").unwrap();
    let swept = collect(&hub, now_ms());
    assert_eq!(swept.strays, 1, "{swept:?}");
}

/// Resident memory of a process, MiB.
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb / 1024.0
}

/// 200 anonymous readers of an 8 MiB public photo that never read the reply.
/// Figures in BENCHMARKS.md ("Slow readers of a large photo").
#[test]
fn slow_readers_of_a_large_public_photo_cost_the_hub_little_memory() {
    const READERS: usize = 200;
    let rt = rt();
    let hub = HubProcess::start();
    let api = Api::new(&hub.url);
    let a = hub.device(&rt, &["Farm A"], Role::Farmer, "A");
    let ta = a.token();
    let la = listing(&rt, &a, "Farm A", "Big photo");
    let bytes = noise(8, 8 * MIB);
    let sha = rt.block_on(async {
        let sha = api.upload(&ta, &bytes).await;
        assert_eq!(api.attach(&ta, &la, &sha, bytes.len()).await, "applied");
        let (s, got) = api.blob_get(None, &sha).await;
        assert_eq!((s, got == bytes), (200, true));
        sha
    });
    let pid = hub.pid();
    let idle = rss_mib(pid);
    let addr = hub.url.trim_start_matches("http://").to_owned();
    let mut readers: Vec<std::net::TcpStream> = (0..READERS)
        .map(|_| {
            let mut s = std::net::TcpStream::connect(&addr).unwrap();
            write!(s, "GET /v1/blobs/{sha} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
            s
        })
        .collect();
    let mut during: f64 = 0.0;
    for _ in 0..30 {
        std::thread::sleep(Duration::from_millis(100));
        during = during.max(rss_mib(pid));
    }
    // Every reader was answered (the hub did not just refuse them).
    for s in readers.iter_mut().step_by(20) {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut head = [0u8; 12];
        s.read_exact(&mut head).unwrap();
        assert_eq!(&head, b"HTTP/1.1 200");
    }
    drop(readers);
    std::thread::sleep(Duration::from_secs(3));
    let after = rss_mib(pid);
    eprintln!(
        "hub RSS with {READERS} slow readers of an 8 MiB photo: idle {idle:.1} MiB, during {during:.1} MiB, after {after:.1} MiB"
    );
    assert!(during < 150.0, "the hub grew to {during:.1} MiB");
    assert!(after < 150.0, "the hub kept {after:.1} MiB");
    // Still serving.
    rt.block_on(async {
        assert_eq!(api.blob_get(None, &sha).await.0, 200);
    });
}
