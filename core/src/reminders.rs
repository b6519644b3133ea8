//! Ship-by reminders (issue 15): 12 hours and 2 hours before an order must
//! ship, the farmer is told, each once. The device decides from the orders
//! it holds, so a reminder comes at the first sync after its moment even
//! when the phone was offline then (`protocol::order::reminder_now` says
//! which). The one writer of `ship_reminders`.

use crate::error::Result;
use crate::{Core, OrderFilter};
use farmlive_protocol::calendar::china_minutes;
use farmlive_protocol::order::reminder_now;
use farmlive_protocol::{Message, MsgCode, OrderId, Unit};
use rusqlite::params;
use serde::Serialize;

/// An order that must ship soon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShipReminder {
    /// The order.
    pub order: OrderId,
    /// What was ordered.
    pub title: String,
    /// How much, in `unit`.
    pub quantity: i64,
    /// The unit of `quantity`.
    pub unit: Unit,
    /// Hours left before the ship-by when the reminder fell due (12 or 2).
    pub hours_left: u32,
    /// When it must ship by (UTC ms).
    pub ship_by: i64,
    /// The destination city's id, when ordered over a route.
    pub city: Option<String>,
}

impl ShipReminder {
    /// What to tell the farmer, in the catalog's words (one line).
    pub fn message(&self) -> Message {
        let id = self.order.to_string();
        Message::new(MsgCode::ShipReminder)
            .arg("hours", self.hours_left)
            .arg("order", &id[id.len().saturating_sub(8)..])
            .arg("quantity", self.quantity)
            .arg("title", &self.title)
            .arg("ship_by", china_minutes(self.ship_by))
    }
}

impl Core {
    /// The ship-by reminders due now that were not given before, most
    /// urgent first; each is given once (marked here). Call it after a
    /// sync, or on a timer while the app is open.
    pub fn ship_reminders(&self) -> Result<Vec<ShipReminder>> {
        self.ship_reminders_at(self.now_ms())
    }

    /// [`Core::ship_reminders`] as of `now` (UTC ms).
    pub fn ship_reminders_at(&self, now: i64) -> Result<Vec<ShipReminder>> {
        let waiting: Vec<_> = self
            .orders(&OrderFilter::default())?
            .into_iter()
            .filter(|o| o.state.status.awaits_shipping())
            .collect();
        let mut conn = self.store.writer();
        let tx = conn.transaction()?;
        let mut reminders = Vec::new();
        for order in waiting {
            let id = order.state.id.to_string();
            let given: Vec<u32> = tx
                .prepare_cached("SELECT hours FROM ship_reminders WHERE order_id = ?1")?
                .query_map([&id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let (say, newly) = reminder_now(order.state.placed_at, now, &given);
            for hours in newly {
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO ship_reminders (order_id, hours, given_at)
                     VALUES (?1, ?2, ?3)",
                )?
                .execute(params![id, hours, now])?;
            }
            if let Some(hours_left) = say {
                reminders.push(ShipReminder {
                    order: order.state.id,
                    title: order.state.title.clone(),
                    quantity: order.state.quantity,
                    unit: order.state.unit,
                    hours_left,
                    ship_by: order.ship_by,
                    city: order.state.route.as_ref().map(|r| r.city.clone()),
                });
            }
        }
        tx.commit()?;
        reminders.sort_by_key(|r| (r.ship_by, r.order.to_string()));
        Ok(reminders)
    }
}
