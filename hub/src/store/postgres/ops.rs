//! Applying pushed ops exactly once (the one writer of `applied_ops`), and
//! the change feed devices pull. What each op does is decided by the
//! shared rules (`store/rules/ops.rs`); this file holds the SQL.

use super::backend::PgStore;
use super::pool::Conn;
use super::records::PgRecords;
use super::{from_json, now_ms, to_json};
use crate::error::{HubError, Result};
use crate::store::rules::ops::{
    apply_op, changes_page, empty_page, feed_start, page_fetch, repeat_outcome,
};
use farmlive_protocol::FarmId;
use farmlive_protocol::api::{Change, ChangesPage, OpResult, Outcome, Role};
use farmlive_protocol::ops::Op;
use std::collections::{BTreeSet, HashMap, HashSet};

impl PgStore {
    /// Applies a batch of a device's ops in order, in one transaction; each
    /// op id at most once, whichever process or connection it reaches.
    ///
    /// The batch's op ids are claimed first, together: the insert of an
    /// `applied_ops` row waits for a concurrent transaction holding the
    /// same id, and then either finds its committed outcome (a repeat) or
    /// claims it (the other rolled back). Then the listings the claimed
    /// ops name are locked together, the ops applied in order, and what
    /// they saved written together (see [`PgRecords`]): a round trip per
    /// batch for each step rather than several per op.
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
            let mut claimed = claim(tx, device, ops, now)?;
            let mut earlier = outcomes_of(tx, ops, &claimed)?;
            let mut records = PgRecords::batched(tx);
            records.lock_listings(
                ops.iter()
                    .filter(|op| claimed.contains(&op.id.to_string()))
                    .filter_map(|op| op.body.listing()),
            )?;
            let mut results = Vec::with_capacity(ops.len());
            let (mut ids, mut stored) = (Vec::new(), Vec::new());
            for op in ops {
                let id = op.id.to_string();
                let outcome = if claimed.remove(&id) {
                    let outcome = apply_op(&mut records, farms, role, op, now)?;
                    ids.push(id.clone());
                    stored.push(to_json(&outcome)?);
                    earlier.insert(id, outcome.clone());
                    outcome
                } else {
                    // Applied before: by another transaction, or earlier in
                    // this batch (the same op sent twice).
                    let first = earlier.get(&id).cloned().ok_or_else(|| {
                        HubError::Internal(format!("op {id} is claimed but has no outcome"))
                    })?;
                    repeat_outcome(first)
                };
                results.push(OpResult { op: op.id, outcome });
            }
            tx.execute(
                "UPDATE applied_ops SET outcome = u.outcome
                 FROM UNNEST($1::text[], $2::text[]) AS u (op_id, outcome)
                 WHERE applied_ops.op_id = u.op_id",
                &[&ids, &stored],
            )?;
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

/// Claims the op ids of `ops` for this transaction, in id order (so that
/// two pushes sharing ids wait for each other instead of deadlocking):
/// the ids it claimed. The others were claimed before, by a transaction
/// now committed.
fn claim(tx: &Conn<'_>, device: &str, ops: &[Op], now: i64) -> Result<HashSet<String>> {
    let ids: BTreeSet<String> = ops.iter().map(|op| op.id.to_string()).collect();
    let ids: Vec<String> = ids.into_iter().collect();
    let rows = tx.query(
        "INSERT INTO applied_ops (op_id, device_id, outcome, applied_at)
         SELECT id, $2, '', $3 FROM UNNEST($1::text[]) AS id ORDER BY id
         ON CONFLICT (op_id) DO NOTHING RETURNING op_id",
        &[&ids, &device, &now],
    )?;
    Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
}

/// The stored outcomes of the ops of `ops` that this transaction did not
/// claim.
fn outcomes_of(
    tx: &Conn<'_>,
    ops: &[Op],
    claimed: &HashSet<String>,
) -> Result<HashMap<String, Outcome>> {
    let repeats: Vec<String> = ops
        .iter()
        .map(|op| op.id.to_string())
        .filter(|id| !claimed.contains(id))
        .collect();
    if repeats.is_empty() {
        return Ok(HashMap::new());
    }
    tx.query(
        "SELECT op_id, outcome FROM applied_ops WHERE op_id = ANY($1)",
        &[&repeats],
    )?
    .iter()
    .map(|r| Ok((r.get::<_, String>(0), from_json(&r.get::<_, String>(1))?)))
    .collect()
}
