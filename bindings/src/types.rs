//! The records that cross the FFI as mirrors of core types, each with a line
//! saying why it differs, and their conversions. (Core types that cross as
//! they are live in `remote.rs`.) Ids travel as strings (UUIDs); money as
//! integer minor units plus an ISO 4217 code, never floating point.

use crate::error::{FarmLiveError, Result};
use crate::remote::{
    BuyerContact, CancelledBy, Delivery, ListingStatus, OrderStatus, Photo, SellingUnit,
};
use farmlive_core::protocol as p;
use std::str::FromStr;

/// Longest id string accepted before parsing (a UUID is 36 characters).
const ID_MAX_CHARS: usize = 64;

/// Parses an id given by the shell, refusing anything that is not a UUID.
pub(crate) fn parse_id<T: FromStr>(text: &str, what: &str) -> Result<T> {
    if text.len() > ID_MAX_CHARS {
        return Err(FarmLiveError::bad_input(format!("not a valid {what} id")));
    }
    text.parse()
        .map_err(|_| FarmLiveError::bad_input(format!("not a valid {what} id: {text:?}")))
}

// Mirror: the shell sends a free currency string, checked here into `p::Money` (a bad code is BadInput, not a failed lift).
/// An amount of money: integer minor units (fen, cents) and its currency.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Money {
    /// Minor units: 1250 is 12.50 CNY.
    pub minor: i64,
    /// ISO 4217 code, e.g. "CNY".
    pub currency: String,
}

impl Money {
    pub(crate) fn to_core(&self) -> Result<p::Money> {
        let currency = p::Currency::from_code(&self.currency)
            .map_err(|e| FarmLiveError::bad_input(e.to_string()))?;
        Ok(p::Money::from_minor(self.minor, currency))
    }
}

impl From<p::Money> for Money {
    fn from(m: p::Money) -> Self {
        Money {
            minor: m.minor,
            currency: m.currency.code().to_owned(),
        }
    }
}

/// Parses a price as a person typed it ("12.5") in `currency`, exactly.
#[uniffi::export]
pub fn parse_money(text: String, currency: String) -> Result<Money> {
    let currency =
        p::Currency::from_code(&currency).map_err(|e| FarmLiveError::bad_input(e.to_string()))?;
    p::Money::parse(&text, currency)
        .map(Money::from)
        .map_err(|e| FarmLiveError::bad_input(e.to_string()))
}

/// Formats an amount for display, e.g. "12.50 CNY".
#[uniffi::export]
pub fn format_money(money: Money) -> Result<String> {
    Ok(money.to_core()?.to_string())
}

// Mirror: ids cross the FFI as UUID strings, in every record of this file.
/// A farm this device lists for.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Farm {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
}

impl From<farmlive_core::Farm> for Farm {
    fn from(f: farmlive_core::Farm) -> Self {
        Farm {
            id: f.id.to_string(),
            name: f.name,
        }
    }
}

// Mirror: its price is the FFI `Money` above and its ids are strings.
/// A listing as this device sees it (synced state plus pending local edits).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Listing {
    /// Its id.
    pub id: String,
    /// The farm selling it.
    pub farm_id: String,
    /// Title.
    pub title: String,
    /// Description (may be empty).
    pub description: String,
    /// Selling unit.
    pub unit: SellingUnit,
    /// Price per unit.
    pub price: Money,
    /// Units in stock.
    pub stock: i64,
    /// Active, paused or archived.
    pub status: ListingStatus,
    /// Created (UTC ms).
    pub created_at: i64,
    /// Last changed on this device (UTC ms).
    pub updated_at: i64,
    /// Photos in display order.
    pub photos: Vec<Photo>,
}

impl From<farmlive_core::Listing> for Listing {
    fn from(l: farmlive_core::Listing) -> Self {
        Listing {
            id: l.id.to_string(),
            farm_id: l.farm_id.to_string(),
            title: l.title,
            description: l.description,
            unit: l.unit,
            price: l.price.into(),
            stock: l.stock,
            status: l.status,
            created_at: l.created_at,
            updated_at: l.updated_at,
            photos: l.photos,
        }
    }
}

// Differs from `p::ListingDraft`: it names the farm (by name or id) and carries the FFI `Money`.
/// A new listing as the farmer entered it; checked by the core.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ListingDraft {
    /// The farm (name or id); `None` for the device's only farm.
    pub farm: Option<String>,
    /// Title, 1–60 characters.
    pub title: String,
    /// Description, up to 2,000 characters.
    pub description: String,
    /// Selling unit.
    pub unit: SellingUnit,
    /// Price per unit, more than 0.
    pub price: Money,
    /// Units in stock, 0 to 1,000,000.
    pub stock: i64,
}

// Mirror of `p::ListingPatch` for its FFI `Money`.
/// Changes to a listing's plain fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ListingPatch {
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New unit.
    pub unit: Option<SellingUnit>,
    /// New price.
    pub price: Option<Money>,
}

// Differs from `ListingFilter`: the farm id is a string, the limit is checked before the core sees it.
/// Which listings to return.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ListingQuery {
    /// Only this farm's (id).
    pub farm_id: Option<String>,
    /// Only this status; `None` means active and paused.
    pub status: Option<ListingStatus>,
    /// At most this many (1 to 1,000), most recently changed first.
    pub limit: u32,
}

