//! Buyers' orders: placing them (stock checked and decremented
//! atomically), reading and cancelling their own. The rows are written
//! through `records`.

use super::records::{insert_order, load_listing, load_order, restock, save_listing, save_order};
use super::room_events::{Emitted, append_event, commit};
use super::room_records::{RoomRecord, live_rooms_of_farm, load_room};
use super::{Store, from_json, now_ms};
use crate::error::{HubError, Result};
use crate::store::interface::Principal;
use farmlive_protocol::api::PlaceOrder;
use farmlive_protocol::room::{
    RoomEventBody, RoomOrder, RoomStatus, display_name, order_unit_price,
};
use farmlive_protocol::{
    BuyerContact, BuyerId, CancelledBy, Delivery, ListingId, ListingStatus, OrderAction, OrderId,
    OrderState, OrderStatus, RoomId,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// Most units in one order.
pub const ORDER_QUANTITY_MAX: i64 = 10_000;

/// An order as either route asks for it.
struct OrderRequest<'a> {
    listing: Option<ListingId>,
    quantity: i64,
    delivery: Delivery,
    idempotency_key: &'a str,
}

/// Which listing an order from `room` buys: the one asked for, or the
/// pinned one; it must be on the shelf of a live room.
fn room_listing(conn: &Connection, room: RoomId, asked: Option<ListingId>) -> Result<ListingId> {
    let rec = load_room(conn, room)?.ok_or(HubError::NotFound("no such room"))?;
    if rec.status != RoomStatus::Live {
        return Err(HubError::Conflict(
            "room_ended",
            "this live session has ended".into(),
        ));
    }
    let listing = match asked {
        Some(l) => l,
        None => {
            rec.pin
                .ok_or_else(|| {
                    HubError::bad_request(
                        "not_pinned",
                        "nothing is pinned right now; choose a listing",
                    )
                })?
                .listing
        }
    };
    if !rec.shelf.contains(&listing) {
        return Err(HubError::bad_request(
            "not_on_shelf",
            "this listing is not on the live session's shelf",
        ));
    }
    Ok(listing)
}

impl Store {
    /// Places an order. The same idempotency key from the same buyer returns
    /// the first order (`false`: not created now).
    pub fn place_order(&self, buyer: BuyerId, req: &PlaceOrder) -> Result<(OrderState, bool)> {
        let order = OrderRequest {
            listing: Some(req.listing),
            quantity: req.quantity,
            delivery: req.delivery,
            idempotency_key: &req.idempotency_key,
        };
        self.place(buyer, &order, None)
    }

    /// Places an order from a live room: the listing defaults to the pinned
    /// one and must be on the shelf. Otherwise as [`Store::place_order`].
    pub fn place_room_order(
        &self,
        buyer: BuyerId,
        room: RoomId,
        req: &RoomOrder,
    ) -> Result<(OrderState, bool)> {
        let order = OrderRequest {
            listing: req.listing,
            quantity: req.quantity,
            delivery: req.delivery,
            idempotency_key: &req.idempotency_key,
        };
        self.place(buyer, &order, Some(room))
    }

