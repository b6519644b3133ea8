//! One user action = one transaction that writes rows and outbox ops together.

use crate::error::Result;
use crate::store::Store;
use crate::{Core, outbox};
use farmlive_protocol::ops::{Op, OpBody};
use farmlive_protocol::roles;
use farmlive_protocol::{DeviceId, Hlc, OpId};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

const DEVICE_KEY: &str = "device_id";
const HLC_KEY: &str = "hlc_last";

/// Reads this device's id (making one on first open) and its last clock stamp.
pub(crate) fn load_device(store: &Store) -> Result<(DeviceId, Option<Hlc>)> {
    let mut conn = store.writer();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let get = |key: &str| -> rusqlite::Result<Option<String>> {
        tx.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
    };
    let device = match get(DEVICE_KEY)?.and_then(|s| s.parse().ok()) {
        Some(id) => id,
        None => {
            let id = DeviceId::new();
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                params![DEVICE_KEY, id.to_string()],
            )?;
            id
        }
    };
    let last = get(HLC_KEY)?.and_then(|s| s.parse().ok());
    tx.commit()?;
    Ok((device, last))
}

/// The open transaction of one action, with the clock to stamp its changes.
pub(crate) struct Action<'c> {
    pub(crate) tx: Transaction<'c>,
    pub(crate) now_ms: i64,
    clock: farmlive_protocol::hlc::HlcClock,
}

impl Action<'_> {
    /// A fresh stamp for a change made by this action.
    pub(crate) fn stamp(&mut self) -> Hlc {
        self.clock.tick(self.now_ms)
    }

    /// Appends an op to the outbox, stamped now; returns the stamp, which the
    /// caller also writes on the fields it changed.
    pub(crate) fn record(&mut self, body: OpBody) -> Result<Hlc> {
        let at = self.stamp();
        self.record_at(at, body)?;
        Ok(at)
    }

    /// Appends an op with a stamp already taken. An op this device's role
    /// may not do is refused here, so nothing of the action is kept.
    pub(crate) fn record_at(&mut self, at: Hlc, body: OpBody) -> Result<()> {
        let role = crate::sync::stored_role(&self.tx)?;
        crate::sync::require(role, roles::needed_for(&body))?;
        let op = Op {
            id: OpId::new(),
            at,
            body,
        };
        outbox::append(&self.tx, &op, self.now_ms)
    }
}

impl Core {
    /// Takes in a stamp seen from the hub so later local edits sort after it.
    pub(crate) fn observe(&self, stamp: Hlc) -> Result<()> {
        let mut hlc = self.hlc.lock().unwrap_or_else(|p| p.into_inner());
        hlc.observe(stamp, self.now_ms());
        self.store.writer().execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            params![HLC_KEY, hlc.last().to_string()],
        )?;
        Ok(())
    }

    /// Runs `f` inside one immediate transaction on the writer; commits its
    /// rows and ops together, or nothing if `f` (or the commit) fails.
    pub(crate) fn act<T>(&self, f: impl FnOnce(&mut Action<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.store.writer();
        let mut hlc = self.hlc.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut action = Action {
            tx,
            now_ms: self.now_ms(),
            clock: hlc.clone(),
        };
        let out = f(&mut action)?;
        let last = action.clock.last();
        action.tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            params![HLC_KEY, last.to_string()],
        )?;
        action.tx.commit()?;
        // Only a committed action moves the clock on.
        *hlc = action.clock;
        self.store.committed();
        Ok(out)
    }
}
