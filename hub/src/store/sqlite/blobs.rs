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

use super::blob_quota::{PHOTO_QUOTA_DEFAULT, check_quota};
use super::{Store, now_ms};
use crate::error::{HubError, Result};
use crate::store::interface::{BlobStatus, Reader, Uploader};
use farmlive_protocol::FarmId;
use farmlive_protocol::api::BLOB_MAX_BYTES;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where blob bytes live: `<dir>/<sha256>` when complete,
/// `<dir>/<sha256>.<device>.part` while a device uploads it.
pub struct BlobStore {
    pub(super) dir: PathBuf,
    quota: AtomicU64,
}

pub(crate) fn check_sha(sha: &str) -> Result<()> {
    if sha.len() == 64 && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(HubError::NotFound("no such photo"))
    }
}

fn io(e: std::io::Error) -> HubError {
    HubError::Io(format!("blob storage: {e}"))
}

/// Length of a complete blob.
fn complete_length(conn: &Connection, sha: &str) -> Result<Option<u64>> {
    Ok(conn
        .prepare_cached("SELECT length FROM blobs WHERE sha256 = ?1 AND complete = 1")?
        .query_row([sha], |r| r.get(0))
        .optional()?)
}

/// The farms known to have a photo: those that uploaded it, those whose
/// listings show it and those whose orders were delivered with it.
fn farms_holding(conn: &Connection, sha: &str) -> Result<BTreeSet<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT farm_id FROM blob_owners WHERE sha256 = ?1
         UNION SELECT l.farm_id FROM listing_blobs lb JOIN listings l ON l.id = lb.listing_id
               WHERE lb.sha256 = ?1
         UNION SELECT farm_id FROM orders WHERE delivery_photo = ?1 OR delivery_thumb = ?1",
    )?;
    let farms = stmt
        .query_map([sha], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(farms)
}

/// Which of `farms` hold the photo.
fn holders_among(conn: &Connection, sha: &str, farms: &BTreeSet<FarmId>) -> Result<Vec<String>> {
    let holding = farms_holding(conn, sha)?;
    Ok(farms
        .iter()
        .map(ToString::to_string)
        .filter(|f| holding.contains(f))
        .collect())
}

/// Records that `farms` have the photo now (renews its grace period).
fn touch_owners(conn: &Connection, sha: &str, farms: &[String], now: i64) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO blob_owners (sha256, farm_id, touched_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (sha256, farm_id) DO UPDATE SET touched_at = excluded.touched_at",
    )?;
    for farm in farms {
        stmt.execute(params![sha, farm, now])?;
    }
    Ok(())
}

