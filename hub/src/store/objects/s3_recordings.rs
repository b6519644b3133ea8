//! Show recordings in S3, beside the photos: `<prefix>/recordings/<room
//! id>/<name>` (see [`super::recordings`]).

use super::recordings::{RecordingStore, check_name};
use super::s3::{S3Client, S3Location};
use crate::error::{HubError, Result};
use farmlive_protocol::RoomId;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore as _, ObjectStoreExt as _};
use std::sync::Arc;

/// The folder under the hub's prefix where recordings go.
const FOLDER: &str = "recordings";

/// Recordings in the bucket a hub's `--objects s3://…` names.
#[derive(Debug, Clone)]
pub struct S3Recordings {
    client: Arc<S3Client>,
}

impl S3Recordings {
    /// A client for `location` (see [`super::PhotoStorage::s3`] for `env`
    /// and the check made at start).
    pub fn connect(location: &S3Location, env: &[(String, String)]) -> Result<S3Recordings> {
        Ok(S3Recordings {
            client: Arc::new(S3Client::connect(location, env)?),
        })
    }

    fn room_path(&self, room: RoomId) -> ObjectPath {
        self.client.root().join(FOLDER).join(room.to_string())
    }

    fn path(&self, room: RoomId, name: &str) -> Result<ObjectPath> {
        check_name(name)?;
        Ok(self.room_path(room).join(name))
    }
}

impl RecordingStore for S3Recordings {
    fn put(&self, room: RoomId, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path(room, name)?;
        let payload = bytes::Bytes::copy_from_slice(bytes);
        self.client
            .block_on(self.client.store.put(&path, payload.into()))
            .map_err(|e| self.client.error("storing a recording", e))?;
        Ok(())
    }

    fn get(&self, room: RoomId, name: &str) -> Result<Vec<u8>> {
        let path = self.path(room, name)?;
        let got = self
            .client
            .block_on(async { self.client.store.get(&path).await?.bytes().await });
        match got {
            Ok(bytes) => Ok(bytes.to_vec()),
            Err(object_store::Error::NotFound { .. }) => Err(HubError::NotFound("no such video")),
            Err(e) => Err(self.client.error("reading a recording", e)),
        }
    }

    fn names(&self, room: RoomId) -> Result<Vec<String>> {
        let listed = self
            .client
            .block_on(
                self.client
                    .store
                    .list_with_delimiter(Some(&self.room_path(room))),
            )
            .map_err(|e| self.client.error("listing a recording", e))?;
        Ok(listed
            .objects
            .iter()
            .filter_map(|o| o.location.filename())
            .map(str::to_owned)
            .collect())
    }
}
