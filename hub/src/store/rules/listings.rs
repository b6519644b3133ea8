//! What buyers see of a listing, whichever database holds it.

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
