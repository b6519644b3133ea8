//! Collecting photo bytes no one needs: uploads left unfinished for a day,
//! and complete photos no listing shows that no farm has uploaded or
//! confirmed for a day (so a photo uploaded just before its listing op is
//! pushed is kept). The hub runs this every hour (`crate::upkeep`); tests
//! call [`BlobStore::collect_garbage`] with the time they want. The rows go
//! through `blobs.rs`, their one writer; the files are removed here.

use super::Store;
use super::blobs::BlobStore;
use crate::error::Result;
use crate::store::interface::Collected;
use std::collections::BTreeSet;
use std::time::Duration;

/// An upload is dropped this long after its last chunk.
pub const UPLOAD_EXPIRY_MS: i64 = 24 * 60 * 60 * 1000;
/// A complete photo no listing shows is kept this long after a farm last
/// uploaded or confirmed it.
pub const ORPHAN_GRACE_MS: i64 = 24 * 60 * 60 * 1000;
/// How often the hub collects.
pub const COLLECT_EVERY: Duration = Duration::from_secs(60 * 60);

impl BlobStore {
    /// Removes expired uploads and unneeded photos as of `now` (ms since the
    /// epoch), rows and files.
    pub fn collect_garbage(&self, store: &Store, now: i64) -> Result<Collected> {
        let mut conn = store.writer(); // no upload runs meanwhile
        let tx = conn.transaction()?;
        let (expired, orphans) =
            super::blobs::forget_unneeded(&tx, now - UPLOAD_EXPIRY_MS, now - ORPHAN_GRACE_MS)?;
        tx.commit()?;
        for (sha, device) in &expired {
            let _ = std::fs::remove_file(self.part_path(sha, device));
        }
        for sha in &orphans {
            let _ = std::fs::remove_file(self.path(sha));
        }
        let strays = self.sweep_strays(&conn)?;
        Ok(Collected {
            uploads: expired.len() as u64,
            blobs: orphans.len() as u64,
            strays,
        })
    }

    /// Removes files of the photo directory that no row records. Runs under
    /// the writer lock, so no upload is between its row and its file.
    fn sweep_strays(&self, conn: &rusqlite::Connection) -> Result<u64> {
        let complete: BTreeSet<String> = conn
            .prepare("SELECT sha256 FROM blobs")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let uploading: BTreeSet<String> = conn
            .prepare("SELECT sha256 || '.' || device_id || '.part' FROM blob_uploads")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Ok(0);
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let is_blob = super::blobs::check_sha(&name).is_ok();
            let is_part = name.len() > 64
                && name.ends_with(".part")
                && super::blobs::check_sha(&name[..64]).is_ok();
            let stray =
                (is_blob && !complete.contains(&name)) || (is_part && !uploading.contains(&name));
            if stray && std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// Environment variable: photo storage per farm, in MiB (default 2048).
pub const PHOTO_QUOTA_ENV: &str = "FARMLIVE_HUB_PHOTO_QUOTA_MB";
