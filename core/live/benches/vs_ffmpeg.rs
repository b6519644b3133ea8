//! Publishing 10 s of 720p30 with audio to nginx-rtmp on loopback: FarmLive
//! (openh264 + fdk-aac) against ffmpeg (libx264 veryfast, one thread, same
//! bitrate), in one run. Both read the same Y4M and WAV and publish in real
//! time. Prints CPU seconds, PSNR against the source, time from start to the
//! first video frame the ingest accepted (its recording holds an AVC frame),
//! and peak RSS, with ratios.
//!
//! The main peer is x264 with `-tune zerolatency`, as a live publisher would
//! run it (no look-ahead, no B-frames, no frame threading: a picture leaves
//! the encoder as soon as it is encoded). The previous peer, x264 veryfast
//! without a tune (look-ahead and B-frames, which delay its first frame and
//! cost CPU), is measured beside it in the same run.
//!
//! `cargo bench -p farmlive-live` (needs nginx, libnginx-mod-rtmp, ffmpeg:
//! `cargo xtask setup`).

#![allow(clippy::unwrap_used)]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../../benches/common/machine.rs"]
mod machine;

use common::Nginx;
use farmlive_live::flv::parse_tags;
use farmlive_live::video::TestPattern;
use farmlive_live::{AudioInput, BitrateRange, IngestUrl, LiveConfig, LiveSession, VideoInput};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const W: u32 = 1280;
const H: u32 = 720;
const FPS: u32 = 30;
const SECS: u32 = 10;
const BPS: u32 = 2_000_000;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    if let Ok(url) = std::env::var("FARMLIVE_BENCH_CHILD") {
        child(&url);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("source.y4m");
    let wav = dir.path().join("tone.wav");
    write_sources(&src, &wav);
    let nginx = Nginx::start(dir.path());

    let ours = measure("farmlive", &nginx, "ours", || {
        Command::new(std::env::current_exe().unwrap())
            .env("FARMLIVE_BENCH_CHILD", nginx.url("ours"))
            .env("FARMLIVE_BENCH_SRC", &src)
            .env("FARMLIVE_BENCH_WAV", &wav)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    });
    let zerolatency = measure("ffmpeg, x264 zerolatency", &nginx, "zerolatency", || {
        ffmpeg(
            &src,
            &wav,
            &["-tune", "zerolatency"],
            &nginx.url("zerolatency"),
        )
    });
    let lookahead = measure("ffmpeg, x264 without a tune", &nginx, "lookahead", || {
        ffmpeg(&src, &wav, &[], &nginx.url("lookahead"))
    });
    let psnr_ours = psnr(&ours.recording, &src);
    let psnr_zl = psnr(&zerolatency.recording, &src);
    let psnr_la = psnr(&lookahead.recording, &src);

    println!("\n{}", machine::describe());
    println!(
        "Live streaming: {SECS} s of {W}x{H}@{FPS} + AAC to nginx-rtmp on loopback, {} Mbit/s",
        BPS / 1_000_000
    );
    println!(
        "{:<36} {:>12} {:>14} {:>7} {:>14} {:>7}",
        "", "farmlive", "x264 zerolat.", "ratio", "x264 no tune", "ratio"
    );
    let row = |name: &str, a: f64, z: f64, l: f64, unit: &str| {
        println!(
            "{name:<36} {a:>9.2} {unit:<2} {z:>11.2} {unit:<2} {:>6.2}x {l:>11.2} {unit:<2} {:>6.2}x",
            a / z,
            a / l
        );
    };
    row(
        "CPU time (user+sys)",
        ours.cpu_s,
        zerolatency.cpu_s,
        lookahead.cpu_s,
        "s",
    );
    row(
        "PSNR vs source (avg, Y+U+V)",
        psnr_ours,
        psnr_zl,
        psnr_la,
        "dB",
    );
    row(
        "start → first video frame at ingest",
        ours.first_frame_ms,
        zerolatency.first_frame_ms,
        lookahead.first_frame_ms,
        "ms",
    );
    row(
        "peak RSS",
        ours.peak_rss_mb,
        zerolatency.peak_rss_mb,
        lookahead.peak_rss_mb,
        "MB",
    );
    row(
        "bytes recorded by the ingest",
        ours.recorded_mb,
        zerolatency.recorded_mb,
        lookahead.recorded_mb,
        "MB",
    );
    println!(
        "(video encoders: openh264 software; libx264 veryfast, one thread, with -tune zerolatency and without a tune; audio fdk-aac vs ffmpeg aac)"
    );
}

