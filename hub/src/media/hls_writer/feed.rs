//! [`HlsFeed`]: a room's [`HlsWriter`] on its own thread, fed through a
//! bounded queue. The publisher's task only queues (never waits on the
//! disk); if the disk falls behind and the queue fills, tags are dropped
//! and the writer starts again at the next keyframe.

use super::{HlsOptions, HlsWriter};
use crate::error::{HubError, Result};
use crate::media::archive::Archive;
use farmlive_media::flv::{FlvTag, TagKind};
use farmlive_protocol::RoomId;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

/// What the feed hands its writer.
enum Msg {
    Tag(FlvTag),
    /// Tags were lost or the publisher changed; the latest sequence headers.
    Gap(Vec<FlvTag>),
}

/// A room's HLS writer running on its own thread. Dropping the feed (or
/// [`HlsFeed::close`]) ends the show's HLS: the writer writes what is
/// queued, the last segment and the replay, then stops.
#[derive(Debug)]
pub struct HlsFeed {
    room: RoomId,
    tx: Option<SyncSender<Msg>>,
    /// Tags were dropped since the last one queued: the writer must hear of it.
    lost: bool,
    dropped: u64,
    /// The latest video and audio sequence headers, sent again after a loss.
    headers: Vec<FlvTag>,
    done: Option<tokio::sync::oneshot::Receiver<Result<()>>>,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Msg::Tag(t) => write!(f, "Tag({:?} at {} ms)", t.kind, t.timestamp_ms),
            Msg::Gap(h) => write!(f, "Gap({} headers)", h.len()),
        }
    }
}

impl HlsFeed {
    /// Starts `room`'s writer (folder under `root`, see [`HlsWriter::open`])
    /// on a thread of its own. Opening errors come back from
    /// [`HlsFeed::finish`] (and are logged); tags pushed meanwhile are dropped.
    pub fn start(root: &Path, room: RoomId, options: HlsOptions) -> Result<HlsFeed> {
        HlsFeed::start_with(root, room, options, None)
    }

    /// [`HlsFeed::start`], copying the recording into `archive` (see
    /// [`HlsWriter::open_with`]).
    pub fn start_with(
        root: &Path,
        room: RoomId,
        options: HlsOptions,
        archive: Option<Archive>,
    ) -> Result<HlsFeed> {
        let (tx, rx) = sync_channel(options.queue_tags);
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        let root = root.to_owned();
        std::thread::Builder::new()
            .name("hls-writer".into())
            .spawn(move || {
                let result = run(&root, room, options, archive, rx);
                if let Err(e) = &result {
                    tracing::error!(target: "farmlive::hub", "HLS of room {room} failed: {e}");
                }
                let _ = done_tx.send(result);
            })
            .map_err(|e| HubError::Internal(format!("cannot start an HLS writer: {e}")))?;
        Ok(HlsFeed {
            room,
            tx: Some(tx),
            lost: false,
            dropped: 0,
            headers: Vec::new(),
            done: Some(done_rx),
        })
    }

    /// Queues the room's next tag; never blocks. A full queue drops it.
    pub fn push(&mut self, tag: &FlvTag) {
        if tag.header && tag.kind != TagKind::Script {
            self.headers.retain(|h| h.kind != tag.kind);
            self.headers.push(tag.clone());
        }
        if self.lost {
            if !self.send(Msg::Gap(self.headers.clone())) {
                self.dropped += 1;
                return;
            }
            self.lost = false;
        }
        if !self.send(Msg::Tag(tag.clone())) {
            self.lost = true;
            self.dropped += 1;
            if self.dropped.is_power_of_two() && self.tx.is_some() {
                tracing::warn!(target: "farmlive::hub",
                    "HLS of room {} is behind: {} tags dropped so far", self.room, self.dropped);
            }
        }
    }

    /// A new publisher took over: its segments start fresh at its first keyframe.
    pub fn publisher_changed(&mut self) {
        self.lost = true;
    }

    /// Tags dropped so far (a full queue, or a writer that failed).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Ends the feed without waiting: the writer finishes on its thread.
    pub fn close(&mut self) {
        self.tx = None;
    }

    /// Ends the feed and waits for the writer to write the last segment
    /// and the replay.
    pub async fn finish(mut self) -> Result<()> {
        self.close();
        let done = self
            .done
            .take()
            .ok_or_else(|| HubError::Internal("the HLS writer was already waited for".into()))?;
        done.await
            .map_err(|_| HubError::Internal("the HLS writer stopped".into()))?
    }

    /// Queues `msg`; false if the queue is full or the writer gone.
    fn send(&mut self, msg: Msg) -> bool {
        let Some(tx) = &self.tx else {
            return false;
        };
        match tx.try_send(msg) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => false,
            Err(TrySendError::Disconnected(_)) => {
                self.tx = None;
                false
            }
        }
    }
}

/// The writer thread: every message in order until the feed ends, then finish.
fn run(
    root: &Path,
    room: RoomId,
    options: HlsOptions,
    archive: Option<Archive>,
    rx: Receiver<Msg>,
) -> Result<()> {
    let mut writer = HlsWriter::open_with(root, room, options, archive)?;
    let mut failures = 0u64;
    for msg in rx {
        let written = match msg {
            Msg::Tag(tag) => writer.push(&tag),
            Msg::Gap(headers) => writer.gap(&headers),
        };
        // A full disk loses segments, not the show: the next may fit.
        if let Err(e) = written {
            failures += 1;
            if failures.is_power_of_two() {
                tracing::error!(target: "farmlive::hub", "HLS of room {room}: {e} ({failures} so far)");
            }
        }
    }
    writer.finish()
}
