//! Resumable, content-addressed photo uploads on PostgreSQL, with the same
//! rules as SQLite's `blobs.rs` (`store/rules/photos.rs`): `HEAD` tells how
//! many bytes have arrived, `PATCH` appends at exactly that offset, and
//! the SHA-256 is checked when the last byte lands. The one writer of
//! `blobs`, `blob_owners` and `blob_uploads` (the collector in
//! `blob_gc.rs` deletes through [`forget_unneeded`]).
//!
//! **Where chunks go.** An upload in progress is kept by the photo
//! storage's [`UploadParts`](crate::store::objects::UploadParts): by
//! default a `<sha>.<device>.part` file in the photo directory, the file
//! SQLite writes (one implementation of chunk writing, crash cut-back and
//! final hash for both stores, and photo bytes kept out of PostgreSQL's
//! WAL), which every hub process must then see (one machine, or a shared
//! mount). With photos in S3 (`--objects s3://…`) the chunks are objects
//! in the same bucket (`objects/s3_parts.rs` says why not a `blob_chunks`
//! table), so processes on several machines share nothing but PostgreSQL
//! and the bucket. Either way `blob_uploads.received` is the one record
//! of how far an upload got.
//!
//! **Locks.** SQLite's single writer made an upload's row and file change
//! together; here each change is one transaction that takes
//! - [`PHOTO_WRITES`] shared: uploads run side by side, but not while the
//!   collector (which takes it exclusive) removes rows and files;
//! - a lock on the (photo, device) upload: two chunks of one upload (a
//!   retry through another process) take turns, so its file has one
//!   writer at a time;
//! - a lock per farm before its quota is checked for a new upload, so two
//!   devices of a farm cannot both take its last megabytes.
//!
//! The file is written inside the transaction; if the transaction fails,
//! the row still says the old offset and the next chunk cuts the file
//! back to it. Finished bytes are put into the object store before the
//! row that says "complete" commits.

use super::backend::PgStore;
use super::now_ms;
use super::pool::Conn;
use crate::error::{HubError, Result};
use crate::store::interface::EXPERTS;
use crate::store::interface::{BlobStatus, PhotoBytes, Principal, Reader, Uploader};
use crate::store::objects::PhotoStorage;
use crate::store::rules::photos::{
    self, Partial, PhotoRows, Written, check_sha, check_upload, sha256_hex,
};
use farmlive_protocol::{FarmId, OrderId};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// Advisory lock: taken shared by every photo write, exclusive by the
/// collector (an arbitrary constant, "FLphot").
pub(super) const PHOTO_WRITES: i64 = 0x464C_7068_6F74;

/// True if the photo `sha` is complete and `farm` holds it: uploaded it,
/// shows it on a listing, was delivered with it, or its questions' threads
/// show it (and the experts' pseudo-farm holds every question's photos),
/// as in SQLite's `blobs.rs`.
pub(super) fn is_attachable(conn: &Conn<'_>, sha: &str, farm: FarmId) -> Result<bool> {
    let row = conn.query_one(
        "SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = $1 AND complete = 1)
            AND $2 IN (SELECT farm_id FROM blob_owners WHERE sha256 = $1
                 UNION SELECT l.farm_id FROM listing_blobs lb JOIN listings l ON l.id = lb.listing_id
                       WHERE lb.sha256 = $1
                 UNION SELECT farm_id FROM orders WHERE delivery_photo = $1 OR delivery_thumb = $1
                 UNION SELECT q.farm_id FROM question_blobs qb JOIN questions q ON q.id = qb.question_id
                       WHERE qb.sha256 = $1
                 UNION SELECT $3::text FROM question_blobs WHERE sha256 = $1
                 UNION SELECT $3::text FROM guide_blobs WHERE sha256 = $1)",
        &[&sha, &farm.to_string(), &EXPERTS.to_string()],
    )?;
    Ok(row.get(0))
}

