//! Buyers' orders on PostgreSQL: placing, reading and cancelling their
//! own. The rules are `store/rules/orders.rs`; the rows are written
//! through `records.rs`. This file holds the transactions.
//!
//! Two buyers never both buy the last box: the placement reads the
//! listing `FOR UPDATE` (in `PgRecords::load_listing`), so the second
//! waits for the first's commit and then sees the stock it left. The
//! same idempotency key twice is one order: the (buyer, key) pair is
//! locked before it is looked up (`PgRecords::order_by_key`).

use super::backend::PgStore;
use super::now_ms;
use super::records::{PgRecords, read_order};
use crate::error::Result;
use crate::store::interface::Principal;
use crate::store::rules::orders::{self, OrderRequest, Start};
use farmlive_protocol::api::PlaceOrder;
use farmlive_protocol::{BuyerId, OrderId, OrderState};

impl PgStore {
    /// Places an order from the shop (`false`: the same key's first
    /// order, not created now). Rooms are not built on PostgreSQL, so no
    /// room is live: no pin's price applies and no room hears of it.
    pub(super) fn place_shop_order(
        &self,
        buyer: BuyerId,
        req: &PlaceOrder,
    ) -> Result<(OrderState, bool)> {
        let request = OrderRequest::of_place(req);
        let conn = self.pool.get()?;
        conn.transaction("BEGIN", |tx| {
            let mut records = PgRecords::new(tx);
            let key = match orders::start(&mut records, buyer, &request)? {
                Start::Replay(first) => return Ok((*first, false)),
                Start::New(key) => key,
            };
            let listing = orders::listing(&mut records, req.listing)?;
            let placed = orders::place(
                &mut records,
                buyer,
                &request,
                key,
                &listing,
                None,
                None,
                now_ms(),
            )?;
            records.finish()?;
            Ok((placed.order, true))
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
