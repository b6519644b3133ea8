//! 1,000 concurrent viewers of one 1 Mbit/s live stream on loopback
//! (issue 12, "Viewers"): the hub's HTTP-FLV relay beside nginx-rtmp
//! serving as many RTMP players of the same stream, one after the other in
//! the same run. Prints figures and ratios; asserts no time.
//!
//! - Source: a clip encoded once at the start (640x360 test pattern, 30 fps,
//!   H.264 at a constant 1 Mbit/s with a keyframe every second, AAC 64 kbit/s),
//!   published in a loop in real time by `ffmpeg -re -c copy` to each server
//!   in turn, so both relay the same bytes.
//! - Delivery: every viewer logs the timestamp of each video picture it
//!   gets during the measuring window; over the stretch of stream all of
//!   them were recording through, each viewer's share of the pictures any
//!   viewer got (which the publisher sent, unless all missed one).
//! - Cost: only the server's process (`/proc/PID/stat` user + system time,
//!   `/proc/PID/status` `VmHWM` and `VmRSS`); the viewers run in this
//!   process. CPU per viewer is the window's CPU less the same server's
//!   with its publisher and no viewers, divided by the viewers.
//! - Phase 2 adds throttled viewers (a 64 KiB receive window, read at
//!   20 KB/s, about a sixth of the stream) to the same hub and viewers.
//!
//! Run: `cargo bench -p farmlive-tests --bench relay_viewers`. Knobs:
//! `VIEWERS` (1000), `THROTTLED` (50), `WINDOW_S` (20), `BASELINE_S` (8),
//! `THROTTLE_BPS` (20000), `ONLY=nginx` (the peer alone). Bounded: about
//! 2½ minutes with the defaults. Under `cargo test` (no `--bench`) it runs a
//! smoke round of 20 viewers and 3 s windows.

#![allow(clippy::unwrap_used)]

#[path = "../../core/benches/common/machine.rs"]
mod machine;

use farmlive_tests::media::{ffprobe, video_stream, wait_on_air};
use farmlive_tests::net::ensure_open_file_limit;
use farmlive_tests::nginx_live::NginxLive;
use farmlive_tests::procstat::{CpuUse, cpu_secs, measure_cpu, memory_kib};
use farmlive_tests::swarm::{Delivery, Swarm, delivery};
use farmlive_tests::{HubProcess, rt};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Settling after viewers join, before a window.
const WARM_UP: Duration = Duration::from_secs(5);
/// How long viewers may take to get their first picture.
const JOIN_WITHIN: Duration = Duration::from_secs(60);

