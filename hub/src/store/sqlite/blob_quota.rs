//! Each farm's photo quota: the bytes of complete photos it uploaded, plus
//! uploads in progress by its devices at their declared length (the rule
//! itself is `rules::photos::check_quota`).

use crate::error::Result;
use crate::store::interface::Uploader;
use crate::store::rules::photos;
use rusqlite::Connection;

/// Photo bytes charged to `farm`.
pub(super) fn usage(conn: &Connection, farm: &str) -> Result<u64> {
    let used: i64 = conn
        .prepare_cached(
            "SELECT COALESCE((SELECT SUM(b.length) FROM blob_owners o
                                JOIN blobs b ON b.sha256 = o.sha256 WHERE o.farm_id = ?1), 0)
                  + COALESCE((SELECT SUM(u.length) FROM blob_uploads u
                                JOIN device_farms d ON d.device_id = u.device_id
                                WHERE d.farm_id = ?1), 0)",
        )?
        .query_row([farm], |r| r.get(0))?;
    Ok(u64::try_from(used).unwrap_or(0))
}

/// Refuses an upload of `more` bytes (replacing one of `less`) if it
/// would take any of the uploader's farms past `quota`.
pub(super) fn check_quota(
    conn: &Connection,
    quota: u64,
    who: Uploader<'_>,
    more: u64,
    less: u64,
) -> Result<()> {
    for farm in who.farms {
        photos::check_quota(usage(conn, &farm.to_string())?, less, more, quota)?;
    }
    Ok(())
}
