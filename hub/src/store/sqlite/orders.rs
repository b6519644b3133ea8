//! Buyers' orders: placing them (stock checked and decremented
//! atomically), reading and cancelling their own. The rows are written
//! through `records`.

use super::records::{
    SqliteRecords, insert_order, load_listing, load_order, save_listing, save_order,
};
use super::room_events::{Emitted, append_event, commit};
use super::room_records::{RoomRecord, live_rooms_of_farm, load_room};
use super::{Store, from_json, now_ms};
use crate::error::{HubError, Result};
use crate::store::interface::Principal;
use farmlive_protocol::api::PlaceOrder;
use farmlive_protocol::order_place::{self, NewOrder, PlaceRefusal, Placed, check_request};
use farmlive_protocol::room::{RoomEventBody, RoomOrder, RoomStatus, display_name};
use farmlive_protocol::{
    BuyerContact, BuyerId, CancelledBy, Delivery, ListingId, OrderAction, OrderId, OrderState,
    RoomId,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// The hub's answer to an order the placement rules refuse.
fn refused(r: PlaceRefusal) -> HubError {
    if r.is_bad_request() {
        HubError::bad_request(r.code(), r)
    } else {
        HubError::Conflict(r.code(), r.to_string())
    }
}

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

    /// One transaction: replay check, room checks, then the placement rules
    /// (`order_place::place`: stock check and decrement, the price, live
    /// while pinned in a live room, and the new order), stored with an
    /// `OrderPlaced` event in every live room of the farm whose shelf holds
    /// the listing.
    fn place(
        &self,
        buyer: BuyerId,
        req: &OrderRequest<'_>,
        room: Option<RoomId>,
    ) -> Result<(OrderState, bool)> {
        let key = check_request(req.idempotency_key, req.quantity).map_err(refused)?;
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
        let listing =
            load_listing(&tx, listing_id)?.ok_or(HubError::NotFound("no such listing"))?;
        let rooms: Vec<RoomRecord> = live_rooms_of_farm(&tx, listing.farm)?
            .into_iter()
            .filter(|r| r.shelf.contains(&listing.id))
            .collect();
        let pinned_in = rooms.iter().find_map(|r| {
            r.pin
                .as_ref()
                .filter(|p| p.listing == listing.id)
                .map(|p| (r.status, p))
        });
        let contact: String = tx.query_row(
            "SELECT contact FROM buyers WHERE id = ?1",
            [buyer.to_string()],
            |r| r.get(0),
        )?;
        let now = now_ms();
        let new_order = NewOrder {
            id: OrderId::new(),
            buyer,
            contact: from_json::<BuyerContact>(&contact)?,
            quantity: req.quantity,
            delivery: req.delivery,
            now,
        };
        let Placed {
            order,
            listing,
            live_price,
        } = order_place::place(&listing, new_order, pinned_in).map_err(refused)?;
        let (unit_price, total) = (order.unit_price, order.total);
        save_listing(&tx, &listing)?;
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
        crate::store::rules::ops::restock(&mut SqliteRecords(&tx), &next)?;
        save_order(&tx, &next)?;
        tx.commit()?;
        Ok(next)
    }
}
