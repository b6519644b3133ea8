//! How far behind live a slow HTTP-FLV viewer falls, with and without the
//! hub's cap on what the kernel holds unsent for a viewer
//! (`TCP_NOTSENT_LOWAT`, `farmlive_hub::http::routes_media::UNSENT_MAX`;
//! `FARMLIVE_FLV_UNSENT_BYTES=0` turns it off). It prints figures; it
//! asserts no times.
//!
//! The stamped source (`glass.rs`: 640×360, 30 fps, H.264 at 1 Mbit/s, a
//! keyframe every second) publishes to a hub's room. Two viewers read the
//! room's `/live/{room}.flv`: one at full speed, one (with a 64 KiB
//! receive buffer, as `swarm.rs`'s throttled viewers) throttled to
//! `SLOW_BPS` bytes a second (default 8,000: a phone on a weak link; the
//! test picture encodes to well under its nominal rate). Every second the lag is
//! measured as the fast viewer's newest video timestamp minus the slow
//! one's: how old the slow viewer's picture is. The relay gives each viewer
//! a bounded queue and skips a viewer that falls behind to the next
//! keyframe, but only once its queue is full; the kernel's send buffer
//! (grown to megabytes by autotuning) fills first, so without the cap a
//! slow viewer lags by whatever the send buffer holds.
//!
//! Run: `cargo bench -p farmlive-tests --bench relay_slow_viewer` (about a
//! minute; `SECONDS` per phase, default 25; `GRAIN=1` for a picture that
//! encodes to the full 1 Mbit/s, `SLOW_BPS` for the slow reader's rate). Without `--bench` (as `cargo
//! test --all-targets` runs it) a short pass of 6 s per phase.

#![allow(clippy::unwrap_used)]

#[path = "../../core/benches/common/machine.rs"]
mod machine;

use farmlive_tests::flv_scan::HttpFlvScanner;
use farmlive_tests::glass::{SourceConfig, StampedSource};
use farmlive_tests::media::wait_on_air;
use farmlive_tests::{HubProcess, rt};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What one viewer saw so far.
#[derive(Default)]
struct Seen {
    /// The newest video timestamp (ms), +1 (0: none yet).
    newest: AtomicU32,
    bytes: AtomicU64,
    ended: AtomicBool,
}

/// Reads `url` (http://host:port/path) until `stop`, at most `rate` bytes
/// a second if given.
fn view(url: &str, rate: Option<u64>, stop: Arc<AtomicBool>, seen: Arc<Seen>) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = if rate.is_some() {
        // A small window, as the benchmark swarm's throttled viewers have,
        // so the hub's writes back up as on a slow link instead of
        // vanishing into loopback's megabytes of receive buffer.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(64 << 10).unwrap();
        let s = rt
            .block_on(socket.connect(host.parse().unwrap()))
            .unwrap()
            .into_std()
            .unwrap();
        s.set_nonblocking(false).unwrap();
        s
    } else {
        TcpStream::connect(host).unwrap()
    };
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut scanner = HttpFlvScanner::default();
    let mut buf = vec![0u8; 4096];
    let began = Instant::now();
    let mut total = 0u64;
    let mut closed = false;
    while !stop.load(Ordering::Relaxed) {
        let n = match s.read(&mut buf) {
            Ok(0) => {
                closed = true;
                break;
            }
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => continue,
            Err(_) => {
                closed = true;
                break;
            }
        };
        total += n as u64;
        seen.bytes.store(total, Ordering::Relaxed);
        let ok = scanner.feed(&buf[..n], &mut |tag| {
            if tag.video_frame {
                seen.newest.store(tag.timestamp_ms + 1, Ordering::Relaxed);
            }
        });
        if ok.is_err() {
            closed = true;
            break;
        }
        if let Some(rate) = rate {
            let due = Duration::from_secs_f64(total as f64 / rate as f64);
            if let Some(wait) = due.checked_sub(began.elapsed()) {
                std::thread::sleep(wait);
            }
        }
    }
    seen.ended.store(closed, Ordering::Relaxed);
}

