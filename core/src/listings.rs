//! Listings: create, edit (last-writer-wins per field), stock, status, reads.
//! Each action records its op and writes the row through `listing_rows`.

use crate::Core;
use crate::action::Action;
use crate::columns::{money_cols, parse_col};
use crate::error::{Error, Result};
use crate::listing_rows::{self, Touch};
use farmlive_protocol::listing::{apply_stock_delta, validate_stock};
use farmlive_protocol::listing_state::apply_listing_op;
use farmlive_protocol::ops::OpBody;
use farmlive_protocol::{
    FarmId, ListingDraft, ListingId, ListingPatch, ListingStatus, Money, Unit, ValidationError,
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

fn listing_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Listing> {
    Ok(Listing {
        id: parse_col(row, 0)?,
        farm_id: parse_col(row, 1)?,
        title: row.get(2)?,
        description: row.get(3)?,
        unit: parse_col(row, 4)?,
        price: money_cols(row, 5)?,
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
            let (sha256, thumb_sha256, width, height, position) = r.try_into()?;
            Ok(ListingPhoto {
                sha256,
                thumb_sha256,
                width,
                height,
                position,
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

/// Records `body`, an op about listing `id`, and writes the listing from
/// the protocol's fold of that op onto its current row: the same fold
/// (`apply_listing_op`) and the same writer (`listing_rows`) that apply
/// pulled state. Returns the listing as it now reads.
pub(crate) fn apply_local(
    a: &mut Action<'_>,
    id: ListingId,
    body: OpBody,
    touch: bool,
) -> Result<Listing> {
    let current = listing_rows::read_state(&a.tx, id)?;
    let op = a.record(body)?;
    let next = apply_listing_op(current.as_ref(), &op).map_err(Error::Rule)?;
    let touch = if touch {
        Touch::At(a.now_ms)
    } else {
        Touch::Keep
    };
    listing_rows::write(&a.tx, &next, touch)?;
    load(&a.tx, id)
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
            let body = OpBody::ListingCreate {
                listing: id,
                farm,
                fields,
            };
            apply_local(a, id, body, true)
        })
    }

    /// Changes plain fields (title, description, unit, price).
    pub fn edit_listing(&self, id: ListingId, patch: ListingPatch) -> Result<Listing> {
        let patch = patch.validate()?;
        self.act(|a| {
            load_for_change(a, id)?;
            apply_local(a, id, OpBody::ListingEdit { listing: id, patch }, true)
        })
    }

    /// Sets stock to a counted level (last writer wins against other sets).
    pub fn set_stock(&self, id: ListingId, stock: i64) -> Result<Listing> {
        let stock = validate_stock(stock)?;
        self.act(|a| {
            load_for_change(a, id)?;
            apply_local(a, id, OpBody::StockSet { listing: id, stock }, true)
        })
    }

    /// Adds (harvest in) or removes (sold elsewhere) stock; deltas from
    /// several devices add up. Stock never goes below zero.
    pub fn adjust_stock(&self, id: ListingId, delta: i64) -> Result<Listing> {
        self.act(|a| {
            let current = load_for_change(a, id)?;
            // Refused here, as the user's mistake, before anything is recorded.
            apply_stock_delta(current.stock, delta)?;
            apply_local(a, id, OpBody::StockAdjust { listing: id, delta }, true)
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
            let body = OpBody::ListingStatus {
                listing: id,
                status,
            };
            apply_local(a, id, body, true)
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

impl Core {
    /// Finds a listing by its full id, or by the end of its id (at least 4
    /// characters, as shown in the CLI's tables), which must be unambiguous.
    pub fn find_listing_id(&self, key: &str) -> Result<ListingId> {
        crate::store::find_id(&self.store.reader(), "listings", "listing", key)
    }
}
