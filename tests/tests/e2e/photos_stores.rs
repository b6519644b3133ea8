//! Photos through the real HTTP hub on loopback, with the same assertions
//! over each store (SQLite, PostgreSQL, and PostgreSQL with photos in S3
//! on a SeaweedFS server): a resumable upload cut off mid-chunk and
//! resumed where the hub says, bytes that are not their hash refused, the
//! quota, a listing's photo read by a buyer after the farmer's phone syncs
//! it, and an orphan collected. On PostgreSQL alone: two hub processes
//! over one database and one photo directory (or one bucket, then sharing
//! no folder), an upload begun through one finished through the other,
//! and one collector.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_core::protocol::api::Role;
use farmlive_hub::store::{Collected, ORPHAN_GRACE_MS, now_ms};
use farmlive_tests::api::Api;
use farmlive_tests::blobs::sha_hex;
use farmlive_tests::stores::{InProcessHub, StoreKind};
use farmlive_tests::{ListingBuilder, both_stores, rt};
use tokio::io::AsyncWriteExt;

/// `n` bytes no other test makes: SHA-256 blocks of (`seed`, block number).
fn noise(seed: u64, n: usize) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut out = Vec::with_capacity(n + 32);
    for block in 0u64.. {
        if out.len() >= n {
            break;
        }
        out.extend_from_slice(&Sha256::digest(
            [seed.to_le_bytes(), block.to_le_bytes()].concat(),
        ));
    }
    out.truncate(n);
    out
}

/// A `PATCH` that announces `declared` bytes but sends only `sent`, then
/// drops the connection (a phone losing its signal mid-chunk).
async fn cut_off_patch(
    url: &str,
    token: &str,
    sha: &str,
    offset: usize,
    length: usize,
    sent: &[u8],
    declared: usize,
) {
    let addr = url.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "PATCH /v1/blobs/{sha} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         upload-offset: {offset}\r\nupload-length: {length}\r\n\
         Content-Type: application/offset+octet-stream\r\nContent-Length: {declared}\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(sent).await.unwrap();
    tcp.flush().await.unwrap();
    drop(tcp);
}

both_stores!(
    resumable,
    super::an_upload_cut_off_resumes_where_the_hub_says,
    with_s3
);
fn an_upload_cut_off_resumes_where_the_hub_says(kind: StoreKind) {
    let rt = rt();
    let hub = InProcessHub::start(kind);
    let api = Api::new(&hub.url);
    let t = hub.device(&rt, &["Li farm"], Role::Farmer, "phone").token();
    let bytes = noise(11, 300_000);
    let sha = sha_hex(&bytes);
    rt.block_on(async {
        assert_eq!(api.blob_head(&t, &sha).await.0, 404, "nothing yet");
        assert_eq!(
            api.blob_patch(&t, &sha, 0, bytes.len(), &bytes[..100_000])
                .await,
            (204, None)
        );
        // The next chunk is cut off halfway: none of it counts.
        cut_off_patch(
            &hub.url,
            &t,
            &sha,
            100_000,
            bytes.len(),
            &bytes[100_000..150_000],
            100_000,
        )
        .await;
        let (status, at) = api.blob_head(&t, &sha).await;
        assert_eq!(
            (status, at),
            (200, Some(100_000)),
            "the hub reports where to go on"
        );
        // Not where the hub is: refused, and nothing changes.
        let (s, code) = api
            .blob_patch(&t, &sha, 150_000, bytes.len(), &bytes[150_000..])
            .await;
        assert_eq!((s, code.as_deref()), (409, Some("offset_mismatch")));
        let at = at.unwrap() as usize;
        assert_eq!(
            api.blob_patch(&t, &sha, at, bytes.len(), &bytes[at..200_000])
                .await,
            (204, None)
        );
        assert_eq!(api.blob_head(&t, &sha).await, (200, Some(200_000)));
        assert_eq!(
            api.blob_get(Some(&t), &sha).await.0,
            404,
            "not complete yet"
        );
        assert_eq!(
            api.blob_patch(&t, &sha, 200_000, bytes.len(), &bytes[200_000..])
                .await,
            (204, None)
        );
        assert_eq!(
            api.blob_head(&t, &sha).await,
            (200, Some(300_000)),
            "complete"
        );
        assert_eq!(api.blob_get(Some(&t), &sha).await, (200, bytes.clone()));
    });
    assert!(hub.store.photo_complete(&sha).unwrap());
    assert_eq!(hub.photo_files(), [sha], "the photo alone, no upload left");
}

