//! The hub's background upkeep while it runs: the operator's photo quota,
//! and collecting unneeded photos every [`COLLECT_EVERY`].

use crate::error::{HubError, Result};
use crate::http::blocking;
use crate::store::{COLLECT_EVERY, Collected, HubStore, PHOTO_QUOTA_ENV, now_ms};
use std::sync::Arc;

/// For `run`: applies the operator's photo quota, if set, and collects
/// every [`COLLECT_EVERY`], starting now, for as long as the runtime runs.
pub(crate) fn start(store: &Arc<dyn HubStore>) -> Result<()> {
    if let Some(raw) = std::env::var_os(PHOTO_QUOTA_ENV) {
        let mib: u64 = raw
            .to_str()
            .and_then(|v| v.trim().parse().ok())
            .filter(|&v: &u64| v <= 1 << 40)
            .ok_or_else(|| {
                HubError::bad_request(
                    "invalid",
                    format!("{PHOTO_QUOTA_ENV} must be a whole number of MiB, like 2048"),
                )
            })?;
        store.set_photo_quota(mib * 1024 * 1024);
    }
    let store = store.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(COLLECT_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let store = store.clone();
            let done = blocking(move || store.collect_photos(now_ms())).await;
            match done {
                Ok(c) if c != Collected::default() => {
                    tracing::info!(target: "farmlive::hub", "photos collected: {c:?}");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(target: "farmlive::hub", "collecting photos failed: {e}"),
            }
        }
    });
    Ok(())
}
