//! Live sessions: the shell pushes camera frames (bytes with width, height,
//! pixel format, rotation and timestamp) and microphone PCM; the core
//! encodes (openh264, fdk-aac), muxes FLV and publishes to an RTMP(S) ingest
//! and/or records to a file. A session may sell too: with a room
//! ([`LiveOptions::room`]) it opens a live room on the hub where buyers watch,
//! comment and order, and the farmer pins a listing at a live price. One
//! foreign [`ShowListener`] hears it all (stream figures once a second, room
//! events as they happen). A stream key never appears in errors or logs.

use crate::bytes::ShellBytes;
use crate::error::{FarmLiveError, Result};
use crate::facade::{FarmLive, check_path, check_text};
use crate::remote::{LiveStats, PixelFormat};
use crate::room::{LiveRoom, LiveSummary, RoomOptions};
use crate::runtime;
use crate::show::{ShowListener, forward_to};
use crate::types::parse_id;
use farmlive_core::protocol as p;
use farmlive_core::{Core, RoomSetup, Show, ShowConfig};
use farmlive_live as live;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn rotation(degrees: u32) -> Result<live::frame::Rotation> {
    live::frame::Rotation::from_degrees(degrees).ok_or_else(|| {
        FarmLiveError::bad_input(format!(
            "rotation must be 0, 90, 180 or 270 degrees, not {degrees}"
        ))
    })
}

/// The `rotation_degrees` to pass with a camera's frames to
/// [`LiveSession::push_video_frame`]: the clockwise turn that makes the frame
/// upright on the screen as the phone is held now. Work it out again when the
/// screen turns.
///
/// - `sensor_orientation_degrees`: Android's `CameraCharacteristics.SENSOR_ORIENTATION`;
///   on iOS 90 for the back camera, whose buffers come in landscape.
/// - `display_rotation_degrees`: how far the screen is turned from its
///   natural orientation. Android: `Display.getRotation()` in degrees
///   (`Surface.ROTATION_90` → 90). iOS: `portrait` 0, `landscapeLeft` 90,
///   `portraitUpsideDown` 180, `landscapeRight` 270 (`UIDeviceOrientation`).
/// - `front_facing`: the selfie camera, which turns the other way.
///
/// Both angles must be 0, 90, 180 or 270.
#[uniffi::export]
pub fn upright_rotation_degrees(
    sensor_orientation_degrees: u32,
    display_rotation_degrees: u32,
    front_facing: bool,
) -> Result<u32> {
    live::frame::Rotation::for_camera(
        sensor_orientation_degrees,
        display_rotation_degrees,
        front_facing,
    )
    .map(|r| r.degrees())
    .ok_or_else(|| {
        FarmLiveError::bad_input(format!(
            "camera and screen angles must be 0, 90, 180 or 270 degrees, not \
             {sensor_orientation_degrees} and {display_rotation_degrees}"
        ))
    })
}

/// How to go live. Frames and PCM are always pushed by the shell.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LiveOptions {
    /// Output width, even (e.g. 1280; 720 for a portrait stream). Take the
    /// screen's shape at the start: a picture of the other shape (the phone
    /// turned later) is letterboxed, never stretched.
    pub width: u32,
    /// Output height, even (e.g. 720; 1280 for a portrait stream).
    pub height: u32,
    /// Frames per second, 1 to 120.
    pub fps: u32,
    /// `rtmp://HOST/APP/KEY` or `rtmps://…`; `None` to only record, or,
    /// with a room, to publish to the hub's own ingest for the room.
    pub ingest_url: Option<String>,
    /// An FLV file to record to; `None` to only publish.
    pub record_path: Option<String>,
    /// Starting video bitrate (bit/s); adaptive bitrate moves it with the uplink.
    pub video_bitrate_bps: u32,
    /// Whether the shell will push microphone PCM (an AAC track).
    pub audio: bool,
    /// A room to sell from while live (opened on the hub, so the device must
    /// be enrolled); `None` to only stream.
    #[uniffi(default = None)]
    pub room: Option<RoomOptions>,
}

