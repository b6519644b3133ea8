//! The gap-free sequences (the one writer of `feed_counters`): the change
//! feed's `seq` and room events' ids.
//!
//! A transaction takes its numbers last, just before it commits: the
//! counter's row stays locked until then, so transactions that take
//! numbers commit in the order of those numbers, and one that rolls back
//! gives its numbers back with the lock. A reader therefore never sees
//! number N+1 committed while N is still to come (a serial would let that
//! happen: its numbers are handed out at insert time, and commits finish
//! in any order).

use super::pool::Conn;
use crate::error::Result;

/// Takes `k` (≥ 1) numbers of the `changes` sequence; the last of them
/// (so they are `last - k + 1 ..= last`). The row stays locked until the
/// transaction ends: call it last.
pub(super) fn take_changes(conn: &Conn<'_>, k: i64) -> Result<i64> {
    take(conn, "changes", k)
}

/// Takes `k` (≥ 1) numbers of the `room_events` sequence (stored events
/// and the ids presence events reserve); the last of them. As with
/// [`take_changes`], the row stays locked until the transaction ends:
/// call it last, after [`take_changes`] if both are taken.
pub(super) fn take_room_events(conn: &Conn<'_>, k: i64) -> Result<i64> {
    take(conn, "room_events", k)
}

/// The last number handed out of `room_events` so far (committed).
pub(super) fn room_events_taken(conn: &Conn<'_>) -> Result<i64> {
    Ok(conn
        .query_one(
            "SELECT n FROM feed_counters WHERE name = 'room_events'",
            &[],
        )?
        .get(0))
}

fn take(conn: &Conn<'_>, name: &str, k: i64) -> Result<i64> {
    Ok(conn
        .query_one(
            "UPDATE feed_counters SET n = n + $1 WHERE name = $2 RETURNING n",
            &[&k, &name],
        )?
        .get(0))
}
