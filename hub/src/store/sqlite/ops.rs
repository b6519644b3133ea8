//! Applying pushed ops exactly once (the one writer of `applied_ops`), and
//! the change feed devices pull.
//!
//! What each op does is decided by the shared rules
//! ([`crate::store::rules::ops`]); this file holds the SQL.

use super::records::SqliteRecords;
use super::{Store, from_json, now_ms, to_json};
use crate::error::{HubError, Result};
use crate::store::rules::ops::{
    apply_op, changes_page, empty_page, feed_start, page_fetch, repeat_outcome,
};
use farmlive_protocol::FarmId;
use farmlive_protocol::api::{Change, ChangesPage, OpResult, Outcome, Role};
use farmlive_protocol::ops::Op;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use std::collections::BTreeSet;

impl Store {
    /// Applies a batch of a device's ops in order, in one transaction; each
    /// op id at most once (a repeat gets its first answer again).
    /// Each op is first checked against the device's `role` (see
    /// [`farmlive_protocol::roles`]): an op the role may not do is rejected
    /// with `not_allowed`.
    pub fn push(
        &self,
        farms: &BTreeSet<FarmId>,
        role: Role,
        device: &str,
        ops: &[Op],
    ) -> Result<Vec<OpResult>> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut results = Vec::with_capacity(ops.len());
        let now = now_ms();
        for op in ops {
            let earlier: Option<String> = tx
                .prepare_cached("SELECT outcome FROM applied_ops WHERE op_id = ?1")?
                .query_row([op.id.to_string()], |r| r.get(0))
                .optional()?;
            let outcome = match earlier {
                Some(json) => repeat_outcome(from_json::<Outcome>(&json)?),
                None => {
                    let outcome = apply_op(&mut SqliteRecords(&tx), farms, role, op, now)?;
                    tx.prepare_cached("INSERT INTO applied_ops (op_id, device_id, outcome, applied_at) VALUES (?1, ?2, ?3, ?4)")?
                        .execute(params![op.id.to_string(), device, to_json(&outcome)?, now])?;
                    outcome
                }
            };
            results.push(OpResult { op: op.id, outcome });
        }
        tx.commit()?;
        Ok(results)
    }

    /// Changes after `after` for these farms, at most `limit`, in order.
    /// Without `orders` (a role that may not see buyers' contact details),
    /// order changes are left out, and the cursor still moves past them.
    pub fn changes(
        &self,
        farms: &BTreeSet<FarmId>,
        after: u64,
        limit: u32,
        orders: bool,
    ) -> Result<ChangesPage> {
        let Some(after_seq) = feed_start(farms, after) else {
            return Ok(empty_page(after, now_ms()));
        };
        let placeholders = vec!["?"; farms.len()].join(",");
        let kinds = if orders { "" } else { "AND kind <> 'order'" };
        let sql = format!(
            "SELECT seq, state FROM changes WHERE seq > ? AND farm_id IN ({placeholders}) {kinds} ORDER BY seq LIMIT ?"
        );
        let mut conn = self.reader();
        // One snapshot: the page and the newest seq below agree.
        let tx = conn.transaction()?;
        let mut stmt = tx.prepare_cached(&sql)?;
        let mut args: Vec<rusqlite::types::Value> = vec![after_seq.into()];
        args.extend(
            farms
                .iter()
                .map(|f| rusqlite::types::Value::from(f.to_string())),
        );
        args.push(page_fetch(limit).into());
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut changes = Vec::new();
        for row in rows {
            let (seq, state) = row?;
            changes.push(Change {
                seq: seq as u64,
                body: from_json(&state)?,
            });
        }
        drop(stmt);
        let newest = || {
            Ok(
                tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM changes", [], |r| {
                    r.get(0)
                })?,
            )
        };
        changes_page(after, limit, orders, changes, newest, now_ms())
    }
}

/// The farms with change-feed rows after `after`, and the newest row's
/// seq (`after` if none): what the farms' bell is rung for after a commit.
pub(super) fn farms_moved_after(
    conn: &rusqlite::Connection,
    after: i64,
) -> Result<(i64, BTreeSet<FarmId>)> {
    let mut stmt =
        conn.prepare_cached("SELECT seq, farm_id FROM changes WHERE seq > ?1 ORDER BY seq")?;
    let mut rows = stmt.query([after])?;
    let (mut last, mut farms) = (after, BTreeSet::new());
    while let Some(row) = rows.next()? {
        last = row.get(0)?;
        let farm: String = row.get(1)?;
        farms.insert(
            farm.parse()
                .map_err(|_| HubError::Internal("a change names no farm".into()))?,
        );
    }
    Ok((last, farms))
}

impl From<rusqlite::Error> for HubError {
    fn from(e: rusqlite::Error) -> Self {
        HubError::Internal(format!("database: {e}"))
    }
}
