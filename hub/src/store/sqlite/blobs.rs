//! Resumable, content-addressed photo uploads.
//!
//! `HEAD` tells how many bytes have arrived; `PATCH` appends a chunk at
//! exactly that offset. When the last byte lands, the hub checks the SHA-256
//! and only then makes the blob visible. A dropped connection loses at most
//! the chunk in flight.
//!
//! An upload in progress belongs to the device that started it (one per
//! photo and device): no one else can see, extend or block it, and its owner
//! may start it again at offset 0 with another length. Only a complete,
//! hash-verified photo is shared by content; a farm proves it has the bytes
//! by uploading them (or is already known to have them), so knowing a hash
//! gives no access to a photo. Stored photos count against the quota of the
//! farms that uploaded them.
//!
//! This module is the one writer of `blobs`, `blob_owners` and
//! `blob_uploads` (the collector in `blob_gc.rs` deletes through
//! [`forget_unneeded`]).

use super::blob_quota::check_quota;
use super::{Store, now_ms};
use crate::error::{HubError, Result};
use crate::store::interface::EXPERTS;
use crate::store::interface::{BlobStatus, Reader, Uploader};
use crate::store::objects::{PhotoBytes, PhotoStorage};
use crate::store::rules::photos::{
    self, PHOTO_QUOTA_DEFAULT, Partial, PhotoRows, Written, check_sha, check_upload,
};
use farmlive_protocol::FarmId;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where blob bytes live ([`PhotoStorage`]): by default `<db>.blobs/<sha256>`
/// when complete, `<db>.blobs/<sha256>.<device>.part` while a device
/// uploads it.
pub struct BlobStore {
    pub(super) storage: PhotoStorage,
    quota: AtomicU64,
}

/// Length of a complete blob.
fn complete_length(conn: &Connection, sha: &str) -> Result<Option<u64>> {
    Ok(conn
        .prepare_cached("SELECT length FROM blobs WHERE sha256 = ?1 AND complete = 1")?
        .query_row([sha], |r| r.get(0))
        .optional()?)
}

/// The farms known to have a photo: those that uploaded it, those whose
/// listings show it, those whose orders were delivered with it, those
/// whose questions' threads show it, and then the experts' pseudo-farm
/// for a photo a question or a guide shows (see `store/rules/questions.rs`).
fn farms_holding(conn: &Connection, sha: &str) -> Result<BTreeSet<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT farm_id FROM blob_owners WHERE sha256 = ?1
         UNION SELECT l.farm_id FROM listing_blobs lb JOIN listings l ON l.id = lb.listing_id
               WHERE lb.sha256 = ?1
         UNION SELECT farm_id FROM orders WHERE delivery_photo = ?1 OR delivery_thumb = ?1
         UNION SELECT q.farm_id FROM question_blobs qb JOIN questions q ON q.id = qb.question_id
               WHERE qb.sha256 = ?1
         UNION SELECT ?2 FROM question_blobs WHERE sha256 = ?1
         UNION SELECT ?2 FROM guide_blobs WHERE sha256 = ?1",
    )?;
    let farms = stmt
        .query_map(params![sha, EXPERTS.to_string()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(farms)
}

/// The photo tables over one connection, for the upload rules.
struct Rows<'a> {
    conn: &'a Connection,
    quota: u64,
}

impl PhotoRows for Rows<'_> {
    fn complete_length(&self, sha: &str) -> Result<Option<u64>> {
        complete_length(self.conn, sha)
    }

    fn holders_among(&self, sha: &str, farms: &BTreeSet<FarmId>) -> Result<Vec<String>> {
        let holding = farms_holding(self.conn, sha)?;
        Ok(farms
            .iter()
            .map(ToString::to_string)
            .filter(|f| holding.contains(f))
            .collect())
    }

    fn touch_owners(&self, sha: &str, farms: &[String], now: i64) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO blob_owners (sha256, farm_id, touched_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (sha256, farm_id) DO UPDATE SET touched_at = excluded.touched_at",
        )?;
        for farm in farms {
            stmt.execute(params![sha, farm, now])?;
        }
        Ok(())
    }

    fn drop_upload(&self, sha: &str, device: &str) -> Result<bool> {
        let dropped = self
            .conn
            .prepare_cached("DELETE FROM blob_uploads WHERE sha256 = ?1 AND device_id = ?2")?
            .execute([sha, device])?;
        Ok(dropped > 0)
    }

    fn partial(&self, sha: &str, device: &str) -> Result<Option<Partial>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT received, length FROM blob_uploads WHERE sha256 = ?1 AND device_id = ?2",
            )?
            .query_row([sha, device], |r| {
                Ok(Partial {
                    received: r.get(0)?,
                    length: r.get(1)?,
                })
            })
            .optional()?)
    }

    fn check_quota(&self, who: Uploader<'_>, more: u64, less: u64) -> Result<()> {
        check_quota(self.conn, self.quota, who, more, less)
    }

    fn start_upload(&self, sha: &str, device: &str, length: u64, now: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO blob_uploads (sha256, device_id, length, received, updated_at)
             VALUES (?1, ?2, ?3, 0, ?4)
             ON CONFLICT (sha256, device_id)
             DO UPDATE SET length = excluded.length, received = 0, updated_at = excluded.updated_at",
            params![sha, device, length, now],
        )?;
        Ok(())
    }

    fn record_received(&self, sha: &str, device: &str, received: u64, now: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE blob_uploads SET received = ?1, updated_at = ?2
             WHERE sha256 = ?3 AND device_id = ?4",
            params![received, now, sha, device],
        )?;
        Ok(())
    }
}

