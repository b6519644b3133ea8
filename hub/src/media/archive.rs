//! Show recordings copied into shared storage ([`RecordingStore`], S3 with
//! `--objects`), so that the replay a process recorded plays from every
//! process, and outlives the disk it was written to.
//!
//! The room's [`HlsWriter`](super::hls_writer::HlsWriter) tells the
//! [`Archive`] of each segment it records and of each replay playlist it
//! writes; one thread per hub copies them, so neither the publisher nor
//! the writer ever waits on the network:
//! - a recorded segment is copied as soon as it is written;
//! - a replay playlist is copied last, after every segment it lists that
//!   is on this disk. It is merged with the one already stored, because a
//!   show whose phone reconnected through another process was recorded in
//!   parts, one per process; the merge lists every part's segments in
//!   order, with a discontinuity between parts. The merged playlist also
//!   replaces the local one, so this process serves the whole show too.
//!
//! Nothing is lost to an outage: a copy that fails is tried again every
//! [`RETRY_EVERY`], and the local files stay. A replay is known copied by
//! `archived.m3u8` beside it, equal to what was stored; a process that
//! restarts copies every replay without it again.
//!
//! Segment numbers: a writer that starts a room's recording on an empty
//! folder while the store already holds segments of that room (the show
//! moved here) numbers its own from [`PART_GAP`] past the highest stored
//! one, so that the part of the other process, which may still be
//! finishing its last segment, is never overwritten.

use super::hls_files::{REPLAY_PLAYLIST, write_private};
use crate::store::objects::RecordingStore;
use farmlive_media::hls::{
    merge_recordings, parse_playlist, parse_segment_name, segment_name, vod_playlist,
};
use farmlive_protocol::RoomId;
use std::collections::{BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

/// The marker of a replay copied as it is: the playlist that was stored.
pub const ARCHIVED: &str = "archived.m3u8";
/// How often copies that failed are tried again.
pub const RETRY_EVERY: Duration = Duration::from_secs(10);
/// How far past the stored segments a new part's numbers start.
pub const PART_GAP: u64 = 1_000;

/// What the copying thread is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Job {
    /// Copy the recorded segment `sequence` of `room` from `dir`.
    Segment {
        room: RoomId,
        dir: PathBuf,
        sequence: u64,
    },
    /// Copy `room`'s replay playlist in `dir` (and any segment it lists
    /// not yet copied), merged with the stored one.
    Replay { room: RoomId, dir: PathBuf },
}

/// A handle on the hub's recording copier; cheap to clone.
#[derive(Debug, Clone)]
pub struct Archive {
    store: Arc<dyn RecordingStore>,
    jobs: Sender<Job>,
    target_ms: u64,
}

impl Archive {
    /// Starts the copier into `store`, and queues every replay under
    /// `root` (the rooms' HLS folders) not known to be copied as it is.
    /// `target_ms` is the segmenter's target, for merged playlists.
    pub fn start(store: Arc<dyn RecordingStore>, root: &Path, target_ms: u64) -> Archive {
        Archive::start_retrying(store, root, target_ms, RETRY_EVERY)
    }

    /// [`Archive::start`], trying failed copies again every `retry_every`.
    pub(crate) fn start_retrying(
        store: Arc<dyn RecordingStore>,
        root: &Path,
        target_ms: u64,
        retry_every: Duration,
    ) -> Archive {
        let (jobs, rx) = channel();
        let archive = Archive {
            store: store.clone(),
            jobs,
            target_ms,
        };
        for (room, dir) in unarchived(root) {
            archive.send(Job::Replay { room, dir });
        }
        let spawned = std::thread::Builder::new()
            .name("hls-archive".into())
            .spawn(move || Copier::new(store, target_ms).run(rx, retry_every));
        if let Err(e) = spawned {
            tracing::error!(target: "farmlive::hub", "cannot start the recording copier: {e}");
        }
        archive
    }

    /// The store recordings are copied into (the HLS routes read it).
    pub fn store(&self) -> &Arc<dyn RecordingStore> {
        &self.store
    }

    /// `room`'s recorded segment `sequence`, written in `dir`, is to be copied.
    pub fn segment(&self, room: RoomId, dir: &Path, sequence: u64) {
        self.send(Job::Segment {
            room,
            dir: dir.to_owned(),
            sequence,
        });
    }

    /// `room`'s replay playlist in `dir` was written: copy it.
    pub fn replay(&self, room: RoomId, dir: &Path) {
        self.send(Job::Replay {
            room,
            dir: dir.to_owned(),
        });
    }

