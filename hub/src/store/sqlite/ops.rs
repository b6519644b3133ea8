//! Applying pushed ops exactly once (the one writer of `applied_ops`), and
//! the change feed devices pull.

use super::blobs::BlobStore;
use super::records::{load_listing, load_order, restock, save_listing, save_order};
use super::{Store, from_json, now_ms, to_json};
use crate::error::{HubError, Result};
use farmlive_protocol::api::{Change, ChangesPage, OpResult, Outcome, Role};
use farmlive_protocol::listing_state::apply_listing_op;
use farmlive_protocol::ops::{Op, OpBody};
use farmlive_protocol::roles;
use farmlive_protocol::{CancelledBy, FarmId, OrderAction, OrderId, OrderStatus, Rejection};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::collections::BTreeSet;

fn forbidden() -> Rejection {
    Rejection::new(
        "forbidden",
        "this device may not change another farm's listings or orders",
    )
}

/// An op stamped too far in the future: applying it would make every later
/// edit of the same field lose to it, on every device.
fn clock_ahead(ahead: farmlive_protocol::hlc::ClockAhead) -> Rejection {
    Rejection::new(
        "clock_ahead",
        format!(
            "this change is stamped {} minutes ahead of the hub's clock; set the phone's date and time, then edit again",
            (ahead.ahead_ms + 59_999) / 60_000
        ),
    )
}

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
        blobs: &BlobStore,
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
                Some(json) => match from_json::<Outcome>(&json)? {
                    Outcome::Applied | Outcome::Duplicate => Outcome::Duplicate,
                    rejected => rejected,
                },
                None => {
                    let allowed = roles::check(role, roles::needed_for(&op.body))
                        .and_then(|()| op.at.check_not_ahead(now).map_err(clock_ahead));
                    let applied = match allowed {
                        Ok(()) => apply_one(&tx, farms, op, now, blobs)?,
                        Err(rejection) => Err(rejection),
                    };
                    let outcome = match applied {
                        Ok(()) => Outcome::Applied,
                        Err(rejection) => Outcome::Rejected { rejection },
                    };
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
        // A cursor past every sequence number SQLite can hold sees nothing
        // (it must not wrap to a negative number and see everything).
        let after_seq = match i64::try_from(after) {
            Ok(seq) if !farms.is_empty() => seq,
            _ => {
                return Ok(ChangesPage {
                    changes: vec![],
                    next: after,
                    more: false,
                    hub_time_ms: Some(now_ms()),
                });
            }
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
        args.push((i64::from(limit) + 1).into());
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
        let more = changes.len() > limit as usize;
        changes.truncate(limit as usize);
        let mut next = changes.last().map_or(after, |c| c.seq);
        if !orders && !more {
            // Nothing else for this device up to the newest change: skip
            // the orders it may not see, so they are not scanned again.
            let newest: i64 =
                tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM changes", [], |r| {
                    r.get(0)
                })?;
            next = next.max(u64::try_from(newest).unwrap_or(0));
        }
        Ok(ChangesPage {
            changes,
            next,
            more,
            hub_time_ms: Some(now_ms()),
        })
    }
}

/// Applies one op; the outer error is a database failure, the inner a rejection.
fn apply_one(
    conn: &Connection,
    farms: &BTreeSet<FarmId>,
    op: &Op,
    now: i64,
    blobs: &BlobStore,
) -> Result<Result<(), Rejection>> {
    if let OpBody::OrderAction { order, action } = &op.body {
        return apply_order_action(conn, farms, *order, action, now, blobs);
    }
    let Some(listing_id) = op.body.listing() else {
        return Ok(Err(Rejection::new("invalid", "unknown operation")));
    };
    let current = load_listing(conn, listing_id)?;
    let farm = match (&current, &op.body) {
        (Some(s), _) => s.farm,
        (None, OpBody::ListingCreate { farm, .. }) => *farm,
        (None, _) => {
            return Ok(Err(Rejection::new(
                "not_found",
                "this listing no longer exists",
            )));
        }
    };
    if !farms.contains(&farm) {
        return Ok(Err(forbidden()));
    }
    if let OpBody::PhotoAttach { photo, .. } = &op.body {
        for sha in [&photo.sha256, &photo.thumb_sha256] {
            if !blobs.is_attachable(conn, sha, farm)? {
                return Ok(Err(Rejection::new(
                    "blob_missing",
                    "the photo has not finished uploading",
                )));
            }
        }
    }
    match apply_listing_op(current.as_ref(), op) {
        Ok(next) => {
            save_listing(conn, &next)?;
            Ok(Ok(()))
        }
        Err(rejection) => Ok(Err(rejection)),
    }
}

fn apply_order_action(
    conn: &Connection,
    farms: &BTreeSet<FarmId>,
    id: OrderId,
    action: &OrderAction,
    now: i64,
    blobs: &BlobStore,
) -> Result<Result<(), Rejection>> {
    let Some(order) = load_order(conn, id)? else {
        return Ok(Err(Rejection::new("not_found", "no such order")));
    };
    if !farms.contains(&order.farm) {
        return Ok(Err(forbidden()));
    }
    // A device acts for the farm: its cancellations are the farmer's, whatever it says.
    let action = match action {
        OrderAction::Cancel { reason, .. } => OrderAction::Cancel {
            by: CancelledBy::Farmer,
            reason: reason.clone(),
        },
        other => other.clone(),
    };
    if let OrderAction::Deliver { photo: Some(photo) } = &action {
        // The photo is uploaded before the op; a device that skipped it (or
        // whose upload the hub dropped) is told, and the order stays shipped.
        for sha in [&photo.sha256, &photo.thumb_sha256] {
            if !blobs.is_attachable(conn, sha, order.farm)? {
                return Ok(Err(Rejection::new(
                    "blob_missing",
                    "the delivery photo has not finished uploading; sync again",
                )));
            }
        }
    }
    match order.apply(&action, now) {
        Ok(next) => {
            if next.status == OrderStatus::Cancelled {
                restock(conn, &next)?;
            }
            save_order(conn, &next)?;
            Ok(Ok(()))
        }
        Err(rejection) => Ok(Err(rejection)),
    }
}

impl From<rusqlite::Error> for HubError {
    fn from(e: rusqlite::Error) -> Self {
        HubError::Internal(format!("database: {e}"))
    }
}
