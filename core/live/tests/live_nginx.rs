//! Publishing to a real nginx-rtmp ingest, checked with ffprobe and ffmpeg.

#![allow(clippy::unwrap_used)]

mod common;
mod recovery;

use common::*;
use farmlive_live::{AudioInput, BitrateRange, IngestUrl, LiveConfig, LiveSession, VideoInput};
use recovery::ingest_outage;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn config(w: u32, h: u32, secs: u64) -> LiveConfig {
    let mut cfg = LiveConfig::new(w, h);
    cfg.video = VideoInput::TestPattern;
    cfg.audio = AudioInput::Tone(440.0);
    cfg.fps = 30;
    cfg.bitrate = BitrateRange {
        min_bps: 150_000,
        start_bps: 600_000,
        max_bps: 800_000,
    };
    cfg.duration = Some(Duration::from_secs(secs));
    cfg
}

fn assert_in_order(ts: &[f64], what: &str) {
    assert!(!ts.is_empty(), "no {what} packets");
    for w in ts.windows(2) {
        assert!(
            w[1] >= w[0],
            "{what} timestamps go back: {} then {}",
            w[0],
            w[1]
        );
    }
}

fn check_file(file: &std::path::Path, w: u32, h: u32, frames: u64) {
    let s = streams(file);
    assert!(
        s.contains(&("h264".into(), w.to_string(), h.to_string())),
        "{s:?}"
    );
    assert!(s.iter().any(|(c, _, _)| c == "aac"), "{s:?}");
    let n = video_frames(file);
    let tolerance = (frames as f64 * 0.02).ceil() as u64;
    assert!(
        n.abs_diff(frames) <= tolerance,
        "{n} frames, expected {frames} ± {tolerance}"
    );
    assert_in_order(&dts(file, "v:0"), "video");
    assert_in_order(&dts(file, "a:0"), "audio");
    assert!(
        decodes(file),
        "ffmpeg reported errors decoding {}",
        file.display()
    );
}

#[test]
fn publishes_h264_and_aac_that_ffmpeg_reads_live_and_recorded() {
    need("ffmpeg");
    need("ffprobe");
    let dir = tempfile::tempdir().unwrap();
    let nginx = Nginx::start(dir.path());
    let mut cfg = config(320, 240, 6);
    cfg.ingest = Some(IngestUrl::parse(&nginx.url("farm-one")).unwrap());
    let ours = dir.path().join("ours.flv");
    cfg.record = Some(ours.clone());
    let session = LiveSession::start(cfg).unwrap();

    // A viewer pulls the stream while it is live and must decode pictures.
    std::thread::sleep(Duration::from_millis(1500));
    let pull = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-i",
            &nginx.url("farm-one"),
            "-frames:v",
            "20",
            "-f",
            "null",
            "-",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        pull.status.success(),
        "live pull failed: {}",
        String::from_utf8_lossy(&pull.stderr)
    );

    let deadline = Instant::now() + Duration::from_secs(30);
    while !session.is_finished() {
        assert!(Instant::now() < deadline, "the session did not finish");
        std::thread::sleep(Duration::from_millis(100));
    }
    let stats = session.stop().unwrap();
    assert_eq!(stats.frames_encoded, 180);
    assert_eq!(stats.reconnects, 0);
    std::thread::sleep(Duration::from_millis(300));
    let rec = nginx.recordings();
    assert_eq!(rec.len(), 1, "{rec:?}");
    check_file(&rec[0], 320, 240, 180);
    check_file(&ours, 320, 240, 180);
}

/// The publisher comes back by itself once the ingest does. Its reconnect
/// backoff is at most 0.5 s, so 10 s is a generous bound that still tells a
/// reconnect from none; how fast it is: `cargo bench -p farmlive-live --bench
/// ingest_recovery`.
#[test]
fn reconnects_once_the_ingest_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    // Long enough to outlast a slow reconnect; stopped once it is checked.
    let outage = ingest_outage(dir.path(), config(320, 240, 60), Duration::from_secs(10));
    let took = outage
        .republished
        .expect("the publisher did not come back within 10 s");
    eprintln!("published again {took:?} after the ingest came back");
    // Two more seconds of stream after the reconnect, then a clean stop.
    std::thread::sleep(Duration::from_secs(2));
    let session = outage.session;
    assert!(!session.is_finished(), "the session ended by itself");
    let stats = session.stop().unwrap();
    assert!(stats.reconnects >= 1);
    std::thread::sleep(Duration::from_millis(300));
    let rec = outage.nginx.recordings();
    assert!(rec.len() >= 2, "{rec:?}");
    let after = rec.last().unwrap();
    let s = streams(after);
    assert!(s.iter().any(|(c, _, _)| c == "h264"), "{s:?}");
    assert!(
        s.iter().any(|(c, _, _)| c == "aac"),
        "no audio after the reconnect: {s:?}"
    );
    assert!(video_frames(after) > 30);
    assert!(
        decodes(after),
        "the recording after the reconnect does not decode cleanly"
    );
    assert_in_order(&dts(after, "v:0"), "video");
}

#[test]
fn the_stream_key_never_shows() {
    let key = "sEcReT-kEy-9137";
    let url = IngestUrl::parse(&format!("rtmp://127.0.0.1:{}/live/{key}", free_port())).unwrap();
    let mut cfg = config(64, 64, 2);
    cfg.ingest = Some(url.clone());
    cfg.connect_timeout = Duration::from_millis(300);
    let shown = format!("{cfg:?} {url} {url:?}");
    assert!(!shown.contains(key), "{shown}");
    // nothing listens there: the errors it reports must not show the key either
    let session = LiveSession::start(cfg).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut stats = session.latest_stats();
    while stats.last_error.is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        stats = session.latest_stats();
    }
    let err = stats
        .last_error
        .clone()
        .expect("no connection error was reported");
    assert!(err.contains("127.0.0.1"), "{err}");
    let shown = format!("{err} {stats:?} {session:?}");
    assert!(!shown.contains(key), "{shown}");
    let _ = session.stop();
}
