//! The hub's files on disk: private modes (0600 files in 0700 folders) and
//! the secret key that enrolment codes are hashed with.
//!
//! Codes are short (50 bits, to be read out over a phone line), so a plain
//! hash of one could be brute-forced from a leaked database. They are
//! stored as HMAC-SHA256 under a 32-byte key kept in `<db>.secret`, which a
//! copy of the database alone does not contain. Device and buyer tokens are
//! 256 random bits: a plain SHA-256 of one cannot be reversed, so those are
//! stored as SHA-256.

use crate::error::{HubError, Result};
use hmac::{KeyInit, Mac};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Bytes of the code key.
const KEY_BYTES: usize = 32;

/// The key enrolment codes are hashed with.
#[derive(Clone)]
pub(crate) struct CodeKey([u8; KEY_BYTES]);

impl std::fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeKey(<redacted>)")
    }
}

impl CodeKey {
    /// HMAC-SHA256 of `code` under this key, as lowercase hex.
    pub(crate) fn hash(&self, code: &str) -> String {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(code.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

pub(crate) use crate::store::rules::accounts::hex;

/// `<db>.secret`: the code key's file beside the database.
pub fn secret_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".secret");
    PathBuf::from(p)
}

fn io(what: &str, path: &Path, e: std::io::Error) -> HubError {
    HubError::Io(format!("cannot {what} {}: {e}", path.display()))
}

/// Reads the code key beside `db`, creating it (32 random bytes, 0600) on
/// first open. Two processes opening at once agree: only one creates it.
pub(crate) fn load_or_create_key(db: &Path) -> Result<CodeKey> {
    load_or_create_key_at(&secret_path(db))
}

/// Reads the code key at `path`, creating it (32 random bytes, 0600) if
/// missing. Two processes opening at once agree: only one creates it.
pub(crate) fn load_or_create_key_at(path: &Path) -> Result<CodeKey> {
    let path = path.to_owned();
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    private_mode(&mut opts);
    match opts.open(&path) {
        Ok(mut file) => {
            let mut key = [0u8; KEY_BYTES];
            getrandom::fill(&mut key)
                .map_err(|e| HubError::Internal(format!("no randomness: {e}")))?;
            file.write_all(&key)
                .and_then(|()| file.sync_all())
                .map_err(|e| io("write", &path, e))?;
            return Ok(CodeKey(key));
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io("create", &path, e)),
    }
    // Created by another process a moment ago: wait for its 32 bytes.
    for _ in 0..50 {
        let mut bytes = Vec::new();
        std::fs::File::open(&path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(|e| io("read", &path, e))?;
        if let Ok(key) = <[u8; KEY_BYTES]>::try_from(bytes.as_slice()) {
            make_private(&path)?;
            return Ok(CodeKey(key));
        }
        if bytes.len() > KEY_BYTES {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Err(HubError::Io(format!(
        "{} is not a hub secret (32 bytes); restore it from a backup or move it away (unused enrolment codes then stop working)",
        path.display()
    )))
}

#[cfg(unix)]
fn private_mode(opts: &mut std::fs::OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    opts.mode(0o600);
}

#[cfg(not(unix))]
fn private_mode(_: &mut std::fs::OpenOptions) {}

/// Sets a file to 0600 (a folder to 0700), if it exists.
pub(crate) fn make_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => 0o700,
            Ok(_) => 0o600,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io("inspect", path, e)),
        };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| io("restrict", path, e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Creates `dir` (and missing parents) as 0700 folders.
pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| io("create", dir, e))
}

/// Prepares the database file before SQLite opens it: its folder made if
/// missing (0700), the file created 0600 (SQLite gives its -wal and -shm
/// files the database's mode), and files left 0644 by older hubs restricted.
pub(crate) fn prepare_db_file(db: &Path) -> Result<()> {
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            create_private_dir(dir)?;
        }
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.append(true).create(true);
    private_mode(&mut opts);
    opts.open(db).map_err(|e| io("create", db, e))?;
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        make_private(Path::new(&p))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_hash_is_keyed_and_matches_rfc_4231() {
        // RFC 4231, test case 2.
        let mut key = [0u8; KEY_BYTES];
        key[..4].copy_from_slice(b"Jefe");
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let a = CodeKey(key).hash("ABCD2345WXYZ");
        let b = CodeKey([7; KEY_BYTES]).hash("ABCD2345WXYZ");
        assert_ne!(a, b, "another key, another hash");
        assert!(!format!("{:?}", CodeKey(key)).contains("Jefe"));
    }

    #[test]
    fn the_key_is_made_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("sub").join("hub.db");
        prepare_db_file(&db).unwrap();
        let first = load_or_create_key(&db).unwrap();
        let again = load_or_create_key(&db).unwrap();
        assert_eq!(first.0, again.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&secret_path(&db)), 0o600);
            assert_eq!(mode(&db), 0o600);
            assert_eq!(mode(db.parent().unwrap()), 0o700);
        }
        std::fs::write(secret_path(&db), b"short").unwrap();
        assert!(load_or_create_key(&db).is_err(), "a damaged key is refused");
    }
}
