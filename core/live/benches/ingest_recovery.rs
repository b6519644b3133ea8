//! How fast a live session recovers, the figures the tests only bound
//! generously: the time from an ingest coming back to the session publishing
//! to it again, and on a link capped at 800 kbit/s the time to fit under the
//! cap and, once the cap lifts, to climb back above 1.2 Mbit/s. Runs `N`
//! rounds of each (`FARMLIVE_BENCH_RUNS`, default 3) and prints every round.
//!
//! `cargo bench -p farmlive-live --bench ingest_recovery` (needs nginx and
//! libnginx-mod-rtmp: `cargo xtask setup`). Each congestion round takes
//! about 15 s of real-time streaming.

#![allow(clippy::unwrap_used)]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/recovery/mod.rs"]
mod recovery;

use farmlive_live::{AudioInput, BitrateRange, LiveConfig, VideoInput};
use recovery::{CAP_BPS, CLIMBED_BPS, ingest_outage, run_congested};
use std::time::Duration;

fn main() {
    let runs: usize = std::env::var("FARMLIVE_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    let mut republish = Vec::new();
    for round in 1..=runs {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = LiveConfig::new(320, 240);
        cfg.video = VideoInput::TestPattern;
        cfg.audio = AudioInput::Tone(440.0);
        cfg.bitrate = BitrateRange {
            min_bps: 150_000,
            start_bps: 600_000,
            max_bps: 800_000,
        };
        cfg.duration = Some(Duration::from_secs(30));
        let outage = ingest_outage(dir.path(), cfg, Duration::from_secs(20));
        let _ = outage.session.stop();
        println!(
            "round {round}: published again {:?} after the ingest came back",
            outage.republished
        );
        republish.extend(outage.republished);
    }
    let mut fit = Vec::new();
    let mut climb = Vec::new();
    for round in 1..=runs {
        let dir = tempfile::tempdir().unwrap();
        let nginx = common::Nginx::start(dir.path());
        // No minimum hold: the capped phase ends as soon as the bitrate fits.
        let run = run_congested(
            nginx.port,
            Duration::ZERO,
            Duration::from_secs(30),
            Duration::from_secs(60),
        );
        let worst_queue = run
            .queue_overrun
            .as_ref()
            .map(|(at, s)| (at, s.queue_delay_ms));
        println!(
            "round {round}: under {CAP_BPS} bit/s after {:?}, above {CLIMBED_BPS} bit/s {:?} after the cap lifted, queue delay over the bound: {worst_queue:?}",
            run.first_fit, run.climbed
        );
        fit.extend(run.first_fit);
        climb.extend(run.climbed);
    }
    for (what, mut times) in [
        ("republish after the ingest came back", republish),
        ("fit under an 800 kbit/s cap", fit),
        ("climb back once the cap lifted", climb),
    ] {
        times.sort();
        match times.get(times.len() / 2) {
            Some(median) => println!("{what}: median {median:?} of {} rounds", times.len()),
            None => println!("{what}: never, in {runs} rounds"),
        }
    }
}
