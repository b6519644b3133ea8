//! Listings: create, edit (last-writer-wins per field), stock, status, reads.

use crate::Core;
use crate::action::Action;
use crate::error::{Error, Result};
use farmlive_protocol::listing::{apply_stock_delta, validate_stock};
use farmlive_protocol::ops::OpBody;
use farmlive_protocol::{
    Currency, FarmId, ListingDraft, ListingId, ListingPatch, ListingStatus, Money, Unit,
    ValidationError,
};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// A listing as the device sees it now (synced state plus pending local edits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listing {
    /// Its id.
    pub id: ListingId,
    /// The farm selling it.
    pub farm_id: FarmId,
    /// Title.
    pub title: String,
    /// Description (may be empty).
    pub description: String,
    /// Selling unit.
    pub unit: Unit,
    /// Price per unit.
    pub price: Money,
    /// Units in stock.
    pub stock: i64,
    /// Active, paused or archived.
    pub status: ListingStatus,
    /// When it was created (UTC ms).
    pub created_at: i64,
    /// When it last changed on this device (UTC ms).
    pub updated_at: i64,
    /// Photos, in display order.
    pub photos: Vec<ListingPhoto>,
}

/// A photo on a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListingPhoto {
    /// SHA-256 of the listing-size JPEG; the photo's id.
    pub sha256: String,
    /// SHA-256 of the thumbnail JPEG.
    pub thumb_sha256: String,
    /// Listing image width, pixels.
    pub width: u32,
    /// Listing image height, pixels.
    pub height: u32,
    /// Display position, from 0.
    pub position: u32,
}

/// Which listings to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingFilter {
    /// Only this farm's.
    pub farm: Option<FarmId>,
    /// Only this status; `None` means active and paused (not archived).
    pub status: Option<ListingStatus>,
    /// At most this many, newest change first.
    pub limit: u32,
}

impl Default for ListingFilter {
    fn default() -> Self {
        ListingFilter {
            farm: None,
            status: None,
            limit: 100,
        }
    }
}

pub(crate) const LISTING_COLUMNS: &str = "l.id, l.farm_id, l.title, l.description, l.unit, \
     l.price_minor, l.currency, l.stock, l.status, l.created_at, l.updated_at";

/// Reads a TEXT column into any type with `FromStr`.
pub(crate) use farmlive_sqlite::text_col as parse_col;

fn listing_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Listing> {
    let currency: String = row.get(6)?;
    let currency = Currency::from_code(&currency).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(Listing {
        id: parse_col(row, 0)?,
        farm_id: parse_col(row, 1)?,
        title: row.get(2)?,
        description: row.get(3)?,
        unit: parse_col(row, 4)?,
        price: Money::from_minor(row.get(5)?, currency),
        stock: row.get(7)?,
        status: parse_col(row, 8)?,
        created_at: row.get(9)?,
        updated_at: row.get(10)?,
        photos: Vec::new(),
    })
}

/// Loads one listing with its photos, on any connection (reader or a transaction).
pub(crate) fn load(conn: &Connection, id: ListingId) -> Result<Listing> {
    let sql = format!("SELECT {LISTING_COLUMNS} FROM listings l WHERE l.id = ?1");
    let mut listing = conn
        .prepare_cached(&sql)?
        .query_row([id.to_string()], listing_from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("listing", id))?;
    listing.photos = load_photos(conn, id)?;
    Ok(listing)
}