impl BlobStore {
    /// Blobs kept in `storage`, with the default quota per farm.
    pub fn new(storage: PhotoStorage) -> BlobStore {
        BlobStore {
            storage,
            quota: AtomicU64::new(PHOTO_QUOTA_DEFAULT),
        }
    }

    /// Sets the photo bytes each farm may keep.
    pub fn set_quota(&self, bytes: u64) {
        self.quota.store(bytes, Ordering::Relaxed);
    }

    /// The photo bytes each farm may keep.
    pub fn quota(&self) -> u64 {
        self.quota.load(Ordering::Relaxed)
    }

    /// Photo bytes charged to `farm` now.
    pub fn usage(&self, store: &Store, farm: FarmId) -> Result<u64> {
        super::blob_quota::usage(&store.reader(), &farm.to_string())
    }

    /// True if `farm` may attach the photo to a listing: it is complete and
    /// the farm uploaded it or already shows it.
    pub(crate) fn is_attachable(conn: &Connection, sha: &str, farm: FarmId) -> Result<bool> {
        Ok(complete_length(conn, sha)?.is_some()
            && farms_holding(conn, sha)?.contains(&farm.to_string()))
    }

    fn rows<'a>(&self, conn: &'a Connection) -> Rows<'a> {
        Rows {
            conn,
            quota: self.quota(),
        }
    }

    /// Upload progress of a photo for this device: complete if its farms
    /// have it (which renews it), else its own upload, if it started one.
    pub fn status(
        &self,
        store: &Store,
        who: Uploader<'_>,
        sha: &str,
    ) -> Result<Option<BlobStatus>> {
        check_sha(sha)?;
        let conn = store.writer();
        let rows = self.rows(&conn);
        if let Some((done, dropped)) = photos::confirm(&rows, who, sha, now_ms())? {
            if dropped {
                self.storage.parts.remove(sha, who.device);
            }
            return Ok(Some(done));
        }
        Ok(rows.partial(sha, who.device)?.map(Partial::status))
    }

    /// Appends `chunk` at `offset` of this device's upload of a photo of
    /// total `length`. Offset 0 with another length starts it again.
    pub fn append(
        &self,
        store: &Store,
        who: Uploader<'_>,
        sha: &str,
        offset: u64,
        length: u64,
        chunk: &[u8],
    ) -> Result<BlobStatus> {
        check_sha(sha)?;
        check_upload(who, length)?;
        let mut conn = store.writer(); // serialises uploads and the collector
        let now = now_ms();
        let parts = &self.storage.parts;
        let written = photos::write_chunk(
            &self.rows(&conn),
            who,
            sha,
            offset..length,
            chunk,
            now,
            || parts.write_at(sha, who.device, offset, chunk),
        )?;
        match written {
            Written::Held(done, dropped) => {
                if dropped {
                    parts.remove(sha, who.device);
                }
                return Ok(done);
            }
            Written::Partial(status) => return Ok(status),
            Written::Last => {}
        }
        let matches = parts.sha256(sha, who.device)? == sha;
        let tx = conn.transaction()?;
        self.rows(&tx).drop_upload(sha, who.device)?;
        if !matches {
            tx.commit()?;
            parts.remove(sha, who.device);
            return Err(photos::hash_mismatch());
        }
        if complete_length(&tx, sha)?.is_some() {
            // Another farm stored the same bytes: keep one copy.
            parts.remove(sha, who.device);
        } else {
            // Durable before the row that says "complete" commits.
            parts.move_into(sha, who.device, &*self.storage.objects)?;
            tx.execute(
                "INSERT INTO blobs (sha256, length, received, complete, created_at)
                 VALUES (?1, ?2, ?2, 1, ?3)",
                params![sha, length, now],
            )?;
        }
        let farms: Vec<String> = who.farms.iter().map(ToString::to_string).collect();
        self.rows(&tx).touch_owners(sha, &farms, now)?;
        tx.commit()?;
        Ok(photos::complete(length))
    }

    /// A complete photo's bytes, if `reader` may read it: anyone a photo an
    /// active listing shows, a device also its farms' photos. Anything
    /// else is not found.
    pub fn open_for(&self, store: &Store, reader: Reader<'_>, sha: &str) -> Result<PhotoBytes> {
        check_sha(sha)?;
        let conn = store.reader();
        let Some(length) = complete_length(&conn, sha)? else {
            return Err(HubError::NotFound("no such photo"));
        };
        let (public, guide): (bool, bool) = conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM listing_blobs lb JOIN listings l ON l.id = lb.listing_id
                                WHERE lb.sha256 = ?1 AND l.status = 'active'),
                        EXISTS (SELECT 1 FROM guide_blobs WHERE sha256 = ?1)",
            )?
            .query_row([sha], |r| Ok((r.get(0)?, r.get(1)?)))?;
        photos::may_read(reader, public, guide, |farms| {
            Ok(!self.rows(&conn).holders_among(sha, farms)?.is_empty())
        })?;
        self.storage.objects.serve(sha, length)
    }

    /// A complete photo's bytes, for a reader the caller has already let
    /// in (the buyer of the order a delivery photo belongs to). Not found
    /// if the hub does not hold it.
    pub(crate) fn open_checked(&self, store: &Store, sha: &str) -> Result<PhotoBytes> {
        check_sha(sha)?;
        let length = complete_length(&store.reader(), sha)?;
        let length = length.ok_or(HubError::NotFound("no such photo"))?;
        self.storage.objects.serve(sha, length)
    }
}

