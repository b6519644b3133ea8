//! Which photos each listing shows now (the one writer of
//! `listing_blobs`): what anyone may read, and what the collector keeps.

use super::pool::Conn;
use crate::error::Result;
use farmlive_protocol::ListingState;

/// Records the photos `state` shows, replacing what it showed before.
/// Called only by `records::save_listing`, in the listing's transaction.
pub(super) fn record(conn: &Conn<'_>, state: &ListingState) -> Result<()> {
    let id = state.id.to_string();
    conn.execute("DELETE FROM listing_blobs WHERE listing_id = $1", &[&id])?;
    let shas: Vec<&str> = state
        .photos
        .iter()
        .flat_map(|e| [e.photo.sha256.as_str(), e.photo.thumb_sha256.as_str()])
        .collect();
    if !shas.is_empty() {
        conn.execute(
            "INSERT INTO listing_blobs (sha256, listing_id)
             SELECT DISTINCT s, $2 FROM UNNEST($1::text[]) AS s
             ON CONFLICT DO NOTHING",
            &[&shas, &id],
        )?;
    }
    Ok(())
}

/// [`record`] for many listings at once (a push's), in two statements.
pub(super) fn record_all(conn: &Conn<'_>, states: &[ListingState]) -> Result<()> {
    let ids: Vec<String> = states.iter().map(|s| s.id.to_string()).collect();
    conn.execute(
        "DELETE FROM listing_blobs WHERE listing_id = ANY($1)",
        &[&ids],
    )?;
    let (mut shas, mut owners) = (Vec::new(), Vec::new());
    for (state, id) in states.iter().zip(&ids) {
        for e in &state.photos {
            for sha in [e.photo.sha256.as_str(), e.photo.thumb_sha256.as_str()] {
                shas.push(sha);
                owners.push(id.as_str());
            }
        }
    }
    if !shas.is_empty() {
        conn.execute(
            "INSERT INTO listing_blobs (sha256, listing_id)
             SELECT DISTINCT s, l FROM UNNEST($1::text[], $2::text[]) AS t (s, l)
             ON CONFLICT DO NOTHING",
            &[&shas, &owners],
        )?;
    }
    Ok(())
}
