//! A room's HLS on disk: the live playlist and its segments while the show
//! is on, and every segment kept as the recording, listed by the replay
//! playlist when the show ends.
//!
//! Files, per room, in `<db>.live/<room id>/` ([`live_root`], [`room_dir`]),
//! private like the photo blobs (folders 0700, files 0600):
//! - `seg000000.ts`, ...: segments (MPEG-TS), never rewritten;
//! - `live.m3u8`: the newest [`HlsOptions::live_window`] segments, written
//!   after each segment (temp file + rename, so a reader never sees half);
//! - `replay.m3u8`: the recording (VOD), written by [`HlsWriter::finish`];
//! - `segments.idx`: one line per recorded segment (`sequence duration_ms
//!   bytes`), then `capped` if the cap was reached, so a hub restarted
//!   mid-show resumes the recording (or keeps it stopped).
//!
//! Disk is bounded per room by [`RecordingCap`] (default 4 hours or 2 GiB,
//! whichever comes first): past it the show stays live but is no longer
//! recorded, and segments that left the live window are deleted. Old
//! recordings are not deleted here.
//!
//! [`HlsWriter`] does the file work synchronously; [`HlsFeed`] runs one on
//! its own thread behind a bounded queue, so the publisher's task never
//! waits for the disk.

use super::archive::Archive;
use crate::error::Result;
use farmlive_media::flv::{FlvTag, TagKind};
use farmlive_media::hls::{
    LiveWindow, Segment, SegmentEntry, Segmenter, SegmenterOptions, parse_segment_name,
    segment_name, vod_playlist,
};
use farmlive_protocol::RoomId;
use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};

mod feed;
#[cfg(test)]
pub(crate) mod tests;

pub use super::hls_files::{LIVE_PLAYLIST, REPLAY_PLAYLIST, live_root, room_dir};
use super::hls_files::{create_private_dir, io, write_private};
pub use feed::HlsFeed;

/// The recorded segments, one line each.
const INDEX: &str = "segments.idx";
/// The index's last line once the recording reached its cap.
const CAPPED: &str = "capped\n";

/// How much of a show is recorded, at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordingCap {
    /// Bytes of segments kept.
    pub max_bytes: u64,
    /// Playing time kept, ms.
    pub max_ms: u64,
}

impl Default for RecordingCap {
    /// 4 hours or 2 GiB (a 1 Mbit/s show fills 2 GiB in about 4.5 hours).
    fn default() -> Self {
        RecordingCap {
            max_bytes: 2 << 30,
            max_ms: 4 * 3_600_000,
        }
    }
}

/// How a room's HLS is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HlsOptions {
    /// Where segments are cut (1 s by default).
    pub segments: SegmenterOptions,
    /// Segments in the live playlist.
    pub live_window: usize,
    /// How much is recorded.
    pub cap: RecordingCap,
    /// Tags [`HlsFeed`] queues for its writer thread; past that it drops
    /// tags and the writer starts again at the next keyframe.
    pub queue_tags: usize,
}

impl Default for HlsOptions {
    fn default() -> Self {
        HlsOptions {
            segments: SegmenterOptions::low_latency(),
            live_window: 6,
            cap: RecordingCap::default(),
            queue_tags: 2_048,
        }
    }
}

/// Writes one room's segments and playlists (synchronous file I/O).
#[derive(Debug)]
pub struct HlsWriter {
    room: RoomId,
    dir: PathBuf,
    options: HlsOptions,
    segmenter: Segmenter,
    window: LiveWindow,
    recorded: Vec<SegmentEntry>,
    recorded_bytes: u64,
    recorded_ms: u64,
    recording: bool,
    next_sequence: u64,
    index: std::fs::File,
    /// Unrecorded segments that left the live window, oldest first: deleted
    /// a window later, so that a player with an older playlist still gets them.
    expired: VecDeque<u64>,
    media_errors: u64,
    /// Where recorded segments and the replay are copied, if anywhere.
    archive: Option<Archive>,
}

impl HlsWriter {
    /// Opens `room`'s folder under `root` (creating it), resuming the
    /// recording if one is there.
    pub fn open(root: &Path, room: RoomId, options: HlsOptions) -> Result<HlsWriter> {
        HlsWriter::open_with(root, room, options, None)
    }

