//! The live session: what the CLI and the bindings call. `start` spins up a
//! capture thread (sources → encoders → muxer → recording and send queue) and
//! a network thread (one small tokio runtime: the RTMP driver, adaptive
//! bitrate and stats every second). `stop` flushes and closes.

use crate::abr::{AbrController, BitrateRange};
use crate::audio::{AudioPusher, AudioSource, Tone, WavSource, pushed_audio};
use crate::capture::Capture;
use crate::driver::{DriverOptions, Shared};
use crate::encode::{AudioEncoder, FdkAacEncoder, OpenH264Encoder, VideoEncoder};
use crate::error::LiveError;
use crate::fit::Fit;
use crate::flv::{FlvMuxer, StreamInfo};
use crate::network::Network;
use crate::queue::SendQueue;
use crate::stats::LiveStats;
use crate::url::IngestUrl;
use crate::video::{TestPattern, VideoPusher, VideoSource, Y4mSource, pushed_source};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Where pictures come from.
pub enum VideoInput {
    /// The moving test pattern.
    TestPattern,
    /// A Y4M file, played once at its frame rate.
    Y4m(PathBuf),
    /// A desktop camera (feature `camera`).
    Camera {
        /// Which camera (0 is the first).
        index: u32,
    },
    /// Frames pushed by the caller through [`LiveSession::video_pusher`].
    Pushed,
    /// Any other source.
    Custom(Box<dyn VideoSource>),
}

/// Where sound comes from.
pub enum AudioInput {
    /// No audio track.
    None,
    /// A tone at this frequency (Hz).
    Tone(f64),
    /// A WAV file.
    Wav(PathBuf),
    /// PCM pushed by the caller through [`LiveSession::audio_pusher`].
    Pushed,
    /// Any other source.
    Custom(Box<dyn AudioSource>),
}

/// Everything a live session needs.
pub struct LiveConfig {
    /// Picture source.
    pub video: VideoInput,
    /// Sound source.
    pub audio: AudioInput,
    /// Output width (even).
    pub width: u32,
    /// Output height (even).
    pub height: u32,
    /// How a picture of another shape (the phone turned) fills the output
    /// size: letterboxed by default, never stretched.
    pub fit: Fit,
    /// Frames per second.
    pub fps: u32,
    /// Video bitrate range for adaptive bitrate.
    pub bitrate: BitrateRange,
    /// AAC bitrate.
    pub audio_bps: u32,
    /// The ingest to publish to, if any.
    pub ingest: Option<IngestUrl>,
    /// An FLV file to record to, if any (alongside the ingest or instead of it).
    pub record: Option<PathBuf>,
    /// Stop by itself after this much media time.
    pub duration: Option<Duration>,
    /// An IDR this often.
    pub keyframe_interval: Duration,
    /// Latency bound of the send queue.
    pub max_queue_delay: Duration,
    /// Timeout to open a TCP/TLS connection.
    pub connect_timeout: Duration,
    /// Timeout from connecting to the ingest accepting the stream.
    pub publish_timeout: Duration,
    /// A further trusted root certificate (DER) for RTMPS, e.g. a private ingest's CA.
    pub extra_root_cert_der: Option<Vec<u8>>,
    /// A video encoder supplied by the shell (hardware); openh264 when `None`.
    pub video_encoder: Option<Box<dyn VideoEncoder>>,
    /// An audio encoder supplied by the shell; fdk-aac when `None`.
    pub audio_encoder: Option<Box<dyn AudioEncoder>>,
}

impl LiveConfig {
    /// A test pattern with a tone at `width`×`height`, 30 fps, 2 Mbit/s (300 k–2.5 M),
    /// going nowhere until an ingest or recording is set.
    pub fn new(width: u32, height: u32) -> LiveConfig {
        LiveConfig {
            video: VideoInput::TestPattern,
            audio: AudioInput::Tone(440.0),
            width,
            height,
            fit: Fit::default(),
            fps: 30,
            bitrate: BitrateRange {
                min_bps: 150_000,
                start_bps: 2_000_000,
                max_bps: 2_500_000,
            },
            audio_bps: 96_000,
            ingest: None,
            record: None,
            duration: None,
            keyframe_interval: Duration::from_secs(2),
            max_queue_delay: Duration::from_millis(1500),
            connect_timeout: Duration::from_secs(5),
            publish_timeout: Duration::from_secs(5),
            extra_root_cert_der: None,
            video_encoder: None,
            audio_encoder: None,
        }
    }
}

impl std::fmt::Debug for LiveConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveConfig")
            .field(
                "size",
                &format_args!("{}x{}@{}", self.width, self.height, self.fps),
            )
            .field("fit", &self.fit)
            .field("bitrate", &self.bitrate)
            .field("ingest", &self.ingest)
            .field("record", &self.record)
            .field("duration", &self.duration)
            .finish_non_exhaustive()
    }
}

