//! Resumable, content-addressed photo uploads.
//!
//! `HEAD` tells how many bytes have arrived; `PATCH` appends a chunk at
//! exactly that offset. When the last byte lands, the hub checks the SHA-256
//! and only then makes the blob visible. A dropped connection loses at most
//! the chunk in flight.

use super::{Store, now_ms};
use crate::error::{HubError, Result};
use farmlive_protocol::api::BLOB_MAX_BYTES;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::PathBuf;

/// Where blob bytes live: `<dir>/<sha256>` when complete, `.part` while uploading.
pub struct BlobStore {
    dir: PathBuf,
}

/// An upload's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobStatus {
    /// Bytes received.
    pub received: u64,
    /// Declared total.
    pub length: u64,
    /// Verified and visible.
    pub complete: bool,
}

fn load_status(conn: &Connection, sha: &str) -> Result<Option<BlobStatus>> {
    Ok(conn
        .prepare_cached("SELECT received, length, complete FROM blobs WHERE sha256 = ?1")?
        .query_row([sha], |r| {
            Ok(BlobStatus {
                received: r.get(0)?,
                length: r.get(1)?,
                complete: r.get(2)?,
            })
        })
        .optional()?)
}

fn check_sha(sha: &str) -> Result<()> {
    if sha.len() == 64 && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(HubError::NotFound("no such photo"))
    }
}

impl BlobStore {
    /// Blobs kept in `dir`.
    pub fn new(dir: PathBuf) -> Result<BlobStore> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| HubError::Io(format!("cannot create {}: {e}", dir.display())))?;
        Ok(BlobStore { dir })
    }

    fn path(&self, sha: &str, part: bool) -> PathBuf {
        self.dir.join(if part {
            format!("{sha}.part")
        } else {
            sha.to_owned()
        })
    }

    pub(crate) fn is_complete(&self, conn: &Connection, sha: &str) -> Result<bool> {
        Ok(conn
            .prepare_cached("SELECT complete FROM blobs WHERE sha256 = ?1")?
            .query_row([sha], |r| r.get::<_, bool>(0))
            .optional()?
            .unwrap_or(false))
    }

    /// Upload progress of a blob, if it was ever started.
    pub fn status(&self, store: &Store, sha: &str) -> Result<Option<BlobStatus>> {
        check_sha(sha)?;
        load_status(&store.reader(), sha)
    }

    /// Appends `chunk` at `offset` of a blob of total `length`.
    pub fn append(
        &self,
        store: &Store,
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
        let conn = store.writer(); // serialises uploads of the same blob
        let status = load_status(&conn, sha)?;
        let status = match status {
            Some(s) if s.complete => return Ok(s),
            Some(s) if s.length != length => {
                return Err(HubError::Conflict(
                    "length_mismatch",
                    format!("this upload is {} bytes long", s.length),
                ));
            }
            Some(s) => s,
            None => {
                conn.execute(
                    "INSERT INTO blobs (sha256, length, received, complete, created_at) VALUES (?1, ?2, 0, 0, ?3)",
                    params![sha, length, now_ms()],
                )?;
                let _ = std::fs::remove_file(self.path(sha, true));
                BlobStatus {
                    received: 0,
                    length,
                    complete: false,
                }
            }
        };
        if offset != status.received {
            return Err(HubError::Conflict(
                "offset_mismatch",
                format!("expected offset {}", status.received),
            ));
        }
        if offset + chunk.len() as u64 > length {
            return Err(HubError::bad_request(
                "too_long",
                "the chunk goes past the declared length",
            ));
        }
        let part = self.path(sha, true);
        let io = |e: std::io::Error| HubError::Io(format!("blob write: {e}"));
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&part)
            .map_err(io)?;
        // A previous chunk may have been written but not recorded (crash): cut back.
        file.set_len(offset).map_err(io)?;
        file.write_all(chunk).map_err(io)?;
        file.sync_data().map_err(io)?;
        let received = offset + chunk.len() as u64;
        let complete = received == length;
        if complete {
            let mut bytes = Vec::with_capacity(length as usize);
            std::fs::File::open(&part)
                .and_then(|mut f| f.read_to_end(&mut bytes))
                .map_err(io)?;
            let digest: String = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            if digest != sha {
                conn.execute("DELETE FROM blobs WHERE sha256 = ?1", [sha])?;
                let _ = std::fs::remove_file(&part);
                return Err(HubError::bad_request(
                    "hash_mismatch",
                    "the uploaded bytes do not match their SHA-256; upload again",
                ));
            }
            std::fs::rename(&part, self.path(sha, false)).map_err(io)?;
        }
        conn.execute(
            "UPDATE blobs SET received = ?1, complete = ?2 WHERE sha256 = ?3",
            params![received, complete, sha],
        )?;
        Ok(BlobStatus {
            received,
            length,
            complete,
        })
    }

    /// The bytes of a complete blob.
    pub fn read(&self, store: &Store, sha: &str) -> Result<Vec<u8>> {
        check_sha(sha)?;
        if !self.is_complete(&store.reader(), sha)? {
            return Err(HubError::NotFound("no such photo"));
        }
        std::fs::read(self.path(sha, false)).map_err(|e| HubError::Io(format!("blob read: {e}")))
    }
}
