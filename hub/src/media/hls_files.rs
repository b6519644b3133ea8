//! The files of the rooms' HLS folders, below both the writer and the
//! archive: the folders' names and places, the playlists' names, and
//! private writes (folders 0700, files 0600, whole or not at all).

use crate::error::{HubError, Result};
use farmlive_protocol::RoomId;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The live playlist's file name.
pub const LIVE_PLAYLIST: &str = "live.m3u8";
/// The replay playlist's file name.
pub const REPLAY_PLAYLIST: &str = "replay.m3u8";
/// `<db>.live`: where the rooms' HLS folders live, beside the database.
pub fn live_root(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".live");
    PathBuf::from(p)
}

/// The folder of `room`'s playlists and segments under `root`. The name is
/// the room id as the hub writes it, so no request can name another path.
pub fn room_dir(root: &Path, room: RoomId) -> PathBuf {
    root.join(room.to_string())
}

pub(crate) fn io(what: &str, path: &Path, e: std::io::Error) -> HubError {
    HubError::Io(format!("cannot {what} {}: {e}", path.display()))
}

/// Creates `dir` and missing parents as 0700 folders.
pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| io("create", dir, e))
}

/// Writes `bytes` to `path` as a 0600 file: into a temporary file beside it,
/// then renamed over it, so readers see the old file or the new, never
/// half. `durable`: synced to disk first (recorded segments).
pub(crate) fn write_private(path: &Path, bytes: &[u8], durable: bool) -> Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let temp = path.with_file_name(format!(".{name}.tmp"));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let written = opts.open(&temp).and_then(|mut f| {
        f.write_all(bytes)?;
        if durable {
            f.sync_data()?;
        }
        Ok(())
    });
    written
        .and_then(|()| std::fs::rename(&temp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            io("write", path, e)
        })
}
