//! Staying in touch with the hub while the app is open: the farmer hears
//! of an expert's answer, an off-air order or a ship-by reminder within
//! seconds, without a live room and without polling every few seconds.
//!
//! One request at a time: a long poll of the change feed (`wait`, see
//! [`farmlive_protocol::api::ChangesQuery`]) that the hub holds until one
//! of the device's farms' feed moves. When it comes back with something,
//! a whole sync runs (push, pull, guides, photos), then what is new is
//! told once: the experts' answers ([`Core::new_answers`]) and the ship-by
//! reminders due ([`Core::ship_reminders`]). The poll asks for one change
//! only: it is a doorbell, and the sync reads the feed.
//!
//! On a weak link a held request costs one small reply per
//! [`WatchOptions::wait`]; when the hub cannot be reached the watcher says
//! so and tries again later, waiting longer each time (up to a minute).

use crate::error::{Error, Result};
use crate::hub::{Backoff, CancelToken, jitter_unit, sleep_unless_cancelled};
use crate::sync::{SyncOptions, SyncReport, view};
use crate::{Core, NewAnswer, ShipReminder};
use farmlive_protocol::api::CHANGES_WAIT_MAX_S;
use std::time::Duration;

/// How long past the hub's hold the client waits for the reply: a slow
/// link's answer to a poll the hub let go at the end of its wait.
const POLL_SLACK: Duration = Duration::from_secs(20);

/// The pause after a poll that came back empty before half its wait.
const EARLY_EMPTY_PAUSE: Duration = Duration::from_secs(5);

/// How to watch.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// How long the hub holds each poll (at most
    /// [`CHANGES_WAIT_MAX_S`] seconds; default that).
    pub wait: Duration,
    /// How each sync runs. Default: [`SyncOptions::default`] with three
    /// tries per request, since the watcher itself tries again later.
    pub sync: SyncOptions,
    /// The waits between tries while the hub cannot be reached: from
    /// `base` (1 s) doubling to `max` (60 s), with jitter.
    pub offline_backoff: Backoff,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            wait: Duration::from_secs(u64::from(CHANGES_WAIT_MAX_S)),
            sync: SyncOptions {
                backoff: Backoff {
                    attempts: 3,
                    ..Backoff::default()
                },
                ..SyncOptions::default()
            },
            offline_backoff: Backoff {
                base: Duration::from_secs(1),
                max: Duration::from_secs(60),
                attempts: u32::MAX,
            },
        }
    }
}

/// What the watcher tells, as it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchEvent {
    /// A sync finished (at the start, and each time the feed moved):
    /// lists shown may have changed.
    Synced(SyncReport),
    /// An expert answered a question (told once).
    AnswerArrived(NewAnswer),
    /// An order must ship soon (told once).
    ShipReminder(ShipReminder),
    /// The hub cannot be reached now; the watcher tries again after
    /// `retry_in`. What was done offline waits in the outbox meanwhile.
    Offline {
        /// What failed, in words for the farmer.
        reason: String,
        /// When the next try is.
        retry_in: Duration,
    },
}

/// What the watcher does next: the pure part of its loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    /// Sync (at the start, after the feed moved, after being offline).
    Sync,
    /// Hold a poll.
    Poll,
}

impl Core {
    /// Watches the hub until `cancel`: syncs at once, then holds a long
    /// poll and syncs whenever this device's farms' feed moves, telling
    /// `on_event` what is new. Returns `Ok` when cancelled; an error only
    /// for what waiting cannot mend (not enrolled, the token refused or
    /// revoked, a hub that answers nonsense). Run it while the app is in
    /// the foreground; a sync started meanwhile by the app waits its turn.
    pub async fn watch(
        &self,
        options: &WatchOptions,
        cancel: &CancelToken,
        on_event: &(dyn Fn(WatchEvent) + Send + Sync),
    ) -> Result<()> {
        let wait_s = u32::try_from(options.wait.as_secs())
            .unwrap_or(CHANGES_WAIT_MAX_S)
            .clamp(1, CHANGES_WAIT_MAX_S);
        let mut next = Next::Sync;
        let mut failures = 0u32;
        // One client for the polls between two syncs, so its connection is
        // kept (a new one costs round trips on a weak link); made again
        // after each sync, which may have renewed the token.
        let mut poller: Option<crate::hub::HubClient> = None;
        loop {
            if cancel.is_cancelled() {
                return Ok(());
            }
            let step = match next {
                Next::Sync => {
                    poller = None;
                    self.watch_sync(options, cancel, on_event).await
                }
                Next::Poll => {
                    let client = match poller.take() {
                        Some(client) => client,
                        None => {
                            self.hub_client(Duration::from_secs(u64::from(wait_s)) + POLL_SLACK)?
                        }
                    };
                    let step = self.watch_poll(&client, wait_s, cancel).await;
                    poller = Some(client);
                    step
                }
            };
            match step {
                Ok(then) => {
                    failures = 0;
                    next = then;
                    self.tell_reminders(on_event);
                }
                Err(Error::Cancelled) => return Ok(()),
                Err(e) if e.is_transient() || e.is_rate_limited() => {
                    failures = failures.saturating_add(1);
                    let backoff = options.offline_backoff;
                    let delay = backoff
                        .delay(failures, jitter_unit())
                        .unwrap_or(backoff.max)
                        .max(backoff.base / 2)
                        .max(e.retry_after().unwrap_or_default());
                    on_event(WatchEvent::Offline {
                        reason: e.to_string(),
                        retry_in: delay,
                    });
                    if sleep_unless_cancelled(delay, cancel).await.is_err() {
                        return Ok(());
                    }
                    // Whatever happened meanwhile comes with a sync.
                    next = Next::Sync;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn watch_sync(
        &self,
        options: &WatchOptions,
        cancel: &CancelToken,
        on_event: &(dyn Fn(WatchEvent) + Send + Sync),
    ) -> Result<Next> {
        let report = self.sync(&options.sync, cancel, &|_| {}).await?;
        on_event(WatchEvent::Synced(report));
        for answer in self.new_answers()? {
            on_event(WatchEvent::AnswerArrived(answer));
        }
        Ok(Next::Poll)
    }

    /// Holds one poll: `Sync` if the feed moved, `Poll` again if the hold
    /// ended with nothing new.
    async fn watch_poll(
        &self,
        client: &crate::hub::HubClient,
        wait_s: u32,
        cancel: &CancelToken,
    ) -> Result<Next> {
        let cursor: u64 = self
            .read_meta(view::CURSOR_KEY)?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let asked = std::time::Instant::now();
        let page = tokio::select! {
            reply = client.changes(cursor, 1, Some(wait_s)) => reply?.0,
            () = cancel.cancelled() => return Err(Error::Cancelled),
        };
        if !page.changes.is_empty() {
            return Ok(Next::Sync);
        }
        // Nothing new, early: a hub draining, or one older than long polls
        // (it answers at once). Pause, so the watcher never spins.
        if asked.elapsed() < Duration::from_secs(u64::from(wait_s)) / 2 {
            sleep_unless_cancelled(EARLY_EMPTY_PAUSE, cancel).await?;
        }
        Ok(Next::Poll)
    }

    fn tell_reminders(&self, on_event: &(dyn Fn(WatchEvent) + Send + Sync)) {
        match self.ship_reminders() {
            Ok(due) => due
                .into_iter()
                .for_each(|r| on_event(WatchEvent::ShipReminder(r))),
            Err(e) => tracing::warn!(target: "farmlive::sync", "ship-by reminders: {e}"),
        }
    }
}
