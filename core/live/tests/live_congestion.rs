//! Adaptive bitrate against a real ingest behind a throttling TCP proxy.
//!
//! The bounds are generous (30 s to fit under the cap, 60 s to climb back;
//! both happen within seconds): they tell adapting from not adapting. The
//! capped phase lasts at least 10 s, and the queue delay a viewer would feel
//! stays under 3 s throughout. How fast it adapts: `cargo bench -p
//! farmlive-live --bench ingest_recovery`.

#![allow(clippy::unwrap_used)]

mod common;
mod recovery;

use common::*;
use recovery::{CAP_BPS, CLIMBED_BPS, MAX_QUEUE_DELAY_MS, run_congested};
use std::time::Duration;

#[test]
fn bitrate_fits_an_800_kbit_link_and_climbs_back_when_it_clears() {
    let dir = tempfile::tempdir().unwrap();
    let nginx = Nginx::start(dir.path());
    let run = run_congested(
        nginx.port,
        Duration::from_secs(10),
        Duration::from_secs(30),
        Duration::from_secs(60),
    );
    if let Some((at, s)) = &run.queue_overrun {
        panic!(
            "queue delay {} ms (at most {MAX_QUEUE_DELAY_MS}) at {at:?}: {s:?}",
            s.queue_delay_ms
        );
    }
    let fitted = run.fitted.unwrap_or_else(|| {
        panic!(
            "still producing {} bit/s (cap {CAP_BPS}) after 30 s: {:?}",
            run.capped_bps, run.last
        )
    });
    eprintln!(
        "fit under the cap after {:?}, still at {fitted:?}",
        run.first_fit
    );
    assert!(run.capped_bps < CAP_BPS);
    assert!(run.connected);
    let climbed = run.climbed.unwrap_or_else(|| {
        panic!(
            "the bitrate did not climb back above {CLIMBED_BPS} bit/s within 60 s (target went {} -> {:?}): {:?}",
            run.capped_target_bps,
            run.last.as_ref().map(|s| s.target_bps),
            run.last
        )
    });
    eprintln!("climbed back {climbed:?} after the cap lifted");
}
