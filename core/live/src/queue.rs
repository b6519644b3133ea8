//! The send queue between the encoders and a slow uplink, and its drop policy.
//! Sans-I/O: the caller passes the time in.
//!
//! Latency is bounded by dropping, never by blocking the camera:
//! 1. video goes before audio (a stutter is better than silence);
//! 2. first the oldest non-key pictures, each taking the rest of its GOP with it
//!    (a P picture whose reference is gone would decode as garbage), and the
//!    encoder is asked for a fresh keyframe;
//! 3. then whole GOPs, oldest first;
//! 4. audio only past a hard bound (1.5x the delay bound) with no video left.
//!
//! Over the delay bound, one video unit is dropped per push (the queue keeps
//! draining meanwhile); over the byte bound, as much as needed.
//!
//! Headers (metadata, sequence headers) are never dropped.

use crate::flv::{FlvTag, TagKind};
use std::collections::VecDeque;

#[derive(Debug)]
struct Entry {
    tag: FlvTag,
    queued_at_ms: u64,
}

/// Why and what was dropped, counted since the queue was made.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DropCounts {
    /// Video pictures dropped.
    pub video: u64,
    /// Audio frames dropped.
    pub audio: u64,
}

/// A bounded queue of tags waiting for the network.
#[derive(Debug)]
pub struct SendQueue {
    entries: VecDeque<Entry>,
    bytes: usize,
    max_delay_ms: u64,
    max_bytes: usize,
    dropped: DropCounts,
    /// Drop incoming inter pictures until the next keyframe (their reference is gone).
    skip_until_key: bool,
    keyframe_wanted: bool,
}

impl SendQueue {
    /// A queue holding at most `max_delay_ms` of waiting time and `max_bytes`.
    pub fn new(max_delay_ms: u64, max_bytes: usize) -> SendQueue {
        SendQueue {
            entries: VecDeque::new(),
            bytes: 0,
            max_delay_ms,
            max_bytes,
            dropped: DropCounts::default(),
            skip_until_key: false,
            keyframe_wanted: false,
        }
    }

    /// Tags waiting.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes waiting.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// What was dropped so far.
    pub fn dropped(&self) -> DropCounts {
        self.dropped
    }

    /// How long the oldest waiting tag has waited.
    pub fn delay_ms(&self, now_ms: u64) -> u64 {
        self.entries
            .front()
            .map_or(0, |e| now_ms.saturating_sub(e.queued_at_ms))
    }

    /// True once after pictures were dropped: the encoder should make a keyframe.
    pub fn take_keyframe_request(&mut self) -> bool {
        std::mem::take(&mut self.keyframe_wanted)
    }

    /// Adds a tag, then drops what the policy says to keep within bounds.
    pub fn push(&mut self, tag: FlvTag, now_ms: u64) {
        if tag.kind == TagKind::Video && !tag.header {
            if tag.keyframe {
                self.skip_until_key = false;
            } else if self.skip_until_key {
                self.dropped.video += 1;
                return;
            }
        }
        self.bytes += tag.body.len();
        self.entries.push_back(Entry {
            tag,
            queued_at_ms: now_ms,
        });
        self.enforce(now_ms);
    }

    /// Applies the drop policy with no new tag (call it periodically, so that the
    /// bound holds even while nothing is captured).
    pub fn expire(&mut self, now_ms: u64) {
        self.enforce(now_ms);
    }

    /// The next tag to send.
    pub fn pop(&mut self) -> Option<FlvTag> {
        let e = self.entries.pop_front()?;
        self.bytes -= e.tag.body.len();
        Some(e.tag)
    }

    /// After a reconnect: the ingest needs a keyframe before any inter picture,
    /// so inter pictures up to the first queued keyframe are dropped.
    pub fn restart_at_keyframe(&mut self) {
        let mut i = 0;
        let mut found_key = false;
        while i < self.entries.len() {
            let t = &self.entries[i].tag;
            if t.kind == TagKind::Video && !t.header {
                if t.keyframe {
                    found_key = true;
                    break;
                }
                self.remove(i);
                continue;
            }
            i += 1;
        }
        if !found_key {
            self.skip_until_key = true;
            self.keyframe_wanted = true;
        }
    }

    fn remove(&mut self, i: usize) {
        if let Some(e) = self.entries.remove(i) {
            self.bytes -= e.tag.body.len();
            match e.tag.kind {
                TagKind::Video => self.dropped.video += 1,
                TagKind::Audio => self.dropped.audio += 1,
                TagKind::Script => {}
            }
        }
    }

    fn is_droppable_video(t: &FlvTag) -> bool {
        t.kind == TagKind::Video && !t.header
    }

    fn enforce(&mut self, now_ms: u64) {
        while self.bytes > self.max_bytes && self.drop_one_video() {}
        if self.delay_ms(now_ms) > self.max_delay_ms {
            // one step per push: the queue keeps draining meanwhile
            self.drop_one_video();
        }
        // audio only past the hard bound (1.5x), when no video was left to drop
        while (self.delay_ms(now_ms) > self.max_delay_ms.saturating_mul(3) / 2
            || self.bytes > self.max_bytes)
            && !self.drop_one_video()
        {
            let Some(i) = self
                .entries
                .iter()
                .position(|e| e.tag.kind == TagKind::Audio && !e.tag.header)
            else {
                break;
            };
            self.remove(i);
        }
    }

