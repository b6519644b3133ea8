//! What buyers see of farms and listings: the public shapes that the
//! listings API and live rooms both carry. No I/O.

use crate::{FarmId, ListingId, Money, Unit};
use serde::{Deserialize, Serialize};

/// A farm, as the hub names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FarmInfo {
    /// Its id.
    pub id: FarmId,
    /// Its name.
    pub name: String,
}

/// A listing as buyers see it (`GET /v1/listings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicListing {
    /// Its id.
    pub id: ListingId,
    /// The farm.
    pub farm: FarmInfo,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Unit.
    pub unit: Unit,
    /// Price per unit.
    pub price: Money,
    /// Units available.
    pub stock: i64,
    /// Listing-image hashes, in order (`GET /v1/blobs/{sha}`).
    pub photos: Vec<String>,
    /// The photos' thumbnails, in the same order: what cards and lists
    /// load instead of the listing-size images. Absent from older hubs.
    #[serde(default)]
    pub thumbnails: Vec<Thumbnail>,
}

/// A listing photo's thumbnail, made on the device beside the listing-size
/// image and synced as its own blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thumbnail {
    /// SHA-256 of the thumbnail JPEG (`GET /v1/blobs/{sha}`).
    pub sha256: String,
    /// The listing-size image's width in pixels; the thumbnail has its
    /// shape, smaller (at most 320 px on its long side by default). For
    /// layout before the image loads.
    pub width: u32,
    /// The listing-size image's height in pixels.
    pub height: u32,
}