/// SHA-256 of a file, read in small pieces.
fn file_sha256(path: &std::path::Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

struct Partial {
    received: u64,
    length: u64,
}

fn load_partial(conn: &Connection, sha: &str, device: &str) -> Result<Option<Partial>> {
    Ok(conn
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

impl BlobStore {
    /// Blobs kept in `dir`, with the default quota per farm.
    pub fn new(dir: PathBuf) -> Result<BlobStore> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| HubError::Io(format!("cannot create {}: {e}", dir.display())))?;
        Ok(BlobStore {
            dir,
            quota: AtomicU64::new(PHOTO_QUOTA_DEFAULT),
        })
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

    pub(super) fn path(&self, sha: &str) -> PathBuf {
        self.dir.join(sha)
    }

    pub(super) fn part_path(&self, sha: &str, device: &str) -> PathBuf {
        self.dir.join(format!("{sha}.{device}.part"))
    }

    /// True if `farm` may attach the photo to a listing: it is complete and
    /// the farm uploaded it or already shows it.
    pub(crate) fn is_attachable(conn: &Connection, sha: &str, farm: FarmId) -> Result<bool> {
        Ok(complete_length(conn, sha)?.is_some()
            && farms_holding(conn, sha)?.contains(&farm.to_string()))
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
        if let Some(done) = self.confirm(&conn, who, sha)? {
            return Ok(Some(done));
        }
        Ok(load_partial(&conn, sha, who.device)?.map(|p| BlobStatus {
            received: p.received,
            length: p.length,
            complete: false,
        }))
    }

    /// If the photo is complete and one of the device's farms has it,
    /// renews it for them and reports it complete.
    fn confirm(
        &self,
        conn: &Connection,
        who: Uploader<'_>,
        sha: &str,
    ) -> Result<Option<BlobStatus>> {
        let Some(length) = complete_length(conn, sha)? else {
            return Ok(None);
        };
        let holders = holders_among(conn, sha, who.farms)?;
        if holders.is_empty() {
            return Ok(None);
        }
        touch_owners(conn, sha, &holders, now_ms())?;
        // This device's own upload of it, if any, is no longer needed.
        let dropped = conn
            .prepare_cached("DELETE FROM blob_uploads WHERE sha256 = ?1 AND device_id = ?2")?
            .execute([sha, who.device])?;
        if dropped > 0 {
            let _ = std::fs::remove_file(self.part_path(sha, who.device));
        }
        Ok(Some(BlobStatus {
            received: length,
            length,
            complete: true,
        }))
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
        if length == 0 || length > BLOB_MAX_BYTES {
            return Err(HubError::bad_request(
                "too_large",
                format!("a photo may be at most {BLOB_MAX_BYTES} bytes"),
            ));
        }
        if who.farms.is_empty() {
            return Err(HubError::Forbidden("this device acts for no farm"));
        }
        let mut conn = store.writer(); // serialises uploads and the collector
        if let Some(done) = self.confirm(&conn, who, sha)? {
            return Ok(done);
        }
        let now = now_ms();
        let part = self.part_path(sha, who.device);
        let received = match load_partial(&conn, sha, who.device)? {
            Some(p) if offset == 0 && (p.received > 0 || p.length != length) => {
                // The owner starts again, perhaps with another length.
                check_quota(&conn, self.quota(), who, length, p.length)?;
                conn.execute(
                    "UPDATE blob_uploads SET length = ?1, received = 0, updated_at = ?2
                     WHERE sha256 = ?3 AND device_id = ?4",
                    params![length, now, sha, who.device],
                )?;
                0
            }
            Some(p) if p.length == length => p.received,
            Some(p) => {
                return Err(HubError::Conflict(
                    "length_mismatch",
                    format!(
                        "this upload is {} bytes long; to change its length start again at offset 0",
                        p.length
                    ),
                ));
            }
            None if offset == 0 => {
                check_quota(&conn, self.quota(), who, length, 0)?;
                conn.execute(
                    "INSERT INTO blob_uploads (sha256, device_id, length, received, updated_at)
                     VALUES (?1, ?2, ?3, 0, ?4)",
                    params![sha, who.device, length, now],
                )?;
                0
            }
            None => 0,
        };
        if offset != received {
            return Err(HubError::Conflict(
                "offset_mismatch",
                format!("expected offset {received}"),
            ));
        }
        if offset + chunk.len() as u64 > length {
            return Err(HubError::bad_request(
                "too_long",
                "the chunk goes past the declared length",
            ));
        }
        let fresh = offset == 0;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&part)
            .map_err(io)?;
        if fresh {
            // A new `.part` file's directory entry is durable before the
            // hub acknowledges its first chunk.
            sync_dir(&self.dir).map_err(io)?;
        }
        // A previous chunk may have been written but not recorded (crash): cut back.
        file.set_len(offset).map_err(io)?;
        file.write_all(chunk).map_err(io)?;
        file.sync_data().map_err(io)?;
        drop(file);
        let received = offset + chunk.len() as u64;
        if received < length {
            conn.execute(
                "UPDATE blob_uploads SET received = ?1, updated_at = ?2
                 WHERE sha256 = ?3 AND device_id = ?4",
                params![received, now, sha, who.device],
            )?;
            return Ok(BlobStatus {
                received,
                length,
                complete: false,
            });
        }
        let matches = file_sha256(&part).map_err(io)? == sha;
        let tx = conn.transaction()?;
        tx.execute(
            "DELETE FROM blob_uploads WHERE sha256 = ?1 AND device_id = ?2",
            params![sha, who.device],
        )?;
        if !matches {
            tx.commit()?;
            let _ = std::fs::remove_file(&part);
            return Err(HubError::bad_request(
                "hash_mismatch",
                "the uploaded bytes do not match their SHA-256; upload again",
            ));
        }
        if complete_length(&tx, sha)?.is_some() {
            // Another farm stored the same bytes: keep one copy.
            std::fs::remove_file(&part).map_err(io)?;
        } else {
            std::fs::rename(&part, self.path(sha)).map_err(io)?;
            // The rename must survive a power cut before the row that says
            // "complete" commits, or the hub would promise a missing file.
            sync_dir(&self.dir).map_err(io)?;
            tx.execute(
                "INSERT INTO blobs (sha256, length, received, complete, created_at)
                 VALUES (?1, ?2, ?2, 1, ?3)",
                params![sha, length, now],
            )?;
        }
        let farms: Vec<String> = who.farms.iter().map(ToString::to_string).collect();
        touch_owners(&tx, sha, &farms, now)?;
        tx.commit()?;
        Ok(BlobStatus {
            received,
            length,
            complete: true,
        })
    }

    /// Where a complete photo's bytes are, and their length, if `reader`
    /// may read it: anyone a photo an active listing shows, a device also
    /// its farms' photos. Anything else is not found.
    pub fn open_for(&self, store: &Store, reader: Reader<'_>, sha: &str) -> Result<(PathBuf, u64)> {
        check_sha(sha)?;
        let conn = store.reader();
        let Some(length) = complete_length(&conn, sha)? else {
            return Err(HubError::NotFound("no such photo"));
        };
        let public: bool = conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM listing_blobs lb JOIN listings l ON l.id = lb.listing_id
                                WHERE lb.sha256 = ?1 AND l.status = 'active')",
            )?
            .query_row([sha], |r| r.get(0))?;
        let allowed = public
            || match reader {
                Reader::Public => false,
                Reader::Farms(farms) => !holders_among(&conn, sha, farms)?.is_empty(),
            };
        if !allowed {
            return Err(HubError::NotFound("no such photo"));
        }
        Ok((self.path(sha), length))
    }
}

