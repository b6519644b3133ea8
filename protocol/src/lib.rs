//! FarmLive's shared rules, used by both the device core and the hub.
//!
//! Everything here is pure: no I/O, no clocks (time is always passed in), no
//! randomness except UUID generation. A rule lives here once so that a device
//! never accepts offline what the hub will later refuse, and the hub never
//! trusts a device's word for it.

pub mod api;
pub mod calendar;
pub mod catalog;
pub mod cities;
pub mod delivery;
pub mod enrol_link;
pub mod guides;
pub mod hlc;
pub mod id;
pub mod listing;
pub mod listing_state;
pub mod messages;
pub mod money;
pub mod ops;
pub mod order;
pub mod order_place;
pub mod photo_ref;
pub mod public;
pub mod questions;
pub mod rejection;
pub mod roles;
pub mod room;
pub mod routes;
pub mod sales;
pub mod sse;
pub mod text;
pub mod unit;

pub use enrol_link::{EnrolLink, EnrolLinkError};
pub use hlc::Hlc;
pub use id::{BuyerId, DeviceId, FarmId, ListingId, OpId, OrderId, QuestionId, RoomId};
pub use listing::{ListingDraft, ListingFields, ListingPatch, ListingStatus, ValidationError};
pub use listing_state::ListingState;
pub use messages::{Lang, Message, MsgCode};
pub use money::{Currency, Money, MoneyError};
pub use order::{
    BuyerContact, CancelledBy, Delivery, OrderAction, OrderState, OrderStatus, TransitionError,
};
pub use rejection::Rejection;
pub use unit::Unit;

/// Milliseconds since the Unix epoch, UTC. Every timestamp in FarmLive uses this.
pub type UnixMillis = i64;