both_stores!(
    hash_mismatch,
    super::bytes_that_are_not_their_hash_are_refused,
    with_s3
);
fn bytes_that_are_not_their_hash_are_refused(kind: StoreKind) {
    let rt = rt();
    let hub = InProcessHub::start(kind);
    let api = Api::new(&hub.url);
    let t = hub.device(&rt, &["Li farm"], Role::Farmer, "phone").token();
    let claimed = sha_hex(b"the photo named");
    let sent = noise(12, 50_000);
    rt.block_on(async {
        assert_eq!(
            api.blob_patch(&t, &claimed, 0, sent.len(), &sent[..20_000])
                .await,
            (204, None)
        );
        let (s, code) = api
            .blob_patch(&t, &claimed, 20_000, sent.len(), &sent[20_000..])
            .await;
        assert_eq!((s, code.as_deref()), (400, Some("hash_mismatch")));
        assert_eq!(
            api.blob_head(&t, &claimed).await.0,
            404,
            "the upload is dropped"
        );
        assert_eq!(api.blob_get(Some(&t), &claimed).await.0, 404);
    });
    assert!(!hub.store.photo_complete(&claimed).unwrap());
    assert!(hub.photo_files().is_empty(), "{:?}", hub.photo_files());
}

both_stores!(
    quota,
    super::each_farm_keeps_photos_up_to_its_quota,
    with_s3
);
fn each_farm_keeps_photos_up_to_its_quota(kind: StoreKind) {
    const KIB: usize = 1024;
    let rt = rt();
    let hub = InProcessHub::start(kind);
    hub.store.set_photo_quota(1024 * 1024);
    let api = Api::new(&hub.url);
    let ta = hub.device(&rt, &["Farm A"], Role::Farmer, "A").token();
    let tb = hub.device(&rt, &["Farm B"], Role::Farmer, "B").token();
    let kept = noise(13, 700 * KIB);
    let next = noise(14, 400 * KIB);
    let refused = |r: (u16, Option<String>)| r == (409, Some("quota_exceeded".to_string()));
    rt.block_on(async {
        let kept_sha = api.upload(&ta, &kept).await;
        // 700 KiB kept + 400 KiB declared > 1 MiB, however little is sent.
        let next_sha = sha_hex(&next);
        assert!(refused(
            api.blob_patch(&ta, &next_sha, 0, next.len(), &next[..KIB])
                .await
        ));
        assert_eq!(
            api.blob_head(&ta, &next_sha).await.0,
            404,
            "nothing was started"
        );
        // An upload in progress counts at its declared length; starting it
        // again with a smaller one makes room.
        let first = noise(15, 300 * KIB);
        let first_sha = sha_hex(&first);
        assert_eq!(
            api.blob_patch(&ta, &first_sha, 0, 300 * KIB, &first[..KIB])
                .await,
            (204, None)
        );
        let small = noise(16, 100 * KIB);
        assert!(refused(
            api.blob_patch(&ta, &sha_hex(&small), 0, small.len(), &small)
                .await
        ));
        assert_eq!(
            api.blob_patch(&ta, &first_sha, 0, 200 * KIB, &first[..KIB])
                .await,
            (204, None)
        );
        assert_eq!(api.upload(&ta, &small).await, sha_hex(&small));
        // Farm B has a quota of its own.
        assert_eq!(api.upload(&tb, &next).await, next_sha);
        assert_eq!(
            api.blob_get(Some(&tb), &next_sha).await,
            (200, next.clone())
        );
        assert_eq!(
            api.blob_get(Some(&ta), &kept_sha).await,
            (200, kept.clone())
        );
    });
}

both_stores!(
    listing_photo,
    super::a_buyer_sees_a_listing_photo_once_the_phone_syncs,
    with_s3
);
fn a_buyer_sees_a_listing_photo_once_the_phone_syncs(kind: StoreKind) {
    let rt = rt();
    let hub = InProcessHub::start(kind);
    let api = Api::new(&hub.url);
    let farmer = hub.device(&rt, &["Li orchard"], Role::Farmer, "phone");
    let l = farmer.list("Li orchard", &ListingBuilder::new("Mangoes").stock(5));
    let p = farmer
        .core
        .add_photo_file(l.id, farmlive_tests::photo("leaf-2560x1600.jpg"))
        .unwrap();
    let buyer = rt.block_on(api.buyer("Wang"));
    rt.block_on(async {
        assert_eq!(
            api.blob_get(Some(&buyer), &p.sha256).await.0,
            404,
            "not uploaded yet"
        );
    });
    let report = farmer.sync(&rt);
    assert_eq!(report.progress.photos_uploaded, 2, "image and thumbnail");
    let local = std::fs::read(farmer.core.photo_path(&p.sha256).unwrap()).unwrap();
    rt.block_on(async {
        assert_eq!(
            api.public_photos(&l.id.to_string()).await,
            Some(vec![p.sha256.clone()])
        );
        assert_eq!(
            api.blob_get(Some(&buyer), &p.sha256).await,
            (200, local.clone())
        );
        assert_eq!(api.blob_get(None, &p.sha256).await, (200, local));
        assert_eq!(api.blob_get(Some(&buyer), &p.thumb_sha256).await.0, 200);
    });
}

