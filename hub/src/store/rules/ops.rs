//! What a pushed op does, whichever database holds the records: the role
//! check, the clock-ahead check, the farm check, the listing fold
//! ([`apply_listing_op`]) and the order state machine
//! ([`OrderState::apply`]), questions to the experts
//! ([`super::questions`]), and what a repeated op id is answered.
//!
//! A backend gives [`apply_op`] its transaction as an [`OpRecords`] (load
//! and save of listings and orders, and whether a photo may be attached),
//! and keeps only the SQL and the exactly-once bookkeeping itself.

pub(crate) use super::op_records::{OpRecords, forbidden};
use crate::error::Result;
use farmlive_protocol::api::{Change, ChangesPage, Outcome, Role};
use farmlive_protocol::listing_state::apply_listing_op;
use farmlive_protocol::ops::{Op, OpBody};
use farmlive_protocol::roles;
use farmlive_protocol::{
    CancelledBy, FarmId, OrderAction, OrderId, OrderState, OrderStatus, Rejection,
};
use std::collections::BTreeSet;

/// Where a pull starts: the cursor as a sequence number, or `None` when the
/// pull sees nothing: no farms, or a cursor past every sequence number a
/// store can hold (it must not wrap to a negative number and see
/// everything).
pub(crate) fn feed_start(farms: &BTreeSet<FarmId>, after: u64) -> Option<i64> {
    i64::try_from(after).ok().filter(|_| !farms.is_empty())
}

/// The answer to a pull that sees nothing ([`feed_start`] gave `None`).
pub(crate) fn empty_page(after: u64, hub_time_ms: i64) -> ChangesPage {
    ChangesPage {
        changes: vec![],
        next: after,
        more: false,
        hub_time_ms: Some(hub_time_ms),
        hotline: None,
    }
}

/// How many changes a pull reads for a page of `limit`: one more, to know
/// whether more follow.
pub(crate) fn page_fetch(limit: u32) -> i64 {
    i64::from(limit) + 1
}

/// A pull's page from the changes read after `after` (up to
/// [`page_fetch`] of them). Without `orders`, when nothing more follows,
/// the cursor moves past the orders this device may not see up to the
/// feed's `newest` seq (asked only then), so they are not scanned again.
pub(crate) fn changes_page(
    after: u64,
    limit: u32,
    orders: bool,
    mut changes: Vec<Change>,
    newest: impl FnOnce() -> Result<i64>,
    hub_time_ms: i64,
) -> Result<ChangesPage> {
    let more = changes.len() > limit as usize;
    changes.truncate(limit as usize);
    let mut next = changes.last().map_or(after, |c| c.seq);
    if !orders && !more {
        next = next.max(u64::try_from(newest()?).unwrap_or(0));
    }
    Ok(ChangesPage {
        changes,
        next,
        more,
        hub_time_ms: Some(hub_time_ms),
        hotline: None,
    })
}

/// An op stamped too far in the future: applying it would make every later
/// edit of the same field lose to it, on every device.
pub(crate) fn clock_ahead(ahead: farmlive_protocol::hlc::ClockAhead) -> Rejection {
    Rejection::new(
        "clock_ahead",
        format!(
            "this change is stamped {} minutes ahead of the hub's clock; set the phone's date and time, then edit again",
            (ahead.ahead_ms + 59_999) / 60_000
        ),
    )
}

/// What a repeat of an op id is answered, given the outcome recorded the
/// first time: an applied op is a `Duplicate`, a refused one keeps its
/// rejection.
pub(crate) fn repeat_outcome(first: Outcome) -> Outcome {
    match first {
        Outcome::Applied | Outcome::Duplicate => Outcome::Duplicate,
        rejected => rejected,
    }
}

/// Applies an op seen for the first time, for a device of `role` acting
/// for `farms`, at hub time `now` (ms): its outcome (applied, or refused
/// with a rejection). The error is a database failure only.
pub(crate) fn apply_op(
    records: &mut dyn OpRecords,
    farms: &BTreeSet<FarmId>,
    role: Role,
    op: &Op,
    now: i64,
) -> Result<Outcome> {
    let allowed = roles::check(role, roles::needed_for(&op.body))
        .and_then(|()| op.at.check_not_ahead(now).map_err(clock_ahead));
    let applied = match allowed {
        Ok(()) => apply_allowed(records, farms, op, now)?,
        Err(rejection) => Err(rejection),
    };
    Ok(match applied {
        Ok(()) => Outcome::Applied,
        Err(rejection) => Outcome::Rejected { rejection },
    })
}

/// Applies one op the role may do; the outer error is a database failure,
/// the inner a rejection.
fn apply_allowed(
    records: &mut dyn OpRecords,
    farms: &BTreeSet<FarmId>,
    op: &Op,
    now: i64,
) -> Result<Result<(), Rejection>> {
    if let OpBody::OrderAction { order, action } = &op.body {
        return apply_order_action(records, farms, *order, action, now);
    }
    if let Some(question) = op.body.question() {
        // Timed by the hub's clock: the queue's order must not follow a
        // phone's wrong date.
        return super::questions::apply_question_op(records, farms, question, &op.body, now);
    }
    let Some(listing_id) = op.body.listing() else {
        return Ok(Err(Rejection::new("invalid", "unknown operation")));
    };
    let current = records.load_listing(listing_id)?;
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
            if !records.is_attachable(sha, farm)? {
                return Ok(Err(Rejection::new(
                    "blob_missing",
                    "the photo has not finished uploading",
                )));
            }
        }
    }
    match apply_listing_op(current.as_ref(), op) {
        Ok(next) => {
            records.save_listing(&next)?;
            Ok(Ok(()))
        }
        Err(rejection) => Ok(Err(rejection)),
    }
}

fn apply_order_action(
    records: &mut dyn OpRecords,
    farms: &BTreeSet<FarmId>,
    id: OrderId,
    action: &OrderAction,
    now: i64,
) -> Result<Result<(), Rejection>> {
    let Some(order) = records.load_order(id)? else {
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
            if !records.is_attachable(sha, order.farm)? {
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
                restock(records, &next)?;
            }
            records.save_order(&next)?;
            Ok(Ok(()))
        }
        Err(rejection) => Ok(Err(rejection)),
    }
}

/// Puts back the units of a cancelled order.
pub(crate) fn restock(records: &mut dyn OpRecords, order: &OrderState) -> Result<()> {
    if let Some(mut listing) = records.load_listing(order.listing)? {
        listing.stock = listing.stock.saturating_add(order.quantity);
        records.save_listing(&listing)?;
    }
    Ok(())
}