    /// One transaction: replay check, room checks, stock check and
    /// decrement, the price (live while pinned in a live room, decided
    /// here by `order_unit_price`), the order, and an `OrderPlaced` event
    /// in every live room of the farm whose shelf holds the listing.
    fn place(
        &self,
        buyer: BuyerId,
        req: &OrderRequest<'_>,
        room: Option<RoomId>,
    ) -> Result<(OrderState, bool)> {
        let key = req.idempotency_key.trim();
        if key.is_empty() || key.chars().count() > 64 {
            return Err(HubError::bad_request(
                "invalid",
                "an idempotency key of 1–64 characters is required",
            ));
        }
        if req.quantity < 1 || req.quantity > ORDER_QUANTITY_MAX {
            return Err(HubError::bad_request(
                "invalid",
                format!("order between 1 and {ORDER_QUANTITY_MAX} units"),
            ));
        }
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<String> = tx
            .query_row(
                "SELECT state FROM orders WHERE buyer_id = ?1 AND idempotency_key = ?2",
                params![buyer.to_string(), key],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(state) = existing {
            return Ok((from_json(&state)?, false));
        }
        let listing_id = match room {
            None => req.listing,
            Some(room) => Some(room_listing(&tx, room, req.listing)?),
        }
        .ok_or(HubError::NotFound("no such listing"))?;
        let mut listing =
            load_listing(&tx, listing_id)?.ok_or(HubError::NotFound("no such listing"))?;
        if listing.status.value != ListingStatus::Active {
            return Err(HubError::Conflict(
                "not_available",
                "this listing is not for sale right now".into(),
            ));
        }
        if listing.stock < req.quantity {
            return Err(HubError::Conflict(
                "out_of_stock",
                format!("only {} {} left", listing.stock, listing.unit.value),
            ));
        }
        let rooms: Vec<RoomRecord> = live_rooms_of_farm(&tx, listing.farm)?
            .into_iter()
            .filter(|r| r.shelf.contains(&listing.id))
            .collect();
        let pinned_in = rooms
            .iter()
            .find(|r| r.pin.is_some_and(|p| p.listing == listing.id));
        let (unit_price, live_price) = order_unit_price(
            listing.id,
            listing.price.value,
            pinned_in.map_or(RoomStatus::Ended, |r| r.status),
            pinned_in.and_then(|r| r.pin.as_ref()),
        );
        let total = unit_price
            .checked_mul(req.quantity)
            .ok_or_else(|| HubError::bad_request("invalid", "the order total is too large"))?;
        listing.stock -= req.quantity;
        save_listing(&tx, &listing)?;
        let contact: String = tx.query_row(
            "SELECT contact FROM buyers WHERE id = ?1",
            [buyer.to_string()],
            |r| r.get(0),
        )?;
        let contact: BuyerContact = from_json(&contact)?;
        let now = now_ms();
        let order = OrderState {
            id: OrderId::new(),
            listing: listing.id,
            farm: listing.farm,
            buyer,
            title: listing.title.value.clone(),
            quantity: req.quantity,
            unit: listing.unit.value,
            unit_price,
            total,
            delivery: req.delivery,
            status: OrderStatus::Placed,
            placed_at: now,
            updated_at: now,
            shipment: None,
            cancellation: None,
            contact,
        };
        insert_order(&tx, &order, key)?;
        let mut emitted = Emitted::new();
        for r in &rooms {
            let body = RoomEventBody::OrderPlaced {
                order: order.id,
                listing: order.listing,
                title: order.title.clone(),
                quantity: order.quantity,
                unit: order.unit,
                unit_price,
                total,
                delivery: order.delivery,
                live_price,
                buyer: display_name(&order.contact.name),
            };
            append_event(&tx, r.id, now, body, &mut emitted)?;
        }
        commit(tx, &self.fanout, emitted)?;
        Ok((order, true))
    }

    /// An order, if `who` may see it: its buyer, or a device of its farm.
    /// Anyone else is told it does not exist.
    pub fn order_for(&self, who: &Principal, id: OrderId) -> Result<OrderState> {
        let order = load_order(&self.reader(), id)?.ok_or(HubError::NotFound("no such order"))?;
        let allowed = match who {
            Principal::Buyer(b) => *b == order.buyer,
            Principal::Device { farms, .. } => farms.contains(&order.farm),
        };
        if !allowed {
            return Err(HubError::NotFound("no such order"));
        }
        Ok(order)
    }

    /// The buyer cancels their own order (only before it is packed).
    pub fn cancel_by_buyer(&self, buyer: BuyerId, id: OrderId, reason: &str) -> Result<OrderState> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let order = load_order(&tx, id)?
            .filter(|o| o.buyer == buyer)
            .ok_or(HubError::NotFound("no such order"))?;
        let action = OrderAction::Cancel {
            by: CancelledBy::Buyer,
            reason: reason.to_owned(),
        };
        let next = order
            .apply(&action, now_ms())
            .map_err(|r| HubError::Conflict("transition", r.message))?;
        restock(&tx, &next)?;
        save_order(&tx, &next)?;
        tx.commit()?;
        Ok(next)
    }
}
