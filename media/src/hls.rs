//! HLS from FLV tags: a segmenter that turns a room's tags into MPEG-TS
//! segments, and (in [`playlist`]) the playlists that list them.
//!
//! Sans-I/O: no clock, no files. [`Segmenter::push`] takes tags as RTMP
//! delivered them and now and then hands back a finished [`Segment`] (its
//! bytes and duration); whoever drives it writes the files and playlists.
//!
//! A segment is cut at the first keyframe after the target duration (1 s
//! by default, for low latency), so every segment starts with PAT, PMT and
//! a keyframe (with SPS/PPS) and decodes on its own. HLS here needs H.264
//! video; AAC audio is optional. Timestamps are made continuous: a
//! publisher that reconnects starts again at 0, and the segments carry on
//! where the last one ended rather than jumping back.

pub mod playlist;

pub use playlist::{
    LiveWindow, SegmentEntry, live_playlist, merge_recordings, parse_playlist, parse_segment_name,
    segment_name, vod_playlist,
};

use crate::aac::{self, AacConfig, AudioPacket};
use crate::avc::{self, AvcConfig, VideoPacket};
use crate::error::MediaError;
use crate::flv::{FlvTag, TagKind};
use crate::ts::{CLOCK_HZ, PACKET_BYTES, TsMuxer};

/// The default target duration: 1 s segments, for low latency.
pub const LOW_LATENCY_TARGET_MS: u64 = 1_000;
/// The conventional target duration for short segments: 2 s.
pub const TWO_SECOND_TARGET_MS: u64 = 2_000;
/// Added to every PTS and DTS: the timeline starts here, so that the PCR,
/// [`crate::ts::PCR_LEAD`] behind the DTS, never goes below 0.
pub const TIMESTAMP_OFFSET_MS: u64 = 700;
/// A tag earlier than the one before by more than this (ms) is a new
/// timeline (a publisher reconnected, or the 32-bit clock wrapped).
const JUMP_BACK_MS: i64 = 1_000;
/// A tag later than the one before by more than this (ms) is a new
/// timeline too: a paused publisher's gap is not played as a frozen picture.
const JUMP_FORWARD_MS: i64 = 10_000;

/// How segments are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmenterOptions {
    /// A segment is cut at the first keyframe this long (ms) after its
    /// start; with a longer GOP segments are longer.
    pub target_ms: u64,
    /// A segment that grows past this many bytes (a publisher that sends
    /// no keyframes) is closed, and tags are dropped until the next
    /// keyframe: memory stays bounded.
    pub max_segment_bytes: usize,
    /// Where the timeline starts, ms: a recording resumed after a restart
    /// carries on from its end.
    pub start_ms: u64,
}

impl SegmenterOptions {
    /// 1 s segments (the default).
    pub fn low_latency() -> SegmenterOptions {
        SegmenterOptions {
            target_ms: LOW_LATENCY_TARGET_MS,
            max_segment_bytes: 32 * 1024 * 1024,
            start_ms: 0,
        }
    }

    /// 2 s segments.
    pub fn two_seconds() -> SegmenterOptions {
        SegmenterOptions {
            target_ms: TWO_SECOND_TARGET_MS,
            ..SegmenterOptions::low_latency()
        }
    }
}

impl Default for SegmenterOptions {
    fn default() -> Self {
        SegmenterOptions::low_latency()
    }
}

/// A finished segment: MPEG-TS bytes that start with PAT, PMT and a keyframe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Where it starts on the timeline, ms.
    pub start_ms: u64,
    /// How long it plays, ms (at least 1).
    pub duration_ms: u64,
    /// The TS packets.
    pub bytes: Vec<u8>,
}

/// The segment being filled.
#[derive(Debug)]
struct Open {
    start_ms: u64,
    /// The end of the latest frame in it, ms.
    end_ms: u64,
    /// Its PMT lists audio.
    audio: bool,
    bytes: Vec<u8>,
}

