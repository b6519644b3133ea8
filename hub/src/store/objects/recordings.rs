//! Show recordings beyond one process's disk: the seam the hub's HLS
//! archive writes through and its HLS routes read from, so that a replay
//! recorded by one process plays from every process. Files are named per
//! room (`<room id>/<name>`); which names exist (segments, the replay
//! playlist) is the archive's business (`crate::media::archive`), this
//! seam only keeps them whole.
//!
//! Synchronous, like [`super::ObjectStore`]: callers run it on blocking
//! threads (the archive's own thread, `spawn_blocking` in a route).

use crate::error::{HubError, Result};
use farmlive_protocol::RoomId;

/// Where finished parts of show recordings are kept, by room and name.
pub trait RecordingStore: Send + Sync + std::fmt::Debug {
    /// Stores `bytes` as `room`'s file `name`, whole and durable when this
    /// returns, replacing what was there.
    fn put(&self, room: RoomId, name: &str, bytes: &[u8]) -> Result<()>;
    /// `room`'s file `name`; [`HubError::NotFound`] if it has none.
    fn get(&self, room: RoomId, name: &str) -> Result<Vec<u8>>;
    /// The names of `room`'s files.
    fn names(&self, room: RoomId) -> Result<Vec<String>>;
}

/// Whether `name` may name a recording's file: lower-case letters, digits
/// and dots, not starting with a dot, so it is one path segment and no
/// hidden or temporary file.
pub fn is_recording_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.')
}

/// Refuses a name [`is_recording_name`] does not allow (a caller's bug).
pub(super) fn check_name(name: &str) -> Result<()> {
    if is_recording_name(name) {
        Ok(())
    } else {
        Err(HubError::Internal(format!(
            "not a recording's file name: {name:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_file_names_name_a_recording_file() {
        for ok in ["seg000001.ts", "replay.m3u8"] {
            assert!(is_recording_name(ok), "{ok}");
        }
        for bad in ["", ".replay.m3u8.tmp", "../x", "a/b", "Seg1.ts", "x y"] {
            assert!(!is_recording_name(bad), "{bad}");
        }
    }
}
