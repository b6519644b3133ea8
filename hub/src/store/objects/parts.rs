//! Uploads in progress: the [`UploadParts`] seam, and its default, files
//! `<dir>/<sha>.<device>.part`, one per photo and device, appended chunk
//! by chunk. Both stores keep them so (one implementation of resumable
//! writing); the store's lock on the upload (SQLite's writer,
//! PostgreSQL's advisory lock on the upload) makes each file's writer
//! unique. Photos in S3 keep their uploads there too (`s3_parts.rs`).

use super::local::sync_dir;
use super::{ObjectStore, io};
use crate::error::Result;
use crate::store::rules::photos::{check_sha, sha256_hex};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Where uploads in progress are kept, by photo (SHA-256) and device; its
/// callers hold the store's lock on the upload, so each has one writer.
pub trait UploadParts: Send + Sync + std::fmt::Debug {
    /// Writes `chunk` at `offset` of the upload, cutting off whatever lies
    /// beyond `offset` first (a chunk written but not recorded before a
    /// crash or a failed transaction), durably before it returns.
    fn write_at(&self, sha: &str, device: &str, offset: u64, chunk: &[u8]) -> Result<()>;
    /// The upload's bytes, whole.
    fn read(&self, sha: &str, device: &str) -> Result<Vec<u8>>;
    /// SHA-256 (hex) of the upload's bytes.
    fn sha256(&self, sha: &str, device: &str) -> Result<String> {
        let mut hasher = Sha256::new();
        hasher.update(self.read(sha, device)?);
        Ok(sha256_hex(hasher))
    }
    /// Moves the finished upload into `objects` as the photo `sha`, durably
    /// before it returns. The default reads it, puts it and removes it.
    fn move_into(&self, sha: &str, device: &str, objects: &dyn ObjectStore) -> Result<()> {
        objects.put(sha, &self.read(sha, device)?)?;
        self.remove(sha, device);
        Ok(())
    }
    /// Removes an upload (gone already is fine; a failure leaves it to the
    /// collector's sweep).
    fn remove(&self, sha: &str, device: &str);
    /// The uploads kept, named `<sha>.<device>.part`.
    fn names(&self) -> Result<Vec<String>>;
    /// Removes the uploads whose name (`<sha>.<device>.part`) `keep`
    /// refuses; how many it removed. The caller holds what stops uploads
    /// from starting meanwhile.
    fn sweep(&self, keep: &dyn Fn(&str) -> bool) -> u64 {
        let mut removed = 0;
        for name in self.names().unwrap_or_default() {
            if keep(&name) {
                continue;
            }
            if let Some((sha, device)) = split_name(&name) {
                self.remove(sha, device);
                removed += 1;
            }
        }
        removed
    }
}

/// An upload's name, `<sha>.<device>.part`, as (sha, device), if it is one.
pub(super) fn split_name(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_suffix(".part")?;
    let (sha, device) = rest.split_once('.')?;
    (check_sha(sha).is_ok() && !device.is_empty() && !device.contains(['/', '\\']))
        .then_some((sha, device))
}

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
}

impl UploadParts for PartDir {
    fn write_at(&self, sha: &str, device: &str, offset: u64, chunk: &[u8]) -> Result<()> {
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

    fn read(&self, sha: &str, device: &str) -> Result<Vec<u8>> {
        std::fs::read(self.path(sha, device)).map_err(io)
    }

    /// Read in small pieces (a SQLite hub's photo is never whole in memory).
    fn sha256(&self, sha: &str, device: &str) -> Result<String> {
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

    /// A rename within the folder when the objects are local.
    fn move_into(&self, sha: &str, device: &str, objects: &dyn ObjectStore) -> Result<()> {
        objects.put_file(sha, &self.path(sha, device))
    }

    fn remove(&self, sha: &str, device: &str) {
        let _ = std::fs::remove_file(self.path(sha, device));
    }

    fn names(&self) -> Result<Vec<String>> {
        let entries = std::fs::read_dir(&self.dir).map_err(io)?;
        Ok(entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| is_part_file(name))
            .collect())
    }

    /// By file name: also `.part` files no device name fits (an older
    /// hub's, a crash's), which the default could not split.
    fn sweep(&self, keep: &dyn Fn(&str) -> bool) -> u64 {
        let mut removed = 0;
        for name in self.names().unwrap_or_default() {
            if !keep(&name) && std::fs::remove_file(self.dir.join(&name)).is_ok() {
                removed += 1;
            }
        }
        removed
    }
}

/// An upload's file: `<sha>` then anything, then `.part`.
fn is_part_file(name: &str) -> bool {
    name.len() > 64
        && name.ends_with(".part")
        && name.is_char_boundary(64)
        && check_sha(&name[..64]).is_ok()
}
