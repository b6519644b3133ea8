//! Records and enums that cross the FFI, and their conversions from the core's
//! types. Ids travel as strings (UUIDs); money as integer minor units plus an
//! ISO 4217 code, never floating point.

use crate::error::{FarmLiveError, Result};
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

macro_rules! mirror_enum {
    ($(#[$doc:meta])* $name:ident => $core:path { $($(#[$vdoc:meta])* $v:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name { $($(#[$vdoc])* $v),+ }

        impl From<$name> for $core {
            fn from(v: $name) -> Self {
                match v { $($name::$v => <$core>::$v),+ }
            }
        }

        impl TryFrom<$core> for $name {
            type Error = FarmLiveError;
            #[allow(unreachable_patterns)] // the core's enum may be #[non_exhaustive]
            fn try_from(v: $core) -> Result<Self> {
                match v {
                    $(<$core>::$v => Ok($name::$v),)+
                    other => Err(FarmLiveError::Failure(format!(
                        "this version of the app does not know {:?}; update it", other
                    ))),
                }
            }
        }
    };
}

mirror_enum!(
    /// The unit a listing is priced and stocked in.
    SellingUnit => p::Unit {
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
);

mirror_enum!(
    /// Whether buyers can see and order a listing.
    ListingStatus => p::ListingStatus {
        /// Visible and orderable.
        Active,
        /// Hidden for now.
        Paused,
        /// Withdrawn for good.
        Archived,
    }
);

mirror_enum!(
    /// Where an order is in its life.
    OrderStatus => p::OrderStatus {
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
);

mirror_enum!(
    /// How the buyer wants it delivered.
    Delivery => p::Delivery {
        /// In person.
        Standard,
        /// Left at the door, photo on delivery.
        NonContact,
    }
);

mirror_enum!(
    /// Who cancelled an order.
    CancelledBy => p::CancelledBy {
        /// The buyer.
        Buyer,
        /// The farm.
        Farmer,
    }
);

mirror_enum!(
    /// The step a sync is on.
    SyncPhase => farmlive_core::SyncPhase {
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
);

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

/// A photo on a listing.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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

impl From<farmlive_core::ListingPhoto> for Photo {
    fn from(p: farmlive_core::ListingPhoto) -> Self {
        Photo {
            sha256: p.sha256,
            thumb_sha256: p.thumb_sha256,
            width: p.width,
            height: p.height,
            position: p.position,
        }
    }
}

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

impl TryFrom<farmlive_core::Listing> for Listing {
    type Error = FarmLiveError;
    fn try_from(l: farmlive_core::Listing) -> Result<Self> {
        Ok(Listing {
            id: l.id.to_string(),
            farm_id: l.farm_id.to_string(),
            title: l.title,
            description: l.description,
            unit: l.unit.try_into()?,
            price: l.price.into(),
            stock: l.stock,
            status: l.status.try_into()?,
            created_at: l.created_at,
            updated_at: l.updated_at,
            photos: l.photos.into_iter().map(Photo::from).collect(),
        })
    }
}

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

/// How to reach the buyer: personal data, shown only to the farm that ships
/// the order. Never logged and never part of an error.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct BuyerContact {
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// Delivery address.
    pub address: String,
}

impl std::fmt::Debug for BuyerContact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BuyerContact(redacted)")
    }
}

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
}

impl TryFrom<farmlive_core::Order> for Order {
    type Error = FarmLiveError;
    fn try_from(o: farmlive_core::Order) -> Result<Self> {
        let s = o.state;
        Ok(Order {
            id: s.id.to_string(),
            listing_id: s.listing.to_string(),
            title: s.title,
            quantity: s.quantity,
            unit: s.unit.try_into()?,
            unit_price: s.unit_price.into(),
            total: s.total.into(),
            delivery: s.delivery.try_into()?,
            status: s.status.try_into()?,
            placed_at: s.placed_at,
            ship_by: o.ship_by,
            at_risk: o.at_risk,
            pending_sync: o.pending_sync,
            carrier: s.shipment.as_ref().map(|x| x.carrier.clone()),
            tracking: s.shipment.map(|x| x.tracking),
            cancelled_by: s
                .cancellation
                .as_ref()
                .map(|c| c.by.try_into())
                .transpose()?,
            cancel_reason: s.cancellation.map(|c| c.reason),
            contact: BuyerContact {
                name: s.contact.name,
                phone: s.contact.phone,
                address: s.contact.address,
            },
        })
    }
}

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
    /// The buyer received it.
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
            OrderAction::Deliver => p::OrderAction::Deliver,
            OrderAction::Cancel { reason } => p::OrderAction::Cancel {
                by: p::CancelledBy::Farmer,
                reason,
            },
        }
    }
}

/// An operation the hub refused, for the farmer to see and dismiss.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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

impl From<farmlive_core::Conflict> for Conflict {
    fn from(c: farmlive_core::Conflict) -> Self {
        Conflict {
            id: c.id,
            kind: c.kind,
            entity_id: c.entity_id,
            code: c.code,
            message: c.message,
            created_at: c.created_at,
        }
    }
}

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

/// Where a sync is.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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
    /// Compressed bytes of ops sent.
    pub push_bytes: u64,
}

impl From<&farmlive_core::SyncProgress> for SyncProgress {
    fn from(p: &farmlive_core::SyncProgress) -> Self {
        SyncProgress {
            phase: p.phase.try_into().unwrap_or(SyncPhase::Starting),
            ops_pushed: p.ops_pushed,
            ops_total: p.ops_total,
            photos_uploaded: p.photos_uploaded,
            photo_bytes: p.photo_bytes,
            changes_pulled: p.changes_pulled,
            push_bytes: p.push_bytes,
        }
    }
}

/// What a finished sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// Final figures.
    pub progress: SyncProgress,
    /// Ops the hub refused (now conflicts).
    pub rejected: u64,
    /// Requests retried.
    pub retries: u64,
}

/// What enrolling gave this device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Enrolment {
    /// The hub.
    pub hub_url: String,
    /// "farmer" or "agent".
    pub role: String,
    /// The farms this device lists for.
    pub farms: Vec<Farm>,
}
