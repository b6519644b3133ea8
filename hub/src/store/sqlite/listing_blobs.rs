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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::super::{MIGRATIONS, Store};

    #[test]
    fn upgrading_records_the_photos_listings_already_show_and_their_farms() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("hub.db");
        let (shown, thumb, unshown) = ("a".repeat(64), "b".repeat(64), "c".repeat(64));
        {
            let conn = rusqlite::Connection::open(&db).unwrap();
            for m in &MIGRATIONS[..2] {
                conn.execute_batch(m.sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 2).unwrap();
            conn.execute_batch(&format!(
                "INSERT INTO farms VALUES ('f1', 'Farm 1', 0);
                 INSERT INTO listings VALUES ('l1', 'f1', 'paused',
                   '{{\"photos\":[{{\"sha256\":\"{shown}\",\"thumb_sha256\":\"{thumb}\",\"width\":1,\"height\":1,\"bytes\":3,\"at\":\"x\"}}]}}');
                 INSERT INTO blobs VALUES ('{shown}', 3, 3, 1, 7), ('{thumb}', 2, 2, 1, 7),
                                          ('{unshown}', 9, 4, 0, 7);"
            ))
            .unwrap();
        }
        let store = Store::open(&db).unwrap();
        let conn = store.reader();
        let rows = |sql: &str| -> Vec<String> {
            let mut stmt = conn.prepare(sql).unwrap();
            stmt.query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        assert_eq!(
            rows("SELECT sha256 || ' ' || listing_id FROM listing_blobs ORDER BY 1"),
            [format!("{shown} l1"), format!("{thumb} l1")]
        );
        assert_eq!(
            rows(
                "SELECT sha256 || ' ' || farm_id || ' ' || touched_at FROM blob_owners ORDER BY 1"
            ),
            [format!("{shown} f1 7"), format!("{thumb} f1 7")]
        );
        assert_eq!(
            rows("SELECT sha256 FROM blobs ORDER BY 1"),
            [shown.clone(), thumb.clone()],
            "the half-done shared upload is dropped"
        );
    }
}
