//! One user action = one transaction that writes rows and outbox ops together.

use crate::error::Result;
use crate::meta::{get_meta, set_meta};
use crate::store::Store;
use crate::{Core, outbox};
use farmlive_protocol::hlc::MAX_AHEAD_MS;
use farmlive_protocol::ops::{Op, OpBody};
use farmlive_protocol::roles;
use farmlive_protocol::{DeviceId, Hlc, OpId};
use rusqlite::{Transaction, TransactionBehavior};

const DEVICE_KEY: &str = "device_id";
const HLC_KEY: &str = "hlc_last";

/// Reads this device's id (making one on first open) and its last clock stamp.
pub(crate) fn load_device(store: &Store) -> Result<(DeviceId, Option<Hlc>)> {
    let mut conn = store.writer();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let device = match get_meta(&tx, DEVICE_KEY)?.and_then(|s| s.parse().ok()) {
        Some(id) => id,
        None => {
            let id = DeviceId::new();
            set_meta(&tx, DEVICE_KEY, &id.to_string())?;
            id
        }
    };
    let last = get_meta(&tx, HLC_KEY)?.and_then(|s| s.parse().ok());
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

    /// Appends an op to the outbox, stamped now, and returns it: the caller
    /// folds it onto the row it changes (see `listing_rows`, `order_rows`).
    /// An op this device's role may not do is refused here, so nothing of
    /// the action is kept.
    pub(crate) fn record(&mut self, body: OpBody) -> Result<Op> {
        let role = crate::role::stored_role(&self.tx)?;
        crate::role::require(role, roles::needed_for(&body))?;
        let op = Op {
            id: OpId::new(),
            at: self.stamp(),
            body,
        };
        outbox::append(&self.tx, &op, self.now_ms)?;
        Ok(op)
    }
}

impl Core {
    /// Takes in a stamp seen from the hub so later local edits sort after it.
    pub(crate) fn observe(&self, stamp: Hlc) -> Result<()> {
        // The writer before the clock, as in `act`: the other order could
        // deadlock against an action on another thread.
        let writer = self.store.writer();
        let mut hlc = self.hlc.lock().unwrap_or_else(|p| p.into_inner());
        hlc.observe(stamp, self.now_ms());
        set_meta(&writer, HLC_KEY, &hlc.last().to_string())?;
        Ok(())
    }

    /// Pulls this device's clock back within what the hub accepts, given
    /// the hub's time (see `HlcClock::rewind_to`): after a phone's date
    /// was set ahead and corrected, its next edits are accepted at once.
    pub(crate) fn rewind_clock(&self, hub_now_ms: i64) -> Result<()> {
        let writer = self.store.writer();
        let mut hlc = self.hlc.lock().unwrap_or_else(|p| p.into_inner());
        if hlc.rewind_to(hub_now_ms.saturating_add(MAX_AHEAD_MS)) {
            set_meta(&writer, HLC_KEY, &hlc.last().to_string())?;
            tracing::info!(target: "farmlive::sync", "this device's clock ran ahead of the hub's; pulled it back");
        }
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
        set_meta(&action.tx, HLC_KEY, &last.to_string())?;
        action.tx.commit()?;
        // Only a committed action moves the clock on.
        *hlc = action.clock;
        self.store.committed();
        Ok(out)
    }
}
