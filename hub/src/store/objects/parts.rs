//! Uploads in progress as files: `<dir>/<sha>.<device>.part`, one per
//! photo and device, appended chunk by chunk. Both stores keep them so
//! (one implementation of resumable writing); the store's lock on the
//! upload (SQLite's writer, PostgreSQL's advisory lock on the upload)
//! makes each file's writer unique.

use super::io;
use super::local::sync_dir;
use crate::error::Result;
use crate::store::rules::photos::{check_sha, sha256_hex};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The folder of uploads in progress.
#[derive(Debug, Clone)]
pub struct PartDir {
    dir: PathBuf,
}

impl PartDir {
    /// Uploads kept in `dir` (made if missing).
    pub fn new(dir: &Path) -> Result<PartDir> {
        std::fs::create_dir_all(dir).map_err(io)?;
        Ok(PartDir {
            dir: dir.to_path_buf(),
        })
    }

    /// The file of a device's upload of a photo.
    pub fn path(&self, sha: &str, device: &str) -> PathBuf {
        self.dir.join(format!("{sha}.{device}.part"))
    }

    /// Writes `chunk` at `offset` of the upload, cutting off whatever lies
    /// beyond `offset` first (a chunk written but not recorded before a
    /// crash), durably before it returns.
    pub fn write_at(&self, sha: &str, device: &str, offset: u64, chunk: &[u8]) -> Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path(sha, device))
            .map_err(io)?;
        if offset == 0 {
            // A new `.part` file's directory entry is durable before the
            // hub acknowledges its first chunk.
            sync_dir(&self.dir).map_err(io)?;
        }
        file.set_len(offset).map_err(io)?;
        file.write_all(chunk).map_err(io)?;
        file.sync_data().map_err(io)
    }

    /// SHA-256 (hex) of an upload's bytes, read in small pieces.
    pub fn sha256(&self, sha: &str, device: &str) -> Result<String> {
        let mut file = std::fs::File::open(self.path(sha, device)).map_err(io)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf).map_err(io)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(sha256_hex(hasher))
    }

    /// Removes an upload's file (gone already is fine).
    pub fn remove(&self, sha: &str, device: &str) {
        let _ = std::fs::remove_file(self.path(sha, device));
    }

    /// Removes the upload files whose name (`<sha>.<device>.part`) `keep`
    /// refuses; how many it removed. The caller holds what stops uploads
    /// from starting meanwhile.
    pub fn sweep(&self, keep: impl Fn(&str) -> bool) -> u64 {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return 0;
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let is_part =
                name.len() > 64 && name.ends_with(".part") && check_sha(&name[..64]).is_ok();
            if is_part && !keep(&name) && std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        removed
    }
}
