//! Collecting photo bytes no one needs: uploads left unfinished for a day,
//! and complete photos no listing shows that no farm has uploaded or
//! confirmed for a day (so a photo uploaded just before its listing op is
//! pushed is kept). The hub runs this every hour; tests call
//! [`BlobStore::collect_garbage`] with the time they want.

use super::blobs::BlobStore;
use super::{Store, now_ms};
use crate::error::Result;
use rusqlite::params;
use std::collections::BTreeSet;
use std::time::Duration;

/// An upload is dropped this long after its last chunk.
pub const UPLOAD_EXPIRY_MS: i64 = 24 * 60 * 60 * 1000;
/// A complete photo no listing shows is kept this long after a farm last
/// uploaded or confirmed it.
pub const ORPHAN_GRACE_MS: i64 = 24 * 60 * 60 * 1000;
/// How often the hub collects.
pub const COLLECT_EVERY: Duration = Duration::from_secs(60 * 60);

/// What one collection removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Collected {
    /// Expired uploads.
    pub uploads: u64,
    /// Complete photos no one needs.
    pub blobs: u64,
    /// Files in the photo directory that nothing recorded (left by a crash
    /// or an older hub).
    pub strays: u64,
}

impl BlobStore {
    /// Removes expired uploads and unneeded photos as of `now` (ms since the
    /// epoch), rows and files.
    pub fn collect_garbage(&self, store: &Store, now: i64) -> Result<Collected> {
        let mut conn = store.writer(); // no upload runs meanwhile
        let tx = conn.transaction()?;
        let expired: Vec<(String, String)> = tx
            .prepare("DELETE FROM blob_uploads WHERE updated_at < ?1 RETURNING sha256, device_id")?
            .query_map([now - UPLOAD_EXPIRY_MS], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        // A farm's claim lapses unless one of its listings shows the photo.
        tx.execute(
            "DELETE FROM blob_owners WHERE touched_at < ?1 AND NOT EXISTS (
                 SELECT 1 FROM listing_blobs lb JOIN listings l ON l.id = lb.listing_id
                 WHERE lb.sha256 = blob_owners.sha256 AND l.farm_id = blob_owners.farm_id)",
            [now - ORPHAN_GRACE_MS],
        )?;
        let orphans: Vec<String> = tx
            .prepare(
                "DELETE FROM blobs WHERE created_at < ?1
                   AND NOT EXISTS (SELECT 1 FROM blob_owners o WHERE o.sha256 = blobs.sha256)
                   AND NOT EXISTS (SELECT 1 FROM listing_blobs lb WHERE lb.sha256 = blobs.sha256)
                 RETURNING sha256",
            )?
            .query_map(params![now - ORPHAN_GRACE_MS], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
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

/// For `run`: applies the operator's photo quota, if set, and collects
/// every [`COLLECT_EVERY`], starting now, for as long as the runtime runs.
pub(crate) fn start_upkeep(state: &std::sync::Arc<crate::AppState>) -> Result<()> {
    if let Some(raw) = std::env::var_os(PHOTO_QUOTA_ENV) {
        let mib: u64 = raw
            .to_str()
            .and_then(|v| v.trim().parse().ok())
            .filter(|&v: &u64| v <= 1 << 40)
            .ok_or_else(|| {
                crate::HubError::bad_request(
                    "invalid",
                    format!("{PHOTO_QUOTA_ENV} must be a whole number of MiB, like 2048"),
                )
            })?;
        state.blobs.set_quota(mib * 1024 * 1024);
    }
    let state = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(COLLECT_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let state = state.clone();
            let done = crate::routes::blocking(move || {
                state.blobs.collect_garbage(&state.store, now_ms())
            })
            .await;
            match done {
                Ok(c) if c != Collected::default() => {
                    tracing::info!(target: "farmlive::hub", "photos collected: {c:?}");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(target: "farmlive::hub", "collecting photos failed: {e}"),
            }
        }
    });
    Ok(())
}
