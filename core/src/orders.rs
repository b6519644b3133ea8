//! Orders on the farmer's device: listed at-risk first, fulfilled offline
//! (accept, pack, ship, cancel, deliver), each action checked by the shared
//! state machine, queued for sync and written through `order_rows`.

pub use crate::conflicts::Conflict;

use crate::action::Action;
use crate::error::{Error, Result};
use crate::{Core, order_rows};
use farmlive_protocol::ops::OpBody;
use farmlive_protocol::roles::Capability;
use farmlive_protocol::{CancelledBy, OrderAction, OrderId, OrderState, OrderStatus};
use rusqlite::OptionalExtension;
use serde::Serialize;

/// An order with what the farmer needs to see at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Order {
    /// The order (buyer contact inside is personal data).
    #[serde(flatten)]
    pub state: OrderState,
    /// Must ship by (UTC ms): placed + 72 h.
    pub ship_by: i64,
    /// Waiting to ship with under 12 hours left.
    pub at_risk: bool,
    /// Still waiting to ship past its ship-by: the 72-hour promise is
    /// broken (the buyer may cancel it).
    pub overdue: bool,
    /// Has local actions not yet synced.
    pub pending_sync: bool,
}

/// Which orders to list.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    /// Only this status.
    pub status: Option<OrderStatus>,
}

impl Core {
    fn to_order(&self, state: OrderState, pending_sync: bool, now: i64) -> Order {
        Order {
            ship_by: state.ship_by(),
            at_risk: state.is_at_risk(now),
            overdue: state.is_overdue(now),
            pending_sync,
            state,
        }
    }

    /// Orders, at-risk first, then by ship-by time; finished ones last, newest first.
    pub fn orders(&self, filter: &OrderFilter) -> Result<Vec<Order>> {
        let now = self.now_ms();
        let conn = self.store.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT o.state, EXISTS (SELECT 1 FROM outbox WHERE entity_id = o.id)
             FROM orders o WHERE ?1 IS NULL OR o.status = ?1",
        )?;
        let rows = stmt
            .query_map([filter.status.map(|s| s.as_str())], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut orders = rows
            .into_iter()
            .map(|(s, p)| Ok(self.to_order(order_rows::parse(&s)?, p, now)))
            .collect::<Result<Vec<_>>>()?;
        orders.sort_by_key(|o| {
            let waiting = o.state.status.awaits_shipping();
            (
                !o.at_risk,
                !waiting,
                if waiting {
                    o.ship_by
                } else {
                    -o.state.placed_at
                },
            )
        });
        Ok(orders)
    }

    /// One order.
    pub fn order(&self, id: OrderId) -> Result<Order> {
        let conn = self.store.reader();
        let row: Option<(String, bool)> = conn
            .query_row(
                "SELECT state, EXISTS (SELECT 1 FROM outbox WHERE entity_id = ?1) FROM orders WHERE id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (state, pending) = row.ok_or_else(|| Error::not_found("order", id))?;
        Ok(self.to_order(order_rows::parse(&state)?, pending, self.now_ms()))
    }

    /// Finds an order by its full id or the end of it (as the CLI shows).
    pub fn find_order_id(&self, key: &str) -> Result<OrderId> {
        crate::store::find_id(&self.store.reader(), "orders", "order", key)
    }

    /// Applies a fulfilment action offline; it syncs with the next push.
    /// Only the farmer's phone may: an agent's device is refused here,
    /// before anything is queued.
    pub fn act_on_order(&self, id: OrderId, action: OrderAction) -> Result<Order> {
        self.require(Capability::ActOnOrders)?;
        let action = match action {
            OrderAction::Cancel { reason, .. } => OrderAction::Cancel {
                by: CancelledBy::Farmer,
                reason,
            },
            other => other,
        };
        self.act(|a| record_order_action(a, id, action))?;
        self.order(id)
    }
}

/// Checks `action` against the order's local view by the shared state
/// machine, queues it and writes the new view, in the caller's action.
pub(crate) fn record_order_action(
    a: &mut Action<'_>,
    id: OrderId,
    action: OrderAction,
) -> Result<()> {
    let state = order_rows::read_view(&a.tx, id)?.ok_or_else(|| Error::not_found("order", id))?;
    let next = state.apply(&action, a.now_ms).map_err(Error::Rule)?;
    a.record(OpBody::OrderAction { order: id, action })?;
    order_rows::write_view(&a.tx, &next)
}
