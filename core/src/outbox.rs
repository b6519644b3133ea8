//! The outbox: operations waiting to be pushed to the hub, in order. The
//! one writer of the `outbox` table.

use crate::Core;
use crate::error::Result;
use farmlive_protocol::ops::{Op, OpBody};
use rusqlite::{Connection, Transaction, params};
use serde::Serialize;

/// An operation waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingOp {
    /// Position in the outbox; pushes go in this order.
    pub seq: i64,
    /// The operation.
    pub op: Op,
}

fn encode(op: &Op) -> Result<String> {
    Ok(farmlive_sqlite::to_json("operation", op)?)
}

/// Appends `op` inside the caller's transaction.
pub(crate) fn append(tx: &Transaction<'_>, op: &Op, now_ms: i64) -> Result<()> {
    let blob = match &op.body {
        OpBody::PhotoAttach { photo, .. } => Some(photo.sha256.as_str()),
        _ => None,
    };
    let body = encode(op)?;
    tx.execute(
        "INSERT INTO outbox (op_id, kind, entity_id, blob, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            op.id.to_string(),
            op.body.kind(),
            op.body.entity().to_string(),
            blob,
            body,
            now_ms
        ],
    )?;
    Ok(())
}

/// Replaces the op stored at `seq` (same id), e.g. to point it at the
/// hub's id for a farm.
pub(crate) fn rewrite(conn: &Connection, seq: i64, op: &Op) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET body = ?1 WHERE seq = ?2",
        params![encode(op)?, seq],
    )?;
    Ok(())
}

/// Takes the op `op_id` out of the outbox (the hub answered it).
pub(crate) fn remove(conn: &Connection, op_id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM outbox WHERE op_id = ?1")?
        .execute([op_id])?;
    Ok(())
}

impl Core {
    /// Operations not yet acknowledged by the hub, oldest first, at most `limit`.
    pub fn pending_ops(&self, limit: u32) -> Result<Vec<PendingOp>> {
        let conn = self.store.reader();
        let mut stmt = conn.prepare_cached("SELECT seq, body FROM outbox ORDER BY seq LIMIT ?1")?;
        let rows = stmt.query_map([limit], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, body) = row?;
            let op = farmlive_sqlite::from_json("outbox entry", &body)?;
            out.push(PendingOp { seq, op });
        }
        Ok(out)
    }

    /// How many operations wait to be pushed.
    pub fn pending_count(&self) -> Result<u64> {
        let conn = self.store.reader();
        Ok(conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?)
    }
}
