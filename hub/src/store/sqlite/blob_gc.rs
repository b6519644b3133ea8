//! Collecting photo bytes no one needs: uploads left unfinished for a day,
//! and complete photos no listing shows that no farm has uploaded or
//! confirmed for a day (so a photo uploaded just before its listing op is
//! pushed is kept). The hub runs this every hour (`crate::upkeep`); tests
//! call [`BlobStore::collect_garbage`] with the time they want. The rows go
//! through `blobs.rs`, their one writer; the bytes are removed here.

use super::Store;
use super::blobs::BlobStore;
use crate::error::Result;
use crate::store::interface::Collected;
use crate::store::rules::photos::{ORPHAN_GRACE_MS, UPLOAD_EXPIRY_MS};
use std::collections::BTreeSet;

impl BlobStore {
    /// Removes expired uploads and unneeded photos as of `now` (ms since the
    /// epoch), rows and bytes.
    pub fn collect_garbage(&self, store: &Store, now: i64) -> Result<Collected> {
        let mut conn = store.writer(); // no upload runs meanwhile
        let tx = conn.transaction()?;
        let (expired, orphans) =
            super::blobs::forget_unneeded(&tx, now - UPLOAD_EXPIRY_MS, now - ORPHAN_GRACE_MS)?;
        tx.commit()?;
        for (sha, device) in &expired {
            self.storage.parts.remove(sha, device);
        }
        for sha in &orphans {
            let _ = self.storage.objects.delete(sha);
        }
        let strays = self.sweep_strays(&conn)?;
        Ok(Collected {
            uploads: expired.len() as u64,
            blobs: orphans.len() as u64,
            strays,
        })
    }

    /// Removes photos and uploads that no row records. Runs under the
    /// writer lock, so no upload is between its row and its file.
    fn sweep_strays(&self, conn: &rusqlite::Connection) -> Result<u64> {
        let complete: BTreeSet<String> = conn
            .prepare("SELECT sha256 FROM blobs")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let uploading: BTreeSet<String> = conn
            .prepare("SELECT sha256 || '.' || device_id || '.part' FROM blob_uploads")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(self.storage.sweep(&complete, &uploading))
    }
}
