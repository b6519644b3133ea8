//! Uploads in progress in S3, beside the photos, for hub processes on
//! several machines: a chunk resumed through another process must find
//! the chunks before it, and no folder is shared.
//!
//! **Why S3 chunk objects, not a PostgreSQL `blob_chunks` table.** Each
//! chunk is one object `<prefix>/uploads/<sha>.<device>/<offset>` (the
//! offset zero-padded, so names sort by it). The upload's row in
//! PostgreSQL (`blob_uploads.received`) stays the one record of how far
//! it got, exactly as with files: these objects are only its bytes. Kept
//! in S3, photo bytes never pass through PostgreSQL's WAL, backups and
//! vacuum (a table would write each photo there twice: chunk rows, then
//! their deletion), the schema needs no migration, and the same bucket
//! that must be reachable for photos is the only extra dependency. The
//! cost: each chunk is a LIST and a PUT, and finishing reads the chunks
//! back (photos are at most 8 MiB, sent in a handful of chunks).
//!
//! **Crash cut-back.** A chunk written whose transaction then failed is
//! an object past the recorded offset; the next write at that offset
//! first deletes every chunk object starting at or beyond it (the file's
//! `set_len(offset)`). Chunks never straddle a recorded offset: the row
//! records only the end of a whole chunk.

use super::parts::{UploadParts, split_name};
use super::s3::S3Client;
use crate::error::{HubError, Result};
use futures_util::TryStreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectMeta, ObjectStore as _, ObjectStoreExt as _};
use std::sync::Arc;

/// Uploads in progress as chunk objects under `<prefix>/uploads/`.
#[derive(Debug, Clone)]
pub struct S3Parts {
    pub(super) client: Arc<S3Client>,
}

/// Digits of a chunk's offset in its name (u64::MAX has 20).
const OFFSET_DIGITS: usize = 20;

impl S3Parts {
    fn uploads(&self) -> ObjectPath {
        self.client.root().join("uploads")
    }

    fn folder(&self, sha: &str, device: &str) -> ObjectPath {
        self.uploads().join(format!("{sha}.{device}.part"))
    }

    /// The upload's chunk objects with their offsets, in order.
    fn chunks(&self, sha: &str, device: &str) -> Result<Vec<(u64, ObjectMeta)>> {
        let folder = self.folder(sha, device);
        let listed: Vec<ObjectMeta> = self
            .client
            .block_on(self.client.store.list(Some(&folder)).try_collect())
            .map_err(|e| self.client.error("listing an upload's chunks", e))?;
        let mut chunks: Vec<(u64, ObjectMeta)> = listed
            .into_iter()
            .filter_map(|o| Some((o.location.filename()?.parse().ok()?, o)))
            .collect();
        chunks.sort_by_key(|(offset, _)| *offset);
        Ok(chunks)
    }

    fn delete_all(&self, chunks: Vec<ObjectMeta>) -> Result<()> {
        for chunk in chunks {
            match self
                .client
                .block_on(self.client.store.delete(&chunk.location))
            {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(self.client.error("deleting an upload's chunk", e)),
            }
        }
        Ok(())
    }
}

impl UploadParts for S3Parts {
    fn write_at(&self, sha: &str, device: &str, offset: u64, chunk: &[u8]) -> Result<()> {
        let beyond = self
            .chunks(sha, device)?
            .into_iter()
            .filter(|(start, _)| *start >= offset)
            .map(|(_, meta)| meta)
            .collect();
        self.delete_all(beyond)?;
        let path = self
            .folder(sha, device)
            .join(format!("{offset:0width$}", width = OFFSET_DIGITS));
        let payload = bytes::Bytes::copy_from_slice(chunk);
        self.client
            .block_on(self.client.store.put(&path, payload.into()))
            .map_err(|e| self.client.error("storing an upload's chunk", e))?;
        Ok(())
    }

    fn read(&self, sha: &str, device: &str) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for (start, meta) in self.chunks(sha, device)? {
            if start != out.len() as u64 {
                return Err(HubError::Io(format!(
                    "the upload of {sha} has no chunk at offset {} in {}",
                    out.len(),
                    self.client.location
                )));
            }
            let bytes = self
                .client
                .block_on(async { self.client.store.get(&meta.location).await?.bytes().await })
                .map_err(|e| self.client.error("reading an upload's chunk", e))?;
            out.extend_from_slice(&bytes);
        }
        Ok(out)
    }

    fn remove(&self, sha: &str, device: &str) {
        // A failure leaves chunks the collector's sweep removes.
        if let Ok(chunks) = self.chunks(sha, device) {
            let _ = self.delete_all(chunks.into_iter().map(|(_, m)| m).collect());
        }
    }

    fn names(&self) -> Result<Vec<String>> {
        // From the chunk objects themselves, not the listing's folders: a
        // server on a filer (SeaweedFS) may keep a folder whose objects
        // are all deleted, and S3 has an upload only while it has chunks.
        let listed: Vec<ObjectMeta> = self
            .client
            .block_on(self.client.store.list(Some(&self.uploads())).try_collect())
            .map_err(|e| self.client.error("listing uploads", e))?;
        let mut names: Vec<String> = listed
            .iter()
            .filter_map(|o| {
                let mut parts = o.location.prefix_match(&self.uploads())?;
                let folder = parts.next()?;
                Some(folder.as_ref().to_owned())
            })
            .filter(|name| split_name(name).is_some())
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }
}
