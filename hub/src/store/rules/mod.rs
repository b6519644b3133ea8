//! The store's rules, shared by every backend: what an op does
//! ([`ops`]), how buyers order ([`orders`]), what accounts may do ([`accounts`]), what buyers see
//! of a listing ([`listings`]), how photos upload and read ([`photos`]),
//! live rooms ([`rooms`]) and following them with viewers' presence
//! ([`following`]), delivery routes ([`routes`]), questions to the
//! experts ([`questions`]) and guides ([`guides`]). The backends
//! (`sqlite/`, `postgres/`) hold only SQL and transaction plumbing, and
//! call these, so each rule is written once.

pub(crate) mod accounts;
pub(crate) mod following;
pub(crate) mod guides;
pub(crate) mod listings;
pub(crate) mod op_records;
pub(crate) mod ops;
pub(crate) mod orders;
pub(crate) mod photos;
pub(crate) mod questions;
pub(crate) mod rooms;
pub(crate) mod routes;

pub use accounts::{BUYER_TOKEN_TTL_MS, DEVICE_TOKEN_TTL_MS, OPERATOR};
pub use guides::built_in as built_in_guides;
pub use photos::{
    COLLECT_EVERY, ORPHAN_GRACE_MS, PHOTO_QUOTA_DEFAULT, PHOTO_QUOTA_ENV, UPLOAD_EXPIRY_MS,
};
