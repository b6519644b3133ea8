//! Where photo bytes live, behind a small seam both stores use: an
//! [`ObjectStore`] holds complete photos by key (their SHA-256), and
//! [`UploadParts`] holds uploads in progress. The default is one local
//! directory for both ([`PhotoStorage::local`], uploads as
//! `<sha>.<device>.part` files): `<db>.blobs/` beside a SQLite file, byte
//! for byte the layout hubs have always written, or a directory the
//! processes of one machine share for PostgreSQL. Processes on several
//! machines keep both in S3 ([`PhotoStorage::s3`]).
//!
//! Show recordings go through a seam of their own, [`RecordingStore`]
//! ([`S3Recordings`] beside the photos in S3; none for a local directory,
//! where the recording stays in the live folder it was written to).
//!
//! The seam is synchronous, like the store traits: store calls run on
//! blocking threads.

mod local;
mod parts;
pub mod recordings;
mod s3;
mod s3_parts;
mod s3_recordings;

pub use local::LocalDir;
pub use parts::{PartDir, UploadParts};
pub use recordings::RecordingStore;
pub use s3::{S3Location, S3Objects};
pub use s3_parts::S3Parts;
pub use s3_recordings::S3Recordings;

use crate::error::Result;
pub use crate::store::interface::{PhotoBytes, PhotoSource};
use crate::store::rules::photos::check_sha;
use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

/// A store of whole objects by key (for photos, the SHA-256 in hex).
pub trait ObjectStore: Send + Sync {
    /// Stores `bytes` whole under `key` (replacing what was there),
    /// durably before it returns.
    fn put(&self, key: &str, bytes: &[u8]) -> Result<()>;
    /// Moves the finished local file `file` in as `key`. The default reads
    /// it, [`ObjectStore::put`]s it and removes it; a local directory
    /// renames it instead.
    fn put_file(&self, key: &str, file: &Path) -> Result<()> {
        let bytes = std::fs::read(file).map_err(io)?;
        self.put(key, &bytes)?;
        std::fs::remove_file(file).map_err(io)
    }
    /// The bytes of `key` in `range` (fewer if the object ends first).
    fn get_range(&self, key: &str, range: Range<u64>) -> Result<Vec<u8>>;
    /// How HTTP serves `key`, whose length the caller knows: a file where
    /// there is one, else its bytes.
    fn serve(&self, key: &str, length: u64) -> Result<PhotoBytes> {
        Ok(PhotoBytes {
            length,
            source: PhotoSource::Bytes(self.get_range(key, 0..length)?),
        })
    }
    /// Deletes `key`; deleting a missing key is not an error.
    fn delete(&self, key: &str) -> Result<()>;
    /// Every key stored (for the collector).
    fn list(&self) -> Result<Vec<String>>;
}

/// Where a store keeps photo bytes: complete photos in `objects`, uploads
/// in progress in `parts`.
#[derive(Clone)]
pub struct PhotoStorage {
    /// Complete photos, by SHA-256.
    pub objects: Arc<dyn ObjectStore>,
    /// Uploads in progress.
    pub parts: Arc<dyn UploadParts>,
}

impl PhotoStorage {
    /// Both in the local directory `dir` (made if missing, 0700): photos as
    /// `<dir>/<sha>`, uploads as `<dir>/<sha>.<device>.part`.
    pub fn local(dir: &Path) -> Result<PhotoStorage> {
        let objects = LocalDir::new(dir)?;
        Ok(PhotoStorage {
            objects: Arc::new(objects),
            parts: Arc::new(PartDir::new(dir)?),
        })
    }

    /// Both in S3 at `location` (photos as `<prefix>/<sha>`, uploads as
    /// chunk objects under `<prefix>/uploads/`), with the endpoint and
    /// credentials of the AWS environment. Fails, saying why, if the
    /// bucket cannot be listed. `env` holds `AWS_…` variables that take
    /// precedence over the process's (none for a hub; a test's server).
    pub fn s3(location: &S3Location, env: &[(String, String)]) -> Result<PhotoStorage> {
        let client = Arc::new(s3::S3Client::connect(location, env)?);
        Ok(PhotoStorage {
            objects: Arc::new(S3Objects {
                client: client.clone(),
            }),
            parts: Arc::new(S3Parts { client }),
        })
    }

    /// Removes the photos not in `complete` and the uploads (by file name,
    /// `<sha>.<device>.part`) not in `uploading`: what a crash or an older
    /// hub left. The caller holds what stops uploads meanwhile. How many
    /// it removed.
    pub(crate) fn sweep(&self, complete: &BTreeSet<String>, uploading: &BTreeSet<String>) -> u64 {
        let mut removed = 0;
        for key in self.objects.list().unwrap_or_default() {
            let stray = check_sha(&key).is_ok() && !complete.contains(&key);
            if stray && self.objects.delete(&key).is_ok() {
                removed += 1;
            }
        }
        removed + self.parts.sweep(&|name| uploading.contains(name))
    }
}

impl std::fmt::Debug for PhotoStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhotoStorage")
            .field("parts", &self.parts)
            .finish_non_exhaustive()
    }
}

pub(crate) fn io(e: std::io::Error) -> crate::error::HubError {
    crate::error::HubError::Io(format!("blob storage: {e}"))
}
