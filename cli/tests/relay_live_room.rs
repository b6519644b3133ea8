//! `farmlive live --room` with no `--to` publishes to the hub's own ingest
//! (`farmlive hub` with its RTMP ingest on by default), and players read
//! the room's HTTP-FLV from the hub.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{Hub, command, ok};
use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn a_farmer_goes_live_with_no_ingest_url_and_buyers_watch_from_the_hub() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(&dir.path().join("hub.db"));
    let farmer = hub.farmer_with_mangoes(dir.path());

    let live = command(&farmer)
        .args(["--json", "live", "--size", "320x240", "--fps", "25"])
        .args(["--duration", "7s", "--room", "Mango harvest"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // The room's video, as buyers find it.
    let buyer = dir.path().join("buyer");
    let until = Instant::now() + Duration::from_secs(20);
    let path = loop {
        let rooms: Value = serde_json::from_str(&ok(
            &buyer,
            &["--json", "buyer", "--hub", &hub.url, "rooms"],
        ))
        .unwrap();
        if let Some(path) = rooms[0]["live_flv"].as_str() {
            break path.to_owned();
        }
        assert!(Instant::now() < until, "no room on air: {rooms}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let url = format!("{}{path}", hub.url);
    let probe = loop {
        let out = Command::new("timeout")
            .args([
                "15",
                "ffprobe",
                "-v",
                "error",
                "-show_streams",
                "-of",
                "json",
            ])
            .arg(&url)
            .output()
            .unwrap();
        if out.status.success() {
            break serde_json::from_slice::<Value>(&out.stdout).unwrap();
        }
        assert!(Instant::now() < until, "{url} never played");
        std::thread::sleep(Duration::from_millis(200));
    };
    let video = probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == "video")
        .cloned()
        .unwrap();
    assert_eq!(video["codec_name"], "h264");
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(320), Some(240))
    );

    let out = live.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    for printed in [&stdout, &stderr] {
        assert!(
            !printed.contains("/live/sk_"),
            "the stream key is never printed: {printed}"
        );
    }
}
