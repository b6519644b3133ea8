//! Content-addressed files: `blobs/ab/abcdef….jpg`, named by SHA-256.
//! Written atomically (temporary file, fsync, rename) so a crash never leaves
//! a half-written file under a real name.
//!
//! Also the one writer of the `blobs` table, which says which hashes this
//! device knows, whether their bytes are here and whether the hub has them.

use crate::error::{Error, Result};
use rusqlite::{Connection, params};
use std::io::Write;
use std::path::PathBuf;

pub(crate) struct BlobStore {
    root: PathBuf,
}

/// True for a lowercase hex SHA-256: the only names a blob may have, so a
/// hash from outside can never become a path like `../../etc`.
pub(crate) fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Lowercase hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Records a blob whose file was just stored here (not yet on the hub).
pub(crate) fn record_stored(conn: &Connection, sha256: &str, bytes: u64, now: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO blobs (sha256, bytes, created_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![sha256, bytes as i64, now])?;
    Ok(())
}

/// Records a blob known by hash from the hub: complete there, its bytes
/// perhaps not here yet. A blob already known is left as it is.
pub(crate) fn record_known(conn: &Connection, sha256: &str, bytes: u64, now: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO blobs (sha256, bytes, created_at, present, uploaded)
         VALUES (?1, ?2, ?3, 0, 1)",
    )?
    .execute(params![sha256, bytes as i64, now])?;
    Ok(())
}

/// Marks a blob as complete on the hub.
pub(crate) fn mark_uploaded(conn: &Connection, sha256: &str) -> Result<()> {
    conn.prepare_cached("UPDATE blobs SET uploaded = 1 WHERE sha256 = ?1")?
        .execute([sha256])?;
    Ok(())
}

/// Marks a blob's bytes as present here (downloaded).
pub(crate) fn mark_present(conn: &Connection, sha256: &str) -> Result<()> {
    conn.prepare_cached("UPDATE blobs SET present = 1 WHERE sha256 = ?1")?
        .execute([sha256])?;
    Ok(())
}

/// Forgets a blob nothing references any more (its file goes separately).
pub(crate) fn forget(conn: &Connection, sha256: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM blobs WHERE sha256 = ?1")?
        .execute([sha256])?;
    Ok(())
}

impl BlobStore {
    pub(crate) fn new(root: PathBuf) -> Self {
        BlobStore { root }
    }

    /// Where the blob with this hash lives (whether or not it exists).
    pub(crate) fn path(&self, sha256: &str) -> Result<PathBuf> {
        if !is_sha256_hex(sha256) {
            return Err(Error::InvalidArgument(
                "a photo id is 64 lowercase hexadecimal characters".into(),
            ));
        }
        Ok(self.root.join(&sha256[..2]).join(format!("{sha256}.jpg")))
    }

    /// Stores `bytes` under `sha256` unless already there; true if written now.
    pub(crate) fn put(&self, sha256: &str, bytes: &[u8]) -> Result<bool> {
        let path = self.path(sha256)?;
        if path.metadata().is_ok_and(|m| m.len() == bytes.len() as u64) {
            return Ok(false);
        }
        let dir = path.parent().unwrap_or(&self.root);
        crate::private::private_dir(dir)?;
        let tmp = dir.join(format!(".{sha256}.{}.tmp", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut file = crate::private::private_file()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&tmp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::io("save the photo", e)
        })?;
        Ok(true)
    }

    /// Deletes a blob file; a missing file is fine.
    pub(crate) fn remove(&self, sha256: &str) -> Result<()> {
        match std::fs::remove_file(self.path(sha256)?) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(Error::io("delete a photo file", e))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hex_hashes_make_paths() {
        let store = BlobStore::new(PathBuf::from("/tmp/x"));
        assert!(store.path("../../etc/passwd").is_err());
        assert!(store.path(&"A".repeat(64)).is_err());
        let ok = "a".repeat(64);
        assert!(store.path(&ok).unwrap().ends_with(format!("aa/{ok}.jpg")));
    }
}
