//! One viewer's bounded queue of encoded tags. The bytes are shared with
//! every other viewer (each entry is a reference-counted `Bytes`); the
//! bounds limit how far behind the live edge a viewer may fall. Pure.

use bytes::Bytes;
use std::collections::VecDeque;
use std::time::Instant;

/// Where a viewer is in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Joined; nothing sent yet (not even the FLV file header).
    Start,
    /// Receiving every tag.
    Live,
    /// Fell behind (or the publisher changed): waits for the next keyframe.
    Skipping,
}

/// Why a viewer's stream ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The room's stream ended: everything queued was delivered first.
    Closed,
    /// The viewer made no progress for too long and was dropped.
    Stalled,
    /// No such viewer (it left, or never was).
    Gone,
}

/// What a viewer's queue holds, and its history.
#[derive(Debug)]
pub(super) struct Viewer {
    queue: VecDeque<(Bytes, u32)>,
    bytes: usize,
    pub(super) phase: Phase,
    /// The headers' generation this viewer has.
    pub(super) generation: u64,
    /// Since when something has waited in the queue, untaken.
    waiting_since: Option<Instant>,
    pub(super) end: Option<End>,
    /// Times it fell behind and skipped to a keyframe.
    pub(super) skips: u64,
}

impl Viewer {
    pub(super) fn new() -> Viewer {
        Viewer {
            queue: VecDeque::new(),
            bytes: 0,
            phase: Phase::Start,
            generation: 0,
            waiting_since: None,
            end: None,
            skips: 0,
        }
    }

    /// Queues one encoded tag stamped `ts`.
    pub(super) fn push(&mut self, wire: Bytes, ts: u32, now: Instant) {
        // The stall clock starts at the first push after a take (or with
        // an empty queue): what waits has waited since then.
        if self.waiting_since.is_none() {
            self.waiting_since = Some(now);
        }
        self.bytes += wire.len();
        self.queue.push_back((wire, ts));
    }

    /// True if the queue is past any of its bounds.
    pub(super) fn over(&self, max_bytes: usize, max_tags: usize, max_ms: u32) -> bool {
        let span = match (self.queue.front(), self.queue.back()) {
            (Some((_, first)), Some((_, last))) => last.saturating_sub(*first),
            _ => 0,
        };
        self.bytes > max_bytes || self.queue.len() > max_tags || span > max_ms
    }

    /// Drops everything queued: the viewer skips to the next keyframe, and
    /// gets the headers again there (a header may have been in what was
    /// dropped).
    pub(super) fn skip(&mut self) {
        self.clear();
        self.phase = Phase::Skipping;
        self.generation = u64::MAX;
        self.skips += 1;
    }

    pub(super) fn clear(&mut self) {
        self.queue.clear();
        self.bytes = 0;
        self.waiting_since = None;
    }

    /// True if something has waited untaken since before `deadline`.
    pub(super) fn stalled(&self, now: Instant, stall: std::time::Duration) -> bool {
        self.waiting_since
            .is_some_and(|since| now.saturating_duration_since(since) >= stall)
    }

    /// Queued tags in order, whole, up to `max_bytes` (at least one tag, so
    /// a tag larger than that still goes). What stays queued stays within
    /// the bounds, which is what lets them see a slow viewer's backlog.
    pub(super) fn take(&mut self, max_bytes: usize) -> Vec<Bytes> {
        let mut out = Vec::new();
        let mut taken = 0;
        while let Some((wire, _)) = self.queue.front() {
            if !out.is_empty() && taken + wire.len() > max_bytes {
                break;
            }
            taken += wire.len();
            let (wire, _) = self.queue.pop_front().expect("front was there");
            out.push(wire);
        }
        self.bytes -= taken;
        self.waiting_since = None;
        out
    }

    pub(super) fn queued(&self) -> (usize, usize) {
        (self.queue.len(), self.bytes)
    }
}
