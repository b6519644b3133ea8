//! A photo as ops and orders refer to it: two content-addressed JPEG blobs
//! (the image and its thumbnail), as the device's photo pipeline made them.
//! Listing photos and delivery photos are the same kind of thing.

use serde::{Deserialize, Serialize};

/// A photo of a listing or of a delivery: two content-addressed JPEG blobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoRef {
    /// SHA-256 (lowercase hex) of the listing-size JPEG; also the photo's identity.
    pub sha256: String,
    /// SHA-256 of the thumbnail JPEG.
    pub thumb_sha256: String,
    /// Listing image width in pixels.
    pub width: u32,
    /// Listing image height in pixels.
    pub height: u32,
    /// Listing image size in bytes.
    pub bytes: u64,
}