fn u64_of(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn i64_of(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Length of a complete blob.
fn complete_length(conn: &Conn<'_>, sha: &str) -> Result<Option<u64>> {
    Ok(conn
        .query_opt(
            "SELECT length FROM blobs WHERE sha256 = $1 AND complete = 1",
            &[&sha],
        )?
        .map(|r| u64_of(r.get(0))))
}

/// The photo tables in one transaction, for the upload rules.
struct Rows<'c, 'p> {
    conn: &'c Conn<'p>,
    quota: u64,
}

impl PhotoRows for Rows<'_, '_> {
    fn complete_length(&self, sha: &str) -> Result<Option<u64>> {
        complete_length(self.conn, sha)
    }

    fn holders_among(&self, sha: &str, farms: &BTreeSet<FarmId>) -> Result<Vec<String>> {
        let farms: Vec<String> = farms.iter().map(ToString::to_string).collect();
        let rows = self.conn.query(
            "SELECT f FROM UNNEST($2::text[]) AS f WHERE f IN (
                 SELECT farm_id FROM blob_owners WHERE sha256 = $1
                 UNION SELECT l.farm_id FROM listing_blobs lb JOIN listings l ON l.id = lb.listing_id
                       WHERE lb.sha256 = $1
                 UNION SELECT farm_id FROM orders WHERE delivery_photo = $1 OR delivery_thumb = $1
                 UNION SELECT q.farm_id FROM question_blobs qb JOIN questions q ON q.id = qb.question_id
                       WHERE qb.sha256 = $1
                 UNION SELECT $3::text FROM question_blobs WHERE sha256 = $1
                 UNION SELECT $3::text FROM guide_blobs WHERE sha256 = $1)
             ORDER BY f",
            &[&sha, &farms, &EXPERTS.to_string()],
        )?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn touch_owners(&self, sha: &str, farms: &[String], now: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO blob_owners (sha256, farm_id, touched_at)
             SELECT $1::text, f, $3::bigint FROM UNNEST($2::text[]) AS f
             ON CONFLICT (sha256, farm_id) DO UPDATE SET touched_at = excluded.touched_at",
            &[&sha, &farms, &now],
        )?;
        Ok(())
    }

    fn drop_upload(&self, sha: &str, device: &str) -> Result<bool> {
        let dropped = self.conn.execute(
            "DELETE FROM blob_uploads WHERE sha256 = $1 AND device_id = $2",
            &[&sha, &device],
        )?;
        Ok(dropped > 0)
    }

    fn partial(&self, sha: &str, device: &str) -> Result<Option<Partial>> {
        Ok(self
            .conn
            .query_opt(
                "SELECT received, length FROM blob_uploads WHERE sha256 = $1 AND device_id = $2",
                &[&sha, &device],
            )?
            .map(|r| Partial {
                received: u64_of(r.get(0)),
                length: u64_of(r.get(1)),
            }))
    }

    fn check_quota(&self, who: Uploader<'_>, more: u64, less: u64) -> Result<()> {
        super::blob_quota::check_quota(self.conn, self.quota, who, more, less)
    }

    fn start_upload(&self, sha: &str, device: &str, length: u64, now: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO blob_uploads (sha256, device_id, length, received, updated_at)
             VALUES ($1, $2, $3, 0, $4)
             ON CONFLICT (sha256, device_id)
             DO UPDATE SET length = excluded.length, received = 0, updated_at = excluded.updated_at",
            &[&sha, &device, &i64_of(length), &now],
        )?;
        Ok(())
    }

    fn record_received(&self, sha: &str, device: &str, received: u64, now: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE blob_uploads SET received = $1, updated_at = $2
             WHERE sha256 = $3 AND device_id = $4",
            &[&i64_of(received), &now, &sha, &device],
        )?;
        Ok(())
    }
}

/// Takes the locks of a write to a device's upload (see the module doc).
fn lock_upload(conn: &Conn<'_>, sha: &str, device: &str) -> Result<()> {
    conn.execute("SELECT pg_advisory_xact_lock_shared($1)", &[&PHOTO_WRITES])?;
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('photo-upload.' || $1::text || '.' || $2::text, 0))",
        &[&sha, &device],
    )?;
    Ok(())
}