/// Maps tag timestamps onto one continuous timeline.
#[derive(Debug)]
struct Timeline {
    offset: i64,
    last_in: Option<u32>,
    last_out: u64,
}

impl Timeline {
    fn map(&mut self, ts: u32, rejoin_gap_ms: u64) -> u64 {
        let ts = i64::from(ts);
        match self.last_in {
            None => self.offset = self.last_out as i64 - ts,
            Some(prev) => {
                let delta = ts - i64::from(prev);
                if !(-JUMP_BACK_MS..=JUMP_FORWARD_MS).contains(&delta) {
                    self.offset = (self.last_out + rejoin_gap_ms) as i64 - ts;
                }
            }
        }
        self.last_in = Some(ts as u32);
        let out = (ts + self.offset).max(0) as u64;
        self.last_out = self.last_out.max(out);
        out
    }
}

/// FLV tags in, TS segments out. See the module docs.
#[derive(Debug)]
pub struct Segmenter {
    options: SegmenterOptions,
    avc: Option<AvcConfig>,
    aac: Option<AacConfig>,
    mux: Option<TsMuxer>,
    open: Option<Open>,
    clock: Timeline,
    /// The latest interval between two pictures, ms: the last one's duration.
    frame_ms: u64,
    last_video_ms: Option<u64>,
    scratch: Vec<u8>,
}

impl Segmenter {
    /// A segmenter cutting as `options` say.
    pub fn new(options: SegmenterOptions) -> Segmenter {
        Segmenter {
            options,
            avc: None,
            aac: None,
            mux: None,
            open: None,
            clock: Timeline {
                offset: 0,
                last_in: None,
                last_out: options.start_ms,
            },
            frame_ms: 40,
            last_video_ms: None,
            scratch: Vec::new(),
        }
    }

    /// The options it cuts with.
    pub fn options(&self) -> &SegmenterOptions {
        &self.options
    }

    /// Takes the next tag; returns the segment it finished, if it finished
    /// one. A tag that cannot be used (broken, or a codec HLS here does not
    /// carry) is an error and is skipped: the segmenter stays as it was,
    /// so the caller may count the error and go on.
    pub fn push(&mut self, tag: &FlvTag) -> Result<Option<Segment>, MediaError> {
        match tag.kind {
            TagKind::Script => Ok(None),
            TagKind::Video => self.video(tag),
            TagKind::Audio => self.audio(tag),
        }
    }

    /// Tags were lost (a full queue): closes the open segment and waits for
    /// the next keyframe. Returns the closed segment.
    pub fn gap(&mut self) -> Option<Segment> {
        let open = self.open.take()?;
        let end = open.end_ms;
        Some(close(open, end))
    }

    /// The stream ended: returns the last segment, if one is open.
    pub fn finish(&mut self) -> Option<Segment> {
        self.gap()
    }