impl BlobStore {
    /// Where a complete photo's bytes are, and their length, for a reader
    /// the caller has already let in (the buyer of the order a delivery
    /// photo belongs to). Not found if the hub does not hold it.
    pub(crate) fn open_checked(&self, store: &Store, sha: &str) -> Result<(PathBuf, u64)> {
        check_sha(sha)?;
        let length = complete_length(&store.reader(), sha)?;
        let length = length.ok_or(HubError::NotFound("no such photo"))?;
        Ok((self.path(sha), length))
    }
}

/// Flushes a directory's entries (file creations and renames) to disk.
fn sync_dir(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
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
    // one of its orders was delivered with it.
    conn.execute(
        "DELETE FROM blob_owners WHERE touched_at < ?1 AND NOT EXISTS (
             SELECT 1 FROM listing_blobs lb JOIN listings l ON l.id = lb.listing_id
             WHERE lb.sha256 = blob_owners.sha256 AND l.farm_id = blob_owners.farm_id)
           AND NOT EXISTS (
             SELECT 1 FROM orders o WHERE o.farm_id = blob_owners.farm_id
               AND (o.delivery_photo = blob_owners.sha256 OR o.delivery_thumb = blob_owners.sha256))",
        [claims_before],
    )?;
    let orphans: Vec<String> = conn
        .prepare(
            "DELETE FROM blobs WHERE created_at < ?1
               AND NOT EXISTS (SELECT 1 FROM blob_owners o WHERE o.sha256 = blobs.sha256)
               AND NOT EXISTS (SELECT 1 FROM listing_blobs lb WHERE lb.sha256 = blobs.sha256)
               AND NOT EXISTS (SELECT 1 FROM orders o
                               WHERE o.delivery_photo = blobs.sha256 OR o.delivery_thumb = blobs.sha256)
             RETURNING sha256",
        )?
        .query_map(params![claims_before], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok((expired, orphans))
}