/// A running live stream.
pub struct LiveSession {
    shared: Arc<Shared>,
    capture: Option<JoinHandle<Result<(), LiveError>>>,
    network: Option<JoinHandle<()>>,
    video_pusher: Option<VideoPusher>,
    audio_pusher: Option<AudioPusher>,
    cap: Arc<AtomicU32>,
    subscribers: Arc<Mutex<Vec<mpsc::Sender<LiveStats>>>>,
    latest: Arc<Mutex<LiveStats>>,
    net_done: Arc<AtomicBool>,
}

impl std::fmt::Debug for LiveSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LiveSession({:?})", self.latest_stats())
    }
}

fn open_video(
    cfg: &mut LiveConfig,
) -> Result<(Box<dyn VideoSource>, Option<VideoPusher>), LiveError> {
    Ok(
        match std::mem::replace(&mut cfg.video, VideoInput::TestPattern) {
            VideoInput::TestPattern => (
                Box::new(TestPattern::new(cfg.width, cfg.height, cfg.fps)?),
                None,
            ),
            VideoInput::Y4m(path) => (Box::new(Y4mSource::open(&path)?), None),
            VideoInput::Pushed => {
                let (s, p) = pushed_source();
                (Box::new(s), Some(p))
            }
            VideoInput::Custom(s) => (s, None),
            #[cfg(feature = "camera")]
            VideoInput::Camera { index } => (
                Box::new(crate::camera::open_camera(
                    index, cfg.width, cfg.height, cfg.fps,
                )?),
                None,
            ),
            #[cfg(not(feature = "camera"))]
            VideoInput::Camera { .. } => {
                return Err(LiveError::Camera(
                    "this build has no camera support (cargo feature `camera`)".into(),
                ));
            }
        },
    )
}

type AudioParts = (Option<Box<dyn AudioSource>>, Option<AudioPusher>);

fn open_audio(cfg: &mut LiveConfig) -> Result<AudioParts, LiveError> {
    Ok(match std::mem::replace(&mut cfg.audio, AudioInput::None) {
        AudioInput::None => (None, None),
        AudioInput::Tone(hz) => (Some(Box::new(Tone::new(hz))), None),
        AudioInput::Wav(path) => (Some(Box::new(WavSource::open(&path)?)), None),
        AudioInput::Pushed => {
            let (s, p) = pushed_audio();
            (Some(Box::new(s)), Some(p))
        }
        AudioInput::Custom(s) => (Some(s), None),
    })
}

