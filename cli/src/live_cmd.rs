//! `farmlive live`: go live from this computer, with a one-line status.

use crate::{CmdResult, Failure};
use clap::Args;
use farmlive_live::{
    AudioInput, BitrateRange, IngestUrl, LiveConfig, LiveError, LiveSession, LiveStats, VideoInput,
};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Arguments of `farmlive live`.
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Pictures: `test` (moving pattern), `camera` or `camera:INDEX`, or a `.y4m` file.
    #[arg(long, default_value = "test", value_name = "SOURCE")]
    pub source: String,
    /// Sound: `tone`, a `.wav` file (16-bit PCM), or `none`.
    #[arg(long, default_value = "tone", value_name = "AUDIO")]
    pub audio: String,
    /// Where to: `rtmp://HOST/APP/KEY`, `rtmps://HOST/APP/KEY`, or a `.flv`
    /// file. With `--room` it may be left out: the stream then goes to the
    /// hub's own ingest for the room (buyers watch it from the hub).
    #[arg(long, value_name = "URL|FILE")]
    pub to: Option<String>,
    /// Also record to this FLV file while streaming to an ingest.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Picture size, WIDTHxHEIGHT (even numbers).
    #[arg(long, default_value = "1280x720", value_name = "WxH")]
    pub size: String,
    /// Frames per second.
    #[arg(long, default_value_t = 30)]
    pub fps: u32,
    /// Video bitrate cap, e.g. `2M`, `800k`; adaptive bitrate works below it.
    #[arg(long, default_value = "2M", value_name = "RATE")]
    pub bitrate: String,
    /// Stop after this long, e.g. `30s`, `5m` (default: until Ctrl-C or the file ends).
    #[arg(long, value_name = "TIME")]
    pub duration: Option<String>,
    /// Sell while live: open a room with this title on the hub this device
    /// is enrolled with, and show orders and comments as they arrive.
    #[arg(long, value_name = "TITLE")]
    pub room: Option<String>,
    /// The farm going live (name or id); the device's only farm by default.
    #[arg(long, requires = "room")]
    pub farm: Option<String>,
    /// Listing ids on the room's shelf (default: the farm's active listings).
    #[arg(long, value_delimiter = ',', requires = "room", value_name = "ID,...")]
    pub shelf: Vec<String>,
    /// Pin this listing (shelf number or id) when going live.
    #[arg(long, requires = "room", value_name = "N|ID")]
    pub pin: Option<String>,
    /// The pinned listing's price while pinned, e.g. `8.00`.
    #[arg(long, requires = "pin", value_name = "PRICE")]
    pub live_price: Option<String>,
    /// Where buyers watch (an HLS or RTMP playback URL), shown in the room.
    #[arg(long, requires = "room", value_name = "URL")]
    pub playback: Option<String>,
}

fn bad(e: LiveError) -> Failure {
    Failure {
        bad_input: e.is_bad_input(),
        message: e.to_string(),
        localized: None,
        context: None,
    }
}

/// Parses `1280x720`.
pub fn parse_size(s: &str) -> Result<(u32, u32), Failure> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| Failure::input(format!("size must look like 1280x720, not {s:?}")))?;
    let num = |v: &str| {
        v.trim()
            .parse::<u32>()
            .map_err(|_| Failure::input(format!("size must look like 1280x720, not {s:?}")))
    };
    Ok((num(w)?, num(h)?))
}

/// Parses `2M`, `800k`, `1500000`.
pub fn parse_bitrate(s: &str) -> Result<u32, Failure> {
    let t = s.trim().to_ascii_lowercase();
    let (num, mult) = if let Some(n) = t.strip_suffix('m') {
        (n, 1_000_000.0)
    } else if let Some(n) = t.strip_suffix('k') {
        (n, 1_000.0)
    } else {
        (t.as_str(), 1.0)
    };
    let v: f64 = num
        .parse()
        .map_err(|_| Failure::input(format!("bitrate must look like 2M or 800k, not {s:?}")))?;
    let bps = v * mult;
    if !(100_000.0..=50_000_000.0).contains(&bps) {
        return Err(Failure::input(format!(
            "bitrate must be between 100k and 50M, not {s}"
        )));
    }
    Ok(bps as u32)
}

