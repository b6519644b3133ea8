//! Collecting photo bytes no one needs on PostgreSQL, with SQLite's rules
//! (`rules::photos`: uploads idle for a day, photos no one holds or shows
//! for a day). Every hub process runs it on its timer; only the one that
//! gets [`COLLECT_LOCK`] collects, the others return at once. The rows go
//! through `blobs.rs`, their one writer; the bytes are removed here.
//!
//! The collector holds `blobs::PHOTO_WRITES` exclusive, so no upload runs
//! while it removes files, and it removes them before it commits (the
//! lock ends with the transaction; after it an upload could put a photo
//! back that the collector would then delete). Should that commit fail,
//! rows of orphans would outlive their bytes: their next upload puts the
//! bytes again (`blobs.rs` always puts).

use super::backend::PgStore;
use super::blobs::{PHOTO_WRITES, forget_unneeded};
use crate::error::Result;
use crate::store::interface::Collected;
use crate::store::rules::photos::{ORPHAN_GRACE_MS, UPLOAD_EXPIRY_MS};
use std::collections::BTreeSet;

/// Advisory lock of the one process collecting (an arbitrary constant,
/// "FLcoll").
const COLLECT_LOCK: i64 = 0x464C_636F_6C6C;

impl PgStore {
    /// Removes expired uploads and unneeded photos as of `now` (ms since
    /// the epoch), rows and bytes; nothing if another process collects.
    pub(super) fn collect_garbage(&self, now: i64) -> Result<Collected> {
        let conn = self.pool.get()?;
        conn.transaction("BEGIN", |tx| {
            let mine: bool = tx
                .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&COLLECT_LOCK])?
                .get(0);
            if !mine {
                return Ok(Collected::default());
            }
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PHOTO_WRITES])?;
            let (expired, orphans) =
                forget_unneeded(tx, now - UPLOAD_EXPIRY_MS, now - ORPHAN_GRACE_MS)?;
            let complete: BTreeSet<String> = tx
                .query("SELECT sha256 FROM blobs", &[])?
                .iter()
                .map(|r| r.get(0))
                .collect();
            let uploading: BTreeSet<String> = tx
                .query(
                    "SELECT sha256 || '.' || device_id || '.part' FROM blob_uploads",
                    &[],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect();
            let storage = &self.photos;
            for (sha, device) in &expired {
                storage.parts.remove(sha, device);
            }
            for sha in &orphans {
                let _ = storage.objects.delete(sha);
            }
            let strays = storage.sweep(&complete, &uploading);
            Ok(Collected {
                uploads: expired.len() as u64,
                blobs: orphans.len() as u64,
                strays,
            })
        })
    }
}
