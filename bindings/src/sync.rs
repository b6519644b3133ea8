//! Enrolment and sync: async exports (Kotlin `suspend`, Swift `async`) that
//! run on the library's tokio runtime, with progress sent to a foreign
//! [`SyncListener`]. Dropping (cancelling) the foreign future cancels the sync
//! at its next safe point; so does [`FarmLive::cancel_sync`].

use crate::error::Result;
use crate::facade::{FarmLive, check_text};
use crate::remote::{SyncProgress, SyncReport};
use crate::runtime;
use crate::types::{Enrolment, Farm};
use farmlive_core::Conflict;
use farmlive_core::protocol::Lang;
use farmlive_core::{CancelToken, SyncOptions};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// Where syncing stands (see [`FarmLive::sync_status`]).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncStatus {
    /// Operations waiting to be pushed.
    pub pending_ops: u64,
    /// Refused operations not yet dismissed or retried.
    pub open_conflicts: u64,
    /// When a sync last finished (UTC ms); `None` if never.
    pub last_sync_at: Option<i64>,
    /// The latest attempt, if it failed after the last finished sync.
    pub last_failure: Option<SyncFailure>,
}

/// A sync attempt that failed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncFailure {
    /// When (UTC ms).
    pub at: i64,
    /// The message's stable code (the catalog's key, as
    /// `FarmLiveError.messageCode()` gives it).
    pub code: String,
    /// What went wrong, in the language asked for.
    pub message: String,
}

/// What a conflict means, for people, in `lang` (`zh-CN`, `zh_CN.UTF-8`,
/// `en`: Simplified Chinese for `zh…`, else English): the catalog's words
/// for the refusal's code (the same the CLI says); English keeps the rules'
/// own words (`conflict.message`).
#[uniffi::export]
pub fn conflict_message(conflict: Conflict, lang: String) -> String {
    conflict.message_in(Lang::from_tag(&lang))
}

/// Receives sync progress (from a background thread).
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    /// Called at each step with the figures so far.
    fn on_progress(&self, progress: SyncProgress);
}

/// Cancels the sync when the awaiting future is dropped.
pub(crate) struct CancelOnDrop(pub(crate) Option<CancelToken>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(token) = self.0.take() {
            token.cancel();
        }
    }
}

#[uniffi::export]
impl FarmLive {
    /// The hub this device syncs with, if enrolled.
    pub fn hub_url(&self) -> Result<Option<String>> {
        Ok(self.core.hub_url()?)
    }

    /// Enrols this device with a hub using a one-time code from its operator.
    pub async fn enrol(
        &self,
        hub_url: String,
        code: String,
        device_name: String,
    ) -> Result<Enrolment> {
        check_text("hub URL", &hub_url)?;
        check_text("enrolment code", &code)?;
        check_text("device name", &device_name)?;
        let core = self.core.clone();
        runtime::run(async move {
            let e = core.enrol(&hub_url, &code, &device_name).await?;
            Ok(Enrolment {
                hub_url: e.hub_url,
                role: e.role.as_str().to_owned(),
                farms: e
                    .farms
                    .into_iter()
                    .map(|f| Farm {
                        id: f.id.to_string(),
                        name: f.name,
                    })
                    .collect(),
            })
        })
        .await
    }

    /// Pushes everything pending and pulls everything new. Safe to cancel at
    /// any point: the next sync continues where this one stopped.
    pub async fn sync(&self, listener: Option<Arc<dyn SyncListener>>) -> Result<SyncReport> {
        let cancel = CancelToken::new();
        *self.sync_cancel.lock().unwrap_or_else(|p| p.into_inner()) = Some(cancel.clone());
        let mut guard = CancelOnDrop(Some(cancel.clone()));
        let core = self.core.clone();
        let out = runtime::run(async move {
            let tell = move |p: &farmlive_core::SyncProgress| {
                if let Some(l) = &listener {
                    let progress: SyncProgress = p.clone();
                    // A listener that throws must not take the sync down.
                    let _ = catch_unwind(AssertUnwindSafe(|| l.on_progress(progress)));
                }
            };
            Ok(core.sync(&SyncOptions::default(), &cancel, &tell).await?)
        })
        .await;
        guard.0 = None;
        out
    }

    /// Where syncing stands: the outbox, open conflicts, when the last sync
    /// finished and why the latest attempt failed (if it did), with that
    /// failure's message in `lang` (`zh-CN`, `zh_CN.UTF-8`, `en`: Simplified
    /// Chinese for `zh…`, else English). Kept by the core, so a sync run in
    /// the background (WorkManager, BGTaskScheduler) shows here too.
    pub fn sync_status(&self, lang: String) -> Result<SyncStatus> {
        let status = self.core.sync_status()?;
        let lang = Lang::from_tag(&lang);
        Ok(SyncStatus {
            pending_ops: status.pending_ops,
            open_conflicts: status.open_conflicts,
            last_sync_at: status.last_sync_at,
            last_failure: status.last_failure.map(|f| SyncFailure {
                at: f.at,
                message: f.message(lang).to_owned(),
                code: f.code,
            }),
        })
    }

    /// Asks a running sync to stop at its next safe point (it then fails
    /// with `Cancelled`). Does nothing when no sync runs.
    pub fn cancel_sync(&self) {
        if let Some(c) = self
            .sync_cancel
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            c.cancel();
        }
    }
}