/// Parses `30s`, `5m`, `1h`, `90` (seconds).
pub fn parse_duration(s: &str) -> Result<Duration, Failure> {
    let t = s.trim();
    let (num, mult) = match t.chars().last() {
        Some('s') => (&t[..t.len() - 1], 1.0),
        Some('m') => (&t[..t.len() - 1], 60.0),
        Some('h') => (&t[..t.len() - 1], 3600.0),
        _ => (t, 1.0),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| Failure::input(format!("duration must look like 30s or 5m, not {s:?}")))?;
    if !(v > 0.0 && v * mult <= 24.0 * 3600.0) {
        return Err(Failure::input(format!(
            "duration must be more than 0 and at most 24h, not {s}"
        )));
    }
    Ok(Duration::from_secs_f64(v * mult))
}

/// Builds a session configuration from the command line.
pub fn config(args: &LiveArgs) -> Result<LiveConfig, Failure> {
    let (w, h) = parse_size(&args.size)?;
    let mut cfg = LiveConfig::new(w, h);
    cfg.fps = args.fps;
    let cap = parse_bitrate(&args.bitrate)?;
    cfg.bitrate = BitrateRange {
        min_bps: (cap / 10).clamp(50_000, cap),
        start_bps: cap,
        max_bps: cap,
    };
    cfg.video = match args.source.as_str() {
        "test" => VideoInput::TestPattern,
        "camera" => VideoInput::Camera { index: 0 },
        s if s.starts_with("camera:") => VideoInput::Camera {
            index: s[7..]
                .parse()
                .map_err(|_| Failure::input(format!("camera index must be a number: {s}")))?,
        },
        s if s.ends_with(".y4m") => VideoInput::Y4m(PathBuf::from(s)),
        s => {
            return Err(Failure::input(format!(
                "unknown source {s:?}: use test, camera[:INDEX] or a .y4m file"
            )));
        }
    };
    cfg.audio = match args.audio.as_str() {
        "tone" => AudioInput::Tone(440.0),
        "none" => AudioInput::None,
        s if s.ends_with(".wav") => AudioInput::Wav(PathBuf::from(s)),
        s => {
            return Err(Failure::input(format!(
                "unknown audio {s:?}: use tone, none or a .wav file"
            )));
        }
    };
    let to = match args.to.as_deref() {
        Some(to) => to,
        // The hub's ingest, once the room is open (see `Show::start`).
        None if args.room.is_some() => {
            cfg.record = args.record.clone();
            cfg.duration = args.duration.as_deref().map(parse_duration).transpose()?;
            return Ok(cfg);
        }
        None => {
            return Err(Failure::input(
                "say where to with --to rtmp://HOST/APP/KEY or --to FILE.flv (or sell with --room, which publishes to the hub)",
            ));
        }
    };
    if to.starts_with("rtmp://") || to.starts_with("rtmps://") {
        cfg.ingest = Some(IngestUrl::parse(to).map_err(bad)?);
        cfg.record = args.record.clone();
    } else if to.ends_with(".flv") {
        cfg.record = Some(PathBuf::from(to));
        if args.record.is_some() {
            return Err(Failure::input(
                "--record is for streaming to an ingest; --to is already a file",
            ));
        }
    } else {
        return Err(Failure::input(
            "--to must be rtmp://HOST/APP/KEY, rtmps://HOST/APP/KEY or a .flv file",
        ));
    }
    cfg.duration = args.duration.as_deref().map(parse_duration).transpose()?;
    Ok(cfg)
}

/// One status line. `to_ingest`: the stream goes to an RTMP ingest (else
/// only to a file), so "not connected" means connecting, not recording.
pub fn status_line(s: &LiveStats, to_ingest: bool) -> String {
    let secs = s.elapsed_ms / 1000;
    let link = match (to_ingest, s.connected, s.last_error.is_some()) {
        (false, _, _) => "recording",
        (true, true, _) => "live",
        (true, false, true) => "reconnecting",
        (true, false, false) => "connecting",
    };
    let rtt = s.rtt_ms.map_or(String::new(), |r| format!("  rtt {r} ms"));
    format!(
        "● {link} {:02}:{:02}  {:.2} Mbit/s (target {:.2})  fps {:.0}/{:.0}  queue {} ms  dropped {}  reconnects {}{rtt}",
        secs / 60,
        secs % 60,
        s.encoded_bps as f64 / 1e6,
        s.target_bps as f64 / 1e6,
        s.fps_in,
        s.fps_out,
        s.queue_delay_ms,
        s.dropped_video,
        s.reconnects,
    )
}

