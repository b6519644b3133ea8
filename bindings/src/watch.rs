//! Staying in touch with the hub while the app is open (see
//! `farmlive_core::watch`): one held request at a time, a sync whenever
//! the hub has something new for the device's farms, and what is new told
//! to a foreign [`WatchListener`] — an expert's answer, a ship-by
//! reminder, being offline.

use crate::error::Result;
use crate::facade::{FarmLive, check_text};
use crate::questions::AnswerNotice;
use crate::reminders::ShipReminder;
use crate::remote::SyncReport;
use crate::runtime;
use crate::sync::CancelOnDrop;
use farmlive_core::protocol::Lang;
use farmlive_core::{CancelToken, WatchOptions};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// What the watcher tells (see [`FarmLive::watch`]).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum WatchEvent {
    /// A sync finished (at the start, and each time the hub had something
    /// new): refresh what the screens show.
    Synced {
        /// What it did.
        report: SyncReport,
    },
    /// An expert answered a question (told once): a notification.
    AnswerArrived {
        /// The answer, with its text in the watch's language.
        notice: AnswerNotice,
    },
    /// An order must ship soon (told once): a notification.
    ShipReminder {
        /// The reminder, with its text in the watch's language.
        reminder: ShipReminder,
    },
    /// The hub cannot be reached now; the watcher tries again after
    /// `retry_in_ms`. What the farmer does meanwhile waits in the outbox.
    Offline {
        /// What failed, for people.
        reason: String,
        /// Milliseconds until the next try.
        retry_in_ms: u64,
    },
}

/// Receives the watcher's events (from a background thread).
#[uniffi::export(with_foreign)]
pub trait WatchListener: Send + Sync {
    /// Called for each event, in order.
    fn on_event(&self, event: WatchEvent);
}

impl WatchEvent {
    fn new(event: farmlive_core::WatchEvent, lang: Lang) -> WatchEvent {
        match event {
            farmlive_core::WatchEvent::Synced(report) => WatchEvent::Synced { report },
            farmlive_core::WatchEvent::AnswerArrived(a) => WatchEvent::AnswerArrived {
                notice: AnswerNotice::new(a, lang),
            },
            farmlive_core::WatchEvent::ShipReminder(r) => WatchEvent::ShipReminder {
                reminder: ShipReminder::new(r, lang),
            },
            farmlive_core::WatchEvent::Offline { reason, retry_in } => WatchEvent::Offline {
                reason: crate::error::bounded(reason),
                retry_in_ms: u64::try_from(retry_in.as_millis()).unwrap_or(u64::MAX),
            },
        }
    }
}

#[uniffi::export]
impl FarmLive {
    /// Stays in touch with the hub until cancelled: syncs at once, then
    /// holds one request that the hub answers as soon as it has something
    /// new for this device's farms (an expert's answer, an order), syncs
    /// then, and tells `listener` what is new, with texts in `lang`
    /// (`zh-CN` or `en`). Call it while the app is in the foreground and
    /// cancel it (drop the future, or [`FarmLive::cancel_watch`]) when it
    /// leaves; a background sync (WorkManager, BGTaskScheduler) covers the
    /// rest. Offline, it says so and tries again later, waiting longer each
    /// time (up to a minute). Returns normally when cancelled; fails only
    /// for what waiting cannot mend (not enrolled, the device revoked).
    pub async fn watch(&self, lang: String, listener: Arc<dyn WatchListener>) -> Result<()> {
        check_text("language", &lang)?;
        let lang = Lang::from_tag(&lang);
        let cancel = CancelToken::new();
        let previous = self
            .watch_cancel
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(cancel.clone());
        // One watcher at a time: a second call replaces the first.
        if let Some(previous) = previous {
            previous.cancel();
        }
        let mut guard = CancelOnDrop(Some(cancel.clone()));
        let core = self.core.clone();
        let out = runtime::run(async move {
            let tell = move |event: farmlive_core::WatchEvent| {
                let event = WatchEvent::new(event, lang);
                // A listener that throws must not stop the watch.
                let _ = catch_unwind(AssertUnwindSafe(|| listener.on_event(event)));
            };
            Ok(core.watch(&WatchOptions::default(), &cancel, &tell).await?)
        })
        .await;
        guard.0 = None;
        out
    }

    /// Stops the running watch, if any (it returns normally).
    pub fn cancel_watch(&self) {
        if let Some(c) = self
            .watch_cancel
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            c.cancel();
        }
    }
}