/// What an append's transaction decided; files are removed after commit.
enum Appended {
    /// Where the upload is now.
    Status(BlobStatus),
    /// Complete; the device's upload file is to be removed.
    Complete(BlobStatus),
    /// The bytes are not the photo named; the upload is dropped.
    Mismatch,
}

impl PgStore {
    /// The photo bytes' storage.
    fn storage(&self) -> &PhotoStorage {
        &self.photos
    }

    fn rows<'c, 'p>(&self, conn: &'c Conn<'p>) -> Rows<'c, 'p> {
        Rows {
            conn,
            quota: self.photo_quota(),
        }
    }

    /// Upload progress of a photo for this device: complete if its farms
    /// have it (which renews it), else its own upload, if it started one.
    pub(super) fn upload_status(&self, who: Uploader<'_>, sha: &str) -> Result<Option<BlobStatus>> {
        check_sha(sha)?;
        let conn = self.pool.get()?;
        let (status, drop_part) = conn.transaction("BEGIN", |tx| {
            lock_upload(tx, sha, who.device)?;
            let rows = self.rows(tx);
            if let Some((done, dropped)) = photos::confirm(&rows, who, sha, now_ms())? {
                return Ok((Some(done), dropped));
            }
            Ok((rows.partial(sha, who.device)?.map(Partial::status), false))
        })?;
        if drop_part {
            self.storage().parts.remove(sha, who.device);
        }
        Ok(status)
    }

    /// Appends `chunk` at `offset` of this device's upload of a photo of
    /// total `length`. Offset 0 with another length starts it again.
    /// The transaction is run again as a whole if PostgreSQL aborts it:
    /// writing the chunk and putting the object are idempotent.
    pub(super) fn append_chunk(
        &self,
        who: Uploader<'_>,
        sha: &str,
        offset: u64,
        length: u64,
        chunk: &[u8],
    ) -> Result<BlobStatus> {
        check_sha(sha)?;
        check_upload(who, length)?;
        let conn = self.pool.get()?;
        let parts = &self.storage().parts;
        let appended = conn.transaction("BEGIN", |tx| {
            lock_upload(tx, sha, who.device)?;
            let now = now_ms();
            let rows = self.rows(tx);
            let written = photos::write_chunk(&rows, who, sha, offset..length, chunk, now, || {
                parts.write_at(sha, who.device, offset, chunk)
            })?;
            match written {
                Written::Held(done, _) => Ok(Appended::Complete(done)),
                Written::Partial(status) => Ok(Appended::Status(status)),
                Written::Last => self.finish(&rows, who, sha, length, now),
            }
        })?;
        match appended {
            Appended::Status(status) => Ok(status),
            Appended::Complete(status) => {
                parts.remove(sha, who.device);
                Ok(status)
            }
            Appended::Mismatch => {
                parts.remove(sha, who.device);
                Err(photos::hash_mismatch())
            }
        }
    }

    /// The last byte of an upload arrived: drops the upload and, if its
    /// bytes are the photo named, stores them and records it complete.
    fn finish(
        &self,
        rows: &Rows<'_, '_>,
        who: Uploader<'_>,
        sha: &str,
        length: u64,
        now: i64,
    ) -> Result<Appended> {
        rows.drop_upload(sha, who.device)?;
        let bytes = self.storage().parts.read(sha, who.device)?;
        let mut hasher = Sha256::new();
        hasher.update(&bytes);
        if sha256_hex(hasher) != sha {
            return Ok(Appended::Mismatch);
        }
        // Put even if another farm stored the same bytes: a copy lost by
        // a collection whose commit failed comes back so.
        self.storage().objects.put(sha, &bytes)?;
        rows.conn.execute(
            "INSERT INTO blobs (sha256, length, received, complete, created_at)
             VALUES ($1, $2, $2, 1, $3) ON CONFLICT (sha256) DO NOTHING",
            &[&sha, &i64_of(length), &now],
        )?;
        let farms: Vec<String> = who.farms.iter().map(ToString::to_string).collect();
        rows.touch_owners(sha, &farms, now)?;
        Ok(Appended::Complete(photos::complete(length)))
    }