// Differs from `farmlive_core::Order`: flattens its `OrderState` (shipment, cancellation) beside ship-by and sync flags.
/// An order, with what the farmer needs at a glance.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Order {
    /// Its id.
    pub id: String,
    /// The listing ordered.
    pub listing_id: String,
    /// The listing's title when ordered.
    pub title: String,
    /// Units ordered.
    pub quantity: i64,
    /// Selling unit.
    pub unit: SellingUnit,
    /// Price per unit charged.
    pub unit_price: Money,
    /// Quantity × unit price.
    pub total: Money,
    /// Standard or non-contact.
    pub delivery: Delivery,
    /// Where it is.
    pub status: OrderStatus,
    /// Placed (UTC ms).
    pub placed_at: i64,
    /// Must ship by (UTC ms).
    pub ship_by: i64,
    /// Waiting to ship with under 12 hours left.
    pub at_risk: bool,
    /// Has local actions not yet synced.
    pub pending_sync: bool,
    /// Carrier, once shipped.
    pub carrier: Option<String>,
    /// Tracking number, once shipped.
    pub tracking: Option<String>,
    /// Who cancelled, if cancelled.
    pub cancelled_by: Option<CancelledBy>,
    /// Why, if cancelled.
    pub cancel_reason: Option<String>,
    /// How to reach the buyer.
    pub contact: BuyerContact,
    /// The delivery photo's hash, once delivered with one (its file:
    /// `photo_path`, once on this device). Defaults to none, so shells'
    /// own `Order(…)` (previews, tests) need not name it.
    #[uniffi(default = None)]
    pub delivery_photo_sha256: Option<String>,
    /// Still waiting to ship past its ship-by (72 h): the buyer may cancel.
    #[uniffi(default = false)]
    pub overdue: bool,
}

impl From<farmlive_core::Order> for Order {
    fn from(o: farmlive_core::Order) -> Self {
        let s = o.state;
        Order {
            id: s.id.to_string(),
            listing_id: s.listing.to_string(),
            title: s.title,
            quantity: s.quantity,
            unit: s.unit,
            unit_price: s.unit_price.into(),
            total: s.total.into(),
            delivery: s.delivery,
            status: s.status,
            placed_at: s.placed_at,
            ship_by: o.ship_by,
            at_risk: o.at_risk,
            pending_sync: o.pending_sync,
            overdue: o.overdue,
            carrier: s.shipment.as_ref().map(|x| x.carrier.clone()),
            tracking: s.shipment.map(|x| x.tracking),
            cancelled_by: s.cancellation.as_ref().map(|c| c.by),
            cancel_reason: s.cancellation.map(|c| c.reason),
            contact: s.contact,
            delivery_photo_sha256: s.delivery_photo.map(|p| p.sha256),
        }
    }
}

// Differs from `p::OrderAction`: a farmer's cancel is always the farm's (`by` is set here, never by the shell).
/// What the farmer does to an order.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum OrderAction {
    /// Take the order.
    Accept,
    /// It is packed.
    Pack,
    /// Handed to a carrier.
    Ship {
        /// Carrier name.
        carrier: String,
        /// Tracking number.
        tracking: String,
    },
    /// The buyer received it, without a photo (a standard order); a
    /// non-contact order is delivered with `FarmLive::deliver` and a photo.
    Deliver,
    /// The farm will not fulfil it.
    Cancel {
        /// Why, in the farmer's words.
        reason: String,
    },
}

impl From<OrderAction> for p::OrderAction {
    fn from(a: OrderAction) -> Self {
        match a {
            OrderAction::Accept => p::OrderAction::Accept,
            OrderAction::Pack => p::OrderAction::Pack,
            OrderAction::Ship { carrier, tracking } => p::OrderAction::Ship { carrier, tracking },
            OrderAction::Deliver => p::OrderAction::Deliver { photo: None },
            OrderAction::Cancel { reason } => p::OrderAction::Cancel {
                by: p::CancelledBy::Farmer,
                reason,
            },
        }
    }
}

// Differs from `farmlive_core::PendingOp`: the op's kind and entity, not its body.
/// An operation waiting to be pushed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PendingOp {
    /// Position in the outbox.
    pub seq: i64,
    /// Its id.
    pub op_id: String,
    /// The kind (`listing_create`, `order_action`, …).
    pub kind: String,
    /// The listing or order it is about.
    pub entity_id: String,
}

impl From<farmlive_core::PendingOp> for PendingOp {
    fn from(o: farmlive_core::PendingOp) -> Self {
        PendingOp {
            seq: o.seq,
            op_id: o.op.id.to_string(),
            kind: o.op.body.kind().to_owned(),
            entity_id: o.op.body.entity().to_string(),
        }
    }
}

// Differs from `farmlive_core::Enrolment`: the role by its wire name, farms as FFI `Farm`s.
/// What enrolling gave this device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Enrolment {
    /// The hub.
    pub hub_url: String,
    /// "farmer", "agent" or "expert".
    pub role: String,
    /// The farms this device lists for.
    pub farms: Vec<Farm>,
}
