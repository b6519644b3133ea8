//! Each farm's photo quota: the bytes of complete photos it uploaded, plus
//! uploads in progress by its devices at their declared length.

use crate::error::{HubError, Result};
use crate::store::interface::Uploader;
use rusqlite::Connection;

/// Photo bytes a farm may keep on the hub unless the operator sets another
/// quota (`FARMLIVE_HUB_PHOTO_QUOTA_MB`): 2 GiB, some 10 000 listing photos.
pub const PHOTO_QUOTA_DEFAULT: u64 = 2 * 1024 * 1024 * 1024;

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

fn mib(bytes: u64) -> u64 {
    bytes.div_ceil(1024 * 1024)
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
        let used = usage(conn, &farm.to_string())?.saturating_sub(less);
        if used.saturating_add(more) > quota {
            return Err(HubError::Conflict(
                "quota_exceeded",
                format!(
                    "this farm's photos on the hub take {} of its {} MiB; remove photos from old listings, or ask the hub's operator for more room",
                    mib(used),
                    mib(quota)
                ),
            ));
        }
    }
    Ok(())
}