    fn video(&mut self, tag: &FlvTag) -> Result<Option<Segment>, MediaError> {
        let (keyframe, composition_ms, nalus) = match avc::parse_video_body(&tag.body)? {
            VideoPacket::Config(record) => {
                self.avc = Some(AvcConfig::parse(record)?);
                return Ok(None);
            }
            VideoPacket::Nothing => return Ok(None),
            VideoPacket::Frame {
                keyframe,
                composition_ms,
                nalus,
            } => (keyframe, composition_ms, nalus),
        };
        let avc = self
            .avc
            .as_ref()
            .ok_or(MediaError::MissingConfig("video"))?;
        self.scratch.clear();
        let idr = avc.annex_b(nalus, keyframe, &mut self.scratch)?;
        let random_access = keyframe || idr;

        let dts = self.clock.map(tag.timestamp_ms, self.frame_ms);
        if let Some(prev) = self.last_video_ms.filter(|p| dts > *p) {
            self.frame_ms = (dts - prev).min(1_000);
        }
        self.last_video_ms = Some(dts);
        // B-frames make PTS later than DTS; never earlier.
        let pts = dts + u64::try_from(composition_ms).unwrap_or(0);

        let mut done = None;
        if let Some(open) = self.open.take() {
            let due = random_access && dts >= open.start_ms + self.options.target_ms;
            let full = open.bytes.len() + ts_bytes_at_most(self.scratch.len())
                > self.options.max_segment_bytes;
            if due {
                done = Some(close(open, dts));
            } else if full {
                let end = open.end_ms;
                done = Some(close(open, end));
            } else {
                self.open = Some(open);
            }
        }
        if self.open.is_none() {
            if !random_access {
                // Before the first keyframe, or after a gap: nothing to start from.
                return Ok(done);
            }
            self.start_segment(dts);
        }
        let (Some(mux), Some(open)) = (self.mux.as_mut(), self.open.as_mut()) else {
            return Ok(done);
        };
        mux.write_video(
            ticks(pts),
            ticks(dts),
            random_access,
            &self.scratch,
            &mut open.bytes,
        );
        open.end_ms = open.end_ms.max(dts + self.frame_ms);
        Ok(done)
    }

    fn audio(&mut self, tag: &FlvTag) -> Result<Option<Segment>, MediaError> {
        let raw = match aac::parse_audio_body(&tag.body)? {
            AudioPacket::Config(asc) => {
                self.aac = Some(AacConfig::parse(asc)?);
                return Ok(None);
            }
            AudioPacket::Frame(raw) => raw,
        };
        let aac = self
            .aac
            .as_ref()
            .ok_or(MediaError::MissingConfig("audio"))?;
        self.scratch.clear();
        aac.adts_frame(raw, &mut self.scratch)?;
        let frame_ms = u64::from(aac::SAMPLES_PER_FRAME) * 1_000 / u64::from(aac.sample_rate());
        let pts = self.clock.map(tag.timestamp_ms, self.frame_ms);
        let (Some(mux), Some(open)) = (self.mux.as_mut(), self.open.as_mut()) else {
            // No segment open (no keyframe yet): audio waits for the picture.
            return Ok(None);
        };
        let fits = open.bytes.len() + ts_bytes_at_most(self.scratch.len())
            <= self.options.max_segment_bytes;
        if open.audio && fits {
            mux.write_audio(ticks(pts), &self.scratch, &mut open.bytes);
            open.end_ms = open.end_ms.max(pts + frame_ms);
        }
        Ok(None)
    }

    fn start_segment(&mut self, start_ms: u64) {
        let audio = self.aac.is_some();
        let mux = self.mux.get_or_insert_with(|| TsMuxer::new(audio));
        if audio {
            // An AudioSpecificConfig that came after the first segment.
            mux.add_audio();
        }
        let mut bytes = Vec::with_capacity(256 * 1024);
        mux.write_tables(&mut bytes);
        self.open = Some(Open {
            start_ms,
            end_ms: start_ms,
            audio: mux.has_audio(),
            bytes,
        });
    }
}

fn close(open: Open, end_ms: u64) -> Segment {
    Segment {
        start_ms: open.start_ms,
        duration_ms: end_ms.saturating_sub(open.start_ms).max(1),
        bytes: open.bytes,
    }
}

/// At most how many TS bytes a frame of `es_len` bytes becomes: a PES
/// header of up to 19 bytes, and per packet 4 bytes of header and (in the
/// first) up to 8 of adaptation field.
fn ts_bytes_at_most(es_len: usize) -> usize {
    (es_len + 19).div_ceil(PACKET_BYTES - 12) * PACKET_BYTES
}

/// ms on the timeline to 90 kHz ticks, offset by [`TIMESTAMP_OFFSET_MS`].
fn ticks(ms: u64) -> u64 {
    (ms + TIMESTAMP_OFFSET_MS) * (CLOCK_HZ / 1_000)
}

#[cfg(test)]
mod tests;