/// ffmpeg publishing the same sources with libx264 veryfast on one thread
/// at the same bitrate; `tune` is added to the video options.
fn ffmpeg(src: &Path, wav: &Path, tune: &[&str], url: &str) -> Child {
    Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-re", "-i"])
        .arg(src)
        .arg("-re")
        .arg("-i")
        .arg(wav)
        .args([
            "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "veryfast", "-threads", "1",
        ])
        .args(tune)
        .args([
            "-b:v", "2M", "-maxrate", "2M", "-bufsize", "2M", "-g", "60", "-pix_fmt", "yuv420p",
        ])
        .args([
            "-c:a", "aac", "-b:a", "96k", "-ar", "44100", "-ac", "2", "-f", "flv",
        ])
        .arg(url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ffmpeg is missing: run `cargo xtask setup`")
}

/// The publishing side of our run, in its own process so CPU and RSS are its own.
fn child(url: &str) {
    let mut cfg = LiveConfig::new(W, H);
    cfg.fps = FPS;
    cfg.video = VideoInput::Y4m(std::env::var("FARMLIVE_BENCH_SRC").unwrap().into());
    cfg.audio = AudioInput::Wav(std::env::var("FARMLIVE_BENCH_WAV").unwrap().into());
    cfg.bitrate = BitrateRange {
        min_bps: BPS,
        start_bps: BPS,
        max_bps: BPS,
    };
    cfg.ingest = Some(IngestUrl::parse(url).unwrap());
    let session = LiveSession::start(cfg).unwrap();
    while !session.is_finished() {
        std::thread::sleep(Duration::from_millis(20));
    }
    session.stop().unwrap();
}

struct Run {
    cpu_s: f64,
    first_frame_ms: f64,
    peak_rss_mb: f64,
    recording: PathBuf,
    recorded_mb: f64,
}

fn measure(name: &str, nginx: &Nginx, key: &str, spawn: impl FnOnce() -> Child) -> Run {
    eprintln!("bench: publishing with {name}…");
    let before: Vec<PathBuf> = nginx.recordings();
    let start = Instant::now();
    let mut child = spawn();
    let pid = child.id();
    let mut first_frame: Option<Duration> = None;
    let mut peak_kb = 0u64;
    let mut recording: Option<PathBuf> = None;
    let (utime, stime) = loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // fields after the ")" of the command name: state is [0], utime [11], stime [12]
        let rest: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, r)| r.split_whitespace().collect())
            .unwrap_or_default();
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status"))
            && let Some(kb) = status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        {
            peak_kb = peak_kb.max(kb);
        }
        if first_frame.is_none() {
            if recording.is_none() {
                recording = nginx
                    .recordings()
                    .into_iter()
                    .find(|p| !before.contains(p) && p.to_string_lossy().contains(key));
            }
            if let Some(rec) = &recording
                && let Ok(bytes) = std::fs::read(rec)
                && parse_tags(&bytes).is_some_and(|tags| {
                    tags.iter()
                        .any(|t| t.kind == 9 && t.body.len() > 5 && t.body[1] == 1)
                })
            {
                first_frame = Some(start.elapsed());
            }
        }
        if rest.first() == Some(&"Z") && rest.len() > 12 {
            break (
                rest[11].parse::<u64>().unwrap(),
                rest[12].parse::<u64>().unwrap(),
            );
        }
        std::thread::sleep(Duration::from_millis(if first_frame.is_none() {
            1
        } else {
            20
        }));
    };
    let status = child.wait().unwrap();
    assert!(status.success(), "{name} failed: {status}");
    std::thread::sleep(Duration::from_millis(300));
    let recording = recording.unwrap_or_else(|| panic!("nginx recorded nothing for {name}"));
    let ticks = clock_ticks();
    Run {
        cpu_s: (utime + stime) as f64 / ticks,
        first_frame_ms: first_frame.map_or(f64::NAN, |d| d.as_secs_f64() * 1e3),
        peak_rss_mb: peak_kb as f64 / 1024.0,
        recorded_mb: std::fs::metadata(&recording).map(|m| m.len()).unwrap_or(0) as f64 / 1e6,
        recording,
    }
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// Average PSNR (Y, U and V samples together) of a recording against the
/// source pictures, decoded by ffmpeg and compared here frame by frame. Pictures
/// are paired by index, not timestamp (FLV keeps whole milliseconds, so
/// timestamps would pair some pictures with their neighbours), at the best of
/// offsets 0–2 (an encoder may hold back or repeat the first pictures).
fn psnr(recording: &Path, _source: &Path) -> f64 {
    use std::io::Read;
    let mut child = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-i"])
        .arg(recording)
        .args([
            "-map",
            "0:v:0",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "yuv420p",
            "-fps_mode",
            "passthrough",
            "-",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let size = (W * H * 3 / 2) as usize;
    let mut pattern = TestPattern::new(W, H, FPS).unwrap();
    let mut sums = [0f64; 3];
    let mut frames = 0usize;
    let mut decoded = vec![0u8; size];
    while out.read_exact(&mut decoded).is_ok() {
        for (offset, sum) in sums.iter_mut().enumerate() {
            let source = pattern.render((frames + offset) as u64);
            let se: u64 = decoded
                .iter()
                .zip(source.as_bytes())
                .map(|(&a, &b)| (a as i64 - b as i64).pow(2) as u64)
                .sum();
            let mse = (se as f64 / size as f64).max(1e-10);
            *sum += 10.0 * (255.0f64 * 255.0 / mse).log10();
        }
        frames += 1;
    }
    let _ = child.wait();
    sums.iter()
        .map(|s| s / frames.max(1) as f64)
        .fold(f64::NAN, f64::max)
}

fn write_sources(y4m: &Path, wav: &Path) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(y4m).unwrap());
    writeln!(f, "YUV4MPEG2 W{W} H{H} F{FPS}:1 Ip A1:1 C420jpeg").unwrap();
    let mut pattern = TestPattern::new(W, H, FPS).unwrap();
    for n in 0..(SECS * FPS) as u64 {
        f.write_all(b"FRAME\n").unwrap();
        f.write_all(pattern.render(n).as_bytes()).unwrap();
    }
    f.flush().unwrap();
    let rate = 44_100u32;
    let samples: Vec<u8> = (0..rate * (SECS + 1))
        .flat_map(|i| {
            let s =
                ((i as f64 / rate as f64 * 440.0 * std::f64::consts::TAU).sin() * 8000.0) as i16;
            [s.to_le_bytes(), s.to_le_bytes()].concat()
        })
        .collect();
    let mut w = Vec::with_capacity(samples.len() + 44);
    w.extend(b"RIFF");
    w.extend((36 + samples.len() as u32).to_le_bytes());
    w.extend(b"WAVEfmt ");
    w.extend(16u32.to_le_bytes());
    w.extend([1, 0, 2, 0]);
    w.extend(rate.to_le_bytes());
    w.extend((rate * 4).to_le_bytes());
    w.extend([4, 0, 16, 0]);
    w.extend(b"data");
    w.extend((samples.len() as u32).to_le_bytes());
    w.extend(samples);
    std::fs::write(wav, w).unwrap();
}
