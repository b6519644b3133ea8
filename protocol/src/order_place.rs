//! Placing an order: the rules a buyer's order must pass (quantity limits,
//! idempotency key, the listing on sale with enough stock, the price), and
//! the new order they make. Pure: the hub loads the listing and the room's
//! pin, calls [`place`] inside its transaction, and stores what it returns.

use crate::listing::ListingStatus;
use crate::listing_state::ListingState;
use crate::order::{BuyerContact, Delivery, OrderState, OrderStatus};
use crate::room::{Pin, RoomStatus, order_unit_price};
use crate::{BuyerId, OrderId, Unit, UnixMillis};

/// Most units in one order.
pub const ORDER_QUANTITY_MAX: i64 = 10_000;
/// Longest idempotency key, in characters.
pub const IDEMPOTENCY_KEY_MAX_CHARS: usize = 64;

/// Why an order cannot be placed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaceRefusal {
    /// The idempotency key is empty or too long.
    #[error("an idempotency key of 1–64 characters is required")]
    IdempotencyKey,
    /// Fewer than 1 or more than [`ORDER_QUANTITY_MAX`] units.
    #[error("order between 1 and {ORDER_QUANTITY_MAX} units")]
    Quantity,
    /// The listing is paused or archived.
    #[error("this listing is not for sale right now")]
    NotAvailable,
    /// Not enough stock for the quantity.
    #[error("only {left} {unit} left")]
    OutOfStock {
        /// Units in stock.
        left: i64,
        /// The listing's unit.
        unit: Unit,
    },
    /// quantity × unit price overflows.
    #[error("the order total is too large")]
    TotalTooLarge,
}

impl PlaceRefusal {
    /// Stable machine-readable code, as the hub sends it.
    pub fn code(&self) -> &'static str {
        match self {
            PlaceRefusal::IdempotencyKey | PlaceRefusal::Quantity | PlaceRefusal::TotalTooLarge => {
                "invalid"
            }
            PlaceRefusal::NotAvailable => "not_available",
            PlaceRefusal::OutOfStock { .. } => "out_of_stock",
        }
    }

    /// True when the request itself is malformed (as opposed to the listing
    /// not allowing it now).
    pub fn is_bad_request(&self) -> bool {
        self.code() == "invalid"
    }
}

/// Checks what can be checked without the listing: the idempotency key and
/// the quantity. Returns the key as it is stored (trimmed).
pub fn check_request(idempotency_key: &str, quantity: i64) -> Result<&str, PlaceRefusal> {
    let key = idempotency_key.trim();
    if key.is_empty() || key.chars().count() > IDEMPOTENCY_KEY_MAX_CHARS {
        return Err(PlaceRefusal::IdempotencyKey);
    }
    if !(1..=ORDER_QUANTITY_MAX).contains(&quantity) {
        return Err(PlaceRefusal::Quantity);
    }
    Ok(key)
}

/// An order a buyer asks for, with what the hub adds (id, contact, time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    /// The new order's id.
    pub id: OrderId,
    /// Who orders.
    pub buyer: BuyerId,
    /// How to reach them (personal data).
    pub contact: BuyerContact,
    /// Units ordered.
    pub quantity: i64,
    /// Standard or non-contact.
    pub delivery: Delivery,
    /// When (UTC ms).
    pub now: UnixMillis,
    /// The live room the listing was on the shelf of when ordered, if any
    /// (an on-air sale, whichever page the buyer ordered from).
    pub on_air: Option<crate::RoomId>,
    /// The route chosen for the buyer's city, if they named one.
    pub route: Option<crate::order::OrderRoute>,
}

/// The outcome of [`place`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// The new order, status placed.
    pub order: OrderState,
    /// The listing with the ordered units taken from its stock.
    pub listing: ListingState,
    /// True when the pin's live price applied.
    pub live_price: bool,
}