/// A knob's value: the environment's, else `full` under `cargo bench` and
/// `smoke` under `cargo test --all-targets` (which runs every bench binary
/// once, without `--bench`, and must stay short on CI).
fn knob(name: &str, full: u64, smoke: u64) -> u64 {
    let default = if std::env::args().any(|a| a == "--bench") {
        full
    } else {
        smoke
    };
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The source clip: 12 s of test pattern, 1 Mbit/s CBR H.264 (filler
/// keeps the rate constant), a keyframe every 30 frames, AAC.
fn encode_clip(dir: &Path) -> PathBuf {
    let clip = dir.join("source.flv");
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(["-f", "lavfi", "-i", "testsrc=size=640x360:rate=30"])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"])
        .args(["-t", "12", "-c:v", "libx264", "-preset", "veryfast"])
        .args(["-tune", "zerolatency", "-pix_fmt", "yuv420p"])
        .args([
            "-b:v", "1M", "-minrate", "1M", "-maxrate", "1M", "-bufsize", "1M",
        ])
        .args(["-x264-params", "nal-hrd=cbr:force-cfr=1"])
        .args(["-g", "30", "-keyint_min", "30", "-sc_threshold", "0"])
        .args(["-c:a", "aac", "-b:a", "64k", "-f", "flv"])
        .arg(&clip)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success(), "ffmpeg could not encode the source clip");
    clip
}

/// ffmpeg publishing `clip` in a loop, in real time, to `url`.
fn publish(clip: &Path, url: &str) -> Child {
    Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-re"])
        .args(["-stream_loop", "-1", "-i"])
        .arg(clip)
        .args(["-c", "copy", "-f", "flv", url])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("ffmpeg runs")
}

/// One measured stretch of one server.
struct Phase {
    name: String,
    viewers: usize,
    playing: usize,
    delivery: Delivery,
    baseline: CpuUse,
    window: CpuUse,
    /// Peak and current resident memory at the window's end (KiB).
    memory: (u64, u64),
    /// Bytes the measured viewers read during the window.
    bytes: u64,
    /// Each viewer's pictures in the window against the stream's rate
    /// times the window (percent, sorted): below 100 % a viewer is
    /// falling behind live even if it misses no picture.
    pace: Vec<f64>,
    /// The viewers' own process (this one) over the window: when it is
    /// short of CPU, the server's figures measure the client, not itself.
    client: CpuUse,
}

impl Phase {
    /// CPU per viewer above the no-viewer baseline, in CPU milliseconds
    /// per second of stream (per-mille of a core).
    fn cpu_per_viewer_ms(&self) -> f64 {
        (self.window.cores() - self.baseline.cores()).max(0.0) * 1000.0 / self.viewers as f64
    }

    /// CPU above the baseline per megabyte the viewers read: the same
    /// cost measured by work done, fair also when some viewers fell behind.
    fn cpu_ms_per_mb(&self) -> f64 {
        let extra = (self.window.cores() - self.baseline.cores()).max(0.0) * self.window.wall_secs;
        extra * 1000.0 / (self.bytes as f64 / 1e6).max(1e-9)
    }

    /// Megabits a second the viewers read, all together.
    fn mbps(&self) -> f64 {
        self.bytes as f64 * 8.0 / 1e6 / self.window.wall_secs.max(1e-9)
    }
}

/// Records `swarm` over a window of `win` while measuring the server
/// `pid`'s CPU and this process's (the viewers'), and prints the phase.
fn measure(name: String, pid: u32, swarm: &Swarm, win: Duration, baseline: CpuUse) -> Phase {
    swarm.start_recording();
    let before = swarm.bytes();
    let client_before = cpu_secs(std::process::id()).unwrap_or(0.0);
    let cpu = measure_cpu(pid, win);
    let client = CpuUse {
        cpu_secs: cpu_secs(std::process::id()).unwrap_or(0.0) - client_before,
        wall_secs: cpu.wall_secs,
    };
    let bytes = swarm.bytes() - before;
    let logs = swarm.stop_recording();
    let delivery = delivery(&logs);
    let expected = delivery.fps() * cpu.wall_secs;
    let mut pace: Vec<f64> = logs
        .iter()
        .map(|l| l.len() as f64 * 100.0 / expected.max(1.0))
        .collect();
    pace.sort_by(f64::total_cmp);
    let phase = Phase {
        name,
        viewers: logs.len(),
        playing: swarm.playing(),
        delivery,
        baseline,
        window: cpu,
        memory: memory_kib(pid).unwrap_or_default(),
        bytes,
        pace,
        client,
    };
    print_phase(&phase);
    phase
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[(((sorted.len() - 1) as f64 * p).round() as usize).min(sorted.len() - 1)]
}

fn summary_of_joins(swarm: &Swarm) -> String {
    let mut t = swarm.first_picture_secs();
    t.sort_by(f64::total_cmp);
    format!(
        "connect → first picture p50 {:.0} ms, p99 {:.0} ms (all joining at once)",
        percentile(&t, 0.5) * 1000.0,
        percentile(&t, 0.99) * 1000.0
    )
}

fn print_phase(p: &Phase) {
    let d = &p.delivery;
    println!(
        "{}: {} of {} viewers playing at the end of the window",
        p.name, p.playing, p.viewers
    );
    println!(
        "  delivery of {} pictures ({:.1} s of stream, {:.1} fps): min {:.2} %, p1 {:.2} %, median {:.2} %; viewers under 99 %: {}",
        d.reference,
        f64::from(d.span_ms) / 1000.0,
        d.fps(),
        d.percentile(0.0),
        d.percentile(0.01),
        d.percentile(0.5),
        d.percent.iter().filter(|p| **p < 99.0).count()
    );
    println!(
        "  CPU: {:.3} cores with viewers, {:.3} cores baseline (publisher only) → {:.3} ms CPU per viewer per second",
        p.window.cores(),
        p.baseline.cores(),
        p.cpu_per_viewer_ms()
    );
    println!(
        "  pace (pictures got in the window / stream fps × window): min {:.1} %, p1 {:.1} %, median {:.1} %",
        percentile(&p.pace, 0.0),
        percentile(&p.pace, 0.01),
        percentile(&p.pace, 0.5)
    );
    println!(
        "  viewers read {:.1} Mbit/s together; {:.2} ms CPU per MB read",
        p.mbps(),
        p.cpu_ms_per_mb()
    );
    println!(
        "  memory: peak (VmHWM) {:.1} MB, now (VmRSS) {:.1} MB",
        p.memory.0 as f64 / 1024.0,
        p.memory.1 as f64 / 1024.0
    );
    println!(
        "  the viewers' own process: {:.3} cores, {:.2} ms CPU per MB read",
        p.client.cores(),
        p.client.cpu_secs * 1000.0 / (p.bytes as f64 / 1e6).max(1e-9)
    );
}

/// Whether every viewer of the phase kept up with live: only then does
/// CPU per viewer measure the same work on both servers.
fn kept_pace(p: &Phase) -> bool {
    percentile(&p.pace, 0.01) >= 95.0
}

fn hub_phases(
    rt: &tokio::runtime::Runtime,
    clip: &Path,
    viewers: usize,
    throttled: usize,
    throttle_bps: u32,
    win: Duration,
    baseline: Duration,
) -> Vec<Phase> {
    // The media log says when the relay drops a stalled viewer.
    let hub = HubProcess::start_with_env(&[("RUST_LOG", "warn,farmlive::media=info")]);
    let room = hub.live_room(rt);
    let mut publisher = publish(clip, &room.ingest);
    assert_eq!(
        rt.block_on(wait_on_air(&room.flv, Duration::from_secs(20))),
        200,
        "the hub's room went on air"
    );
    let probe = video_stream(&ffprobe(&room.flv));
    println!(
        "hub: on air, ffprobe reads {}x{} {} at {}",
        probe["width"], probe["height"], probe["codec_name"], probe["avg_frame_rate"]
    );
    std::thread::sleep(Duration::from_secs(2));
    let pid = hub.pid();
    let base = measure_cpu(pid, baseline);
    let addr: SocketAddr = hub.url.strip_prefix("http://").unwrap().parse().unwrap();
    let path = format!("/live/{}.flv", room.id);

    let swarm = Swarm::flv(rt, addr, &path, viewers, None);
    let joined = swarm.wait_playing(JOIN_WITHIN);
    println!(
        "hub: {joined} of {viewers} viewers playing; {}",
        summary_of_joins(&swarm)
    );
    std::thread::sleep(WARM_UP);
    let one = measure(format!("hub, {viewers} viewers"), pid, &swarm, win, base);

    let slow = Swarm::flv(rt, addr, &path, throttled, Some(throttle_bps));
    std::thread::sleep(WARM_UP);
    slow.start_recording();
    let two = measure(
        format!(
            "hub, {viewers} viewers + {throttled} throttled to {throttle_bps} B/s (full-speed viewers' figures)"
        ),
        pid,
        &swarm,
        win,
        base,
    );
    let _ = slow.stop_recording();
    let logs: Vec<_> = slow.logs.iter().map(|l| l.lock().unwrap()).collect();
    let skips: u64 = logs.iter().map(|l| l.skips).sum();
    let skipped = logs.iter().filter(|l| l.skips > 0).count();
    let bytes: u64 = logs.iter().map(|l| l.bytes).sum();
    let secs = (WARM_UP + win).as_secs_f64();
    drop(logs);
    println!(
        "  throttled viewers: {} of {throttled} still playing; {skipped} skipped ahead ({skips} jumps of > 1 s); read {:.1} KB/s each on average; ended: {:?}",
        slow.playing(),
        bytes as f64 / throttled.max(1) as f64 / secs / 1000.0,
        slow.ends()
    );
    println!("  full-speed viewers' ends: {:?}", swarm.ends());
    slow.stop(rt);
    swarm.stop(rt);
    let _ = publisher.kill();
    let _ = publisher.wait();
    drop(hub);
    vec![one, two]
}

fn nginx_phase(
    rt: &tokio::runtime::Runtime,
    clip: &Path,
    viewers: usize,
    win: Duration,
    baseline: Duration,
) -> Phase {
    let dir = tempfile::tempdir().unwrap();
    let nginx = NginxLive::start(dir.path(), viewers + 256);
    let mut publisher = publish(clip, &nginx.url("bench"));
    std::thread::sleep(Duration::from_secs(2));
    let probe = Swarm::rtmp(rt, ([127, 0, 0, 1], nginx.port).into(), "live", "bench", 1);
    assert_eq!(
        probe.wait_playing(Duration::from_secs(20)),
        1,
        "nginx relays the stream: {:?}",
        probe.ends()
    );
    probe.stop(rt);
    std::thread::sleep(Duration::from_secs(2));
    let pid = nginx.pid();
    let base = measure_cpu(pid, baseline);
    let swarm = Swarm::rtmp(
        rt,
        ([127, 0, 0, 1], nginx.port).into(),
        "live",
        "bench",
        viewers,
    );
    let joined = swarm.wait_playing(JOIN_WITHIN);
    println!(
        "nginx-rtmp: {joined} of {viewers} players playing; {}",
        summary_of_joins(&swarm)
    );
    std::thread::sleep(WARM_UP);
    let phase = measure(
        format!("nginx-rtmp, {viewers} RTMP players"),
        pid,
        &swarm,
        win,
        base,
    );
    println!("  players' ends: {:?}", swarm.ends());
    let log = nginx.log();
    if !log.trim().is_empty() {
        let tail: Vec<&str> = log.lines().rev().take(5).collect();
        println!("  nginx's error log ends: {tail:?}");
    }
    swarm.stop(rt);
    let _ = publisher.kill();
    let _ = publisher.wait();
    phase
}

fn main() {
    let viewers = knob("VIEWERS", 1000, 20) as usize;
    let throttled = knob("THROTTLED", 50, 3) as usize;
    let win = Duration::from_secs(knob("WINDOW_S", 20, 3));
    let baseline = Duration::from_secs(knob("BASELINE_S", 8, 2));
    let throttle_bps = u32::try_from(knob("THROTTLE_BPS", 20_000, 20_000)).unwrap_or(20_000);
    // This process holds every viewer's socket; the servers inherit the limit.
    ensure_open_file_limit((viewers + throttled) as u64 * 2 + 1024);
    println!("{}", machine::describe());
    println!(
        "{viewers} viewers, {throttled} throttled to {throttle_bps} B/s in phase 2; windows of {} s after {} s of warm-up; baselines of {} s",
        win.as_secs(),
        WARM_UP.as_secs(),
        baseline.as_secs()
    );
    let dir = tempfile::tempdir().unwrap();
    let clip = encode_clip(dir.path());
    let source = ffprobe(clip.to_str().unwrap());
    let v = video_stream(&source);
    println!(
        "source: {}x{} {} at {}, video {} kbit/s, {} B",
        v["width"],
        v["height"],
        v["codec_name"],
        v["avg_frame_rate"],
        v["bit_rate"]
            .as_str()
            .and_then(|b| b.parse::<u64>().ok())
            .map_or(0, |b| b / 1000),
        std::fs::metadata(&clip).map_or(0, |m| m.len())
    );
    let rt = rt();
    if std::env::var("ONLY").as_deref() == Ok("nginx") {
        nginx_phase(&rt, &clip, viewers, win, baseline);
        return;
    }
    let hub = hub_phases(&rt, &clip, viewers, throttled, throttle_bps, win, baseline);
    let nginx = nginx_phase(&rt, &clip, viewers, win, baseline);

    println!();
    println!("| | hub HTTP-FLV | hub + {throttled} throttled | nginx-rtmp RTMP |");
    println!("|---|---|---|---|");
    let row = |name: &str, f: &dyn Fn(&Phase) -> String| {
        println!(
            "| {name} | {} | {} | {} |",
            f(&hub[0]),
            f(&hub[1]),
            f(&nginx)
        );
    };
    row("viewers playing", &|p| {
        format!("{} / {}", p.playing, p.viewers)
    });
    row("delivery min / p1 / median", &|p| {
        let d = &p.delivery;
        format!(
            "{:.2} / {:.2} / {:.2} %",
            d.percentile(0.0),
            d.percentile(0.01),
            d.percentile(0.5)
        )
    });
    row("pace min / p1 / median", &|p| {
        format!(
            "{:.1} / {:.1} / {:.1} %",
            percentile(&p.pace, 0.0),
            percentile(&p.pace, 0.01),
            percentile(&p.pace, 0.5)
        )
    });
    row("pictures in the stretch", &|p| {
        format!("{} ({:.1} fps)", p.delivery.reference, p.delivery.fps())
    });
    row("CPU baseline → with viewers (cores)", &|p| {
        format!("{:.3} → {:.3}", p.baseline.cores(), p.window.cores())
    });
    row("CPU per viewer (ms/s)", &|p| {
        format!("{:.3}", p.cpu_per_viewer_ms())
    });
    row("read by viewers (Mbit/s)", &|p| format!("{:.0}", p.mbps()));
    row("CPU per MB read (ms)", &|p| {
        format!("{:.2}", p.cpu_ms_per_mb())
    });
    row("viewers' own process (cores)", &|p| {
        format!("{:.3}", p.client.cores())
    });
    row("RSS peak / now (MB)", &|p| {
        format!(
            "{:.1} / {:.1}",
            p.memory.0 as f64 / 1024.0,
            p.memory.1 as f64 / 1024.0
        )
    });
    let ratio = |p: &Phase| p.cpu_per_viewer_ms() / nginx.cpu_per_viewer_ms().max(1e-9);
    let per_mb = |p: &Phase| p.cpu_ms_per_mb() / nginx.cpu_ms_per_mb().max(1e-9);
    println!();
    println!(
        "CPU per viewer, hub / nginx-rtmp: {:.2}× (phase 1), {:.2}× (with throttled viewers); target ≤ 1.0×",
        ratio(&hub[0]),
        ratio(&hub[1])
    );
    if !(kept_pace(&hub[0]) && kept_pace(&nginx)) {
        println!(
            "  NOT COMPARABLE: a server's viewers fell behind live (pace p1: hub {:.1} %, nginx {:.1} %; \
             the viewers' process used {:.2} and {:.2} cores), so the servers did unequal work; \
             compare per MB read, or at a viewer count this machine can read at full pace",
            percentile(&hub[0].pace, 0.01),
            percentile(&nginx.pace, 0.01),
            hub[0].client.cores(),
            nginx.client.cores()
        );
    }
    println!(
        "CPU per MB read, hub / nginx-rtmp: {:.2}× (phase 1), {:.2}× (with throttled viewers)",
        per_mb(&hub[0]),
        per_mb(&hub[1])
    );
    println!(
        "hub peak RSS {:.1} MB (target ≤ 250 MB); worst full-speed viewer {:.2} % / {:.2} % (target ≥ 99 %)",
        hub[1].memory.0 as f64 / 1024.0,
        hub[0].delivery.percentile(0.0),
        hub[1].delivery.percentile(0.0)
    );
    println!("load average at the end: {}", machine::load_average());
}
