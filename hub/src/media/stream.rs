//! What a room's stream holds for viewers who have not joined yet: the
//! sequence headers and metadata (sent first to everyone), the GOP cache
//! (every tag since the last video keyframe, so a newcomer starts at once),
//! and the clock that keeps timestamps monotonic across publishers. Pure.

use bytes::Bytes;
use farmlive_media::flv::{FlvTag, SharedTag, TagKind, file_header};

/// A publisher's timestamps, rebased so that what viewers get never goes
/// back: a new publisher (a phone that reconnected) starts where the last
/// one stopped, and a jump back within one publisher is rebased too.
#[derive(Debug, Default)]
pub(super) struct Clock {
    offset: i64,
    last_in: Option<u32>,
    last_out: Option<u32>,
    fresh: bool,
}

/// A jump back bigger than this is a restarted clock, not jitter.
const JUMP_BACK_MS: u32 = 1_000;

impl Clock {
    /// The next publisher's first tag continues from the last one out.
    pub(super) fn restart(&mut self) {
        self.fresh = true;
    }

    /// The last timestamp out (0 before any): what headers and metadata
    /// are stamped with. Their own timestamps say nothing of the media
    /// clock (metadata often carries 0 mid-stream) and must not rebase it.
    pub(super) fn last(&self) -> u32 {
        self.last_out.unwrap_or(0)
    }

    /// The viewers' timestamp for a publisher's `ts`: never below the last.
    pub(super) fn stamp(&mut self, ts: u32) -> u32 {
        let jumped_back = self
            .last_in
            .is_some_and(|last| ts.saturating_add(JUMP_BACK_MS) < last);
        if self.fresh || jumped_back || self.last_in.is_none() {
            self.offset = i64::from(self.last_out.unwrap_or(ts)) - i64::from(ts);
            self.fresh = false;
        }
        let floor = i64::from(self.last_out.unwrap_or(0));
        let out = (i64::from(ts) + self.offset).clamp(floor, i64::from(u32::MAX));
        let out = u32::try_from(out).unwrap_or(u32::MAX);
        self.last_in = Some(ts);
        self.last_out = Some(out);
        out
    }
}

/// The headers and the GOP cache of one room.
#[derive(Debug, Default)]
pub(super) struct Stream {
    metadata: Option<SharedTag>,
    video_header: Option<SharedTag>,
    audio_header: Option<SharedTag>,
    /// Bumped whenever a header changes: a viewer that saw an older one
    /// gets them again before its next keyframe.
    generation: u64,
    /// Tags since the last video keyframe (that keyframe first), unless
    /// the GOP grew past the cache's bounds.
    gop: Vec<SharedTag>,
    gop_bytes: usize,
    /// The headers encoded at one timestamp, shared by every viewer that
    /// starts at the same keyframe.
    headers_at: Option<(u32, u64, Vec<Bytes>)>,
}

impl Stream {
    /// The headers' generation.
    pub(super) fn generation(&self) -> u64 {
        self.generation
    }

    /// Forgets the headers and the GOP (a new publisher sends its own).
    pub(super) fn reset(&mut self) {
        self.metadata = None;
        self.video_header = None;
        self.audio_header = None;
        self.generation += 1;
        self.gop.clear();
        self.gop_bytes = 0;
        self.headers_at = None;
    }

    /// Takes in one tag (already stamped), keeping the GOP within
    /// `max_bytes` and `max_tags` (past them the cache is dropped until the
    /// next keyframe: newcomers then wait for it).
    pub(super) fn push(&mut self, tag: &SharedTag, max_bytes: usize, max_tags: usize) {
        let t = &tag.tag;
        if t.header {
            let slot = match t.kind {
                TagKind::Script => &mut self.metadata,
                TagKind::Video => &mut self.video_header,
                TagKind::Audio => &mut self.audio_header,
            };
            if slot.as_ref().map(|s| &s.tag.body) != Some(&t.body) {
                *slot = Some(tag.clone());
                self.generation += 1;
            }
            return;
        }
        if t.kind == TagKind::Video && t.keyframe {
            self.gop.clear();
            self.gop_bytes = 0;
        } else if self.gop.is_empty() {
            return;
        }
        self.gop_bytes += tag.len();
        self.gop.push(tag.clone());
        if self.gop_bytes > max_bytes || self.gop.len() > max_tags {
            self.gop.clear();
            self.gop_bytes = 0;
        }
    }

    /// The GOP cache: a keyframe first, or empty.
    pub(super) fn gop(&self) -> &[SharedTag] {
        &self.gop
    }

    /// The FLV file header, flagging the tracks whose headers are known.
    pub(super) fn file_header(&self) -> Bytes {
        const BOTH: [u8; 13] = file_header(true, true);
        const VIDEO: [u8; 13] = file_header(false, true);
        const AUDIO: [u8; 13] = file_header(true, false);
        match (self.audio_header.is_some(), self.video_header.is_some()) {
            (true, false) => Bytes::from_static(&AUDIO),
            (false, true) => Bytes::from_static(&VIDEO),
            _ => Bytes::from_static(&BOTH),
        }
    }

    /// Metadata, then the video and audio sequence headers, stamped `ts`
    /// (the keyframe a viewer starts at, so its timestamps never go back).
    pub(super) fn headers_at(&mut self, ts: u32) -> Vec<Bytes> {
        if let Some((at, generation, wire)) = &self.headers_at {
            if *at == ts && *generation == self.generation {
                return wire.clone();
            }
        }
        let wire: Vec<Bytes> = [&self.metadata, &self.video_header, &self.audio_header]
            .into_iter()
            .flatten()
            .map(|h| SharedTag::new(h.tag.at(ts)).wire)
            .collect();
        self.headers_at = Some((ts, self.generation, wire.clone()));
        wire
    }
}

/// True for a video keyframe that is a picture (not a sequence header):
/// where a viewer may start.
pub(super) fn starts_gop(tag: &FlvTag) -> bool {
    tag.kind == TagKind::Video && tag.keyframe && !tag.header
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_never_go_back_across_publishers() {
        let mut c = Clock::default();
        assert_eq!(c.stamp(5_000), 5_000, "the first publisher's time is kept");
        assert_eq!(c.stamp(5_040), 5_040);
        assert_eq!(c.stamp(5_030), 5_040, "jitter is clamped");
        c.restart();
        assert_eq!(c.stamp(0), 5_040, "a new publisher continues");
        assert_eq!(c.stamp(40), 5_080);
        assert_eq!(c.stamp(10), 5_080, "small jumps back clamp");
        assert_eq!(c.stamp(90_000), 95_040, "forward jumps are kept");
        assert_eq!(
            c.stamp(0),
            95_040,
            "a clock restarted mid-stream is rebased"
        );
        assert_eq!(c.stamp(40), 95_080);
    }
}
