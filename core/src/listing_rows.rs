//! The one writer of the `listings` and `listing_photos` tables (and, by its
//! triggers, `listings_fts`). A listing's row is always written whole from
//! a [`ListingState`], the protocol's fold of its ops, whether the state came
//! from a local action (its op folded onto the row, see
//! `listings::apply_local`) or from the hub (the pulled base with the
//! pending ops folded on top, see `sync::view`). Adding a field means the
//! protocol, this writer and a migration.

use crate::columns::{money_cols, parse_col};
use crate::error::Result;
use crate::{blobs, farms};
use farmlive_protocol::listing_state::{PhotoEntry, Stamped};
use farmlive_protocol::ops::PhotoRef;
use farmlive_protocol::{FarmId, Hlc, ListingId, ListingState};
use rusqlite::{Connection, OptionalExtension, params};

/// When a write counts as a change on this device (the `updated_at` that
/// orders the farmer's lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Touch {
    /// The listing changed now.
    At(i64),
    /// Only its photos changed: its place in the lists stays.
    Keep,
}

const STATE_COLUMNS: &str = "id, farm_id, title, title_hlc, description, description_hlc, unit, \
     unit_hlc, price_minor, currency, price_hlc, stock, stock_hlc, status, status_hlc, created_at";

fn stamped<T>(row: &rusqlite::Row<'_>, value: T, at: usize) -> rusqlite::Result<Stamped<T>> {
    Ok(Stamped {
        value,
        at: parse_col(row, at)?,
    })
}

fn state_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ListingState> {
    Ok(ListingState {
        id: parse_col(row, 0)?,
        farm: parse_col(row, 1)?,
        title: stamped(row, row.get(2)?, 3)?,
        description: stamped(row, row.get(4)?, 5)?,
        unit: stamped(row, parse_col(row, 6)?, 7)?,
        price: stamped(row, money_cols(row, 8)?, 10)?,
        stock: row.get(11)?,
        stock_set_at: parse_col(row, 12)?,
        status: stamped(row, parse_col(row, 13)?, 14)?,
        photos: Vec::new(),
        created_at: row.get(15)?,
    })
}

/// The listing's row as a state, for folding a local op onto it.
///
/// The row keeps each photo's attach time in milliseconds only, so the
/// photos' stamps are rebuilt from it, kept in display order; the hub's own
/// stamps replace them at the next pull.
pub(crate) fn read_state(conn: &Connection, id: ListingId) -> Result<Option<ListingState>> {
    let sql = format!("SELECT {STATE_COLUMNS} FROM listings WHERE id = ?1");
    let Some(mut state) = conn
        .prepare_cached(&sql)?
        .query_row([id.to_string()], state_from_row)
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT p.sha256, p.thumb_sha256, p.width, p.height, coalesce(b.bytes, 0), p.added_at
         FROM listing_photos p LEFT JOIN blobs b ON b.sha256 = p.sha256
         WHERE p.listing_id = ?1 ORDER BY p.position",
    )?;
    let rows = stmt.query_map([id.to_string()], |r| {
        let (sha256, thumb_sha256, width, height, bytes, added_at): (_, _, _, _, i64, i64) =
            r.try_into()?;
        let bytes = u64::try_from(bytes).unwrap_or(0);
        let photo = PhotoRef {
            sha256,
            thumb_sha256,
            width,
            height,
            bytes,
        };
        Ok((photo, added_at))
    })?;
    let mut last_ms = i64::MIN;
    for row in rows {
        let (photo, added_at): (PhotoRef, i64) = row?;
        // Never earlier than the photo before it, so the fold keeps the order.
        last_ms = last_ms.max(added_at);
        let at = Hlc {
            wall_ms: last_ms,
            ..Hlc::zero()
        };
        state.photos.push(PhotoEntry { photo, at });
    }
    Ok(Some(state))
}

/// Writes a listing's row and its photos from `s`. A farm or photo known
/// only by id (synced from elsewhere) is recorded as such.
pub(crate) fn write(conn: &Connection, s: &ListingState, touch: Touch) -> Result<()> {
    let id = s.id.to_string();
    let now = match touch {
        Touch::At(now) => now,
        Touch::Keep => s.created_at,
    };
    farms::ensure_known(conn, s.farm, &s.farm.to_string(), now)?;
    conn.prepare_cached(
        "INSERT INTO listings (id, farm_id, title, title_hlc, description, description_hlc, unit, unit_hlc,
            price_minor, currency, price_hlc, stock, stock_hlc, status, status_hlc, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
         ON CONFLICT (id) DO UPDATE SET farm_id = ?2, title = ?3, title_hlc = ?4, description = ?5,
            description_hlc = ?6, unit = ?7, unit_hlc = ?8, price_minor = ?9, currency = ?10,
            price_hlc = ?11, stock = ?12, stock_hlc = ?13, status = ?14, status_hlc = ?15,
            updated_at = CASE WHEN ?18 THEN max(updated_at, ?17) ELSE updated_at END",
    )?
    .execute(params![
        id,
        s.farm.to_string(),
        s.title.value,
        s.title.at.to_string(),
        s.description.value,
        s.description.at.to_string(),
        s.unit.value.as_str(),
        s.unit.at.to_string(),
        s.price.value.minor,
        s.price.value.currency.code(),
        s.price.at.to_string(),
        s.stock,
        s.stock_set_at.to_string(),
        s.status.value.as_str(),
        s.status.at.to_string(),
        s.created_at,
        now,
        touch != Touch::Keep,
    ])?;
    conn.prepare_cached("DELETE FROM listing_photos WHERE listing_id = ?1")?
        .execute([&id])?;
    for (position, p) in s.photos.iter().enumerate() {
        for sha in [&p.photo.sha256, &p.photo.thumb_sha256] {
            // Known by hash; its bytes may live only on the hub.
            blobs::record_known(conn, sha, p.photo.bytes, now)?;
        }
        conn.prepare_cached(
            "INSERT INTO listing_photos (listing_id, sha256, thumb_sha256, width, height, position, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            id,
            p.photo.sha256,
            p.photo.thumb_sha256,
            p.photo.width,
            p.photo.height,
            position as u32,
            p.at.wall_ms
        ])?;
    }
    Ok(())
}

/// Removes a listing and its photos (one that exists neither on the hub nor
/// in a pending op).
pub(crate) fn delete(conn: &Connection, id: ListingId) -> Result<()> {
    conn.execute(
        "DELETE FROM listing_photos WHERE listing_id = ?1",
        [id.to_string()],
    )?;
    conn.execute("DELETE FROM listings WHERE id = ?1", [id.to_string()])?;
    Ok(())
}

/// Moves every listing of farm `from` to farm `to` (a local farm adopted
/// under the hub's id).
pub(crate) fn move_to_farm(conn: &Connection, from: FarmId, to: FarmId) -> Result<()> {
    conn.execute(
        "UPDATE listings SET farm_id = ?1 WHERE farm_id = ?2",
        params![to.to_string(), from.to_string()],
    )?;
    Ok(())
}
