//! Which photos each listing shows now (table `listing_blobs`): what
//! anyone may read, and what the collector must keep.

use crate::error::Result;
use farmlive_protocol::ListingState;
use rusqlite::Connection;

/// Records the photos `state` shows, replacing what it showed before.
/// Called only by `ops::save_listing`, the table's one writer, in the same
/// transaction as the listing.
pub(super) fn record(conn: &Connection, state: &ListingState) -> Result<()> {
    let id = state.id.to_string();
    conn.prepare_cached("DELETE FROM listing_blobs WHERE listing_id = ?1")?
        .execute([&id])?;
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO listing_blobs (sha256, listing_id) VALUES (?1, ?2)",
    )?;
    for entry in &state.photos {
        insert.execute([&entry.photo.sha256, &id])?;
        insert.execute([&entry.photo.thumb_sha256, &id])?;
    }
    Ok(())
}