    /// Where a writer starting `room`'s recording on an empty folder
    /// numbers its first segment: past what the store holds (see the
    /// module's notes); 0 for a room the store knows nothing of. If the
    /// store cannot say, a number from the clock, far from 0, so that a
    /// show that moved while storage was out still does not collide.
    pub fn first_sequence(&self, room: RoomId) -> u64 {
        match self.store.names(room) {
            Ok(names) => names
                .iter()
                .filter_map(|n| parse_segment_name(n))
                .max()
                .map_or(0, |top| top + 1 + PART_GAP),
            Err(e) => {
                let minute = u64::try_from(crate::store::now_ms()).unwrap_or(0) / 60_000;
                tracing::warn!(target: "farmlive::hub",
                    "room {room}: cannot list its stored recording ({e}); numbering from the clock");
                (minute % 900 + 1) * PART_GAP * 10
            }
        }
    }

    /// The target duration merged playlists are written with.
    pub fn target_ms(&self) -> u64 {
        self.target_ms
    }

    fn send(&self, job: Job) {
        if self.jobs.send(job).is_err() {
            tracing::error!(target: "farmlive::hub", "the recording copier has stopped");
        }
    }
}

/// The rooms under `root` whose replay is not marked copied as it is.
fn unarchived(root: &Path) -> Vec<(RoomId, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let room: RoomId = e.file_name().to_str()?.parse().ok()?;
            let dir = e.path();
            let replay = std::fs::read(dir.join(REPLAY_PLAYLIST)).ok()?;
            let marked = std::fs::read(dir.join(ARCHIVED)).ok();
            (marked.as_deref() != Some(&replay[..])).then_some((room, dir))
        })
        .collect()
}

/// The copying thread's state: what it copied since it started, and what
/// waits to be tried again.
struct Copier {
    store: Arc<dyn RecordingStore>,
    target_ms: u64,
    copied: BTreeSet<(RoomId, u64)>,
    failed: VecDeque<Job>,
    failures: u64,
}

impl Copier {
    fn new(store: Arc<dyn RecordingStore>, target_ms: u64) -> Copier {
        Copier {
            store,
            target_ms,
            copied: BTreeSet::new(),
            failed: VecDeque::new(),
            failures: 0,
        }
    }

    /// Every job in order until the hub's handles are gone; failed ones
    /// again every `retry_every`.
    fn run(mut self, rx: Receiver<Job>, retry_every: Duration) {
        loop {
            match rx.recv_timeout(retry_every) {
                Ok(job) => self.attempt(job),
                Err(RecvTimeoutError::Timeout) => {
                    for job in std::mem::take(&mut self.failed) {
                        self.attempt(job);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    fn attempt(&mut self, job: Job) {
        let done = match &job {
            Job::Segment {
                room,
                dir,
                sequence,
            } => self.copy_segment(*room, dir, *sequence),
            Job::Replay { room, dir } => self.copy_replay(*room, dir),
        };
        if let Err(e) = done {
            self.failures += 1;
            if self.failures.is_power_of_two() {
                tracing::warn!(target: "farmlive::hub",
                    "recording copy failed, to be tried again: {e} ({} so far)", self.failures);
            }
            if !self.failed.contains(&job) {
                self.failed.push_back(job);
            }
        }
    }

    /// Copies one segment, unless copied already or gone from the disk
    /// (then there is nothing left to copy: a folder removed by hand).
    fn copy_segment(&mut self, room: RoomId, dir: &Path, sequence: u64) -> crate::Result<()> {
        if self.copied.contains(&(room, sequence)) {
            return Ok(());
        }
        let name = segment_name(sequence);
        let bytes = match std::fs::read(dir.join(&name)) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(crate::error::HubError::Io(format!("reading {name}: {e}"))),
        };
        self.store.put(room, &name, &bytes)?;
        self.copied.insert((room, sequence));
        Ok(())
    }

    /// Copies the replay's segments still to copy, then the replay merged
    /// with the stored one; writes the merge here too, and marks it.
    fn copy_replay(&mut self, room: RoomId, dir: &Path) -> crate::Result<()> {
        let Ok(text) = std::fs::read_to_string(dir.join(REPLAY_PLAYLIST)) else {
            return Ok(());
        };
        let Some(local) = parse_playlist(&text) else {
            tracing::error!(target: "farmlive::hub",
                "room {room}: its replay playlist is not one the hub wrote; not copied");
            return Ok(());
        };
        for segment in &local {
            self.copy_segment(room, dir, segment.sequence)?;
        }
        let stored = match self.store.get(room, REPLAY_PLAYLIST) {
            Ok(bytes) => String::from_utf8(bytes)
                .ok()
                .and_then(|t| parse_playlist(&t))
                .unwrap_or_default(),
            Err(crate::error::HubError::NotFound(_)) => Vec::new(),
            Err(e) => return Err(e),
        };
        let merged = vod_playlist(&merge_recordings(&local, &stored), self.target_ms);
        self.store.put(room, REPLAY_PLAYLIST, merged.as_bytes())?;
        write_private(&dir.join(REPLAY_PLAYLIST), merged.as_bytes(), false)?;
        write_private(&dir.join(ARCHIVED), merged.as_bytes(), false)?;
        tracing::info!(target: "farmlive::hub",
            "room {room}: replay copied to shared storage ({} segments)", local.len());
        Ok(())
    }
}

#[cfg(test)]
mod tests;