    /// [`HlsWriter::open`], copying what is recorded into `archive`. A
    /// recording begun here on an empty folder numbers its segments past
    /// what the archive holds of the room ([`Archive::first_sequence`]).
    pub fn open_with(
        root: &Path,
        room: RoomId,
        options: HlsOptions,
        archive: Option<Archive>,
    ) -> Result<HlsWriter> {
        let dir = room_dir(root, room);
        create_private_dir(&dir)?;
        let index_path = dir.join(INDEX);
        let (recorded, capped) = read_index(&dir, &index_path);
        // The index rewritten whole: a line cut short by a crash goes.
        let mut text: String = recorded
            .iter()
            .map(|(s, bytes)| format!("{} {} {bytes}\n", s.sequence, s.duration_ms))
            .collect();
        if capped {
            text.push_str(CAPPED);
        }
        write_private(&index_path, text.as_bytes(), false)?;
        let index = std::fs::OpenOptions::new()
            .append(true)
            .open(&index_path)
            .map_err(|e| io("open", &index_path, e))?;
        let next_sequence = highest_segment(&dir)
            .into_iter()
            .chain(recorded.last().map(|(s, _)| s.sequence))
            .max()
            .map(|n| n + 1)
            .or_else(|| archive.as_ref().map(|a| a.first_sequence(room)))
            .unwrap_or(0);
        let recorded_bytes = recorded.iter().map(|(_, b)| b).sum();
        let recorded: Vec<SegmentEntry> = recorded.into_iter().map(|(s, _)| s).collect();
        let recorded_ms: u64 = recorded.iter().map(|s| s.duration_ms).sum();
        let segments = SegmenterOptions {
            start_ms: recorded_ms,
            ..options.segments
        };
        let recording =
            !capped && recorded_bytes < options.cap.max_bytes && recorded_ms < options.cap.max_ms;
        Ok(HlsWriter {
            room,
            dir,
            options,
            segmenter: Segmenter::new(segments),
            window: LiveWindow::new(options.live_window),
            recorded,
            recorded_bytes,
            recorded_ms,
            recording,
            next_sequence,
            index,
            expired: VecDeque::new(),
            media_errors: 0,
            archive,
        })
    }

    /// The room's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The segments recorded so far.
    pub fn recorded(&self) -> &[SegmentEntry] {
        &self.recorded
    }

    /// False once the recording reached its cap.
    pub fn recording(&self) -> bool {
        self.recording
    }

    /// Tags skipped as unusable (broken, or a codec HLS does not carry).
    pub fn media_errors(&self) -> u64 {
        self.media_errors
    }

    /// Takes the room's next tag; writes a segment and the live playlist
    /// when one is finished. Unusable tags are counted and logged (the
    /// first, second, fourth, ...), not errors: only file errors are.
    pub fn push(&mut self, tag: &FlvTag) -> Result<()> {
        match self.segmenter.push(tag) {
            Ok(Some(segment)) => self.store(segment),
            Ok(None) => Ok(()),
            Err(e) => {
                self.media_errors += 1;
                if self.media_errors.is_power_of_two() {
                    tracing::warn!(target: "farmlive::hub",
                        "HLS of room {}: tag skipped ({e}); {} so far", self.room, self.media_errors);
                }
                Ok(())
            }
        }
    }

    /// Tags were lost, or the publisher changed: the open segment ends here
    /// and the next starts at a keyframe. `headers` (the latest sequence
    /// headers, in case theirs were among the lost) are taken again.
    pub fn gap(&mut self, headers: &[FlvTag]) -> Result<()> {
        if let Some(segment) = self.segmenter.gap() {
            self.store(segment)?;
        }
        for tag in headers
            .iter()
            .filter(|t| t.header && t.kind != TagKind::Script)
        {
            self.push(tag)?;
        }
        Ok(())
    }

