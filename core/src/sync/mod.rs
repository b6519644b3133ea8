//! Sync with a hub: enrol once, then push the outbox (photos first,
//! resumably) and pull the change feed, page by page.
//!
//! Every step is safe to interrupt: acknowledged ops leave the outbox in the
//! same transaction that records their outcome, a pulled page is stored with
//! its cursor in one transaction, and the hub applies an op id only once —
//! so a sync killed anywhere continues next time without loss or duplicates.

mod enrol;
mod status;
pub(crate) mod view;

// The hub link's public types, also here where sync's callers look for them
// (`SyncOptions::backoff`); their home is `crate::hub`.
pub use crate::hub::{Backoff, BuyerClient, CancelToken};
pub use enrol::Enrolment;
pub use status::{SyncFailure, SyncStatus};

use crate::error::{Error, Result};
use crate::hub::{HubClient, client, next_chunk, retry};
use crate::{Core, blobs};
use farmlive_protocol::api::{PULL_LIMIT_MAX, PUSH_BATCH_MAX, PushRequest, TOKEN_RENEW_WITHIN_MS};
use farmlive_protocol::ops::Op;
use rusqlite::TransactionBehavior;
use std::time::Duration;

const HUB_URL_KEY: &str = "hub_url";
const TOKEN_KEY: &str = "device_token";
/// When the device token expires (UTC ms), as the hub last said.
const TOKEN_EXPIRES_KEY: &str = "device_token_expires_at";
/// Set (to the hub's error code) once the hub refused the token: the device
/// must enrol again, and `enrol` then allows it.
const TOKEN_REFUSED_KEY: &str = "device_token_refused";

/// How to sync.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Ops per push.
    pub push_batch: usize,
    /// Changes per pull page.
    pub pull_page: u32,
    /// Retries of failed requests.
    pub backoff: Backoff,
    /// Timeout of each request.
    pub request_timeout: Duration,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            push_batch: 200,
            pull_page: 500,
            backoff: Backoff::default(),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Where a sync is, for progress displays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncProgress {
    /// What it is doing now.
    pub phase: SyncPhase,
    /// Ops acknowledged by the hub so far.
    pub ops_pushed: u64,
    /// Ops that were waiting when the sync started.
    pub ops_total: u64,
    /// Photo files uploaded so far.
    pub photos_uploaded: u64,
    /// Bytes of photos uploaded so far.
    pub photo_bytes: u64,
    /// Changes pulled so far.
    pub changes_pulled: u64,
    /// Photo files (from other devices) downloaded so far.
    pub photos_downloaded: u64,
    /// Compressed bytes of ops sent.
    pub push_bytes: u64,
}

/// The step a sync is on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SyncPhase {
    /// Starting.
    #[default]
    Starting,
    /// Uploading photos.
    Photos,
    /// Sending operations.
    Pushing,
    /// Receiving changes.
    Pulling,
    /// Finished.
    Done,
}

/// What a finished sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Final progress figures.
    pub progress: SyncProgress,
    /// Ops the hub refused in this sync (now conflicts).
    pub rejected: u64,
    /// Requests that failed and were retried.
    pub retries: u64,
}

struct Run<'a> {
    core: &'a Core,
    client: HubClient,
    options: &'a SyncOptions,
    cancel: &'a CancelToken,
    progress: SyncProgress,
    report: SyncReport,
    on_progress: &'a (dyn Fn(&SyncProgress) + Send + Sync),
    /// When the token expires, from the hub's last pull reply.
    token_expires: Option<i64>,
}

