//! Content-addressed files: `blobs/ab/abcdef….jpg`, named by SHA-256.
//! Written atomically (temporary file, fsync, rename) so a crash never leaves
//! a half-written file under a real name.

use crate::error::{Error, Result};
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
