//! Photo uploads to the hub in chunks, resumable: each chunk is sent from
//! where the hub's count stands, so a dropped link costs at most a chunk.
//! Sync uploads the outbox's photos with it; an expert's device its
//! answers' and guides' photos.

use super::{Backoff, CancelToken, HubClient, retry};
use crate::error::Result;

/// Photo bytes per upload request: small enough to finish on a weak 3G link
/// within the request timeout, so a drop costs at most one chunk.
const CHUNK_BYTES: usize = 128 * 1024;

/// Sends the next chunk of a photo from where the hub's count stands;
/// returns the hub's new count (all of it if the hub already has it).
pub(crate) async fn next_chunk(client: &HubClient, sha: &str, bytes: &[u8]) -> Result<u64> {
    let length = bytes.len() as u64;
    let at = client.blob_offset(sha).await?;
    if at >= length {
        return Ok(at);
    }
    let end = (at as usize + CHUNK_BYTES).min(bytes.len());
    client
        .blob_patch(sha, at, length, bytes[at as usize..end].to_vec())
        .await
}

/// Uploads one blob whole, chunk after chunk, with the usual retries per
/// chunk.
pub(crate) async fn upload(client: &HubClient, sha: &str, bytes: &[u8]) -> Result<()> {
    let (backoff, cancel, mut retries) = (Backoff::default(), CancelToken::new(), 0);
    loop {
        let at = retry(&backoff, &cancel, &mut retries, || {
            next_chunk(client, sha, bytes)
        })
        .await?;
        if at >= bytes.len() as u64 {
            return Ok(());
        }
    }
}
