//! `FarmLive`: the one object the app holds. Opened at a data directory, it
//! wraps the core for farms, listings, photos, the outbox, orders and
//! conflicts. Sync and enrolment live in `sync.rs`, live sessions in `live.rs`.
//!
//! Every argument from the shell is checked here before the core sees it
//! (lengths, ids, paths), so hostile input gets a `FarmLiveError`, never a
//! panic or an unbounded allocation.

use crate::ShellBytes;
use crate::error::{FarmLiveError, Result};
use crate::remote::{Conflict, ListingStatus, OrderStatus, Photo};
use crate::types::*;
use farmlive_core::Core;
use farmlive_core::protocol as p;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Longest text field accepted before validation, in bytes. The core's rules
/// are far tighter (a title is at most 60 characters); this only keeps a
/// hostile megabyte string from being normalised before it is refused.
const TEXT_MAX_BYTES: usize = 16 * 1024;
/// Longest path accepted, in bytes.
const PATH_MAX_BYTES: usize = 4096;
/// Most rows one query returns.
const QUERY_LIMIT_MAX: u32 = 1000;

pub(crate) fn check_text(field: &str, value: &str) -> Result<()> {
    if value.len() > TEXT_MAX_BYTES {
        return Err(FarmLiveError::bad_input(format!(
            "the {field} is far too long"
        )));
    }
    Ok(())
}

pub(crate) fn check_path(what: &str, path: &str) -> Result<()> {
    if path.trim().is_empty() {
        return Err(FarmLiveError::bad_input(format!("give a {what}")));
    }
    if path.len() > PATH_MAX_BYTES || path.contains('\0') {
        return Err(FarmLiveError::bad_input(format!("not a usable {what}")));
    }
    Ok(())
}

fn check_limit(limit: u32) -> Result<u32> {
    if limit == 0 || limit > QUERY_LIMIT_MAX {
        return Err(FarmLiveError::bad_input(format!(
            "the limit must be 1 to {QUERY_LIMIT_MAX}, not {limit}"
        )));
    }
    Ok(limit)
}

fn check_sha256(sha256: &str) -> Result<()> {
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(FarmLiveError::bad_input(
            "not a photo id (expected 64 hexadecimal characters)",
        ));
    }
    Ok(())
}

fn listings_out(rows: Vec<farmlive_core::Listing>) -> Vec<Listing> {
    rows.into_iter().map(Listing::from).collect()
}

/// The FarmLive core, opened at a data directory. Thread-safe: call it from
/// any thread; blocking calls (photos, queries) belong off the UI thread.
#[derive(uniffi::Object)]
pub struct FarmLive {
    pub(crate) core: Arc<Core>,
    /// The running sync's cancel token, if any.
    pub(crate) sync_cancel: Mutex<Option<farmlive_core::CancelToken>>,
    /// The running watch's cancel token, if any.
    pub(crate) watch_cancel: Mutex<Option<farmlive_core::CancelToken>>,
}

impl std::fmt::Debug for FarmLive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FarmLive { .. }")
    }
}