/// Places `order` on `listing`. `pinned` is the live room (status and pin)
/// the listing may be pinned in; its live price applies only while the
/// listing is pinned in a live room.
pub fn place(
    listing: &ListingState,
    order: NewOrder,
    pinned: Option<(RoomStatus, &Pin)>,
) -> Result<Placed, PlaceRefusal> {
    if !(1..=ORDER_QUANTITY_MAX).contains(&order.quantity) {
        return Err(PlaceRefusal::Quantity);
    }
    if listing.status.value != ListingStatus::Active {
        return Err(PlaceRefusal::NotAvailable);
    }
    if listing.stock < order.quantity {
        return Err(PlaceRefusal::OutOfStock {
            left: listing.stock,
            unit: listing.unit.value,
        });
    }
    let (unit_price, live_price) = order_unit_price(
        listing.id,
        listing.price.value,
        pinned.map_or(RoomStatus::Ended, |(status, _)| status),
        pinned.map(|(_, pin)| pin),
    );
    let total = unit_price
        .checked_mul(order.quantity)
        .ok_or(PlaceRefusal::TotalTooLarge)?;
    let mut taken = listing.clone();
    taken.stock -= order.quantity;
    let state = OrderState {
        id: order.id,
        listing: listing.id,
        farm: listing.farm,
        buyer: order.buyer,
        title: listing.title.value.clone(),
        quantity: order.quantity,
        unit: listing.unit.value,
        unit_price,
        total,
        delivery: order.delivery,
        status: OrderStatus::Placed,
        placed_at: order.now,
        updated_at: order.now,
        shipment: None,
        cancellation: None,
        delivery_photo: None,
        contact: order.contact,
        room: order.on_air,
        route: order.route,
    };
    Ok(Placed {
        order: state,
        listing: taken,
        live_price,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::ListingFields;
    use crate::{Currency, DeviceId, FarmId, Hlc, ListingId, Money};

    fn mangoes(stock: i64) -> ListingState {
        let at = Hlc {
            wall_ms: 1,
            counter: 0,
            device: DeviceId(uuid::Uuid::from_u128(1)),
        };
        let fields = ListingFields {
            title: "Mangoes".into(),
            description: String::new(),
            unit: Unit::Jin,
            price: Money::from_minor(800, Currency::CNY),
            stock,
        };
        ListingState::create(ListingId::new(), FarmId::new(), fields, at)
    }

    fn new_order(quantity: i64) -> NewOrder {
        NewOrder {
            id: OrderId::new(),
            buyer: BuyerId::new(),
            contact: BuyerContact::default(),
            quantity,
            delivery: Delivery::NonContact,
            now: 42,
            on_air: None,
            route: None,
        }
    }

    #[test]
    fn a_placed_order_takes_stock_and_charges_the_listing_price() {
        let listing = mangoes(5);
        let placed = place(&listing, new_order(2), None).unwrap();
        assert_eq!(placed.listing.stock, 3);
        assert_eq!(placed.order.status, OrderStatus::Placed);
        assert_eq!(placed.order.total, Money::from_minor(1600, Currency::CNY));
        assert_eq!((placed.order.placed_at, placed.order.updated_at), (42, 42));
        assert_eq!(placed.order.title, "Mangoes");
        assert!(!placed.live_price);
    }

    #[test]
    fn the_live_price_applies_only_while_pinned_in_a_live_room() {
        let listing = mangoes(5);
        let pin = Pin {
            listing: listing.id,
            live_price: Some(Money::from_minor(600, Currency::CNY)),
            pinned_at: 0,
        };
        let live = place(&listing, new_order(1), Some((RoomStatus::Live, &pin))).unwrap();
        assert_eq!((live.order.unit_price.minor, live.live_price), (600, true));
        let ended = place(&listing, new_order(1), Some((RoomStatus::Ended, &pin))).unwrap();
        assert_eq!(
            (ended.order.unit_price.minor, ended.live_price),
            (800, false)
        );
    }

    #[test]
    fn refusals_carry_the_hubs_codes_and_words() {
        let listing = mangoes(1);
        let r = place(&listing, new_order(2), None).unwrap_err();
        assert_eq!(
            (r.code(), r.to_string()),
            ("out_of_stock", "only 1 jin left".into())
        );
        let mut paused = listing.clone();
        paused.status.value = ListingStatus::Paused;
        assert_eq!(
            place(&paused, new_order(1), None).unwrap_err(),
            PlaceRefusal::NotAvailable
        );
        let mut dear = mangoes(10);
        dear.price.value = Money::from_minor(i64::MAX / 2, Currency::CNY);
        assert_eq!(
            place(&dear, new_order(3), None).unwrap_err(),
            PlaceRefusal::TotalTooLarge
        );
        assert_eq!(check_request(" k ", 1), Ok("k"));
        assert_eq!(check_request("  ", 1), Err(PlaceRefusal::IdempotencyKey));
        assert_eq!(
            check_request(&"k".repeat(65), 1),
            Err(PlaceRefusal::IdempotencyKey)
        );
        assert_eq!(check_request("k", 0), Err(PlaceRefusal::Quantity));
        assert_eq!(
            check_request("k", ORDER_QUANTITY_MAX + 1)
                .unwrap_err()
                .to_string(),
            "order between 1 and 10000 units"
        );
        assert!(PlaceRefusal::Quantity.is_bad_request());
    }
}