fn quantile(v: &[f64], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// One phase: a hub with `unsent` (None: the hub's default) and the two viewers.
fn phase(label: &str, unsent: Option<&str>, seconds: u64) {
    let rt = rt();
    let env: Vec<(&str, &str)> = unsent
        .map(|v| ("FARMLIVE_FLV_UNSENT_BYTES", v))
        .into_iter()
        .collect();
    let hub = HubProcess::start_with_env(&env);
    let room = hub.live_room(&rt);
    let source = SourceConfig {
        grain: grain(),
        ..SourceConfig::default()
    };
    let publisher = StampedSource::start(std::slice::from_ref(&room.ingest), &source);
    let on_air = rt.block_on(wait_on_air(&room.flv, Duration::from_secs(20)));
    assert_eq!(on_air, 200, "the hub relays the stream");
    let stop = Arc::new(AtomicBool::new(false));
    let (fast, slow) = (Arc::new(Seen::default()), Arc::new(Seen::default()));
    let rate = slow_rate();
    let threads = [(fast.clone(), None), (slow.clone(), Some(rate))].map(|(seen, rate)| {
        let (url, stop) = (room.flv.clone(), stop.clone());
        std::thread::spawn(move || view(&url, rate, stop, seen))
    });
    let mut lags = Vec::new();
    let began = Instant::now();
    while began.elapsed() < Duration::from_secs(seconds) {
        std::thread::sleep(Duration::from_secs(1));
        let (f, s) = (
            fast.newest.load(Ordering::Relaxed),
            slow.newest.load(Ordering::Relaxed),
        );
        if f > 0 && s > 0 && !slow.ended.load(Ordering::Relaxed) {
            lags.push(f64::from(f.saturating_sub(s)) / 1000.0);
        }
    }
    // Where the backlog sits: the hub's side of each viewer connection
    // (Send-Q: bytes in its send buffer, sent or not), as `ss` sees it.
    let port = room
        .flv
        .rsplit(':')
        .next()
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let ss = std::process::Command::new("ss")
        .args([
            "-tnH",
            "state",
            "established",
            &format!("( sport = :{port} )"),
        ])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .replace('\n', " | ")
        })
        .unwrap_or_default();
    println!("  {label}: hub sockets (Recv-Q Send-Q local peer): {ss}");
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    publisher.stop();
    let series: Vec<String> = lags.iter().map(|l| format!("{l:.1}")).collect();
    println!(
        "  {label:<34} lag p50 {:>5.1} s, max {:>5.1} s, last {:>5.1} s; read: full speed {} kB ({} kB/s), slow {} kB{}; lag each second: {}",
        quantile(&lags, 0.5),
        lags.iter().copied().fold(f64::NAN, f64::max),
        lags.last().copied().unwrap_or(f64::NAN),
        fast.bytes.load(Ordering::Relaxed) / 1000,
        fast.bytes.load(Ordering::Relaxed) / 1000 / began.elapsed().as_secs().max(1),
        slow.bytes.load(Ordering::Relaxed) / 1000,
        if slow.ended.load(Ordering::Relaxed) {
            " (disconnected)"
        } else {
            ""
        },
        series.join(" ")
    );
}

/// The slow viewer's read rate, bytes/s (`SLOW_BPS`; default 8 kB/s, a
/// weak mobile link, well below the stream's rate).
fn slow_rate() -> u64 {
    std::env::var("SLOW_BPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8_000)
}

/// `GRAIN=1`: a noisy picture that encodes to the source's full bit rate
/// (1 Mbit/s) instead of ≈ 18 kB/s, so buffers sized in bytes are as long
/// in seconds as with a real camera.
fn grain() -> bool {
    std::env::var("GRAIN").is_ok_and(|v| v == "1")
}

fn main() {
    println!("{}", machine::describe());
    let full = std::env::args().any(|a| a == "--bench");
    let seconds = std::env::var("SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 25 } else { 6 });
    println!(
        "a viewer reading at {} B/s ({seconds} s per phase, picture {}); lag = the full-speed viewer's newest picture − the slow one's:",
        slow_rate(),
        if grain() {
            "with grain: full bit rate"
        } else {
            "plain"
        }
    );
    phase("kernel default (no cap)", Some("0"), seconds);
    phase("hub default (TCP_NOTSENT_LOWAT)", None, seconds);
}
