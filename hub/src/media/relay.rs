//! The relay of one room, sans I/O: a publisher's FLV tags in, each viewer's
//! bytes out. No sockets, no clock (the caller passes `now`), no locks.
//!
//! - Each tag is encoded once ([`SharedTag`]); every viewer's queue holds
//!   references to the same bytes.
//! - The sequence headers and metadata go first to every new viewer, then
//!   the GOP cache (everything since the last keyframe), so a newcomer
//!   starts decoding at once.
//! - Each viewer's queue is bounded in bytes, tags and media time. A viewer
//!   past a bound loses its queue and waits for the next keyframe (never
//!   resuming mid-GOP), gets the headers again if they changed meanwhile,
//!   and its timestamps never go back.
//! - A viewer that took nothing for [`RelayLimits::stall`] while data
//!   waited is dropped: its queue is freed and its stream ends.
//! - The publisher never waits: [`Relay::push`] only queues references.
//! - Sinks ([`TagSink`]) see every tag in order and are never dropped:
//!   where a segmenter or a recorder attaches.

use super::stream::{Clock, Stream, starts_gop};
use super::viewer::{Phase, Viewer};
use bytes::Bytes;
use farmlive_media::flv::{FlvTag, SharedTag};
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub use super::viewer::End;

/// The bounds of a relay. The queue bounds count references to shared
/// bytes, so they bound each viewer's lag rather than memory per viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayLimits {
    /// Bytes a viewer may have queued.
    pub queue_bytes: usize,
    /// Tags a viewer may have queued.
    pub queue_tags: usize,
    /// Media time a viewer's queue may span (ms).
    pub queue_ms: u32,
    /// Bytes the GOP cache may hold (a longer GOP is not cached; newcomers
    /// then wait for the next keyframe).
    pub gop_bytes: usize,
    /// Tags the GOP cache may hold.
    pub gop_tags: usize,
    /// How long a viewer may leave queued data untaken before it is dropped.
    pub stall: Duration,
}

impl Default for RelayLimits {
    fn default() -> Self {
        RelayLimits {
            queue_bytes: 8 << 20,
            queue_tags: 1_024,
            queue_ms: 5_000,
            gop_bytes: 6 << 20,
            gop_tags: 768,
            stall: Duration::from_secs(5),
        }
    }
}

/// A consumer of a room's tags that is never dropped for slowness (an HLS
/// segmenter, a recorder). It runs on the publisher's task: it must not
/// block (hand slow work, such as file writes, to a channel).
pub trait TagSink: Send {
    /// One tag, in order: headers included, timestamps monotonic (already
    /// rebased across publishers).
    fn tag(&mut self, tag: &FlvTag);
    /// A new publisher took over: new sequence headers follow.
    fn publisher_changed(&mut self) {}
    /// The room's stream is over.
    fn close(&mut self) {}
}

/// A viewer of a relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ViewerId(u64);

/// What a viewer gets when it asks for more.
#[derive(Debug, PartialEq, Eq)]
pub enum Take {
    /// Bytes to send, in order.
    Data(Vec<Bytes>),
    /// Nothing yet: wait for the next push.
    Wait,
    /// The viewer's stream is over.
    End(End),
}

/// A viewer's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewerStats {
    /// Times it fell behind and skipped to a keyframe.
    pub skips: u64,
    /// Tags queued now.
    pub queued_tags: usize,
    /// Bytes queued now.
    pub queued_bytes: usize,
}

/// One room's relay.
pub struct Relay {
    limits: RelayLimits,
    clock: Clock,
    stream: Stream,
    viewers: HashMap<ViewerId, Viewer>,
    next_viewer: u64,
    sinks: Vec<Box<dyn TagSink>>,
    closed: bool,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("viewers", &self.viewers.len())
            .field("sinks", &self.sinks.len())
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

impl Relay {
    /// An empty relay.
    pub fn new(limits: RelayLimits) -> Relay {
        Relay {
            limits,
            clock: Clock::default(),
            stream: Stream::default(),
            viewers: HashMap::new(),
            next_viewer: 0,
            sinks: Vec::new(),
            closed: false,
        }
    }

    /// A (new) publisher starts: its timestamps continue from the last
    /// ones out, its headers replace the old ones, and every viewer waits
    /// for its first keyframe.
    pub fn publisher_started(&mut self) {
        self.clock.restart();
        self.stream.reset();
        for v in self.viewers.values_mut() {
            if v.phase == Phase::Live {
                v.phase = Phase::Skipping;
            }
        }
        for sink in &mut self.sinks {
            sink.publisher_changed();
        }
    }

    /// Attaches a consumer that sees every later tag.
    pub fn add_sink(&mut self, sink: Box<dyn TagSink>) {
        self.sinks.push(sink);
    }

