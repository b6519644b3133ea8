//! Buyers' orders, whichever database holds them: the request check and
//! the idempotency key ([`start`]), the placement itself ([`place`]: the
//! `order_place` rules, then the listing's stock decrement and the new
//! order saved together), who may read an order ([`visible`]) and a
//! buyer's cancellation ([`cancel_by_buyer`]: the order state machine,
//! then the units back in stock).
//!
//! A backend runs these inside one write transaction, on records locked
//! as its database needs, and keeps only SQL and transaction plumbing.

use super::ops::{OpRecords, restock};
use crate::error::{HubError, Result};
use crate::store::interface::Principal;
use farmlive_protocol::api::PlaceOrder;
use farmlive_protocol::order_place::{self, NewOrder, PlaceRefusal, Placed, check_request};
use farmlive_protocol::room::{Pin, RoomOrder, RoomStatus};
use farmlive_protocol::{
    BuyerContact, BuyerId, CancelledBy, Delivery, FarmId, ListingId, ListingState, OrderAction,
    OrderId, OrderState, RoomId,
};

/// The records an order placement reads and writes, beyond an op's.
pub(crate) trait OrderRecords: OpRecords {
    /// The order `buyer` placed under `key`, if any. A backend whose
    /// transactions run side by side makes a concurrent placement with
    /// the same key wait here until this transaction ends.
    fn order_by_key(&mut self, buyer: BuyerId, key: &str) -> Result<Option<OrderState>>;
    /// How to reach the buyer (they exist: they are signed in).
    fn buyer_contact(&mut self, buyer: BuyerId) -> Result<BuyerContact>;
    /// Inserts a new order under the buyer's idempotency key and appends
    /// it to the change feed.
    fn insert_order(&mut self, order: &OrderState, key: &str) -> Result<()>;
    /// The farm's origin and the routes from it.
    fn farm_routes(&mut self, farm: FarmId) -> Result<super::routes::FarmRoutes>;
}

/// The hub's answer to an order the placement rules refuse.
pub(crate) fn refused(r: PlaceRefusal) -> HubError {
    if r.is_bad_request() {
        HubError::bad_request(r.code(), r)
    } else {
        HubError::Conflict(r.code(), r.to_string())
    }
}

/// An order as either route asks for it.
pub(crate) struct OrderRequest<'a> {
    /// The listing asked for (a room order may leave it to the pin).
    pub(crate) listing: Option<ListingId>,
    /// Units ordered.
    pub(crate) quantity: i64,
    /// How the buyer wants it delivered.
    pub(crate) delivery: Delivery,
    /// The buyer's key: the same key is the same order.
    pub(crate) idempotency_key: &'a str,
    /// The city it goes to, if the buyer named one.
    pub(crate) destination: Option<&'a str>,
}

impl<'a> OrderRequest<'a> {
    /// An order from the shop's order route.
    pub(crate) fn of_place(req: &'a PlaceOrder) -> Self {
        OrderRequest {
            listing: Some(req.listing),
            quantity: req.quantity,
            delivery: req.delivery,
            idempotency_key: &req.idempotency_key,
            destination: req.destination.as_deref(),
        }
    }

    /// An order from a live room.
    pub(crate) fn of_room(req: &'a RoomOrder) -> Self {
        OrderRequest {
            listing: req.listing,
            quantity: req.quantity,
            delivery: req.delivery,
            idempotency_key: &req.idempotency_key,
            destination: req.destination.as_deref(),
        }
    }
}

/// How a placement begins.
pub(crate) enum Start<'a> {
    /// A new order, under this (trimmed) key.
    New(&'a str),
    /// The key was used before: its first order, answered again.
    Replay(Box<OrderState>),
}

/// Checks the request (key and quantity) and looks its key up: the same
/// key from the same buyer is the same order, placed once.
pub(crate) fn start<'a>(
    records: &mut impl OrderRecords,
    buyer: BuyerId,
    req: &OrderRequest<'a>,
) -> Result<Start<'a>> {
    let key = check_request(req.idempotency_key, req.quantity).map_err(refused)?;
    Ok(match records.order_by_key(buyer, key)? {
        Some(first) => Start::Replay(Box::new(first)),
        None => Start::New(key),
    })
}

/// The listing an order buys, as stored now (locked where the database
/// needs it, so two buyers take turns on its stock).
pub(crate) fn listing(records: &mut impl OrderRecords, id: ListingId) -> Result<ListingState> {
    records
        .load_listing(id)?
        .ok_or(HubError::NotFound("no such listing"))
}

/// Places a new order for `listing` (from [`listing`]) under `key`: the
/// placement rules (`order_place::place`: active listing, stock, price,
/// the live price while `pinned` in a live room), then the listing with
/// its stock taken and the new order, saved in the same transaction.
/// `on_air` is a live room whose shelf holds the listing (the order is an
/// on-air sale, whichever page it came from).
#[allow(clippy::too_many_arguments)] // one placement's inputs, each named
pub(crate) fn place(
    records: &mut impl OrderRecords,
    buyer: BuyerId,
    req: &OrderRequest<'_>,
    key: &str,
    listing: &ListingState,
    pinned: Option<(RoomStatus, &Pin)>,
    on_air: Option<RoomId>,
    now: i64,
) -> Result<Placed> {
    // A named city must be served by a route from the farm's origin: the
    // order then carries the route and its promised date.
    let route = match req.destination {
        Some(text) => {
            let city = super::routes::destination(text)?;
            let farm = records.farm_routes(listing.farm)?;
            Some(super::routes::order_route(&farm, city, now)?)
        }
        None => None,
    };
    let new_order = NewOrder {
        id: OrderId::new(),
        buyer,
        contact: records.buyer_contact(buyer)?,
        quantity: req.quantity,
        delivery: req.delivery,
        now,
        on_air,
        route,
    };
    let placed = order_place::place(listing, new_order, pinned).map_err(refused)?;
    records.save_listing(&placed.listing)?;
    records.insert_order(&placed.order, key)?;
    Ok(placed)
}

/// The order, if `who` may see it: its buyer, or a device of its farm.
/// Anyone else is told it does not exist.
pub(crate) fn visible(who: &Principal, order: Option<OrderState>) -> Result<OrderState> {
    let order = order.ok_or(HubError::NotFound("no such order"))?;
    let allowed = match who {
        Principal::Buyer(b) => *b == order.buyer,
        Principal::Device { farms, .. } => farms.contains(&order.farm),
    };
    if !allowed {
        return Err(HubError::NotFound("no such order"));
    }
    Ok(order)
}

/// The buyer cancels their own order (the state machine allows it only
/// before it is packed); its units go back in stock. Another buyer's
/// order does not exist for them.
pub(crate) fn cancel_by_buyer(
    records: &mut impl OpRecords,
    buyer: BuyerId,
    id: OrderId,
    reason: &str,
    now: i64,
) -> Result<OrderState> {
    let order = records
        .load_order(id)?
        .filter(|o| o.buyer == buyer)
        .ok_or(HubError::NotFound("no such order"))?;
    let action = OrderAction::Cancel {
        by: CancelledBy::Buyer,
        reason: reason.to_owned(),
    };
    let next = order
        .apply(&action, now)
        .map_err(|r| HubError::Conflict("transition", r.message))?;
    restock(records, &next)?;
    records.save_order(&next)?;
    Ok(next)
}