    /// The show is over: writes the last segment, the replay playlist (if
    /// anything was recorded) and a live playlist that ends.
    pub fn finish(mut self) -> Result<()> {
        if let Some(segment) = self.segmenter.finish() {
            self.store(segment)?;
        }
        let target = self.options.segments.target_ms;
        if !self.recorded.is_empty() {
            let replay = vod_playlist(&self.recorded, target);
            write_private(&self.dir.join(REPLAY_PLAYLIST), replay.as_bytes(), false)?;
            if let Some(archive) = &self.archive {
                archive.replay(self.room, &self.dir);
            }
        }
        if !self.window.segments().is_empty() {
            let live = self.window.playlist(target, true);
            write_private(&self.dir.join(LIVE_PLAYLIST), live.as_bytes(), false)?;
        }
        tracing::info!(target: "farmlive::hub",
            "HLS of room {} ended: {} segments recorded ({} bytes), {} tags skipped",
            self.room, self.recorded.len(), self.recorded_bytes, self.media_errors);
        Ok(())
    }

    /// Writes a finished segment, records it if the cap allows, slides the
    /// live window and rewrites the live playlist.
    fn store(&mut self, segment: Segment) -> Result<()> {
        let entry = SegmentEntry {
            sequence: self.next_sequence,
            duration_ms: segment.duration_ms,
        };
        let bytes = segment.bytes.len() as u64;
        let cap = self.options.cap;
        if self.recording
            && (self.recorded_bytes + bytes > cap.max_bytes
                || self.recorded_ms + entry.duration_ms > cap.max_ms)
        {
            self.recording = false;
            // Remembered, so that a resumed recording does not skip ahead.
            self.index
                .write_all(CAPPED.as_bytes())
                .map_err(|e| io("append to", &self.dir.join(INDEX), e))?;
            tracing::info!(target: "farmlive::hub",
                "room {}: recording stopped at its cap ({} bytes, {} ms); the show stays live",
                self.room, self.recorded_bytes, self.recorded_ms);
        }
        let name = segment_name(entry.sequence);
        write_private(&self.dir.join(&name), &segment.bytes, self.recording)?;
        self.next_sequence += 1;
        if self.recording {
            let line = format!("{} {} {bytes}\n", entry.sequence, entry.duration_ms);
            self.index
                .write_all(line.as_bytes())
                .map_err(|e| io("append to", &self.dir.join(INDEX), e))?;
            self.recorded.push(entry);
            if let Some(archive) = &self.archive {
                archive.segment(self.room, &self.dir, entry.sequence);
            }
            self.recorded_bytes += bytes;
            self.recorded_ms += entry.duration_ms;
        }
        if let Some(out) = self.window.push(entry) {
            let kept = self
                .recorded
                .last()
                .is_some_and(|r| r.sequence >= out.sequence);
            if !kept {
                self.expired.push_back(out.sequence);
            }
        }
        while self.expired.len() > self.options.live_window {
            if let Some(old) = self.expired.pop_front() {
                // Already gone is fine.
                let _ = std::fs::remove_file(self.dir.join(segment_name(old)));
            }
        }
        let live = self.window.playlist(self.options.segments.target_ms, false);
        write_private(&self.dir.join(LIVE_PLAYLIST), live.as_bytes(), false)
    }
}

/// The recorded segments the index lists and whose files are whole
/// (sequence, duration, bytes), and whether the recording reached its cap;
/// reading stops at the first bad line.
fn read_index(dir: &Path, path: &Path) -> (Vec<(SegmentEntry, u64)>, bool) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out: Vec<(SegmentEntry, u64)> = Vec::new();
    for line in text.lines() {
        if line == CAPPED.trim_end() {
            return (out, true);
        }
        let mut fields = line.split(' ').map(str::parse::<u64>);
        let (Some(Ok(sequence)), Some(Ok(duration_ms)), Some(Ok(bytes)), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            break;
        };
        let rising = out.last().is_none_or(|(last, _)| sequence > last.sequence);
        let whole =
            std::fs::metadata(dir.join(segment_name(sequence))).is_ok_and(|m| m.len() == bytes);
        if !rising || !whole || duration_ms == 0 {
            break;
        }
        out.push((
            SegmentEntry {
                sequence,
                duration_ms,
            },
            bytes,
        ));
    }
    (out, false)
}

/// The highest segment number among the folder's files.
fn highest_segment(dir: &Path) -> Option<u64> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| parse_segment_name(e.file_name().to_str()?))
        .max()
}
