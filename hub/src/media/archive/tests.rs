//! The copier against a store in memory that can be taken down: what a
//! show's recording leaves in it, an outage, a show recorded in two parts
//! by two processes, and a restart with a replay not yet copied. (The
//! same against a real S3 server, with hub processes: `tests/tests/e2e/
//! recordings_s3.rs`.)

#![allow(clippy::unwrap_used)]

use super::*;
use crate::error::{HubError, Result};
use crate::media::hls_writer::tests::made_up;
use crate::media::hls_writer::{HlsOptions, HlsWriter, room_dir};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Recordings in memory; `down` makes every call fail as an outage would.
#[derive(Debug, Default)]
struct Memory {
    files: Mutex<BTreeMap<(RoomId, String), Vec<u8>>>,
    down: AtomicBool,
}

impl Memory {
    fn check(&self) -> Result<()> {
        if self.down.load(Ordering::SeqCst) {
            Err(HubError::Io("storage is down".into()))
        } else {
            Ok(())
        }
    }

    fn file(&self, room: RoomId, name: &str) -> Option<Vec<u8>> {
        self.files
            .lock()
            .unwrap()
            .get(&(room, name.to_owned()))
            .cloned()
    }

    fn count(&self, room: RoomId) -> usize {
        self.names(room).map(|n| n.len()).unwrap_or(0)
    }
}

impl RecordingStore for Memory {
    fn put(&self, room: RoomId, name: &str, bytes: &[u8]) -> Result<()> {
        self.check()?;
        self.files
            .lock()
            .unwrap()
            .insert((room, name.to_owned()), bytes.to_vec());
        Ok(())
    }

    fn get(&self, room: RoomId, name: &str) -> Result<Vec<u8>> {
        self.check()?;
        self.file(room, name)
            .ok_or(HubError::NotFound("no such video"))
    }

    fn names(&self, room: RoomId) -> Result<Vec<String>> {
        self.check()?;
        let files = self.files.lock().unwrap();
        Ok(files
            .keys()
            .filter(|(r, _)| *r == room)
            .map(|(_, n)| n.clone())
            .collect())
    }
}

fn options() -> HlsOptions {
    HlsOptions {
        live_window: 3,
        ..HlsOptions::default()
    }
}

/// Waits up to 10 s for `done`.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let until = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < until, "never: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Records `seconds` of made-up video of `room` under `root`, copying
/// into `archive`; the segments recorded.
fn record(root: &Path, room: RoomId, archive: &Archive, from: u32, seconds: u32) -> Vec<u64> {
    let mut writer = HlsWriter::open_with(root, room, options(), Some(archive.clone())).unwrap();
    for tag in made_up(from, seconds) {
        writer.push(&tag).unwrap();
    }
    writer.finish().unwrap();
    segments_in(&room_dir(root, room))
}

/// The segments in `dir`, in order (all recorded: no test reaches the cap).
fn segments_in(dir: &Path) -> Vec<u64> {
    let mut out: Vec<u64> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| parse_segment_name(e.unwrap().file_name().to_str()?))
        .collect();
    out.sort_unstable();
    out
}

fn replay_of(text: &[u8]) -> Vec<u64> {
    parse_playlist(std::str::from_utf8(text).unwrap())
        .unwrap()
        .iter()
        .map(|s| s.sequence)
        .collect()
}

#[test]
fn a_recording_is_copied_segments_first_then_its_replay_and_marked() {
    let root = tempfile::tempdir().unwrap();
    let store = Arc::new(Memory::default());
    let archive = Archive::start(store.clone(), root.path(), 1_000);
    let room = RoomId::new();
    let recorded = record(root.path(), room, &archive, 0, 6);
    assert!(recorded.len() >= 5, "{recorded:?}");
    let dir = room_dir(root.path(), room);
    eventually("the replay is stored and marked", || {
        dir.join(ARCHIVED).exists()
    });
    for sequence in &recorded {
        let name = segment_name(*sequence);
        assert_eq!(
            store.file(room, &name),
            Some(std::fs::read(dir.join(&name)).unwrap()),
            "{name}"
        );
    }
    let stored = store.file(room, REPLAY_PLAYLIST).unwrap();
    assert_eq!(replay_of(&stored), recorded);
    assert_eq!(std::fs::read(dir.join(ARCHIVED)).unwrap(), stored);
    assert_eq!(std::fs::read(dir.join(REPLAY_PLAYLIST)).unwrap(), stored);
    // Only the recording went: no live playlist, index or temporary file.
    assert_eq!(store.count(room), recorded.len() + 1);
}