    /// One tag from the publisher. Returns the viewers dropped for stalling.
    /// Never waits; ignored once the relay is closed.
    pub fn push(&mut self, tag: FlvTag, now: Instant) -> Vec<ViewerId> {
        if self.closed {
            return Vec::new();
        }
        let ts = if tag.header {
            self.clock.last()
        } else {
            self.clock.stamp(tag.timestamp_ms)
        };
        let shared = SharedTag::new(tag.at(ts));
        for sink in &mut self.sinks {
            sink.tag(&shared.tag);
        }
        let limits = &self.limits;
        self.stream.push(&shared, limits.gop_bytes, limits.gop_tags);
        let generation = self.stream.generation();
        let mut stalled = Vec::new();
        for (id, v) in &mut self.viewers {
            if v.end.is_some() {
                continue;
            }
            if v.stalled(now, limits.stall) {
                v.clear();
                v.end = Some(End::Stalled);
                stalled.push(*id);
                continue;
            }
            match v.phase {
                Phase::Live => {
                    v.push(shared.wire.clone(), ts, now);
                    if shared.tag.header {
                        v.generation = generation;
                    }
                    if v.over(limits.queue_bytes, limits.queue_tags, limits.queue_ms) {
                        v.skip();
                    }
                }
                Phase::Start | Phase::Skipping if starts_gop(&shared.tag) => {
                    if v.phase == Phase::Start {
                        v.push(self.stream.file_header(), ts, now);
                    }
                    if v.phase == Phase::Start || v.generation != generation {
                        for h in self.stream.headers_at(ts) {
                            v.push(h, ts, now);
                        }
                        v.generation = generation;
                    }
                    v.push(shared.wire.clone(), ts, now);
                    v.phase = Phase::Live;
                }
                Phase::Start | Phase::Skipping => {}
            }
        }
        stalled
    }

    /// A new viewer: it starts with the FLV header, the headers and the GOP
    /// cache if a keyframe is cached, else at the next keyframe.
    pub fn add_viewer(&mut self, now: Instant) -> ViewerId {
        let id = ViewerId(self.next_viewer);
        self.next_viewer += 1;
        let mut v = Viewer::new();
        if self.closed {
            v.end = Some(End::Closed);
        } else if let Some(first) = self.stream.gop().first() {
            let ts = first.tag.timestamp_ms;
            v.push(self.stream.file_header(), ts, now);
            for h in self.stream.headers_at(ts) {
                v.push(h, ts, now);
            }
            for t in self.stream.gop() {
                v.push(t.wire.clone(), t.tag.timestamp_ms, now);
            }
            v.generation = self.stream.generation();
            v.phase = Phase::Live;
        }
        self.viewers.insert(id, v);
        id
    }

    /// What `id` may send now: everything queued. Taking counts as progress.
    pub fn take(&mut self, id: ViewerId) -> Take {
        self.take_upto(id, usize::MAX)
    }

    /// What `id` may send now, whole tags up to `max_bytes` (at least one).
    /// The rest stays queued, under the relay's bounds: a driver that takes
    /// only what its socket can soon send keeps a slow viewer's backlog
    /// here, where a skip to the next keyframe can drop it, rather than in
    /// write buffers no bound sees. Taking counts as progress.
    pub fn take_upto(&mut self, id: ViewerId, max_bytes: usize) -> Take {
        let Some(v) = self.viewers.get_mut(&id) else {
            return Take::End(End::Gone);
        };
        let data = v.take(max_bytes);
        if !data.is_empty() {
            Take::Data(data)
        } else if let Some(end) = v.end {
            Take::End(end)
        } else {
            Take::Wait
        }
    }

    /// The viewer left (its connection closed).
    pub fn remove_viewer(&mut self, id: ViewerId) {
        self.viewers.remove(&id);
    }

    /// Viewers connected (stalled ones until they are removed).
    pub fn viewer_count(&self) -> usize {
        self.viewers.values().filter(|v| v.end.is_none()).count()
    }

    /// A viewer's figures.
    pub fn viewer_stats(&self, id: ViewerId) -> Option<ViewerStats> {
        self.viewers.get(&id).map(|v| {
            let (queued_tags, queued_bytes) = v.queued();
            ViewerStats {
                skips: v.skips,
                queued_tags,
                queued_bytes,
            }
        })
    }

    /// The stream is over: viewers get what is queued, then the end; sinks
    /// are closed.
    pub fn close(&mut self) {
        if self.closed {
            return;
        }
        self.closed = true;
        for v in self.viewers.values_mut() {
            v.end.get_or_insert(End::Closed);
        }
        for sink in &mut self.sinks {
            sink.close();
        }
    }

    /// True once closed.
    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

#[cfg(test)]
#[path = "relay_tests.rs"]
mod tests;
