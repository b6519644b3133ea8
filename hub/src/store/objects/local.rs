//! The default object store: one file per object in a local directory.

use super::{ObjectStore, PhotoBytes, PhotoSource, io};
use crate::error::{HubError, Result};
use crate::store::sqlite::files::{create_private_dir, make_private};
use std::io::{Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Objects as files `<dir>/<key>`. A key is a file name without a dot
/// (photos: their SHA-256 in hex), so uploads in progress (`*.part`) and
/// half-written objects (`.<key>.tmp`) sharing the folder are never keys.
#[derive(Debug, Clone)]
pub struct LocalDir {
    dir: PathBuf,
}

/// Flushes a directory's entries (file creations and renames) to disk.
pub(super) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

fn is_key(name: &str) -> bool {
    !name.is_empty() && !name.contains(['.', '/', '\\'])
}

impl LocalDir {
    /// Objects in `dir`, made if missing: private (0700), as photos of
    /// unpublished listings are the farm's.
    pub fn new(dir: &Path) -> Result<LocalDir> {
        create_private_dir(dir)?;
        make_private(dir)?;
        Ok(LocalDir {
            dir: dir.to_path_buf(),
        })
    }

    fn path(&self, key: &str) -> Result<PathBuf> {
        if is_key(key) {
            Ok(self.dir.join(key))
        } else {
            Err(HubError::Internal(format!("not an object key: {key:?}")))
        }
    }
}

impl ObjectStore for LocalDir {
    fn put(&self, key: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path(key)?;
        let tmp = self.dir.join(format!(".{key}.tmp"));
        let mut file = std::fs::File::create(&tmp).map_err(io)?;
        file.write_all(bytes).map_err(io)?;
        file.sync_data().map_err(io)?;
        drop(file);
        std::fs::rename(&tmp, &path).map_err(io)?;
        sync_dir(&self.dir).map_err(io)
    }

    fn put_file(&self, key: &str, file: &Path) -> Result<()> {
        let path = self.path(key)?;
        std::fs::rename(file, &path).map_err(io)?;
        // The rename must survive a power cut before the row that says
        // "complete" commits, or the hub would promise a missing file.
        sync_dir(&self.dir).map_err(io)
    }

    fn get_range(&self, key: &str, range: Range<u64>) -> Result<Vec<u8>> {
        let mut file = std::fs::File::open(self.path(key)?)
            .map_err(|_| HubError::NotFound("no such photo"))?;
        file.seek(SeekFrom::Start(range.start)).map_err(io)?;
        let mut out = Vec::new();
        file.take(range.end.saturating_sub(range.start))
            .read_to_end(&mut out)
            .map_err(io)?;
        Ok(out)
    }

    fn serve(&self, key: &str, length: u64) -> Result<PhotoBytes> {
        Ok(PhotoBytes {
            length,
            source: PhotoSource::File(self.path(key)?),
        })
    }

    fn delete(&self, key: &str) -> Result<()> {
        match std::fs::remove_file(self.path(key)?) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
            _ => Ok(()),
        }
    }

    fn list(&self) -> Result<Vec<String>> {
        let entries = std::fs::read_dir(&self.dir).map_err(io)?;
        Ok(entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| is_key(name))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn objects_round_trip_and_uploads_beside_them_are_not_objects() {
        let dir = tempfile::tempdir().unwrap();
        let objects = LocalDir::new(dir.path()).unwrap();
        objects.put("abc", b"hello world").unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("abc")).unwrap(),
            b"hello world"
        );
        assert_eq!(objects.get_range("abc", 6..11).unwrap(), b"world");
        assert_eq!(objects.get_range("abc", 6..99).unwrap(), b"world");
        std::fs::write(dir.path().join("abc.dev.part"), b"x").unwrap();
        let part = dir.path().join("moved");
        std::fs::write(&part, b"moved in").unwrap();
        objects.put_file("def", &part).unwrap();
        assert!(!part.exists());
        let mut keys = objects.list().unwrap();
        keys.sort();
        assert_eq!(keys, ["abc", "def"]);
        objects.delete("abc").unwrap();
        objects.delete("abc").unwrap();
        assert!(objects.get_range("abc", 0..1).is_err());
        assert!(objects.put("../x", b"no").is_err(), "a key is a plain name");
    }
}