/// Set once Ctrl-C is pressed.
pub fn ctrl_c_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    std::thread::spawn(move || {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            rt.block_on(async {
                if tokio::signal::ctrl_c().await.is_ok() {
                    f.store(true, Ordering::Relaxed);
                }
            });
        }
    });
    flag
}

/// Runs `farmlive live`.
pub fn run(args: LiveArgs, json: bool) -> CmdResult {
    let cfg = config(&args)?;
    let target = match (&cfg.ingest, &cfg.record) {
        (Some(url), Some(file)) => format!("{url} and {}", file.display()),
        (Some(url), None) => url.to_string(),
        (None, Some(file)) => file.display().to_string(),
        (None, None) => String::new(),
    };
    if !json {
        eprintln!(
            "going live: {} {}x{}@{} → {target} (Ctrl-C to stop)",
            args.source, cfg.width, cfg.height, cfg.fps
        );
    }
    let to_ingest = cfg.ingest.is_some();
    let session = LiveSession::start(cfg).map_err(bad)?;
    let stats = session.subscribe();
    let stop = ctrl_c_flag();
    let tty = std::io::stderr().is_terminal();
    while !session.is_finished() && !stop.load(Ordering::Relaxed) {
        if let Ok(s) = stats.recv_timeout(Duration::from_millis(200)) {
            // The snapshot taken as the session ends (link down, no frames)
            // describes no live moment; the summary below replaces it.
            if session.is_finished() {
                break;
            }
            if json {
                println!("{}", stats_json(&s));
            } else if tty {
                eprint!("\r\x1b[2K{}", status_line(&s, to_ingest));
                let _ = std::io::stderr().flush();
            } else {
                eprintln!("{}", status_line(&s, to_ingest));
            }
        }
    }
    if tty && !json {
        // Erase the last status line rather than leave it standing.
        eprint!("\r\x1b[2K");
    }
    let last = session.stop().map_err(bad)?;
    if json {
        println!("{}", stats_json(&last));
    } else {
        println!(
            "stopped: {} frames encoded, {} sent, {} dropped, {} reconnects{}",
            last.frames_encoded,
            last.frames_sent,
            last.dropped_video,
            last.reconnects,
            if last.recorded_bytes > 0 {
                format!(", {:.1} MB recorded", last.recorded_bytes as f64 / 1e6)
            } else {
                String::new()
            }
        );
    }
    nothing_reached_the_ingest(to_ingest, &last, &target)
}

/// A stream to an ingest that never delivered a frame failed, whatever
/// stopped it: the viewers saw nothing.
pub fn nothing_reached_the_ingest(to_ingest: bool, last: &LiveStats, target: &str) -> CmdResult {
    if !to_ingest || last.frames_sent > 0 {
        return Ok(());
    }
    Err(Failure {
        bad_input: false,
        message: match &last.last_error {
            Some(e) => format!("no video reached {target}: {e}"),
            None => format!("no video reached {target}: the ingest never accepted the stream"),
        },
        localized: None,
        context: None,
    })
}

/// Stats as one JSON object.
pub fn stats_json(s: &LiveStats) -> serde_json::Value {
    serde_json::json!({
        "elapsed_ms": s.elapsed_ms,
        "connected": s.connected,
        "fps_in": s.fps_in,
        "fps_out": s.fps_out,
        "encoded_bps": s.encoded_bps,
        "sent_bps": s.sent_bps,
        "target_bps": s.target_bps,
        "queue_delay_ms": s.queue_delay_ms,
        "dropped_video": s.dropped_video,
        "dropped_audio": s.dropped_audio,
        "reconnects": s.reconnects,
        "rtt_ms": s.rtt_ms,
        "frames_encoded": s.frames_encoded,
        "frames_sent": s.frames_sent,
        "recorded_bytes": s.recorded_bytes,
        "last_error": s.last_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_arguments() {
        assert_eq!(parse_size("1280x720").unwrap(), (1280, 720));
        assert!(parse_size("1280").is_err());
        assert_eq!(parse_bitrate("2M").unwrap(), 2_000_000);
        assert_eq!(parse_bitrate("800k").unwrap(), 800_000);
        assert_eq!(parse_bitrate("1.5m").unwrap(), 1_500_000);
        assert!(parse_bitrate("fast").is_err());
        assert!(parse_bitrate("10").is_err());
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("-1s").is_err());
    }
}
