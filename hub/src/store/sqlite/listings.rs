//! Listings as buyers browse them.

use super::{Store, from_json};
use crate::error::Result;
use farmlive_protocol::ListingState;
use farmlive_protocol::api::{FarmInfo, PublicListing, Thumbnail};

/// A listing as buyers see it.
pub(crate) fn public_listing(s: ListingState, farm_name: String) -> PublicListing {
    PublicListing {
        id: s.id,
        farm: FarmInfo {
            id: s.farm,
            name: farm_name,
        },
        title: s.title.value,
        description: s.description.value,
        unit: s.unit.value,
        price: s.price.value,
        stock: s.stock,
        thumbnails: s
            .photos
            .iter()
            .map(|p| Thumbnail {
                sha256: p.photo.thumb_sha256.clone(),
                width: p.photo.width,
                height: p.photo.height,
            })
            .collect(),
        photos: s.photos.into_iter().map(|p| p.photo.sha256).collect(),
    }
}

impl Store {
    /// Active listings, newest first, at most `limit`.
    pub fn public_listings(&self, limit: u32) -> Result<Vec<PublicListing>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT l.state, f.name FROM listings l JOIN farms f ON f.id = l.farm_id
             WHERE l.status = 'active' ORDER BY l.id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (state, farm_name) = row?;
            out.push(public_listing(from_json(&state)?, farm_name));
        }
        Ok(out)
    }
}
