//! Applying pushed ops exactly once (the one writer of `applied_ops`), and
//! the change feed devices pull. What each op does is decided by the
//! shared rules (`store/rules/ops.rs`); this file holds the SQL.

use super::backend::PgStore;
use super::records::PgRecords;
use super::{from_json, now_ms, to_json};
use crate::error::Result;
use crate::store::rules::ops::{
    apply_op, changes_page, empty_page, feed_start, page_fetch, repeat_outcome,
};
use farmlive_protocol::FarmId;
use farmlive_protocol::api::{Change, ChangesPage, OpResult, Outcome, Role};
use farmlive_protocol::ops::Op;
use std::collections::BTreeSet;

impl PgStore {
    /// Applies a batch of a device's ops in order, in one transaction; each
    /// op id at most once, whichever process or connection it reaches.
    ///
    /// Each op id is claimed first: the insert of its `applied_ops` row
    /// waits for a concurrent transaction holding the same id, and then
    /// either finds its committed outcome (a repeat) or claims it (the
    /// other rolled back).
    pub(super) fn push_ops(
        &self,
        farms: &BTreeSet<FarmId>,
        role: Role,
        device: &str,
        ops: &[Op],
    ) -> Result<Vec<OpResult>> {
        let conn = self.pool.get()?;
        conn.transaction("BEGIN", |tx| {
            let now = now_ms();
            let mut records = PgRecords::new(tx);
            let mut results = Vec::with_capacity(ops.len());
            for op in ops {
                let id = op.id.to_string();
                let claimed = tx
                    .query_opt(
                        "INSERT INTO applied_ops (op_id, device_id, outcome, applied_at)
                         VALUES ($1, $2, '', $3) ON CONFLICT (op_id) DO NOTHING RETURNING 1",
                        &[&id, &device, &now],
                    )?
                    .is_some();
                let outcome = if claimed {
                    let outcome = apply_op(&mut records, farms, role, op, now)?;
                    tx.execute(
                        "UPDATE applied_ops SET outcome = $2 WHERE op_id = $1",
                        &[&id, &to_json(&outcome)?],
                    )?;
                    outcome
                } else {
                    let first: String = tx
                        .query_one("SELECT outcome FROM applied_ops WHERE op_id = $1", &[&id])?
                        .get(0);
                    repeat_outcome(from_json::<Outcome>(&first)?)
                };
                results.push(OpResult { op: op.id, outcome });
            }
            records.finish()?;
            Ok(results)
        })
    }

    /// Changes after `after` for these farms, at most `limit`, in order;
    /// order changes only with `orders` (the cursor still moves past them).
    pub(super) fn changes_after(
        &self,
        farms: &BTreeSet<FarmId>,
        after: u64,
        limit: u32,
        orders: bool,
    ) -> Result<ChangesPage> {
        let Some(after_seq) = feed_start(farms, after) else {
            return Ok(empty_page(after, now_ms()));
        };
        let farm_ids: Vec<String> = farms.iter().map(ToString::to_string).collect();
        let conn = self.pool.get()?;
        // One snapshot: the page and the newest seq below agree.
        let (changes, newest) =
            conn.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", |tx| {
                let rows = tx.query(
                    "SELECT seq, state FROM changes
                     WHERE seq > $1 AND farm_id = ANY($2) AND ($3 OR kind <> 'order')
                     ORDER BY seq LIMIT $4",
                    &[&after_seq, &farm_ids, &orders, &page_fetch(limit)],
                )?;
                let changes = rows
                    .iter()
                    .map(|r| {
                        Ok(Change {
                            seq: u64::try_from(r.get::<_, i64>(0)).unwrap_or(0),
                            body: from_json(&r.get::<_, String>(1))?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let newest: i64 = if orders {
                    0
                } else {
                    tx.query_one("SELECT COALESCE(MAX(seq), 0) FROM changes", &[])?
                        .get(0)
                };
                Ok((changes, newest))
            })?;
        changes_page(after, limit, orders, changes, || Ok(newest), now_ms())
    }
}
