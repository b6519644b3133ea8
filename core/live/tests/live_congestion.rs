//! Adaptive bitrate against a real ingest behind a throttling TCP proxy.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use farmlive_live::{
    AudioInput, BitrateRange, IngestUrl, LiveConfig, LiveSession, LiveStats, VideoInput,
};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A TCP proxy whose client-to-server direction is paced to `rate_bps` (0: no cap).
struct Throttle {
    port: u16,
    rate_bps: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Throttle {
    fn start(upstream: u16, rate_bps: u64) -> Throttle {
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
fn recent_bps(history: &[LiveStats], n: usize) -> u64 {
    let tail = &history[history.len().saturating_sub(n)..];
    tail.iter().map(|s| s.encoded_bps).sum::<u64>() / tail.len().max(1) as u64
}

#[test]
fn bitrate_fits_an_800_kbit_link_within_10_s_and_climbs_back_when_it_clears() {
    let dir = tempfile::tempdir().unwrap();
    let nginx = Nginx::start(dir.path());
    let throttle = Throttle::start(nginx.port, 800_000);
    let mut cfg = LiveConfig::new(640, 360);
    cfg.video = VideoInput::TestPattern;
    cfg.audio = AudioInput::Tone(440.0);
    cfg.bitrate = BitrateRange {
        min_bps: 150_000,
        start_bps: 2_000_000,
        max_bps: 2_500_000,
    };
    cfg.duration = Some(Duration::from_secs(45));
    cfg.ingest = Some(
        IngestUrl::parse(&format!(
            "rtmp://127.0.0.1:{}/live/congested",
            throttle.port
        ))
        .unwrap(),
    );
    let session = LiveSession::start(cfg).unwrap();
    let stats = session.subscribe();
    let start = Instant::now();
    let mut history: Vec<LiveStats> = Vec::new();

    // Capped: within 10 s what we produce fits under the cap, and the queue
    // delay stays under 3 s throughout.
    while start.elapsed() < Duration::from_secs(10) {
        let s = stats
            .recv_timeout(Duration::from_secs(5))
            .expect("no stats for 5 s");
        assert!(
            s.queue_delay_ms < 3000,
            "queue delay {} ms at {:?}: {s:?}",
            s.queue_delay_ms,
            start.elapsed()
        );
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
        history.push(s);
    }
    let capped = recent_bps(&history, 2);
    assert!(
        capped < 800_000,
        "still producing {capped} bit/s after 10 s: {:?}",
        history.last()
    );
    assert!(history.last().unwrap().connected);
    let early_target = history.last().unwrap().target_bps;

    // Lift the cap: the bitrate climbs back.
    throttle.rate_bps.store(0, Ordering::Relaxed);
    let lifted = Instant::now();
    let mut climbed = None;
    while lifted.elapsed() < Duration::from_secs(30) {
        let s = stats
            .recv_timeout(Duration::from_secs(5))
            .expect("no stats for 5 s");
        assert!(
            s.queue_delay_ms < 3000,
            "queue delay {} ms after the cap lifted",
            s.queue_delay_ms
        );
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
        history.push(s);
        if recent_bps(&history, 2) > 1_200_000 {
            climbed = Some(lifted.elapsed());
            break;
        }
    }
    let last = history.last().unwrap().clone();
    drop(session);
    assert!(
        climbed.is_some(),
        "the bitrate did not climb back above 1.2 Mbit/s within 30 s (target went {early_target} -> {}): {last:?}",
        last.target_bps
    );
}
