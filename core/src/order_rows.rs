//! The one writer of the `orders` table. Each row keeps the hub's last
//! state of an order (`base`) and the device's view (`state`): the base with
//! the pending fulfilment actions folded on by the protocol's state machine
//! (`OrderState::apply`), whether the action was just taken here or the
//! base was just pulled.

use crate::error::{Error, Result};
use farmlive_protocol::{OrderId, OrderState};
use rusqlite::{Connection, OptionalExtension, params};

/// Reads a stored order (either column).
pub(crate) fn parse(text: &str) -> Result<OrderState> {
    serde_json::from_str(text).map_err(|e| Error::stored("stored order unreadable", e))
}

fn encode(state: &OrderState) -> Result<String> {
    serde_json::to_string(state).map_err(|e| Error::stored("cannot encode an order", e))
}

fn read(conn: &Connection, sql: &str, id: OrderId) -> Result<Option<OrderState>> {
    let text: Option<String> = conn
        .prepare_cached(sql)?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    text.as_deref().map(parse).transpose()
}

/// The hub's last state of an order, if the device has it.
pub(crate) fn read_base(conn: &Connection, id: OrderId) -> Result<Option<OrderState>> {
    read(conn, "SELECT base FROM orders WHERE id = ?1", id)
}

/// The device's view of an order, if it has it.
pub(crate) fn read_view(conn: &Connection, id: OrderId) -> Result<Option<OrderState>> {
    read(conn, "SELECT state FROM orders WHERE id = ?1", id)
}

/// Stores an order as pulled from the hub: its base (a new order's view
/// starts as the same state; the caller refolds the view of a known one).
pub(crate) fn write_base(conn: &Connection, o: &OrderState) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO orders (id, farm_id, status, placed_at, base, state) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (id) DO UPDATE SET base = ?5",
    )?
    .execute(params![
        o.id.to_string(),
        o.farm.to_string(),
        o.status.as_str(),
        o.placed_at,
        encode(o)?
    ])?;
    Ok(())
}

/// Writes the device's view of an order.
pub(crate) fn write_view(conn: &Connection, o: &OrderState) -> Result<()> {
    conn.prepare_cached("UPDATE orders SET status = ?1, state = ?2 WHERE id = ?3")?
        .execute(params![o.status.as_str(), encode(o)?, o.id.to_string()])?;
    Ok(())
}
