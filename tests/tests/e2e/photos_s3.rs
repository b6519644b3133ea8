//! Photos in S3 (a real SeaweedFS server, `farmlive_tests::weed`) with
//! real hub processes (`farmlive-hubd --objects s3://…`) on one
//! PostgreSQL database: an upload begun through process A is resumed
//! through process B, each with its own data folder (no shared photo
//! folder), and served by either; the S3 server stopped mid-upload gives
//! an error and loses nothing, and the retry once it is back succeeds; an
//! unreachable bucket or refused keys stop a hub at start, saying so,
//! never showing the secret; and the upload seam's crash cut-back on S3.
//! The photo suite itself runs on S3 too
//! (`photos_stores.rs`, `postgres_s3`). Skipped without a `weed` binary
//! unless `FARMLIVE_REQUIRE_S3` is set.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_hub::store::objects::{PhotoStorage, S3Location};
use farmlive_tests::api::Api;
use farmlive_tests::blobs::sha_hex;
use farmlive_tests::weed::{SECRET_KEY, Weed};
use farmlive_tests::{Device, HubProcess, rt, stores};
use std::path::Path;

/// `n` bytes of a pattern no other test makes.
fn bytes(seed: u8, n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// A hub process on the PostgreSQL database `url`, its photos at
/// `location` on `weed`, its live media in `data`, the code key in
/// `secret` (shared by the processes of one hub).
fn hub_on_s3(
    url: &str,
    data: &Path,
    secret: &Path,
    weed: &Weed,
    location: &S3Location,
) -> HubProcess {
    let env = weed.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let location = location.to_string();
    let secret = secret.display().to_string();
    HubProcess::start_on_postgres_with(
        url,
        data,
        "127.0.0.1:0",
        &env,
        &["--objects", &location, "--secret-file", &secret],
    )
}

/// A raw `PATCH` of one chunk (the API helper refuses a 500 outright):
/// its status and body.
async fn patch(url: &str, token: &str, sha: &str, at: usize, photo: &[u8]) -> (u16, String) {
    let resp = reqwest::Client::new()
        .patch(format!("{url}/v1/blobs/{sha}"))
        .bearer_auth(token)
        .header("upload-offset", at.to_string())
        .header("upload-length", photo.len().to_string())
        .header("content-type", "application/offset+octet-stream")
        .body(photo[at..].to_vec())
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// A raw `GET` of a photo's status.
async fn get_status(url: &str, token: &str, sha: &str) -> u16 {
    let resp = reqwest::Client::new()
        .get(format!("{url}/v1/blobs/{sha}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    resp.status().as_u16()
}

/// Files anywhere under `dir` (the processes' data folders must hold no
/// photo bytes).
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}

#[test]
fn an_upload_begun_through_process_a_is_resumed_through_process_b() {
    let Some(weed) = Weed::shared() else { return };
    let rt = rt();
    let (_cluster, url) = stores::migrated_database();
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("hub.secret");
    let location = weed.location();
    let a = hub_on_s3(&url, &dir.path().join("a"), &secret, &weed, &location);
    let b = hub_on_s3(&url, &dir.path().join("b"), &secret, &weed, &location);
    let token = Device::enrolled(&rt, &a.url, &a.code, "phone").token();
    let (api_a, api_b) = (Api::new(&a.url), Api::new(&b.url));
    let photo = bytes(1, 700_000);
    let sha = sha_hex(&photo);
    rt.block_on(async {
        let first = api_a
            .blob_patch(&token, &sha, 0, photo.len(), &photo[..300_000])
            .await;
        assert_eq!(first, (204, None));
        let (s, at) = api_b.blob_head(&token, &sha).await;
        assert_eq!((s, at), (200, Some(300_000)), "B sees A's upload");
        let rest = api_b
            .blob_patch(&token, &sha, 300_000, photo.len(), &photo[300_000..])
            .await;
        assert_eq!(rest, (204, None));
        assert_eq!(
            api_a.blob_get(Some(&token), &sha).await,
            (200, photo.clone())
        );
        assert_eq!(
            api_b.blob_get(Some(&token), &sha).await,
            (200, photo.clone())
        );
    });
    let photo_bytes: Vec<String> = [dir.path().join("a"), dir.path().join("b")]
        .iter()
        .flat_map(|d| files_under(d))
        .filter(|f| f.contains(&sha))
        .collect();
    assert!(
        photo_bytes.is_empty(),
        "photo bytes on disk: {photo_bytes:?}"
    );
    let stored = PhotoStorage::s3(&location, &weed.env()).unwrap();
    assert_eq!(stored.objects.list().unwrap(), [sha]);
    assert!(stored.parts.names().unwrap().is_empty(), "no upload left");
}

#[test]
fn the_s3_server_stopped_mid_upload_loses_nothing_and_the_retry_succeeds() {
    let Some(weed) = Weed::start() else { return };
    let rt = rt();
    let (_cluster, url) = stores::migrated_database();
    let dir = tempfile::tempdir().unwrap();
    let location = weed.location();
    let hub = hub_on_s3(
        &url,
        &dir.path().join("data"),
        &dir.path().join("hub.secret"),
        &weed,
        &location,
    );
    let token = Device::enrolled(&rt, &hub.url, &hub.code, "phone").token();
    let api = Api::new(&hub.url);
    let done = bytes(2, 50_000);
    let photo = bytes(3, 400_000);
    let sha = sha_hex(&photo);
    let done_sha = rt.block_on(async {
        let done_sha = api.upload(&token, &done).await;
        let first = api
            .blob_patch(&token, &sha, 0, photo.len(), &photo[..200_000])
            .await;
        assert_eq!(first, (204, None));
        done_sha
    });
    weed.stop();
    rt.block_on(async {
        let started = std::time::Instant::now();
        let (status, body) = patch(&hub.url, &token, &sha, 200_000, &photo).await;
        assert_eq!(status, 500, "{body}");
        assert!(body.contains("try again later"), "{body}");
        assert!(!body.contains(SECRET_KEY), "{body}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the error came after {:?}",
            started.elapsed()
        );
        assert_eq!(
            api.blob_head(&token, &sha).await,
            (200, Some(200_000)),
            "the chunk before is kept, the failed one not counted"
        );
        assert_eq!(get_status(&hub.url, &token, &done_sha).await, 500);
    });
    weed.restart();
    rt.block_on(async {
        let retry = api
            .blob_patch(&token, &sha, 200_000, photo.len(), &photo[200_000..])
            .await;
        assert_eq!(retry, (204, None), "the retry once S3 is back");
        assert_eq!(api.blob_get(Some(&token), &sha).await, (200, photo.clone()));
        assert_eq!(api.blob_get(Some(&token), &done_sha).await, (200, done));
    });
    assert!(!weed.log().contains(SECRET_KEY));
}

#[test]
fn a_bucket_out_of_reach_stops_the_hub_at_start_saying_why() {
    let Some(weed) = Weed::shared() else { return };
    let location = weed.location();
    // Nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut env = weed.env();
    env[0].1 = format!("http://127.0.0.1:{closed_port}");
    let refused = PhotoStorage::s3(&location, &env).unwrap_err().to_string();
    assert!(refused.contains(&location.to_string()), "{refused}");
    assert!(
        refused.contains(&format!("127.0.0.1:{closed_port}")),
        "{refused}"
    );
    assert!(refused.contains("AWS_ENDPOINT_URL"), "{refused}");
    // The right server, a wrong secret: refused, the secret never shown.
    let mut env = weed.env();
    let wrong = "wrong-secret-5d1e";
    env[3].1 = wrong.into();
    let refused = PhotoStorage::s3(&location, &env).unwrap_err().to_string();
    assert!(refused.contains("cannot be read"), "{refused}");
    assert!(
        !refused.contains(wrong) && !refused.contains(SECRET_KEY),
        "{refused}"
    );
    // A bucket that does not exist.
    let missing: S3Location = "s3://no-such-bucket".parse().unwrap();
    let refused = PhotoStorage::s3(&missing, &weed.env())
        .unwrap_err()
        .to_string();
    assert!(refused.contains("s3://no-such-bucket"), "{refused}");
    // A working storage shows no secret either.
    let storage = PhotoStorage::s3(&location, &weed.env()).unwrap();
    let shown = format!("{storage:?} {:?}", storage.parts);
    assert!(!shown.contains(SECRET_KEY), "{shown}");
    assert!(shown.contains(&location.to_string()), "{shown}");
}

#[test]
fn a_sqlite_hub_refuses_s3() {
    let dir = tempfile::tempdir().unwrap();
    let files = farmlive_hub::HubFiles {
        objects: Some("s3://farmlive".parse().unwrap()),
        ..Default::default()
    };
    let target = farmlive_hub::DbTarget::Sqlite(dir.path().join("hub.db"));
    let refused = farmlive_hub::store::open_with(&target, &files)
        .err()
        .unwrap()
        .to_string();
    assert!(refused.contains("--objects"), "{refused}");
}

/// The upload seam on S3 directly: a chunk written whose transaction then
/// failed (an object past the recorded offset) is cut off by the next
/// write at that offset, as a file's `set_len` does; restarting at 0
/// drops every chunk; uploads are not photos; deleting twice is fine.
#[test]
fn a_chunk_past_the_recorded_offset_is_cut_off_on_s3() {
    let Some(weed) = Weed::shared() else { return };
    let storage = PhotoStorage::s3(&weed.location(), &weed.env()).unwrap();
    let parts = &storage.parts;
    let photo = bytes(4, 3000);
    let sha = sha_hex(&photo);
    parts.write_at(&sha, "dev", 0, &photo[..1000]).unwrap();
    parts.write_at(&sha, "dev", 1000, &[0xee; 1500]).unwrap();
    parts
        .write_at(&sha, "dev", 1000, &photo[1000..2000])
        .unwrap();
    assert_eq!(parts.read(&sha, "dev").unwrap(), &photo[..2000]);
    parts.write_at(&sha, "dev", 2000, &photo[2000..]).unwrap();
    assert_eq!(parts.sha256(&sha, "dev").unwrap(), sha);
    assert_eq!(parts.names().unwrap(), [format!("{sha}.dev.part")]);
    assert!(
        storage.objects.list().unwrap().is_empty(),
        "not a photo yet"
    );
    parts.write_at(&sha, "dev", 0, &photo[..10]).unwrap();
    assert_eq!(parts.read(&sha, "dev").unwrap(), &photo[..10]);
    parts.write_at(&sha, "dev", 10, &photo[10..]).unwrap();
    parts.move_into(&sha, "dev", &*storage.objects).unwrap();
    assert_eq!(storage.objects.list().unwrap(), std::slice::from_ref(&sha));
    assert_eq!(
        storage.objects.get_range(&sha, 2990..4000).unwrap(),
        &photo[2990..]
    );
    assert!(parts.names().unwrap().is_empty(), "moved, not copied");
    storage.objects.delete(&sha).unwrap();
    storage.objects.delete(&sha).unwrap();
    assert!(storage.objects.list().unwrap().is_empty());
}
