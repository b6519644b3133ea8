//! The hub's store: the interface the HTTP layer uses ([`interface`]), and
//! its SQLite implementation ([`sqlite`]).
//!
//! Below it sits only the in-memory room fan-out (`crate::rooms`) and the
//! crate's errors; nothing here knows HTTP.

pub mod interface;
pub mod sqlite;

pub use interface::{
    AccountStore, BlobStatus, ChangeStore, Collected, Following, HubStore, ListingStore,
    OrderStore, PhotoStore, Principal, ROOM_LIST_MAX, Reader, RoomStore, Uploader,
};
pub use sqlite::{
    BUYER_TOKEN_TTL_MS, BlobStore, CODE_TTL_MAX_MS, CODE_TTL_MS, COLLECT_EVERY,
    DEVICE_TOKEN_TTL_MS, EnrolCode, OPERATOR, ORPHAN_GRACE_MS, PHOTO_QUOTA_DEFAULT,
    PHOTO_QUOTA_ENV, SCHEMA_VERSION, SqliteStore, Store, UPLOAD_EXPIRY_MS, now_ms, secret_path,
};