impl Run<'_> {
    fn tell(&mut self, phase: SyncPhase) {
        self.progress.phase = phase;
        (self.on_progress)(&self.progress);
    }

    async fn upload_blob(&mut self, sha: &str) -> Result<()> {
        let path = self.core.blobs.path(sha)?;
        let bytes = std::fs::read(&path).map_err(|e| Error::io("read a photo to upload", e))?;
        let length = bytes.len() as u64;
        let client = &self.client;
        let mut offset = 0;
        // Each chunk resumes from the hub's own count, so a retry after a
        // dropped connection re-sends only what did not arrive; each chunk
        // gets the full retries.
        loop {
            let at = retry(
                &self.options.backoff,
                self.cancel,
                &mut self.report.retries,
                || next_chunk(client, sha, &bytes),
            )
            .await?;
            self.progress.photo_bytes += at.saturating_sub(offset);
            offset = at;
            if offset >= length {
                break;
            }
        }
        blobs::mark_uploaded(&self.core.store.writer(), sha)?;
        self.progress.photos_uploaded += 1;
        Ok(())
    }

    /// True if the hub still holds a photo this device uploaded before (it
    /// drops photos no listing has shown for a day); asking also renews it.
    async fn hub_has(&mut self, sha: &str) -> Result<bool> {
        let Ok(meta) = std::fs::metadata(self.core.blobs.path(sha)?) else {
            return Ok(true); // nothing to send again; the hub will say if it lacks it
        };
        let length = meta.len();
        let client = &self.client;
        let at = retry(
            &self.options.backoff,
            self.cancel,
            &mut self.report.retries,
            || client.blob_offset(sha),
        )
        .await?;
        Ok(at >= length)
    }

    async fn upload_photos_for(&mut self, ops: &[Op]) -> Result<()> {
        // Listing photos and delivery photos alike: the hub refuses an op
        // whose photo it does not hold.
        for sha in ops.iter().flat_map(|op| op.body.photo_blobs()) {
            let done: bool = self.core.store.reader().query_row(
                "SELECT uploaded FROM blobs WHERE sha256 = ?1",
                [sha],
                |r| r.get(0),
            )?;
            if done && self.hub_has(sha).await? {
                continue;
            }
            self.tell(SyncPhase::Photos);
            self.upload_blob(sha).await?;
        }
        Ok(())
    }

    async fn push(&mut self) -> Result<()> {
        let batch = self.options.push_batch.clamp(1, PUSH_BATCH_MAX);
        loop {
            let ops: Vec<Op> = self
                .core
                .pending_ops(batch as u32)?
                .into_iter()
                .map(|p| p.op)
                .collect();
            if ops.is_empty() {
                return Ok(());
            }
            self.upload_photos_for(&ops).await?;
            self.tell(SyncPhase::Pushing);
            let request = PushRequest { ops };
            let client = &self.client;
            let (response, sent) = retry(
                &self.options.backoff,
                self.cancel,
                &mut self.report.retries,
                || client.push(&request),
            )
            .await?;
            self.progress.push_bytes += sent as u64;
            let now = self.core.now_ms();
            let (acked, rejected) = self
                .core
                .write_tx(|tx| view::apply_push_results(tx, &response.results, now))?;
            self.progress.ops_pushed += (acked + rejected) as u64;
            self.report.rejected += rejected as u64;
            if acked + rejected == 0 {
                return Err(Error::bad_reply(
                    200,
                    "the hub acknowledged none of the ops sent",
                ));
            }
        }
    }

    /// Fetches photo files this device knows only by hash (photos other
    /// devices attached), thumbnails first, so listings show offline.
    async fn download_photos(&mut self) -> Result<()> {
        let missing: Vec<String> = {
            let conn = self.core.store.reader();
            let mut stmt = conn.prepare(
                "SELECT b.sha256 FROM blobs b WHERE b.present = 0
                 ORDER BY EXISTS (SELECT 1 FROM listing_photos p WHERE p.thumb_sha256 = b.sha256) DESC, b.bytes",
            )?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        for sha in missing {
            self.tell(SyncPhase::Photos);
            let client = &self.client;
            let bytes = retry(
                &self.options.backoff,
                self.cancel,
                &mut self.report.retries,
                || client.blob_get(&sha, farmlive_protocol::api::BLOB_MAX_BYTES as usize),
            )
            .await?;
            if blobs::sha256_hex(&bytes) != sha {
                return Err(Error::bad_reply(
                    200,
                    "a downloaded photo does not match its hash",
                ));
            }
            self.core.blobs.put(&sha, &bytes)?;
            blobs::mark_present(&self.core.store.writer(), &sha)?;
            self.progress.photos_downloaded += 1;
        }
        Ok(())
    }

    async fn pull(&mut self) -> Result<()> {
        let limit = self.options.pull_page.clamp(1, PULL_LIMIT_MAX);
        loop {
            self.tell(SyncPhase::Pulling);
            let cursor: u64 = self
                .core
                .read_meta(view::CURSOR_KEY)?
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let client = &self.client;
            let (page, expires) = retry(
                &self.options.backoff,
                self.cancel,
                &mut self.report.retries,
                || client.changes(cursor, limit, None),
            )
            .await?;
            self.token_expires = expires.or(self.token_expires);
            if page.next < cursor || page.changes.iter().any(|c| c.seq <= cursor) {
                return Err(Error::bad_reply(
                    200,
                    "the hub's change feed went backwards",
                ));
            }
            let now = self.core.now_ms();
            let newest = self.core.write_tx(|tx| view::apply_page(tx, &page, now))?;
            if let Some(stamp) = newest {
                self.core.observe(stamp)?;
            }
            if let Some(hub_now) = page.hub_time_ms {
                self.core.rewind_clock(hub_now)?;
            }
            self.progress.changes_pulled += page.changes.len() as u64;
            if !page.more {
                return Ok(());
            }
        }
    }

    /// Pulls the guides published since the last sync (few and small: a
    /// page of up to 50 at a time).
    async fn pull_guides(&mut self) -> Result<()> {
        loop {
            self.tell(SyncPhase::Pulling);
            let after = self.core.guides_cursor()?;
            let client = &self.client;
            let page = retry(
                &self.options.backoff,
                self.cancel,
                &mut self.report.retries,
                || client.guides(after, farmlive_protocol::guides::GUIDES_PAGE_MAX),
            )
            .await?;
            if page.next < after || page.guides.iter().any(|g| g.seq <= after) {
                return Err(Error::bad_reply(200, "the hub's guides went backwards"));
            }
            let now = self.core.now_ms();
            self.core
                .write_tx(|tx| crate::guides::apply_page(tx, &page, now))?;
            if !page.more {
                return Ok(());
            }
        }
    }

    /// Renews the device token when it has under 30 days left (or its
    /// expiry is unknown), storing the new one in one transaction. A failed
    /// renewal is not a failed sync: the next sync tries again.
    async fn renew_if_due(&mut self) -> Result<()> {
        let stored: Option<i64> = self
            .core
            .read_meta(TOKEN_EXPIRES_KEY)?
            .and_then(|v| v.parse().ok());
        if let Some(at) = self.token_expires.filter(|at| Some(*at) != stored) {
            self.core
                .write_tx(|tx| view::set_meta(tx, TOKEN_EXPIRES_KEY, &at.to_string()))?;
        }
        let expires = self.token_expires.or(stored);
        let now = self.core.now_ms();
        if expires.is_some_and(|at| at - now > TOKEN_RENEW_WITHIN_MS) {
            return Ok(());
        }
        match self.client.renew_token().await {
            Ok(renewal) => self.core.write_tx(|tx| {
                view::set_meta(tx, TOKEN_KEY, &renewal.token)?;
                view::set_meta(tx, TOKEN_EXPIRES_KEY, &renewal.expires_at.to_string())
            }),
            Err(e) => {
                tracing::warn!(target: "farmlive::sync", "could not renew the device token: {e}");
                Ok(())
            }
        }
    }
}

