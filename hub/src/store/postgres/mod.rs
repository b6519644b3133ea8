//! The hub's PostgreSQL store: the same tables as SQLite's (from
//! `hub/sql-pg/`), the same rules (`store/rules/`, shared), and SQL and
//! transactions of its own. Several hub processes may share one database.
//!
//! Built so far: accounts (farms, codes, devices, buyers), pushing ops and
//! pulling changes, public listings, buyers' orders (from the shop or a
//! live room: place, read, cancel), live rooms and their events across
//! processes (`listen.rs`), photos (resumable uploads, reads, quota,
//! collection; their bytes in a
//! [`PhotoStorage`](crate::store::objects::PhotoStorage) every process
//! shares), delivery routes, questions to the experts, and what
//! operators ask.
//!
//! **Concurrency.** SQLite's single writer made each write atomic against
//! every other; here several connections (and processes) write at once,
//! so each write transaction runs at READ COMMITTED with explicit locks:
//! - a listing or an order is locked (`FOR UPDATE`, and for a listing not
//!   created yet `pg_advisory_xact_lock` on its id) before it is read for
//!   an update, so two ops on it, or two buyers of its stock, take turns;
//! - a buyer's idempotency key is locked (advisory) before it is looked
//!   up, so the same key twice at once is one order;
//! - an op id is claimed first (`INSERT … ON CONFLICT DO NOTHING`): a
//!   concurrent repeat waits for the first to commit, then reads its outcome;
//! - change-feed numbers are taken last, from the `feed_counters` row
//!   (`counters.rs`), whose row lock is held to the commit: transactions
//!   commit in the order of their numbers and a rollback uses none, so a
//!   reader never sees seq N+1 without N.
//!
//! Not SERIALIZABLE: every push updates the one counter row, and under
//! SERIALIZABLE concurrent updates of a row fail (and retry) rather than
//! wait. A deadlock between two batches locking listings in different
//! orders aborts one; it is run again (`pool.rs`, `Conn::transaction`).
//!
//! Each table has one writer module, as in `sqlite/`:
//! - `farms`, `enrol_codes`: `accounts`
//! - `devices`, `device_farms`: `devices`
//! - `buyers`: `buyers`
//! - `listings`, `orders`, `changes`: `records`
//! - `listing_blobs`: `listing_blobs`
//! - `applied_ops`: `ops`
//! - `rooms`: `room_records`
//! - `room_events`: `room_events` (its ids from `counters`)
//! - `feed_counters`: `counters`
//! - `blobs`, `blob_owners`, `blob_uploads`: `blobs` (locks: see there)
//! - `routes`, `farm_origins`: `routes`
//! - `questions`, `question_blobs`: `questions` (their feed entries: `records`)
//!
//! **Room events across processes.** A transaction that stores room
//! events takes their ids last (after the change feed's), from the
//! `room_events` counter, and `NOTIFY`s in the same transaction; it does
//! not publish them itself. Each process's `listen.rs` hears every
//! commit, its own included, in commit (= id) order and publishes into
//! its in-memory feeds, so a follower on any process gets each event
//! once, in order; `Last-Event-ID` resumes from the table on any process.
//! Viewer counts, presence coalescing and comment limits stay per process.

mod accounts;
mod backend;
mod blob_gc;
mod blob_quota;
mod blobs;
mod buyers;
mod counters;
mod devices;
mod event_wire;
mod experts;
mod guides;
mod listen;
mod listing_blobs;
mod listings;
mod operator;
mod ops;
mod orders;
mod pool;
mod questions;
mod records;
mod room_events;
mod room_records;
mod rooms;
mod routes;

pub use backend::PgStore;

use crate::error::{HubError, Result};
use crate::store::now_ms;
use crate::store::pg_migrate::PG_SCHEMA_VERSION;
use pool::Conn;
use tokio_postgres::error::SqlState;

/// Parses a JSON column.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    Ok(farmlive_sqlite::from_json("JSON", text)?)
}

/// Encodes a value for a JSON column.
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    Ok(farmlive_sqlite::to_json("value", value)?)
}

/// Checks the database's schema is the one this hub writes: none or an
/// older one asks for `farmlive hub migrate`; a newer one is refused.
fn check_schema(conn: &Conn<'_>) -> Result<()> {
    let found = match conn.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[]) {
        Ok(row) => u32::try_from(row.get::<_, i32>(0)).unwrap_or(0),
        Err(_) if conn.last_code() == Some(SqlState::UNDEFINED_TABLE) => 0,
        Err(e) => return Err(e),
    };
    if found > PG_SCHEMA_VERSION {
        return Err(HubError::SchemaTooNew {
            found,
            supported: PG_SCHEMA_VERSION,
        });
    }
    if found < PG_SCHEMA_VERSION {
        return Err(HubError::SchemaTooOld {
            found,
            wanted: PG_SCHEMA_VERSION,
        });
    }
    Ok(())
}