pub(crate) fn load_photos(conn: &Connection, id: ListingId) -> Result<Vec<ListingPhoto>> {
    let mut stmt = conn.prepare_cached(
        "SELECT sha256, thumb_sha256, width, height, position FROM listing_photos
         WHERE listing_id = ?1 ORDER BY position",
    )?;
    let photos = stmt
        .query_map([id.to_string()], |r| {
            Ok(ListingPhoto {
                sha256: r.get(0)?,
                thumb_sha256: r.get(1)?,
                width: r.get(2)?,
                height: r.get(3)?,
                position: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(photos)
}

/// Runs a listing query and attaches each result's photos.
pub(crate) fn query_listings(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Listing>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut listings = stmt
        .query_map(params, listing_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for listing in &mut listings {
        listing.photos = load_photos(conn, listing.id)?;
    }
    Ok(listings)
}

/// Loads a listing for a change, refusing archived ones.
pub(crate) fn load_for_change(a: &Action<'_>, id: ListingId) -> Result<Listing> {
    let listing = load(&a.tx, id)?;
    if listing.status == ListingStatus::Archived {
        return Err(ValidationError::Archived.into());
    }
    Ok(listing)
}

impl Core {
    /// Creates a listing for `farm`. The listing starts active.
    pub fn create_listing(&self, farm: FarmId, draft: ListingDraft) -> Result<Listing> {
        let fields = draft.validate()?;
        self.act(|a| {
            let farm_known: bool = a.tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM farms WHERE id = ?1)",
                [farm.to_string()],
                |r| r.get(0),
            )?;
            if !farm_known {
                return Err(Error::not_found("farm", farm));
            }
            let id = ListingId::new();
            let at = a.record(OpBody::ListingCreate {
                listing: id,
                farm,
                fields: fields.clone(),
            })?;
            let at = at.to_string();
            a.tx.execute(
                "INSERT INTO listings (id, farm_id, title, title_hlc, description, description_hlc,
                    unit, unit_hlc, price_minor, currency, price_hlc, stock, stock_hlc,
                    status, status_hlc, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?4, ?6, ?4, ?7, ?8, ?4, ?9, ?4, 'active', ?4, ?10, ?10)",
                params![
                    id.to_string(),
                    farm.to_string(),
                    fields.title,
                    at,
                    fields.description,
                    fields.unit.as_str(),
                    fields.price.minor,
                    fields.price.currency.code(),
                    fields.stock,
                    a.now_ms,
                ],
            )?;
            load(&a.tx, id)
        })
    }

    /// Changes plain fields (title, description, unit, price).
    pub fn edit_listing(&self, id: ListingId, patch: ListingPatch) -> Result<Listing> {
        let patch = patch.validate()?;
        self.act(|a| {
            load_for_change(a, id)?;
            let at = a.record(OpBody::ListingEdit {
                listing: id,
                patch: patch.clone(),
            })?;
            let (at, key) = (at.to_string(), id.to_string());
            let set = |sql: &str, value: &dyn rusqlite::ToSql| -> Result<()> {
                a.tx.execute(sql, params![value, at, key])?;
                Ok(())
            };
            if let Some(title) = &patch.title {
                set("UPDATE listings SET title = ?1, title_hlc = ?2 WHERE id = ?3", title)?;
            }
            if let Some(description) = &patch.description {
                set(
                    "UPDATE listings SET description = ?1, description_hlc = ?2 WHERE id = ?3",
                    description,
                )?;
            }
            if let Some(unit) = patch.unit {
                set("UPDATE listings SET unit = ?1, unit_hlc = ?2 WHERE id = ?3", &unit.as_str())?;
            }
            if let Some(price) = patch.price {
                a.tx.execute(
                    "UPDATE listings SET price_minor = ?1, currency = ?2, price_hlc = ?3 WHERE id = ?4",
                    params![price.minor, price.currency.code(), at, key],
                )?;
            }
            touch(a, id)?;
            load(&a.tx, id)
        })
    }

    /// Sets stock to a counted level (last writer wins against other sets).
    pub fn set_stock(&self, id: ListingId, stock: i64) -> Result<Listing> {
        let stock = validate_stock(stock)?;
        self.act(|a| {
            load_for_change(a, id)?;
            let at = a.record(OpBody::StockSet { listing: id, stock })?;
            a.tx.execute(
                "UPDATE listings SET stock = ?1, stock_hlc = ?2 WHERE id = ?3",
                params![stock, at.to_string(), id.to_string()],
            )?;
            touch(a, id)?;
            load(&a.tx, id)
        })
    }

    /// Adds (harvest in) or removes (sold elsewhere) stock; deltas from
    /// several devices add up. Stock never goes below zero.
    pub fn adjust_stock(&self, id: ListingId, delta: i64) -> Result<Listing> {
        self.act(|a| {
            let current = load_for_change(a, id)?;
            let stock = apply_stock_delta(current.stock, delta)?;
            a.record(OpBody::StockAdjust { listing: id, delta })?;
            a.tx.execute(
                "UPDATE listings SET stock = ?1 WHERE id = ?2",
                params![stock, id.to_string()],
            )?;
            touch(a, id)?;
            load(&a.tx, id)
        })
    }

    /// Pauses, resumes or archives a listing. Archiving is final. Setting the
    /// status it already has changes nothing and records nothing.
    pub fn set_listing_status(&self, id: ListingId, status: ListingStatus) -> Result<Listing> {
        self.act(|a| {
            let current = load(&a.tx, id)?;
            if current.status == status {
                return Ok(current);
            }
            current.status.change_to(status)?;
            let at = a.record(OpBody::ListingStatus {
                listing: id,
                status,
            })?;
            a.tx.execute(
                "UPDATE listings SET status = ?1, status_hlc = ?2 WHERE id = ?3",
                params![status.as_str(), at.to_string(), id.to_string()],
            )?;
            touch(a, id)?;
            load(&a.tx, id)
        })
    }

    /// One listing with its photos.
    pub fn listing(&self, id: ListingId) -> Result<Listing> {
        load(&self.store.reader(), id)
    }

    /// Listings matching `filter`, most recently changed first.
    pub fn listings(&self, filter: &ListingFilter) -> Result<Vec<Listing>> {
        let status_clause = match filter.status {
            Some(_) => "l.status = ?2",
            None => "l.status != 'archived' AND ?2 IS NULL",
        };
        let sql = format!(
            "SELECT {LISTING_COLUMNS} FROM listings l
             WHERE (?1 IS NULL OR l.farm_id = ?1) AND {status_clause}
             ORDER BY l.updated_at DESC, l.id DESC LIMIT ?3"
        );
        query_listings(
            &self.store.reader(),
            &sql,
            params![
                filter.farm.map(|f| f.to_string()),
                filter.status.map(|s| s.as_str()),
                filter.limit
            ],
        )
    }
}

fn touch(a: &Action<'_>, id: ListingId) -> Result<()> {
    a.tx.execute(
        "UPDATE listings SET updated_at = ?1 WHERE id = ?2",
        params![a.now_ms, id.to_string()],
    )?;
    Ok(())
}

impl Core {
    /// Finds a listing by its full id, or by the end of its id (at least 4
    /// characters, as shown in the CLI's tables), which must be unambiguous.
    pub fn find_listing_id(&self, key: &str) -> Result<ListingId> {
        crate::store::find_id(&self.store.reader(), "listings", "listing", key)
    }
}
