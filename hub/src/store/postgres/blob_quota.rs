//! Each farm's photo quota on PostgreSQL: the bytes of complete photos it
//! uploaded, plus uploads in progress by its devices at their declared
//! length (the rule is `rules::photos::check_quota`).

use super::pool::Conn;
use crate::error::Result;
use crate::store::interface::Uploader;
use crate::store::rules::photos;

/// Photo bytes charged to `farm`.
pub(super) fn usage(conn: &Conn<'_>, farm: &str) -> Result<u64> {
    let used: i64 = conn
        .query_one(
            "SELECT COALESCE((SELECT SUM(b.length) FROM blob_owners o
                                JOIN blobs b ON b.sha256 = o.sha256 WHERE o.farm_id = $1), 0)::BIGINT
                  + COALESCE((SELECT SUM(u.length) FROM blob_uploads u
                                JOIN device_farms d ON d.device_id = u.device_id
                                WHERE d.farm_id = $1), 0)::BIGINT",
            &[&farm],
        )?
        .get(0);
    Ok(u64::try_from(used).unwrap_or(0))
}

/// Refuses an upload of `more` bytes (replacing one of `less`) if it
/// would take any of the uploader's farms past `quota`. Each farm is
/// locked (in the farms' order) until the transaction ends, so two
/// devices of a farm starting uploads at once take turns.
pub(super) fn check_quota(
    conn: &Conn<'_>,
    quota: u64,
    who: Uploader<'_>,
    more: u64,
    less: u64,
) -> Result<()> {
    for farm in who.farms {
        let farm = farm.to_string();
        conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('photo-quota.' || $1::text, 0))",
            &[&farm],
        )?;
        photos::check_quota(usage(conn, &farm)?, less, more, quota)?;
    }
    Ok(())
}
