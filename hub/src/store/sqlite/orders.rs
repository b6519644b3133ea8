//! Buyers' orders: placing them (stock checked and decremented
//! atomically), reading and cancelling their own. The rows are written
//! through `records`.

use super::records::{SqliteRecords, load_order};
use super::room_events::{Emitted, append_event, commit};
use super::room_records::{RoomRecord, live_rooms_of_farm, load_room};
use super::{Store, now_ms};
use crate::error::{HubError, Result};
use crate::store::interface::Principal;
use crate::store::rules::orders::{self, OrderRequest, Start};
use farmlive_protocol::api::PlaceOrder;
use farmlive_protocol::order_place::Placed;
use farmlive_protocol::room::{RoomEventBody, RoomOrder, RoomStatus, display_name};
use farmlive_protocol::{BuyerId, ListingId, OrderId, OrderState, RoomId};
use rusqlite::{Connection, TransactionBehavior};

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
        self.place(buyer, &OrderRequest::of_place(req), None)
    }

    /// Places an order from a live room: the listing defaults to the pinned
    /// one and must be on the shelf. Otherwise as [`Store::place_order`].
    pub fn place_room_order(
        &self,
        buyer: BuyerId,
        room: RoomId,
        req: &RoomOrder,
    ) -> Result<(OrderState, bool)> {
        self.place(buyer, &OrderRequest::of_room(req), Some(room))
    }

    /// One transaction: the request and its key (`rules::orders::start`),
    /// the room checks, then the placement rules (`rules::orders::place`:
    /// stock check and decrement, the price, live while pinned in a live
    /// room, and the new order), stored with an `OrderPlaced` event in
    /// every live room of the farm whose shelf holds the listing.
    fn place(
        &self,
        buyer: BuyerId,
        req: &OrderRequest<'_>,
        room: Option<RoomId>,
    ) -> Result<(OrderState, bool)> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut records = SqliteRecords(&tx);
        let key = match orders::start(&mut records, buyer, req)? {
            Start::Replay(first) => return Ok((*first, false)),
            Start::New(key) => key,
        };
        let listing_id = match room {
            None => req.listing,
            Some(room) => Some(room_listing(&tx, room, req.listing)?),
        }
        .ok_or(HubError::NotFound("no such listing"))?;
        let listing = orders::listing(&mut records, listing_id)?;
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
        let now = now_ms();
        let Placed {
            order, live_price, ..
        } = orders::place(
            &mut records,
            buyer,
            req,
            key,
            &listing,
            pinned_in,
            rooms.first().map(|r| r.id),
            now,
        )?;
        let (unit_price, total) = (order.unit_price, order.total);
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

    /// An order, if `who` may see it (`rules::orders::visible`).
    pub fn order_for(&self, who: &Principal, id: OrderId) -> Result<OrderState> {
        orders::visible(who, load_order(&self.reader(), id)?)
    }

    /// The buyer cancels their own order (`rules::orders::cancel_by_buyer`:
    /// only before it is packed; the units go back in stock).
    pub fn cancel_by_buyer(&self, buyer: BuyerId, id: OrderId, reason: &str) -> Result<OrderState> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let next = orders::cancel_by_buyer(&mut SqliteRecords(&tx), buyer, id, reason, now_ms())?;
        tx.commit()?;
        Ok(next)
    }
}