#[uniffi::export]
impl FarmLive {
    /// Opens (creating if needed) the core at `data_dir`. A damaged database
    /// is set aside, never deleted; one from a newer app is refused.
    #[uniffi::constructor]
    pub fn open(data_dir: String) -> Result<Arc<FarmLive>> {
        check_path("data directory", &data_dir)?;
        let core = Core::open(&data_dir)?;
        if let Some(aside) = &core.open_report().set_aside {
            tracing::warn!(target: "farmlive::ffi", "a damaged database was set aside as {}",
                aside.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        }
        tracing::info!(target: "farmlive::ffi", "core opened");
        Ok(Arc::new(FarmLive {
            core: Arc::new(core),
            sync_cancel: Mutex::new(None),
            watch_cancel: Mutex::new(None),
        }))
    }

    /// This device's id.
    pub fn device_id(&self) -> String {
        self.core.device_id().to_string()
    }

    /// True when opening found a damaged database and set it aside.
    pub fn damaged_database_set_aside(&self) -> bool {
        self.core.open_report().set_aside.is_some()
    }

    // ---- farms ----

    /// Adds a farm this device lists for; a name already used returns that farm.
    pub fn add_farm(&self, name: String) -> Result<Farm> {
        check_text("farm name", &name)?;
        Ok(self.core.add_farm(&name)?.into())
    }

    /// The farms this device lists for, by name.
    pub fn farms(&self) -> Result<Vec<Farm>> {
        Ok(self.core.farms()?.into_iter().map(Farm::from).collect())
    }

    // ---- listings ----

    /// Creates a listing (active) after checking every rule.
    pub fn create_listing(&self, draft: ListingDraft) -> Result<Listing> {
        check_text("title", &draft.title)?;
        check_text("description", &draft.description)?;
        if let Some(farm) = &draft.farm {
            check_text("farm", farm)?;
        }
        let farm = self.core.resolve_farm(draft.farm.as_deref())?;
        let core_draft = p::ListingDraft {
            title: draft.title,
            description: draft.description,
            unit: draft.unit,
            price: draft.price.to_core()?,
            stock: draft.stock,
        };
        Ok(self.core.create_listing(farm.id, core_draft)?.into())
    }

    /// Changes plain fields of a listing (last writer wins per field).
    pub fn edit_listing(&self, listing_id: String, patch: ListingPatch) -> Result<Listing> {
        let id = parse_id(&listing_id, "listing")?;
        for (field, value) in [("title", &patch.title), ("description", &patch.description)] {
            if let Some(v) = value {
                check_text(field, v)?;
            }
        }
        let core_patch = p::ListingPatch {
            title: patch.title,
            description: patch.description,
            unit: patch.unit,
            price: patch.price.as_ref().map(Money::to_core).transpose()?,
        };
        Ok(self.core.edit_listing(id, core_patch)?.into())
    }

    /// Sets stock to a counted level.
    pub fn set_stock(&self, listing_id: String, stock: i64) -> Result<Listing> {
        let id = parse_id(&listing_id, "listing")?;
        Ok(self.core.set_stock(id, stock)?.into())
    }

    /// Adds (positive) or removes (negative) stock; never below zero.
    pub fn adjust_stock(&self, listing_id: String, delta: i64) -> Result<Listing> {
        let id = parse_id(&listing_id, "listing")?;
        Ok(self.core.adjust_stock(id, delta)?.into())
    }

    /// Pauses, resumes or archives (final) a listing.
    pub fn set_listing_status(&self, listing_id: String, status: ListingStatus) -> Result<Listing> {
        let id = parse_id(&listing_id, "listing")?;
        Ok(self.core.set_listing_status(id, status)?.into())
    }

    /// One listing with its photos.
    pub fn listing(&self, listing_id: String) -> Result<Listing> {
        let id = parse_id(&listing_id, "listing")?;
        Ok(self.core.listing(id)?.into())
    }

    /// Listings matching `query`, most recently changed first.
    pub fn listings(&self, query: ListingQuery) -> Result<Vec<Listing>> {
        let filter = farmlive_core::ListingFilter {
            farm: query
                .farm_id
                .as_deref()
                .map(|f| parse_id(f, "farm"))
                .transpose()?,
            status: query.status,
            limit: check_limit(query.limit)?,
        };
        Ok(listings_out(self.core.listings(&filter)?))
    }

    /// Listings whose title or description contain every word of `text`
    /// (any language; matched literally), best first.
    pub fn search(&self, text: String, limit: u32) -> Result<Vec<Listing>> {
        check_text("search", &text)?;
        Ok(listings_out(self.core.search(&text, check_limit(limit)?)?))
    }

    /// A listing's full id from its full id or the last 4+ characters of it.
    pub fn find_listing_id(&self, key: String) -> Result<String> {
        check_text("listing id", &key)?;
        Ok(self.core.find_listing_id(&key)?.to_string())
    }

    // ---- photos ----

    /// Adds a photo (JPEG, PNG or WebP bytes, e.g. from the camera) to the end
    /// of a listing's photos: oriented, stripped of metadata, resized.
    pub fn add_photo_bytes(&self, listing_id: String, bytes: ShellBytes) -> Result<Photo> {
        let id = parse_id(&listing_id, "listing")?;
        Ok(self.core.add_photo_bytes(id, &bytes)?)
    }

    /// Adds the photo file at `path` to a listing.
    pub fn add_photo_file(&self, listing_id: String, path: String) -> Result<Photo> {
        let id = parse_id(&listing_id, "listing")?;
        check_path("photo path", &path)?;
        if !Path::new(&path).is_file() {
            return Err(FarmLiveError::bad_input(
                "there is no photo file at that path",
            ));
        }
        Ok(self.core.add_photo_file(id, &path)?)
    }

    /// Removes a photo from a listing; the photos after it move up.
    pub fn remove_photo(&self, listing_id: String, sha256: String) -> Result<()> {
        let id = parse_id(&listing_id, "listing")?;
        check_sha256(&sha256)?;
        Ok(self.core.remove_photo(id, &sha256)?)
    }

    /// The file of a stored photo (listing image or thumbnail) by its hash,
    /// for the shell to display.
    pub fn photo_path(&self, sha256: String) -> Result<String> {
        check_sha256(&sha256)?;
        Ok(self
            .core
            .photo_path(&sha256)?
            .to_string_lossy()
            .into_owned())
    }

    // ---- outbox ----

    /// How many operations wait to be synced.
    pub fn pending_count(&self) -> Result<u64> {
        Ok(self.core.pending_count()?)
    }

    /// Operations waiting to be synced, oldest first.
    pub fn pending_ops(&self, limit: u32) -> Result<Vec<PendingOp>> {
        Ok(self
            .core
            .pending_ops(check_limit(limit)?)?
            .into_iter()
            .map(PendingOp::from)
            .collect())
    }

    // ---- orders and conflicts ----

    /// Orders, at-risk first, then by ship-by time; finished ones last.
    pub fn orders(&self, status: Option<OrderStatus>) -> Result<Vec<Order>> {
        let filter = farmlive_core::OrderFilter { status };
        Ok(self
            .core
            .orders(&filter)?
            .into_iter()
            .map(Order::from)
            .collect())
    }

    /// One order.
    pub fn order(&self, order_id: String) -> Result<Order> {
        let id = parse_id(&order_id, "order")?;
        Ok(self.core.order(id)?.into())
    }

    /// Accepts, packs, ships, delivers or cancels an order, offline; it
    /// syncs with the next push. Refused when the order's state forbids it.
    pub fn act_on_order(&self, order_id: String, action: OrderAction) -> Result<Order> {
        let id = parse_id(&order_id, "order")?;
        match &action {
            OrderAction::Ship { carrier, tracking } => {
                check_text("carrier", carrier)?;
                check_text("tracking number", tracking)?;
            }
            OrderAction::Cancel { reason } => check_text("reason", reason)?,
            _ => {}
        }
        Ok(self.core.act_on_order(id, action.into())?.into())
    }

    /// Marks an order delivered, with the photo file at `photo_path`: a
    /// non-contact order needs one (the parcel at the door), a standard one
    /// may have one. The photo is oriented, stripped of its metadata (GPS
    /// too) and resized like a listing photo, and syncs before the order.
    /// Refused with `delivery_photo_missing` (`NotAllowed`) without a photo
    /// for a non-contact order, and `BadInput` for a file that is no photo.
    pub fn deliver(&self, order_id: String, photo_path: Option<String>) -> Result<Order> {
        let id = parse_id(&order_id, "order")?;
        if let Some(path) = &photo_path {
            check_path("photo path", path)?;
            if !Path::new(path).is_file() {
                return Err(FarmLiveError::bad_input(
                    "there is no photo file at that path",
                ));
            }
        }
        let photo = photo_path.as_deref().map(Path::new);
        Ok(self.core.deliver_order(id, photo)?.into())
    }

    /// Conflicts sync left for the farmer to see (or all, with `include_resolved`).
    pub fn conflicts(&self, include_resolved: bool) -> Result<Vec<Conflict>> {
        Ok(self.core.conflicts(include_resolved)?)
    }

    /// Dismisses a conflict once the farmer has seen it: the hub's state
    /// stands.
    pub fn resolve_conflict(&self, conflict_id: i64) -> Result<()> {
        Ok(self.core.resolve_conflict(conflict_id)?)
    }

    /// Makes the refused change again, stamped now, and closes the
    /// conflict: for when its cause is gone (the phone's date is right
    /// again, the listing was resumed, stock came in). If the rules still
    /// refuse it here, that refusal is the error (`NotAllowed` with the
    /// hub's code), nothing is queued and the conflict stays open.
    pub fn retry_conflict(&self, conflict_id: i64) -> Result<()> {
        Ok(self.core.retry_conflict(conflict_id)?)
    }
}