impl Core {
    pub(crate) fn hub_client(&self, timeout: Duration) -> Result<HubClient> {
        self.hub_client_over(client::http_client(timeout)?)
    }

    pub(crate) fn hub_client_over(&self, http: reqwest::Client) -> Result<HubClient> {
        let url = self.read_meta(HUB_URL_KEY)?.ok_or(Error::NotEnrolled)?;
        let token = self.read_meta(TOKEN_KEY)?.ok_or(Error::NotEnrolled)?;
        HubClient::new(http, &url, Some(token))
    }

    /// The hub this device syncs with, if enrolled.
    pub fn hub_url(&self) -> Result<Option<String>> {
        self.read_meta(HUB_URL_KEY)
    }

    /// Pushes everything pending and pulls everything new. Safe to cancel or
    /// kill at any point; the next sync continues where this one stopped.
    pub async fn sync(
        &self,
        options: &SyncOptions,
        cancel: &CancelToken,
        on_progress: &(dyn Fn(&SyncProgress) + Send + Sync),
    ) -> Result<SyncReport> {
        let _one_at_a_time = self.sync_gate.lock().await;
        let result = self.sync_locked(options, cancel, on_progress).await;
        if let Err(Error::Hub {
            status: 401, code, ..
        }) = &result
        {
            // The token is gone (expired, removed, replaced): remember it,
            // so that `enrol` with a new code is allowed and keeps the outbox.
            if let Err(e) = self.write_tx(|tx| view::set_meta(tx, TOKEN_REFUSED_KEY, code.as_str()))
            {
                tracing::warn!(target: "farmlive::sync", "could not note the refused token: {e}");
            }
        }
        self.note_sync_outcome(&result);
        result
    }

    async fn sync_locked(
        &self,
        options: &SyncOptions,
        cancel: &CancelToken,
        on_progress: &(dyn Fn(&SyncProgress) + Send + Sync),
    ) -> Result<SyncReport> {
        let client = self.hub_client(options.request_timeout)?;
        let mut run = Run {
            core: self,
            client,
            options,
            cancel,
            progress: SyncProgress {
                ops_total: self.pending_count()?,
                ..Default::default()
            },
            report: SyncReport::default(),
            on_progress,
            token_expires: None,
        };
        run.tell(SyncPhase::Starting);
        run.push().await?;
        run.pull().await?;
        // Before the photos: a guide's photos come with the rest.
        run.pull_guides().await?;
        run.renew_if_due().await?;
        run.download_photos().await?;
        run.tell(SyncPhase::Done);
        run.report.progress = run.progress.clone();
        Ok(run.report)
    }

    /// Runs `f` in one immediate transaction on the writer.
    pub(crate) fn write_tx<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self.store.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        drop(conn);
        self.store.committed();
        Ok(out)
    }

    pub(crate) fn read_meta(&self, key: &str) -> Result<Option<String>> {
        view::get_meta(&self.store.reader(), key)
    }
}