/// A running live session (and its room, if it has one). Push frames and PCM
/// from the capture callbacks; pin and unpin while on air; call `stop` to
/// flush, close and end the room. A session released without `stop` (its
/// screen torn down) stops the stream and ends the room in the background.
#[derive(uniffi::Object)]
pub struct LiveSession {
    /// `None` once stopped. Shared with pins in flight; `stop` waits for them.
    show: Mutex<Option<Arc<Show>>>,
    core: Arc<Core>,
    video: live::video::VideoPusher,
    audio: Option<live::audio::AudioPusher>,
}

impl std::fmt::Debug for LiveSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LiveSession { .. }")
    }
}

fn stopped() -> FarmLiveError {
    FarmLiveError::not_allowed("the live session has stopped")
}

fn no_room() -> FarmLiveError {
    FarmLiveError::not_allowed("this live session has no room; go live with a room to pin products")
}

/// Most shelf entries accepted before the core's own check (at most 50
/// distinct listings), so a hostile list is refused before it is parsed.
const SHELF_ENTRIES_MAX: usize = 1000;

fn live_config(options: &LiveOptions) -> Result<live::LiveConfig> {
    let mut cfg = live::LiveConfig::new(options.width, options.height);
    cfg.video = live::VideoInput::Pushed;
    cfg.audio = if options.audio {
        live::AudioInput::Pushed
    } else {
        live::AudioInput::None
    };
    cfg.fps = options.fps;
    let max = cfg.bitrate.max_bps.max(options.video_bitrate_bps);
    cfg.bitrate.start_bps = options.video_bitrate_bps;
    cfg.bitrate.max_bps = max;
    if let Some(url) = &options.ingest_url {
        check_text("ingest URL", url)?;
        cfg.ingest = Some(live::IngestUrl::parse(url)?);
    }
    if let Some(path) = &options.record_path {
        check_path("recording path", path)?;
        cfg.record = Some(path.into());
    }
    Ok(cfg)
}

fn room_setup(core: &Core, room: RoomOptions) -> Result<RoomSetup> {
    check_text("title", &room.title)?;
    if let Some(url) = &room.playback_url {
        check_text("playback address", url)?;
    }
    if let Some(farm) = &room.farm {
        check_text("farm", farm)?;
    }
    if room.shelf.len() > SHELF_ENTRIES_MAX {
        return Err(FarmLiveError::bad_input(format!(
            "a shelf holds at most {} listings",
            p::room::SHELF_MAX
        )));
    }
    let shelf = room
        .shelf
        .iter()
        .map(|id| parse_id(id, "listing"))
        .collect::<Result<Vec<p::ListingId>>>()?;
    let farm = core.resolve_farm(room.farm.as_deref())?;
    Ok(RoomSetup {
        farm: farm.id,
        title: room.title,
        shelf,
        playback_url: room.playback_url,
    })
}

#[uniffi::export]
impl FarmLive {
    /// Goes live, with a room if [`LiveOptions::room`] says so: the room opens
    /// on the hub first (its title, shelf and farm checked here before), then
    /// the stream starts; if the stream cannot start, the room is ended
    /// again. Ingest connection problems do not fail this call: the session
    /// keeps retrying and reports them in [`LiveStats::last_error`].
    /// `listener` hears the stream's figures and the room's events.
    pub async fn start_live(
        &self,
        options: LiveOptions,
        listener: Option<Arc<dyn ShowListener>>,
    ) -> Result<Arc<LiveSession>> {
        let cfg = live_config(&options)?;
        let room = options
            .room
            .map(|r| room_setup(&self.core, r))
            .transpose()?;
        let with_room = room.is_some();
        let core = self.core.clone();
        let show = runtime::run(async move {
            let config = ShowConfig {
                live: cfg,
                room,
                follow: Default::default(),
            };
            Ok(Show::start(core, config, forward_to(listener)).await?)
        })
        .await?;
        let video = show
            .video_pusher()
            .ok_or_else(|| FarmLiveError::failure("the session takes no frames"))?;
        let audio = show.audio_pusher();
        tracing::info!(target: "farmlive::ffi", "live session started ({}x{}@{}{})",
            options.width, options.height, options.fps, if with_room { ", with a room" } else { "" });
        Ok(Arc::new(LiveSession {
            show: Mutex::new(Some(Arc::new(show))),
            core: self.core.clone(),
            video,
            audio,
        }))
    }
}