#[test]
fn an_outage_loses_nothing_the_copies_are_tried_again() {
    let root = tempfile::tempdir().unwrap();
    let store = Arc::new(Memory::default());
    store.down.store(true, Ordering::SeqCst);
    let archive =
        Archive::start_retrying(store.clone(), root.path(), 1_000, Duration::from_millis(50));
    let room = RoomId::new();
    let recorded = record(root.path(), room, &archive, 0, 4);
    std::thread::sleep(Duration::from_millis(200));
    assert!(store.files.lock().unwrap().is_empty());
    let dir = room_dir(root.path(), room);
    assert!(!dir.join(ARCHIVED).exists(), "not marked while not copied");
    store.down.store(false, Ordering::SeqCst);
    eventually("the replay is stored once storage is back", || {
        store.file(room, REPLAY_PLAYLIST).is_some()
    });
    assert_eq!(
        replay_of(&store.file(room, REPLAY_PLAYLIST).unwrap()),
        recorded
    );
    assert_eq!(store.count(room), recorded.len() + 1);
}

#[test]
fn a_show_recorded_in_two_parts_replays_whole_from_either() {
    let store = Arc::new(Memory::default());
    let room = RoomId::new();
    // Process A records the first part in its folder.
    let a_root = tempfile::tempdir().unwrap();
    let a = Archive::start(store.clone(), a_root.path(), 1_000);
    let first = record(a_root.path(), room, &a, 0, 4);
    eventually("A's part is stored and marked", || {
        room_dir(a_root.path(), room).join(ARCHIVED).exists()
    });
    // The phone reconnects through B, whose folder is empty: B numbers
    // past A's part, leaving room for A's last segments.
    let b_root = tempfile::tempdir().unwrap();
    let b = Archive::start(store.clone(), b_root.path(), 1_000);
    let top = *first.last().unwrap();
    assert_eq!(b.first_sequence(room), top + 1 + PART_GAP);
    let second = record(b_root.path(), room, &b, 0, 3);
    assert_eq!(second[0], top + 1 + PART_GAP);
    let b_dir = room_dir(b_root.path(), room);
    eventually("B's part is merged in and marked", || {
        b_dir.join(ARCHIVED).exists()
    });
    let stored = store.file(room, REPLAY_PLAYLIST).unwrap();
    assert_eq!(replay_of(&stored), [first, second].concat());
    let text = String::from_utf8(stored.clone()).unwrap();
    assert_eq!(text.matches("#EXT-X-DISCONTINUITY").count(), 1, "{text}");
    // B serves the whole show itself too.
    let b_replay = std::fs::read(b_dir.join(REPLAY_PLAYLIST)).unwrap();
    assert_eq!(b_replay, stored);
    // A room the store has nothing of starts at 0.
    assert_eq!(b.first_sequence(RoomId::new()), 0);
}

#[test]
fn a_restarted_process_copies_the_replays_not_marked_copied() {
    let root = tempfile::tempdir().unwrap();
    let room = RoomId::new();
    // Recorded by a hub with no archive (or one that stopped before copying).
    let mut writer = HlsWriter::open(root.path(), room, options()).unwrap();
    for tag in made_up(0, 3) {
        writer.push(&tag).unwrap();
    }
    writer.finish().unwrap();
    let recorded = segments_in(&room_dir(root.path(), room));
    let store = Arc::new(Memory::default());
    let _archive = Archive::start(store.clone(), root.path(), 1_000);
    eventually("the old replay is stored and marked", || {
        room_dir(root.path(), room).join(ARCHIVED).exists()
    });
    assert_eq!(
        replay_of(&store.file(room, REPLAY_PLAYLIST).unwrap()),
        recorded
    );
    // Marked: the next start leaves it alone.
    assert!(unarchived(root.path()).is_empty());
}