both_stores!(
    collect,
    super::an_orphan_photo_is_collected_after_its_grace,
    with_s3
);
fn an_orphan_photo_is_collected_after_its_grace(kind: StoreKind) {
    let rt = rt();
    let hub = InProcessHub::start(kind);
    let api = Api::new(&hub.url);
    let t = hub.device(&rt, &["Li farm"], Role::Farmer, "phone").token();
    let orphan = noise(16, 100_000);
    let half = noise(17, 100_000);
    let (orphan_sha, half_sha) = rt.block_on(async {
        let half_sha = sha_hex(&half);
        assert_eq!(
            api.blob_patch(&t, &half_sha, 0, half.len(), &half[..1000])
                .await,
            (204, None)
        );
        (api.upload(&t, &orphan).await, half_sha)
    });
    assert_eq!(hub.photo_files().len(), 2, "{:?}", hub.photo_files());
    assert_eq!(
        hub.store.collect_photos(now_ms()).unwrap(),
        Collected::default(),
        "fresh"
    );
    let later = hub
        .store
        .collect_photos(now_ms() + ORPHAN_GRACE_MS + 60_000)
        .unwrap();
    assert_eq!((later.uploads, later.blobs), (1, 1), "{later:?}");
    assert!(hub.photo_files().is_empty(), "{:?}", hub.photo_files());
    rt.block_on(async {
        assert_eq!(api.blob_get(Some(&t), &orphan_sha).await.0, 404);
        assert_eq!(api.blob_head(&t, &half_sha).await.0, 404);
        // It may be sent again.
        assert_eq!(api.upload(&t, &orphan).await, orphan_sha);
        assert_eq!(
            api.blob_get(Some(&t), &orphan_sha).await,
            (200, orphan.clone())
        );
    });
    // Bytes nothing records (a crash) are swept.
    hub.photos.objects.put(&"cd".repeat(32), b"stray").unwrap();
    let swept = hub.store.collect_photos(now_ms()).unwrap();
    assert_eq!(swept.strays, 1, "{swept:?}");
    assert_eq!(hub.photo_files(), [orphan_sha]);
}

/// Two hub processes over one PostgreSQL database and one photo directory
/// (or one bucket prefix: then they share no folder): an upload begun
/// through A is finished through B (at the offset B reports), both serve
/// it, and of two collectors racing only one removes the orphan.
#[test]
fn an_upload_begun_through_one_process_finishes_through_another() {
    across_processes(StoreKind::Postgres);
}

/// The same with photos and uploads in S3 (skipped without `weed`).
#[test]
fn an_upload_begun_through_one_process_finishes_through_another_on_s3() {
    if farmlive_tests::weed::binary().is_some() {
        across_processes(StoreKind::PostgresS3);
    }
}

fn across_processes(kind: StoreKind) {
    let rt = rt();
    let a = InProcessHub::start(kind);
    let b = a.another_process();
    let (api_a, api_b) = (Api::new(&a.url), Api::new(&b.url));
    let t = a.device(&rt, &["Li farm"], Role::Farmer, "phone").token();
    let bytes = noise(18, 250_000);
    let sha = sha_hex(&bytes);
    rt.block_on(async {
        assert_eq!(
            api_a
                .blob_patch(&t, &sha, 0, bytes.len(), &bytes[..100_000])
                .await,
            (204, None)
        );
        let (s, at) = api_b.blob_head(&t, &sha).await;
        assert_eq!((s, at), (200, Some(100_000)), "B sees A's upload");
        let at = at.unwrap() as usize;
        assert_eq!(
            api_b
                .blob_patch(&t, &sha, at, bytes.len(), &bytes[at..])
                .await,
            (204, None)
        );
        assert_eq!(api_a.blob_head(&t, &sha).await, (200, Some(250_000)));
        assert_eq!(api_a.blob_get(Some(&t), &sha).await, (200, bytes.clone()));
        assert_eq!(api_b.blob_get(Some(&t), &sha).await, (200, bytes.clone()));
    });
    assert_eq!(a.photo_files(), std::slice::from_ref(&sha));
    let later = now_ms() + ORPHAN_GRACE_MS + 60_000;
    let (ca, cb) = std::thread::scope(|s| {
        let ca = s.spawn(|| a.store.collect_photos(later).unwrap());
        let cb = s.spawn(|| b.store.collect_photos(later).unwrap());
        (ca.join().unwrap(), cb.join().unwrap())
    });
    assert_eq!(ca.blobs + cb.blobs, 1, "{ca:?} {cb:?}");
    assert!(a.photo_files().is_empty());
    rt.block_on(async {
        assert_eq!(api_b.blob_get(Some(&t), &sha).await.0, 404);
    });
    drop(b);
}
