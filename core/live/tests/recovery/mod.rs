//! How a live session recovers, for the tests and the `ingest_recovery`
//! benchmark (which times what the tests bound generously): an ingest that
//! goes away and comes back, and a link throttled by a TCP proxy whose rate
//! can change while it runs. Needs `mod common;` beside it (nginx).

#![allow(dead_code, clippy::unwrap_used)]

use crate::common::Nginx;
use farmlive_live::{IngestUrl, LiveConfig, LiveSession, LiveStats};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What [`ingest_outage`] left running.
pub struct Outage {
    /// The session, still publishing.
    pub session: LiveSession,
    /// The ingest, back on its port.
    pub nginx: Nginx,
    /// From the ingest's return until the session published to it again, if
    /// it did within the wait.
    pub republished: Option<Duration>,
}

/// Starts `cfg` publishing to an nginx ingest under `dir` for 2 s, stops the
/// ingest for 1.5 s, starts it again on the same port and waits up to
/// `within` for the session to publish again (nginx opens a new recording,
/// `record_unique`, the moment it accepts a publish).
pub fn ingest_outage(dir: &Path, mut cfg: LiveConfig, within: Duration) -> Outage {
    let mut nginx = Nginx::start(dir);
    let port = nginx.port;
    cfg.ingest = Some(IngestUrl::parse(&nginx.url("farm-two")).unwrap());
    let session = LiveSession::start(cfg).unwrap();
    std::thread::sleep(Duration::from_secs(2));
    assert!(session.latest_stats().connected || session.latest_stats().frames_sent > 0);
    nginx.stop();
    std::thread::sleep(Duration::from_millis(1500));
    let before = recordings(dir);
    let nginx = Nginx::start_on(dir, port);
    let back = Instant::now();
    let mut republished = None;
    while back.elapsed() < within {
        if nginx.recordings().len() > before {
            republished = Some(back.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Outage {
        session,
        nginx,
        republished,
    }
}

/// How many recordings the nginx under `dir` holds (0 if none yet).
fn recordings(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("rec"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// A TCP proxy whose client-to-server direction is paced to `rate_bps` (0: no cap).
pub struct Throttle {
    /// Its port on loopback.
    pub port: u16,
    /// The cap in bit/s; 0 lifts it. Changes take effect at once.
    pub rate_bps: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Throttle {
    /// Starts a proxy to `upstream` on loopback, capped at `rate_bps`.
    pub fn start(upstream: u16, rate_bps: u64) -> Throttle {
        let sock =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        // a small receive window, so that the cap is felt by the sender rather than
        // soaked up by a large kernel buffer
        sock.set_recv_buffer_size(32 << 10).unwrap();
        sock.bind(
            &"127.0.0.1:0"
                .parse::<std::net::SocketAddr>()
                .unwrap()
                .into(),
        )
        .unwrap();
        sock.listen(8).unwrap();
        let listener: TcpListener = sock.into();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let rate = Arc::new(AtomicU64::new(rate_bps));
        let stop = Arc::new(AtomicBool::new(false));
        let (rate2, stop2) = (rate.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                client.set_nonblocking(false).unwrap();
                let server = TcpStream::connect(("127.0.0.1", upstream)).unwrap();
                let (mut c_read, mut s_write) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (rate, stop) = (rate2.clone(), stop2.clone());
                std::thread::spawn(move || {
                    let mut buf = [0u8; 1400];
                    let mut next = Instant::now();
                    while !stop.load(Ordering::Relaxed) {
                        let Ok(n) = c_read.read(&mut buf) else { break };
                        if n == 0 {
                            break;
                        }
                        let r = rate.load(Ordering::Relaxed);
                        if let Some(ns) = (n as u64 * 8 * 1_000_000_000).checked_div(r) {
                            let now = Instant::now();
                            next = next.max(now) + Duration::from_nanos(ns);
                            std::thread::sleep(next.saturating_duration_since(now));
                        }
                        if s_write.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = s_write.shutdown(std::net::Shutdown::Both);
                });
                let (mut s_read, mut c_write) = (server, client);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut s_read, &mut c_write);
                    let _ = c_write.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        Throttle {
            port,
            rate_bps: rate,
            stop,
        }
    }
}

impl Drop for Throttle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Mean encoded bitrate over the last `n` stats.
pub fn recent_bps(history: &[LiveStats], n: usize) -> u64 {
    let tail = &history[history.len().saturating_sub(n)..];
    tail.iter().map(|s| s.encoded_bps).sum::<u64>() / tail.len().max(1) as u64
}

/// One line of stats, for following a run in the test's output.
pub fn print_stat(s: &LiveStats) {
    eprintln!(
        "STAT {} enc {} sent {} tgt {} q {} drop {} fps {:.0}/{:.0}",
        s.elapsed_ms,
        s.encoded_bps,
        s.sent_bps,
        s.target_bps,
        s.queue_delay_ms,
        s.dropped_video,
        s.fps_in,
        s.fps_out
    );
}

/// The cap of [`run_congested`]: 800 kbit/s.
pub const CAP_BPS: u64 = 800_000;
/// What counts as having climbed back once the cap lifts: 1.2 Mbit/s.
pub const CLIMBED_BPS: u64 = 1_200_000;
/// The queue delay a live viewer tolerates; the test's bound, checked throughout.
pub const MAX_QUEUE_DELAY_MS: u64 = 3000;

/// What [`run_congested`] saw.
pub struct Congested {
    /// From the start until the encoded bitrate first fit under the cap, if it did.
    pub first_fit: Option<Duration>,
    /// From the start until the end of the capped phase, if it ended fitting.
    pub fitted: Option<Duration>,
    /// Mean encoded bitrate of the last two stats of the capped phase.
    pub capped_bps: u64,
    /// Whether the session was connected at the end of the capped phase.
    pub connected: bool,
    /// The target bitrate at the end of the capped phase.
    pub capped_target_bps: u32,
    /// From lifting the cap until the bitrate passed [`CLIMBED_BPS`], if it did.
    pub climbed: Option<Duration>,
    /// The first stats whose queue delay passed [`MAX_QUEUE_DELAY_MS`], if
    /// any, and when (from the start).
    pub queue_overrun: Option<(Duration, LiveStats)>,
    /// The last stats seen.
    pub last: Option<LiveStats>,
}

/// Publishes 640×360 from 2 Mbit/s to the RTMP ingest on `ingest_port`
/// through a [`Throttle`] capped at [`CAP_BPS`]. The capped phase lasts at
/// least `hold` and at most `fit_within`, and ends once the encoded bitrate
/// fits under the cap (the controller has come down from its start and the
/// mean of the last two stats is under it). Then it lifts the cap and waits
/// up to `climb_within` for the bitrate to climb back.
pub fn run_congested(
    ingest_port: u16,
    hold: Duration,
    fit_within: Duration,
    climb_within: Duration,
) -> Congested {
    use farmlive_live::{AudioInput, BitrateRange, VideoInput};
    const START_BPS: u32 = 2_000_000;
    let throttle = Throttle::start(ingest_port, CAP_BPS);
    let mut cfg = LiveConfig::new(640, 360);
    cfg.video = VideoInput::TestPattern;
    cfg.audio = AudioInput::Tone(440.0);
    cfg.bitrate = BitrateRange {
        min_bps: 150_000,
        start_bps: START_BPS,
        max_bps: 2_500_000,
    };
    // Longer than both phases can take; dropped at the end.
    cfg.duration = Some(fit_within + climb_within + Duration::from_secs(30));
    let url = format!("rtmp://127.0.0.1:{}/live/congested", throttle.port);
    cfg.ingest = Some(IngestUrl::parse(&url).unwrap());
    let session = LiveSession::start(cfg).unwrap();
    let stats = session.subscribe();
    let start = Instant::now();
    let mut history: Vec<LiveStats> = Vec::new();
    let mut queue_overrun = None;
    let mut next = |history: &mut Vec<LiveStats>| {
        let s = stats
            .recv_timeout(Duration::from_secs(5))
            .expect("no stats for 5 s");
        print_stat(&s);
        if s.queue_delay_ms >= MAX_QUEUE_DELAY_MS && queue_overrun.is_none() {
            queue_overrun = Some((start.elapsed(), s.clone()));
        }
        history.push(s);
    };

    // Capped.
    let (mut first_fit, mut fitted) = (None, None);
    while start.elapsed() < fit_within {
        next(&mut history);
        let last = history.last().unwrap();
        let fits = history.len() >= 2
            && last.target_bps < START_BPS
            && last.connected
            && recent_bps(&history, 2) < CAP_BPS;
        if fits && first_fit.is_none() {
            first_fit = Some(start.elapsed());
        }
        if fits && start.elapsed() >= hold {
            fitted = Some(start.elapsed());
            break;
        }
    }
    let capped_bps = recent_bps(&history, 2);
    let (connected, capped_target_bps) = history
        .last()
        .map_or((false, 0), |s| (s.connected, s.target_bps));

    // Lifted.
    throttle.rate_bps.store(0, Ordering::Relaxed);
    let lifted = Instant::now();
    let mut climbed = None;
    if fitted.is_some() {
        while lifted.elapsed() < climb_within {
            next(&mut history);
            if recent_bps(&history, 2) > CLIMBED_BPS {
                climbed = Some(lifted.elapsed());
                break;
            }
        }
    }
    drop(session);
    Congested {
        first_fit,
        fitted,
        capped_bps,
        connected,
        capped_target_bps,
        climbed,
        queue_overrun,
        last: history.last().cloned(),
    }
}