impl LiveSession {
    /// Checks the configuration, opens sources, encoders and the recording, and
    /// starts streaming. Connection problems do not fail `start`: the session
    /// keeps retrying and reports them in [`LiveStats::last_error`].
    pub fn start(mut cfg: LiveConfig) -> Result<LiveSession, LiveError> {
        crate::frame::I420Frame::black(cfg.width, cfg.height)?;
        if cfg.fps == 0 || cfg.fps > 120 {
            return Err(LiveError::BadInput(format!(
                "the frame rate must be 1 to 120, not {}",
                cfg.fps
            )));
        }
        cfg.bitrate.validate()?;
        if cfg.ingest.is_none() && cfg.record.is_none() {
            return Err(LiveError::BadInput(
                "nowhere to stream: give an ingest URL, a recording file, or both".into(),
            ));
        }
        let (video, video_pusher) = open_video(&mut cfg)?;
        let (audio, audio_pusher) = open_audio(&mut cfg)?;
        let gop = (cfg.keyframe_interval.as_millis() as u64 * cfg.fps as u64 / 1000).max(1) as u32;
        let venc: Box<dyn VideoEncoder> = match cfg.video_encoder.take() {
            Some(e) => e,
            None => Box::new(OpenH264Encoder::new(
                cfg.width,
                cfg.height,
                cfg.fps,
                cfg.bitrate.start_bps,
                gop,
            )?),
        };
        let aenc: Option<Box<dyn AudioEncoder>> = match (&audio, cfg.audio_encoder.take()) {
            (None, _) => None,
            (Some(_), Some(e)) => Some(e),
            (Some(_), None) => Some(Box::new(FdkAacEncoder::new(cfg.audio_bps)?)),
        };
        let file = match &cfg.record {
            Some(path) => {
                let f = std::fs::File::create(path).map_err(|e| {
                    LiveError::io(format!("cannot create the recording {}", path.display()), e)
                })?;
                Some(std::io::BufWriter::with_capacity(256 << 10, f))
            }
            None => None,
        };
        let has_audio = aenc.is_some();
        let info = StreamInfo {
            width: cfg.width,
            height: cfg.height,
            fps: cfg.fps,
            video_kbps: cfg.bitrate.start_bps / 1000,
            audio_kbps: aenc.as_ref().map(|_| cfg.audio_bps / 1000),
        };
        let shared = Arc::new(Shared {
            start: Instant::now(),
            stop: AtomicBool::new(false),
            producer_done: AtomicBool::new(false),
            queue: Mutex::new(SendQueue::new(
                cfg.max_queue_delay.as_millis() as u64,
                64 << 20,
            )),
            notify: tokio::sync::Notify::new(),
            headers: Mutex::new(Vec::new()),
            info: Mutex::new(Some(info.clone())),
            target_bps: AtomicU32::new(cfg.bitrate.start_bps),
            keyframe_wanted: AtomicBool::new(false),
            frames_in: AtomicU64::new(0),
            frames_encoded: AtomicU64::new(0),
            encoded_bytes: AtomicU64::new(0),
            frames_sent: AtomicU64::new(0),
            bytes_sent: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            connected: AtomicBool::new(false),
            rtt_ms: AtomicU32::new(u32::MAX),
            last_error: Mutex::new(None),
            recorded_bytes: AtomicU64::new(0),
        });
        let capture = Capture {
            shared: shared.clone(),
            video,
            audio,
            venc,
            aenc,
            muxer: FlvMuxer::new(info),
            file,
            to_queue: cfg.ingest.is_some(),
            width: cfg.width,
            height: cfg.height,
            fit: cfg.fit,
            duration_ms: cfg.duration.map(|d| d.as_millis() as u64),
        };
        let capture = std::thread::Builder::new()
            .name("farmlive-capture".into())
            .spawn(move || capture.run())
            .map_err(|e| LiveError::io("cannot start the capture thread", e))?;
        let cap = Arc::new(AtomicU32::new(cfg.bitrate.max_bps));
        let subscribers = Arc::new(Mutex::new(Vec::new()));
        let latest = Arc::new(Mutex::new(LiveStats::default()));
        let net_done = Arc::new(AtomicBool::new(false));
        let net = Network {
            has_ingest: cfg.ingest.is_some(),
            shared: shared.clone(),
            ingest: cfg.ingest.take(),
            opts: DriverOptions {
                connect_timeout: cfg.connect_timeout,
                publish_timeout: cfg.publish_timeout,
                write_stall_timeout: Duration::from_secs(10),
                flush_timeout: Duration::from_secs(5),
                extra_root_der: cfg.extra_root_cert_der.take(),
            },
            abr: AbrController::new(cfg.bitrate),
            cap: cap.clone(),
            audio_bps: if has_audio { cfg.audio_bps } else { 0 },
            subscribers: subscribers.clone(),
            latest: latest.clone(),
            done: net_done.clone(),
        };
        let network = std::thread::Builder::new()
            .name("farmlive-network".into())
            .spawn(move || net.run())
            .map_err(|e| LiveError::io("cannot start the network thread", e))?;
        Ok(LiveSession {
            shared,
            capture: Some(capture),
            network: Some(network),
            video_pusher,
            audio_pusher,
            cap,
            subscribers,
            latest,
            net_done,
        })
    }

    /// The handle to push camera frames with (for [`VideoInput::Pushed`]).
    pub fn video_pusher(&self) -> Option<VideoPusher> {
        self.video_pusher.clone()
    }

    /// The handle to push microphone PCM with (for [`AudioInput::Pushed`]).
    pub fn audio_pusher(&self) -> Option<AudioPusher> {
        self.audio_pusher.clone()
    }

    /// A stream of stats, one a second, until the session ends.
    pub fn subscribe(&self) -> mpsc::Receiver<LiveStats> {
        let (tx, rx) = mpsc::channel();
        if let Ok(mut subs) = self.subscribers.lock() {
            subs.push(tx);
        }
        rx
    }

    /// The latest stats.
    pub fn latest_stats(&self) -> LiveStats {
        self.latest.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Lowers (or raises, up to the configured maximum) the video bitrate cap.
    pub fn set_bitrate_cap(&self, bps: u32) {
        self.cap.store(bps, Ordering::Relaxed);
    }

    /// True once the source ended (or the duration passed) and everything was sent.
    pub fn is_finished(&self) -> bool {
        self.net_done.load(Ordering::Relaxed)
    }

    /// Stops capturing, sends what is queued (up to 5 s), closes the ingest
    /// connection and the recording, and returns the final stats.
    pub fn stop(mut self) -> Result<LiveStats, LiveError> {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.shared.notify.notify_waiters();
        self.video_pusher = None;
        self.audio_pusher = None;
        let captured = match self.capture.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(LiveError::Encoder("the capture thread failed".into())),
            None => Ok(()),
        };
        if let Some(n) = self.network.take() {
            let _ = n.join();
        }
        captured?;
        Ok(self.latest_stats())
    }
}

impl Drop for LiveSession {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.shared.notify.notify_waiters();
    }
}
