//! Core types that cross the FFI as they are, with no mirror type and no
//! conversion: uniffi's `remote` declarations (uniffi 0.32).
//!
//! Why `remote` and not `#[derive(uniffi::Record)]` in protocol, core and
//! live: uniffi files every type under the namespace of the crate that
//! derives it, and a crate's types need that crate's own
//! `uniffi::setup_scaffolding!()` (uniffi_meta `group_metadata`: "Unknown
//! namespace"). Derives there would split the bindings into four Kotlin
//! packages and four Swift headers. A `remote` declaration keeps every type in
//! the one `farmlive_ffi` namespace (Kotlin `org.farmlive.ffi`, Swift
//! `FarmLiveFFI`) under its present name. The compiler checks each
//! declaration against the real type: uniffi's generated code reads and
//! builds every field, so a field added or renamed in core fails this build.
//! The doc comments below are what Kotlin and Swift users read.

use farmlive_core::protocol as p;
use farmlive_live as live;

/// The unit a listing is priced and stocked in.
pub type SellingUnit = p::Unit;
/// Whether buyers can see and order a listing.
pub type ListingStatus = p::ListingStatus;
/// Where an order is in its life.
pub type OrderStatus = p::OrderStatus;
/// How the buyer wants it delivered.
pub type Delivery = p::Delivery;
/// Who cancelled an order.
pub type CancelledBy = p::CancelledBy;
/// How to reach the buyer: personal data, shown only to the farm that ships
/// the order. Never logged (its `Debug` is redacted) and never part of an error.
pub type BuyerContact = p::BuyerContact;
/// The step a sync is on.
pub type SyncPhase = farmlive_core::SyncPhase;
/// Where a sync is.
pub type SyncProgress = farmlive_core::SyncProgress;
/// What a finished sync did.
pub type SyncReport = farmlive_core::SyncReport;
/// A photo on a listing.
pub type Photo = farmlive_core::ListingPhoto;
/// An operation the hub refused, for the farmer to see and dismiss.
pub type Conflict = farmlive_core::Conflict;
/// Pixel layout of a pushed frame.
pub type PixelFormat = live::frame::PixelFormat;
/// Figures about a running stream, once a second.
pub type LiveStats = live::LiveStats;

/// The unit a listing is priced and stocked in. (`non_exhaustive`: the
/// protocol may add units; this app then has to be updated to show them.)
#[uniffi::remote(Enum)]
#[non_exhaustive]
pub enum SellingUnit {
    /// Kilogram.
    Kg,
    /// Gram.
    G,
    /// Jin (斤), 500 g.
    Jin,
    /// One item.
    Piece,
    /// A box.
    Box,
    /// A bunch.
    Bunch,
    /// Twelve items.
    Dozen,
}

/// Whether buyers can see and order a listing.
#[uniffi::remote(Enum)]
pub enum ListingStatus {
    /// Visible and orderable.
    Active,
    /// Hidden for now.
    Paused,
    /// Withdrawn for good.
    Archived,
}

/// Where an order is in its life.
#[uniffi::remote(Enum)]
pub enum OrderStatus {
    /// Placed by the buyer.
    Placed,
    /// Accepted by the farm.
    Accepted,
    /// Packed.
    Packed,
    /// With the carrier.
    Shipped,
    /// Received.
    Delivered,
    /// Cancelled.
    Cancelled,
}

/// How the buyer wants it delivered.
#[uniffi::remote(Enum)]
pub enum Delivery {
    /// In person.
    Standard,
    /// Left at the door, photo on delivery.
    NonContact,
}

/// Who cancelled an order.
#[uniffi::remote(Enum)]
pub enum CancelledBy {
    /// The buyer.
    Buyer,
    /// The farm.
    Farmer,
}

/// How to reach the buyer: personal data, shown only to the farm that ships
/// the order. Never logged and never part of an error.
#[uniffi::remote(Record)]
pub struct BuyerContact {
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// Delivery address.
    pub address: String,
}

/// The step a sync is on.
#[uniffi::remote(Enum)]
pub enum SyncPhase {
    /// Starting.
    Starting,
    /// Uploading photos.
    Photos,
    /// Sending operations.
    Pushing,
    /// Receiving changes.
    Pulling,
    /// Finished.
    Done,
}

/// Where a sync is.
#[uniffi::remote(Record)]
pub struct SyncProgress {
    /// What it is doing now.
    pub phase: SyncPhase,
    /// Ops acknowledged so far.
    pub ops_pushed: u64,
    /// Ops waiting when the sync started.
    pub ops_total: u64,
    /// Photo files uploaded.
    pub photos_uploaded: u64,
    /// Photo bytes uploaded.
    pub photo_bytes: u64,
    /// Changes pulled.
    pub changes_pulled: u64,
    /// Photo files (from other devices) downloaded.
    pub photos_downloaded: u64,
    /// Compressed bytes of ops sent.
    pub push_bytes: u64,
}

/// What a finished sync did.
#[uniffi::remote(Record)]
pub struct SyncReport {
    /// Final figures.
    pub progress: SyncProgress,
    /// Ops the hub refused (now conflicts).
    pub rejected: u64,
    /// Requests retried.
    pub retries: u64,
}

/// A photo on a listing.
#[uniffi::remote(Record)]
pub struct Photo {
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

/// An operation the hub refused, for the farmer to see and dismiss.
#[uniffi::remote(Record)]
pub struct Conflict {
    /// Its number, for dismissing it.
    pub id: i64,
    /// The kind of operation.
    pub kind: String,
    /// The listing or order it was about.
    pub entity_id: String,
    /// The hub's code.
    pub code: String,
    /// What happened.
    pub message: String,
    /// When (UTC ms).
    pub created_at: i64,
}

/// Pixel layout of a pushed frame.
#[uniffi::remote(Enum)]
pub enum PixelFormat {
    /// Planar Y, U, V (4:2:0).
    I420,
    /// Y plane, then interleaved U,V (Android camera2/CameraX, iOS).
    Nv12,
    /// Y plane, then interleaved V,U (old Android camera).
    Nv21,
    /// Packed Y0 U Y1 V (4:2:2).
    Yuyv,
    /// Packed B, G, R, A (iOS BGRA buffers).
    Bgra,
}

/// Figures about a running stream, once a second.
#[uniffi::remote(Record)]
pub struct LiveStats {
    /// Since start, ms.
    pub elapsed_ms: u64,
    /// Frames pushed per second.
    pub fps_in: f64,
    /// Frames sent (or encoded, when only recording) per second.
    pub fps_out: f64,
    /// Encoded bit/s.
    pub encoded_bps: u64,
    /// Sent bit/s.
    pub sent_bps: u64,
    /// The video encoder's current target bit/s.
    pub target_bps: u32,
    /// Age of the oldest queued data, ms.
    pub queue_delay_ms: u64,
    /// Bytes waiting in the send queue.
    pub queue_bytes: u64,
    /// Frames dropped so far (pipeline behind).
    pub dropped_video: u64,
    /// Audio frames dropped so far.
    pub dropped_audio: u64,
    /// Reconnections so far.
    pub reconnects: u64,
    /// Round trip to the ingest (RTMP ping), ms, when known.
    pub rtt_ms: Option<u32>,
    /// Connected and publishing now.
    pub connected: bool,
    /// Frames encoded so far.
    pub frames_encoded: u64,
    /// Frames sent so far.
    pub frames_sent: u64,
    /// Bytes written to the recording.
    pub recorded_bytes: u64,
    /// The last connection problem, if any (never with the stream key).
    pub last_error: Option<String>,
}
