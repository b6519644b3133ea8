//! Buyers' orders on PostgreSQL: placing them (from the shop or a live
//! room), reading and cancelling their own. The rules are `store/rules/orders.rs`; the rows are written
//! through `records.rs`. This file holds the transactions.
//!
//! Two buyers never both buy the last box: the placement reads the
//! listing `FOR UPDATE` (in `PgRecords::load_listing`), so the second
//! waits for the first's commit and then sees the stock it left. The
//! same idempotency key twice is one order: the (buyer, key) pair is
//! locked before it is looked up (`PgRecords::order_by_key`). The rooms
//! showing the listing are read `FOR SHARE`, so none ends before the
//! order's `OrderPlaced` is stored.

use super::backend::PgStore;
use super::now_ms;
use super::records::{PgRecords, read_order};
use super::room_records::RoomLock;
use super::rooms::PgRooms;
use crate::error::Result;
use crate::store::interface::Principal;
use crate::store::rules::orders::{self, OrderRequest, Start};
use crate::store::rules::rooms as rules_rooms;
use farmlive_protocol::{BuyerId, OrderId, OrderState, RoomId};

impl PgStore {
    /// Places an order from the shop, or from `room` (`false`: the same
    /// key's first order, not created now). One transaction: the key
    /// (`rules::orders::start`), then `rules::rooms::place_order` (the
    /// room's listing, the stock, the live price while pinned in a live
    /// room), with an `OrderPlaced` event in every live room of the farm
    /// showing the listing; the change feed's numbers are taken before
    /// the room events' (`counters.rs`).
    pub(super) fn place_buyer_order(
        &self,
        buyer: BuyerId,
        req: &OrderRequest<'_>,
        room: Option<RoomId>,
    ) -> Result<(OrderState, bool)> {
        let conn = self.pool.get()?;
        conn.transaction("BEGIN", |tx| {
            let mut records = PgRecords::new(tx);
            let key = match orders::start(&mut records, buyer, req)? {
                Start::Replay(first) => return Ok((*first, false)),
                Start::New(key) => key,
            };
            let mut rooms = PgRooms::new(tx, RoomLock::Share);
            let order = rules_rooms::place_order(
                &mut records,
                &mut rooms,
                buyer,
                req,
                key,
                room,
                now_ms(),
            )?;
            records.finish()?;
            rooms.finish()?;
            Ok((order, true))
        })
    }

    /// An order, if `who` may see it.
    pub(super) fn read_order_for(&self, who: &Principal, id: OrderId) -> Result<OrderState> {
        orders::visible(who, read_order(&self.pool.get()?, id)?)
    }

    /// The buyer cancels their own order; its units go back in stock.
    /// The order row is locked, then the listing's (as a device's order
    /// action locks them), so the two take turns.
    pub(super) fn cancel_for_buyer(
        &self,
        buyer: BuyerId,
        id: OrderId,
        reason: &str,
    ) -> Result<OrderState> {
        let conn = self.pool.get()?;
        conn.transaction("BEGIN", |tx| {
            let mut records = PgRecords::new(tx);
            let next = orders::cancel_by_buyer(&mut records, buyer, id, reason, now_ms())?;
            records.finish()?;
            Ok(next)
        })
    }
}
