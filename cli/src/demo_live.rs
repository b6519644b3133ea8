//! The demo's live step: 10 s of test pattern and tone, recorded to an FLV
//! file in the demo directory, or published to `--ingest URL`.

use crate::live_cmd::status_line;
use crate::{CmdResult, Failure};
use farmlive_live::{AudioInput, IngestUrl, LiveConfig, LiveSession, VideoInput};
use std::path::Path;
use std::time::{Duration, Instant};

/// Streams for 10 s and prints the stream's figures.
pub fn run(dir: &Path, ingest: Option<&str>) -> CmdResult {
    let fail = |e: farmlive_live::LiveError| Failure {
        bad_input: e.is_bad_input(),
        message: e.to_string(),
    };
    let mut cfg = LiveConfig::new(1280, 720);
    cfg.video = VideoInput::TestPattern;
    cfg.audio = AudioInput::Tone(440.0);
    cfg.duration = Some(Duration::from_secs(10));
    let record = dir.join("live.flv");
    let target = match ingest {
        Some(url) => {
            let url = IngestUrl::parse(url).map_err(fail)?;
            let shown = url.to_string();
            cfg.ingest = Some(url);
            shown
        }
        None => {
            cfg.record = Some(record.clone());
            record.display().to_string()
        }
    };
    println!("\nGo live: 10 s of test pattern and tone, 1280x720@30, 2 Mbit/s → {target}");
    let start = Instant::now();
    let session = LiveSession::start(cfg).map_err(fail)?;
    let stats = session.subscribe();
    let mut first_frame = None;
    while !session.is_finished() {
        if let Ok(s) = stats.recv_timeout(Duration::from_millis(200)) {
            if first_frame.is_none() && (s.frames_sent > 0 || s.recorded_bytes > 0) {
                first_frame = Some(start.elapsed());
            }
            println!("  {}", status_line(&s));
        }
    }
    let last = session.stop().map_err(fail)?;
    let secs = start.elapsed().as_secs_f64();
    println!("  frames encoded  {}", last.frames_encoded);
    if ingest.is_some() {
        println!(
            "  sent            {} frames, {} reconnects, {} dropped",
            last.frames_sent, last.reconnects, last.dropped_video
        );
    } else {
        let bytes = std::fs::metadata(&record).map(|m| m.len()).unwrap_or(0);
        println!(
            "  recording       {} ({:.2} MB, {:.2} Mbit/s average)",
            record.display(),
            bytes as f64 / 1e6,
            bytes as f64 * 8.0 / 10.0 / 1e6
        );
    }
    println!("  wall time       {secs:.1} s");
    Ok(())
}
