//! Show recordings in S3 (a real SeaweedFS server) with real hub processes
//! on one PostgreSQL database, each with its own data folder: a show whose
//! phone reconnected through another process mid-show is recorded in two
//! parts, and its replay, merged in the bucket, plays whole, with both
//! parts, from a third process that recorded nothing and keeps no video
//! on its disk. Skipped without a `weed` binary unless
//! `FARMLIVE_REQUIRE_S3` is set.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_hub::store::objects::{RecordingStore, S3Location, S3Recordings};
use farmlive_media::hls::parse_playlist;
use farmlive_tests::api::Api;
use farmlive_tests::media::{ffmpeg_publish, wait_exit, wait_on_air};
use farmlive_tests::weed::Weed;
use farmlive_tests::{HubProcess, rt, stores};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A hub process with its own data folder `data`, recordings and photos at
/// `location`, the code key in `secret` (else its own, in `data`).
fn hub_on_s3(
    url: &str,
    data: &Path,
    secret: Option<&Path>,
    weed: &Weed,
    location: &S3Location,
) -> HubProcess {
    let env = weed.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut flags = vec!["--objects".to_owned(), location.to_string()];
    if let Some(secret) = secret {
        flags.extend(["--secret-file".to_owned(), secret.display().to_string()]);
    }
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    HubProcess::start_on_postgres_with(url, data, "127.0.0.1:0", &env, &flags)
}

/// `rtmp://ADDR/live/KEY`: the room's key on `hub`'s own ingest.
fn ingest_of(hub: &HubProcess, opened_ingest: &str) -> String {
    let key = opened_ingest.rsplit('/').next().unwrap();
    format!("rtmp://{}/live/{key}", hub.rtmp.as_ref().unwrap())
}

/// The body at `url` once it answers 200 and `ready` accepts it.
fn poll_text(url: &str, within: Duration, ready: impl Fn(&str) -> bool) -> String {
    let rt = rt();
    let until = Instant::now() + within;
    loop {
        let got = rt.block_on(async {
            let resp = reqwest::get(url).await.ok()?;
            (resp.status() == 200).then_some(())?;
            resp.text().await.ok()
        });
        match got {
            Some(text) if ready(&text) => return text,
            last if Instant::now() > until => panic!("{url} never ready: {last:?}"),
            _ => std::thread::sleep(Duration::from_millis(250)),
        }
    }
}

/// Files under `dir` whose name ends with `suffix`.
fn files_ending(dir: &Path, suffix: &str) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_ending(&path, suffix));
        } else if path.to_string_lossy().ends_with(suffix) {
            out.push(path.display().to_string());
        }
    }
    out
}

#[test]
fn a_show_recorded_in_parts_on_two_processes_replays_whole_from_a_third() {
    let Some(weed) = Weed::shared() else { return };
    let rt = rt();
    let (_cluster, url) = stores::migrated_database();
    let dir = tempfile::tempdir().unwrap();
    let location = weed.location();
    // A makes the hub's code key; B and C are given a copy of it.
    let a = hub_on_s3(&url, &dir.path().join("a"), None, &weed, &location);
    let secret = dir.path().join("a").join("hub.secret");
    let b = hub_on_s3(&url, &dir.path().join("b"), Some(&secret), &weed, &location);
    let c = hub_on_s3(&url, &dir.path().join("c"), Some(&secret), &weed, &location);
    let room = a.live_room(&rt);

    // The phone publishes 6 s through B, then its connection comes back
    // through A for 5 s more, and the farmer ends the show.
    let mut phone = ffmpeg_publish(&ingest_of(&b, &room.ingest), 6);
    let on_b = format!("{}/live/{}.flv?sent=1", b.url, room.id);
    assert_eq!(
        rt.block_on(wait_on_air(&on_b, Duration::from_secs(10))),
        200
    );
    assert_eq!(wait_exit(&mut phone, Duration::from_secs(20)), Some(0));
    let mut phone = ffmpeg_publish(&ingest_of(&a, &room.ingest), 5);
    let on_a = format!("{}/live/{}.flv?sent=1", a.url, room.id);
    assert_eq!(
        rt.block_on(wait_on_air(&on_a, Duration::from_secs(10))),
        200
    );
    assert_eq!(wait_exit(&mut phone, Duration::from_secs(20)), Some(0));
    let ended = rt.block_on(Api::new(&a.url).end(&room.token, room.id));
    assert_eq!(ended["status"], "ended");

    // C recorded nothing; it serves the replay from the bucket once both
    // parts are in it (B's after its publisher grace, 15 s).
    let replay = format!("{}/live/{}/replay.m3u8", c.url, room.id);
    let text = poll_text(&replay, Duration::from_secs(60), |p| {
        p.contains("#EXT-X-DISCONTINUITY")
    });
    let segments = parse_playlist(&text).unwrap();
    let seconds: u64 = segments.iter().map(|s| s.duration_ms).sum::<u64>() / 1_000;
    assert!(
        (8..=12).contains(&seconds),
        "both parts, about 11 s: {seconds} s\n{text}"
    );
    assert_eq!(text.matches("#EXT-X-DISCONTINUITY").count(), 1, "{text}");
    // Every segment it lists is in the bucket, and players read the whole
    // show through C.
    let stored = S3Recordings::connect(&location, &weed.env()).unwrap();
    let names = stored.names(room.id).unwrap();
    for s in &segments {
        let name = farmlive_media::hls::segment_name(s.sequence);
        assert!(names.contains(&name), "{name} not stored: {names:?}");
    }
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "format=duration", "-of"])
        .args(["default=noprint_wrappers=1:nokey=1", &replay])
        .output()
        .unwrap();
    let probed: f64 = String::from_utf8_lossy(&probe.stdout)
        .trim()
        .parse()
        .unwrap();
    assert!((7.5..=13.0).contains(&probed), "ffprobe reads {probed} s");
    let decode = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i", &replay, "-f", "null", "-"])
        .output()
        .unwrap();
    assert!(
        decode.status.success(),
        "{}",
        String::from_utf8_lossy(&decode.stderr)
    );
    // The processes that recorded a part serve the same whole replay.
    for hub in [&a, &b] {
        let theirs = poll_text(
            &format!("{}/live/{}/replay.m3u8", hub.url, room.id),
            Duration::from_secs(5),
            |_| true,
        );
        assert_eq!(theirs, text, "{}", hub.url);
    }
    assert!(
        files_ending(&dir.path().join("c"), ".ts").is_empty(),
        "C keeps no video on its disk"
    );
}