    /// Drops the oldest inter picture with the rest of its GOP, or else the
    /// oldest keyframe (a whole GOP, since its inter pictures went first).
    fn drop_one_video(&mut self) -> bool {
        if let Some(start) = self
            .entries
            .iter()
            .position(|e| Self::is_droppable_video(&e.tag) && !e.tag.keyframe)
        {
            let mut i = start;
            let mut reached_key = false;
            while i < self.entries.len() {
                let t = &self.entries[i].tag;
                if Self::is_droppable_video(t) {
                    if t.keyframe {
                        reached_key = true;
                        break;
                    }
                    self.remove(i);
                } else {
                    i += 1;
                }
            }
            if !reached_key {
                self.skip_until_key = true;
            }
            self.keyframe_wanted = true;
            return true;
        }
        if let Some(i) = self
            .entries
            .iter()
            .position(|e| Self::is_droppable_video(&e.tag))
        {
            self.remove(i);
            self.skip_until_key = true;
            self.keyframe_wanted = true;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn tag(kind: TagKind, ts: u32, key: bool, len: usize) -> FlvTag {
        FlvTag {
            kind,
            timestamp_ms: ts,
            body: Bytes::from(vec![0u8; len]),
            keyframe: key,
            header: false,
        }
    }

    fn kinds(q: &mut SendQueue) -> Vec<(char, u32)> {
        std::iter::from_fn(|| q.pop())
            .map(|t| {
                let c = match (t.kind, t.keyframe, t.header) {
                    (_, _, true) => 'H',
                    (TagKind::Video, true, _) => 'K',
                    (TagKind::Video, false, _) => 'P',
                    _ => 'A',
                };
                (c, t.timestamp_ms)
            })
            .collect()
    }

    #[test]
    fn under_the_bounds_nothing_is_dropped() {
        let mut q = SendQueue::new(1000, 1 << 20);
        for i in 0..10 {
            q.push(tag(TagKind::Video, i * 33, i == 0, 100), i as u64 * 33);
            q.push(tag(TagKind::Audio, i * 33, false, 10), i as u64 * 33);
        }
        assert_eq!(q.len(), 20);
        assert_eq!(q.dropped(), DropCounts::default());
        assert_eq!(q.bytes(), 1100);
    }

    #[test]
    fn a_slow_link_loses_video_not_audio_and_what_is_sent_still_decodes() {
        let mut q = SendQueue::new(500, 1 << 20);
        let mut sent = Vec::new();
        let mut budget = 0i64;
        for i in 0..400u32 {
            let now = i as u64 * 50;
            if i % 2 == 0 {
                // picture number i/2, a keyframe every 10; the timestamp is its number
                let n = i / 2;
                let key = n % 10 == 0 || q.take_keyframe_request();
                q.push(tag(TagKind::Video, n, key, 1000), now);
            }
            q.push(tag(TagKind::Audio, 100_000 + i, false, 10), now);
            // the link carries 300 bytes per 50 ms: 60% of the video
            budget += 300;
            while budget > 0 {
                let Some(t) = q.pop() else { break };
                budget -= t.body.len() as i64;
                sent.push(t);
            }
            assert!(q.delay_ms(now) <= 750);
        }
        let d = q.dropped();
        assert!(d.video > 50, "{d:?}");
        assert_eq!(d.audio, 0);
        let video: Vec<&FlvTag> = sent.iter().filter(|t| t.kind == TagKind::Video).collect();
        assert!(video[0].keyframe);
        for w in video.windows(2) {
            if !w[1].keyframe {
                assert_eq!(
                    w[1].timestamp_ms,
                    w[0].timestamp_ms + 1,
                    "a P picture lost its reference"
                );
            }
        }
    }

    #[test]
    fn delay_is_bounded_by_dropping_gops_then_audio() {
        let mut q = SendQueue::new(2000, 1 << 30);
        for i in 0..300u32 {
            let now = i as u64 * 33;
            q.push(tag(TagKind::Video, i * 33, i % 30 == 0, 3000), now);
            q.push(tag(TagKind::Audio, i * 33, false, 300), now);
            assert!(q.delay_ms(now) <= 3000, "at {now}: {}", q.delay_ms(now));
        }
        let d = q.dropped();
        assert!(d.video > 200, "{d:?}");
        assert!(d.audio > 0);
    }

    #[test]
    fn reconnect_waits_for_a_keyframe() {
        let mut q = SendQueue::new(10_000, 1 << 20);
        q.push(tag(TagKind::Video, 0, false, 10), 0);
        q.push(tag(TagKind::Audio, 0, false, 10), 0);
        q.push(tag(TagKind::Video, 33, false, 10), 0);
        q.restart_at_keyframe();
        assert!(q.take_keyframe_request());
        q.push(tag(TagKind::Video, 66, false, 10), 0);
        q.push(tag(TagKind::Video, 99, true, 10), 0);
        assert_eq!(kinds(&mut q), vec![('A', 0), ('K', 99)]);
    }

    #[test]
    fn byte_bound_is_kept() {
        let mut q = SendQueue::new(u64::MAX, 10_000);
        for i in 0..100u32 {
            q.push(tag(TagKind::Video, i, i % 10 == 0, 1000), 0);
            assert!(q.bytes() <= 10_000);
        }
    }
}
