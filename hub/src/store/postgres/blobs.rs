//! Photos: only what the op rules read so far (whether a photo may be
//! attached). Uploads and reads are not built on PostgreSQL yet, so this
//! file writes no table; `blobs`, `blob_owners` and `blob_uploads` get
//! their writer here when they are.

use super::pool::Conn;
use crate::error::Result;
use farmlive_protocol::FarmId;

/// True if the photo `sha` is complete and `farm` holds it: uploaded it,
/// shows it on a listing, or was delivered with it (as in SQLite's
/// `blobs.rs`).
pub(super) fn is_attachable(conn: &Conn<'_>, sha: &str, farm: FarmId) -> Result<bool> {
    let row = conn.query_one(
        "SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = $1 AND complete = 1)
            AND $2 IN (SELECT farm_id FROM blob_owners WHERE sha256 = $1
                 UNION SELECT l.farm_id FROM listing_blobs lb JOIN listings l ON l.id = lb.listing_id
                       WHERE lb.sha256 = $1
                 UNION SELECT farm_id FROM orders WHERE delivery_photo = $1 OR delivery_thumb = $1)",
        &[&sha, &farm.to_string()],
    )?;
    Ok(row.get(0))
}