/// What [`forget_unneeded`] removed: uploads (photo, device), and photos.
pub(super) type Forgotten = (Vec<(String, String)>, Vec<String>);

/// Deletes uploads idle since before `uploads_before`, farms' lapsed
/// claims (touched before `claims_before`) on photos their listings do not
/// show, and complete photos created before `claims_before` that no one
/// holds or shows. Returns the uploads (photo, device) and photos removed,
/// whose files the caller deletes after commit.
pub(super) fn forget_unneeded(
    conn: &Connection,
    uploads_before: i64,
    claims_before: i64,
) -> Result<Forgotten> {
    let expired: Vec<(String, String)> = conn
        .prepare("DELETE FROM blob_uploads WHERE updated_at < ?1 RETURNING sha256, device_id")?
        .query_map([uploads_before], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    // A farm's claim lapses unless one of its listings shows the photo or
    // one of its orders was delivered with it; a question's thread keeps
    // every claim on its photos (questions are never deleted).
    conn.execute(
        "DELETE FROM blob_owners WHERE touched_at < ?1 AND NOT EXISTS (
             SELECT 1 FROM listing_blobs lb JOIN listings l ON l.id = lb.listing_id
             WHERE lb.sha256 = blob_owners.sha256 AND l.farm_id = blob_owners.farm_id)
           AND NOT EXISTS (
             SELECT 1 FROM orders o WHERE o.farm_id = blob_owners.farm_id
               AND (o.delivery_photo = blob_owners.sha256 OR o.delivery_thumb = blob_owners.sha256))
           AND NOT EXISTS (
             SELECT 1 FROM question_blobs qb WHERE qb.sha256 = blob_owners.sha256)",
        [claims_before],
    )?;
    let orphans: Vec<String> = conn
        .prepare(
            "DELETE FROM blobs WHERE created_at < ?1
               AND NOT EXISTS (SELECT 1 FROM blob_owners o WHERE o.sha256 = blobs.sha256)
               AND NOT EXISTS (SELECT 1 FROM listing_blobs lb WHERE lb.sha256 = blobs.sha256)
               AND NOT EXISTS (SELECT 1 FROM question_blobs qb WHERE qb.sha256 = blobs.sha256)
               AND NOT EXISTS (SELECT 1 FROM guide_blobs gb WHERE gb.sha256 = blobs.sha256)
               AND NOT EXISTS (SELECT 1 FROM orders o
                               WHERE o.delivery_photo = blobs.sha256 OR o.delivery_thumb = blobs.sha256)
             RETURNING sha256",
        )?
        .query_map(params![claims_before], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok((expired, orphans))
}