impl LiveSession {
    /// The running show, or `NotAllowed` once stopped.
    fn show(&self) -> Result<Arc<Show>> {
        self.show
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(stopped)
    }

    /// The running show, if it has a room.
    fn show_with_room(&self) -> Result<Arc<Show>> {
        let show = self.show()?;
        if show.room_id().is_none() {
            return Err(no_room());
        }
        Ok(show)
    }
}

#[uniffi::export]
impl LiveSession {
    /// Hands over one camera frame (`rotation_degrees` clockwise to make it
    /// upright on the screen, from [`upright_rotation_degrees`];
    /// `timestamp_us` from the camera's clock). The core turns the frame
    /// upright and fits it into the stream's size keeping its aspect (black
    /// bars when the phone is held the other way than at the start; never
    /// stretched). Never blocks: when the encoder is behind, the frame is
    /// dropped and counted.
    pub fn push_video_frame(
        &self,
        data: ShellBytes,
        width: u32,
        height: u32,
        format: PixelFormat,
        rotation_degrees: u32,
        timestamp_us: u64,
    ) -> Result<()> {
        let rotation = rotation(rotation_degrees)?;
        // The bytes are handed over as lifted, without a copy (see ShellBytes).
        // (Not in the doc comment: that goes into the bindings and their checksum.)
        self.video
            .push_owned(
                data.into_frame_data(),
                width,
                height,
                format,
                rotation,
                timestamp_us,
            )
            .map_err(|e| match e {
                live::LiveError::Stopped => stopped(),
                other => other.into(),
            })
    }

    /// Hands over one camera frame as the camera gives it: the Y, U and V
    /// planes of a 4:2:0 image (Android's `YUV_420_888` `image.planes`, each
    /// plane's `buffer`, which must be direct; on iOS the bi-planar buffer's
    /// luma, and its CbCr plane twice, from its first and its second byte,
    /// with pixel stride 2). `y_row_stride` is the luma's row stride (its
    /// pixel stride is 1); U and V share `uv_row_stride` and
    /// `uv_pixel_stride`, as Camera2 guarantees. The planes are checked (a
    /// plane too short for its strides is `BadInput`) and copied once,
    /// straight into the encoder's layout; no `ByteArray` is packed first.
    /// Rotation, letterboxing and dropping as `push_video_frame`.
    #[allow(clippy::too_many_arguments)]
    pub fn push_video_planes(
        &self,
        y: &[u8],
        y_row_stride: u32,
        u: &[u8],
        v: &[u8],
        uv_row_stride: u32,
        uv_pixel_stride: u32,
        width: u32,
        height: u32,
        rotation_degrees: u32,
        timestamp_us: u64,
    ) -> Result<()> {
        let rotation = rotation(rotation_degrees)?;
        let chroma = |data| live::planes::Plane {
            data,
            row_stride: uv_row_stride as usize,
            pixel_stride: uv_pixel_stride as usize,
        };
        let planes = live::planes::YuvPlanes {
            width,
            height,
            y: live::planes::Plane {
                data: y,
                row_stride: y_row_stride as usize,
                pixel_stride: 1,
            },
            u: chroma(u),
            v: chroma(v),
        };
        self.video
            .push_planes(&planes, rotation, timestamp_us)
            .map_err(|e| match e {
                live::LiveError::Stopped => stopped(),
                other => other.into(),
            })
    }