    /// A complete photo's bytes, if `reader` may read it: anyone a photo an
    /// active listing shows, a device also its farms' photos.
    pub(super) fn open_photo_for(&self, reader: Reader<'_>, sha: &str) -> Result<PhotoBytes> {
        check_sha(sha)?;
        let conn = self.pool.get()?;
        let length = complete_length(&conn, sha)?.ok_or(HubError::NotFound("no such photo"))?;
        let shown = conn.query_one(
            "SELECT EXISTS (SELECT 1 FROM listing_blobs lb JOIN listings l ON l.id = lb.listing_id
                            WHERE lb.sha256 = $1 AND l.status = 'active'),
                    EXISTS (SELECT 1 FROM guide_blobs WHERE sha256 = $1)",
            &[&sha],
        )?;
        photos::may_read(reader, shown.get(0), shown.get(1), |farms| {
            Ok(!self.rows(&conn).holders_among(sha, farms)?.is_empty())
        })?;
        self.storage().objects.serve(sha, length)
    }

    /// An order's delivery photo, if `who` may see the order.
    pub(super) fn open_delivery_photo_for(
        &self,
        who: &Principal,
        order: OrderId,
    ) -> Result<PhotoBytes> {
        let order = self.read_order_for(who, order)?;
        let photo = order
            .delivery_photo
            .ok_or(HubError::NotFound("this order has no delivery photo"))?;
        check_sha(&photo.sha256)?;
        let length = complete_length(&self.pool.get()?, &photo.sha256)?;
        let length = length.ok_or(HubError::NotFound("no such photo"))?;
        self.storage().objects.serve(&photo.sha256, length)
    }
}

/// What [`forget_unneeded`] removed: uploads (photo, device), and photos.
pub(super) type Forgotten = (Vec<(String, String)>, Vec<String>);

/// Deletes uploads idle since before `uploads_before`, farms' lapsed
/// claims (touched before `claims_before`) on photos their listings do not
/// show, and complete photos created before `claims_before` that no one
/// holds or shows (as SQLite's `forget_unneeded`). Returns the uploads
/// (photo, device) and photos removed.
pub(super) fn forget_unneeded(
    conn: &Conn<'_>,
    uploads_before: i64,
    claims_before: i64,
) -> Result<Forgotten> {
    let expired = conn
        .query(
            "DELETE FROM blob_uploads WHERE updated_at < $1 RETURNING sha256, device_id",
            &[&uploads_before],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    conn.execute(
        "DELETE FROM blob_owners WHERE touched_at < $1 AND NOT EXISTS (
             SELECT 1 FROM listing_blobs lb JOIN listings l ON l.id = lb.listing_id
             WHERE lb.sha256 = blob_owners.sha256 AND l.farm_id = blob_owners.farm_id)
           AND NOT EXISTS (
             SELECT 1 FROM orders o WHERE o.farm_id = blob_owners.farm_id
               AND (o.delivery_photo = blob_owners.sha256 OR o.delivery_thumb = blob_owners.sha256))
           AND NOT EXISTS (
             SELECT 1 FROM question_blobs qb WHERE qb.sha256 = blob_owners.sha256)",
        &[&claims_before],
    )?;
    let orphans = conn
        .query(
            "DELETE FROM blobs WHERE created_at < $1
               AND NOT EXISTS (SELECT 1 FROM blob_owners o WHERE o.sha256 = blobs.sha256)
               AND NOT EXISTS (SELECT 1 FROM listing_blobs lb WHERE lb.sha256 = blobs.sha256)
               AND NOT EXISTS (SELECT 1 FROM question_blobs qb WHERE qb.sha256 = blobs.sha256)
               AND NOT EXISTS (SELECT 1 FROM guide_blobs gb WHERE gb.sha256 = blobs.sha256)
               AND NOT EXISTS (SELECT 1 FROM orders o
                               WHERE o.delivery_photo = blobs.sha256 OR o.delivery_thumb = blobs.sha256)
             RETURNING sha256",
            &[&claims_before],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    Ok((expired, orphans))
}
