//! What the sync screen shows between syncs: the outbox, open conflicts,
//! when the device last synced and why the last attempt failed. Kept in
//! the core, not in a shell, because a sync may run where no screen is
//! (Android's WorkManager, iOS's background task) and the screen must
//! still tell the truth when it opens.

use super::view::{delete_meta, get_meta, set_meta};
use crate::Core;
use crate::error::{Error, Result};
use farmlive_protocol::Lang;
use serde::{Deserialize, Serialize};

/// When the last sync finished (UTC ms).
const LAST_SYNC_KEY: &str = "last_sync_at";
/// The last failed attempt since then (JSON [`SyncFailure`]).
const LAST_FAILURE_KEY: &str = "last_sync_failure";

/// Where syncing stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    /// Operations waiting to be pushed.
    pub pending_ops: u64,
    /// Refused operations the user has not dismissed or retried.
    pub open_conflicts: u64,
    /// When a sync last finished (UTC ms); `None` if never.
    pub last_sync_at: Option<i64>,
    /// The latest attempt, if it failed after the last finished sync.
    pub last_failure: Option<SyncFailure>,
}

/// A sync attempt that failed, as it was told then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncFailure {
    /// When it failed (UTC ms).
    pub at: i64,
    /// The message's stable code (`network`, `hub_device_revoked`, ...).
    pub code: String,
    /// The message in English.
    pub english: String,
    /// The message in Simplified Chinese.
    pub chinese: String,
}

impl SyncFailure {
    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.english,
            Lang::Zh => &self.chinese,
        }
    }
}

impl Core {
    /// The outbox, open conflicts, the last finished sync and the last
    /// failure since then.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        let conn = self.store.reader();
        let (pending_ops, open_conflicts): (i64, i64) = conn.query_row(
            "SELECT (SELECT COUNT(*) FROM outbox),
                    (SELECT COUNT(*) FROM conflicts WHERE resolved_at IS NULL)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let last_sync_at = get_meta(&conn, LAST_SYNC_KEY)?.and_then(|v| v.parse().ok());
        // A failure note that does not parse (written by a newer build) is
        // not worth refusing the whole status for.
        let last_failure = get_meta(&conn, LAST_FAILURE_KEY)?
            .and_then(|v| serde_json::from_str::<SyncFailure>(&v).ok());
        Ok(SyncStatus {
            pending_ops: pending_ops.max(0) as u64,
            open_conflicts: open_conflicts.max(0) as u64,
            last_sync_at,
            last_failure,
        })
    }

    /// Notes how a sync ended: a finished one clears the last failure; a
    /// failed one is kept with its message; a cancelled one changes nothing.
    pub(super) fn note_sync_outcome<T>(&self, outcome: &Result<T>) {
        let now = self.now_ms();
        let noted = match outcome {
            Ok(_) => self.write_tx(|tx| {
                set_meta(tx, LAST_SYNC_KEY, &now.to_string())?;
                delete_meta(tx, LAST_FAILURE_KEY)
            }),
            Err(Error::Cancelled) => Ok(()),
            Err(e) => {
                let failure = SyncFailure {
                    at: now,
                    code: e.code().as_str().to_owned(),
                    english: e.localized(Lang::En),
                    chinese: e.localized(Lang::Zh),
                };
                farmlive_sqlite::to_json("sync failure", &failure)
                    .map_err(Error::from)
                    .and_then(|json| self.write_tx(|tx| set_meta(tx, LAST_FAILURE_KEY, &json)))
            }
        };
        if let Err(e) = noted {
            // The sync's own result matters more than its note.
            tracing::warn!(target: "farmlive::sync", "could not note how the sync ended: {e}");
        }
    }
}