    /// Hands over interleaved signed 16-bit little-endian PCM bytes, as
    /// AudioRecord and AVAudioEngine give them (`channels` 1 or 2).
    pub fn push_audio(&self, pcm: ShellBytes, sample_rate: u32, channels: u8) -> Result<()> {
        let audio = self.audio.as_ref().ok_or_else(|| {
            FarmLiveError::bad_input("this session has no audio track (start it with audio)")
        })?;
        if !(1..=2).contains(&channels) {
            return Err(FarmLiveError::bad_input("channels must be 1 or 2"));
        }
        if !(8_000..=192_000).contains(&sample_rate) {
            return Err(FarmLiveError::bad_input(format!(
                "the sample rate must be 8000 to 192000 Hz, not {sample_rate}"
            )));
        }
        if pcm.len() % (2 * channels as usize) != 0 {
            return Err(FarmLiveError::bad_input(
                "PCM must be whole 16-bit samples for every channel",
            ));
        }
        let samples: Vec<i16> = pcm
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        audio
            .push(&samples, sample_rate, channels as usize)
            .map_err(|e| match e {
                live::LiveError::Stopped => stopped(),
                other => other.into(),
            })
    }

    /// The latest figures.
    pub fn stats(&self) -> Result<LiveStats> {
        Ok(self.show()?.stream_stats())
    }

    /// Caps the video bitrate (bit/s), e.g. on a metered connection.
    pub fn set_bitrate_cap(&self, bps: u32) -> Result<()> {
        self.show()?.set_bitrate_cap(bps);
        Ok(())
    }

    /// The room as the hub last reported it (after going live, pinning,
    /// unpinning); `None` when the session has no room.
    pub fn room(&self) -> Result<Option<LiveRoom>> {
        Ok(self.show()?.room().map(LiveRoom::from))
    }

    /// Pins a listing of the room's shelf, in front of buyers; with
    /// `live_price` ("8.8", in the listing's currency) it sells at that price
    /// while pinned. Returns the room with the pin.
    pub async fn pin(&self, listing_id: String, live_price: Option<String>) -> Result<LiveRoom> {
        let listing: p::ListingId = parse_id(&listing_id, "listing")?;
        if let Some(price) = &live_price {
            check_text("live price", price)?;
        }
        let show = self.show_with_room()?;
        let live_price = match live_price {
            Some(text) => {
                let currency = self.core.listing(listing)?.price.currency;
                Some(
                    p::Money::parse(&text, currency)
                        .map_err(|e| FarmLiveError::bad_input(format!("live price: {e}")))?,
                )
            }
            None => None,
        };
        let view = runtime::run(async move { Ok(show.pin(listing, live_price).await?) }).await?;
        Ok(view.into())
    }

    /// Unpins the pinned listing; its live price stops applying at once.
    pub async fn unpin(&self) -> Result<LiveRoom> {
        let show = self.show_with_room()?;
        let view = runtime::run(async move { Ok(show.unpin().await?) }).await?;
        Ok(view.into())
    }

    /// Stops capturing, sends what is queued (up to a few seconds), closes the
    /// ingest and the recording, ends the room (if any), syncs the orders
    /// placed in it, and sums up. Pins still in flight finish first.
    pub async fn stop(&self) -> Result<LiveSummary> {
        let mut show = self
            .show
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(stopped)?;
        let summary = runtime::run(async move {
            // A pin or unpin in flight holds the show; each ends within the
            // core's request timeout.
            let show = loop {
                match Arc::try_unwrap(show) {
                    Ok(owned) => break owned,
                    Err(shared) => {
                        show = shared;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            };
            Ok(show.stop().await?)
        })
        .await?;
        tracing::info!(target: "farmlive::ffi", "live session stopped");
        Ok(summary.into())
    }
}
