//! Buyers' orders: placing them (stock checked and decremented
//! atomically), reading and cancelling their own. The rows are written
//! through `records`.

use super::records::{SqliteRecords, load_order};
use super::room_events::commit;
use super::rooms::SqliteRooms;
use super::{Store, now_ms};
use crate::error::Result;
use crate::store::interface::Principal;
use crate::store::rules::orders::{self, OrderRequest, Start};
use crate::store::rules::rooms as rules_rooms;
use farmlive_protocol::api::PlaceOrder;
use farmlive_protocol::room::RoomOrder;
use farmlive_protocol::{BuyerId, OrderId, OrderState, RoomId};
use rusqlite::TransactionBehavior;

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
        let mut rooms = SqliteRooms::new(&tx);
        let order =
            rules_rooms::place_order(&mut records, &mut rooms, buyer, req, key, room, now_ms())?;
        let emitted = rooms.emitted;
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
