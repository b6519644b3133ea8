//! Retrying requests to the hub: transient failures (network, hub
//! unavailable) again after a backoff with jitter, or after the hub's own
//! `Retry-After` when it sent one; cancellable while waiting.

use super::{Backoff, CancelToken, jitter_unit};
use crate::error::Result;
use std::future::Future;
use std::time::Duration;

/// The longest `Retry-After` honoured: a hub (or a proxy) asking for more
/// must not stall a device for hours.
const RETRY_AFTER_MAX: Duration = Duration::from_secs(300);

/// How long to wait before retry number `attempt`: the backoff's delay,
/// but never less than the hub's `Retry-After` (capped), if it sent one.
/// `None` when the backoff has no tries left.
pub(crate) fn wait_before_retry(
    backoff: &Backoff,
    attempt: u32,
    retry_after: Option<Duration>,
) -> Option<Duration> {
    let delay = backoff.delay(attempt, jitter_unit())?;
    Some(match retry_after {
        Some(asked) => delay.max(asked.min(RETRY_AFTER_MAX)),
        None => delay,
    })
}

/// Runs a request, retrying transient failures with backoff and jitter;
/// counts the retries in `retries`.
pub(crate) async fn retry<T, F, Fut>(
    backoff: &Backoff,
    cancel: &CancelToken,
    retries: &mut u64,
    mut f: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut attempt = 0;
    loop {
        cancel.check()?;
        match f().await {
            Err(e) if e.is_transient() => {
                attempt += 1;
                let Some(delay) = wait_before_retry(backoff, attempt, e.retry_after()) else {
                    return Err(e);
                };
                *retries += 1;
                tracing::info!(target: "farmlive::sync", "retrying in {delay:?}: {e}");
                sleep_unless_cancelled(delay, cancel).await?;
            }
            other => return other,
        }
    }
}

/// Sleeps `delay`, or less if `cancel` is set meanwhile (then `Err(Cancelled)`).
pub(crate) async fn sleep_unless_cancelled(delay: Duration, cancel: &CancelToken) -> Result<()> {
    tokio::select! {
        _ = tokio::time::sleep(delay) => {}
        _ = cancel.cancelled() => {}
    }
    cancel.check()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use farmlive_protocol::api::ErrorCode;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    #[test]
    fn a_cancel_from_another_task_wakes_a_long_sleep() {
        runtime().block_on(async {
            let cancel = CancelToken::new();
            let other = cancel.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                other.cancel();
            });
            let hour = sleep_unless_cancelled(Duration::from_secs(3600), &cancel);
            let slept = tokio::time::timeout(Duration::from_secs(60), hour).await;
            assert!(
                matches!(slept, Ok(Err(Error::Cancelled))),
                "woken by the cancel, not the hour's end"
            );
        });
    }

    #[test]
    fn waiting_on_a_cancelled_token_returns_at_once() {
        runtime().block_on(async {
            let cancel = CancelToken::new();
            cancel.cancel();
            cancel.cancelled().await;
            assert!(
                sleep_unless_cancelled(Duration::ZERO, &cancel)
                    .await
                    .is_err()
            );
            let fresh = CancelToken::new();
            assert!(
                sleep_unless_cancelled(Duration::from_millis(1), &fresh)
                    .await
                    .is_ok()
            );
        });
    }

    #[test]
    fn the_hub_s_retry_after_is_a_floor_under_the_backoff_and_capped() {
        let backoff = Backoff {
            base: Duration::from_millis(10),
            max: Duration::from_millis(20),
            attempts: 5,
        };
        let busy = |secs| {
            Error::Hub {
                status: 503,
                code: ErrorCode::Busy,
                message: "busy".into(),
                retry_after: Some(Duration::from_secs(secs)),
            }
            .retry_after()
        };
        assert_eq!(
            wait_before_retry(&backoff, 1, busy(3)),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            wait_before_retry(&backoff, 1, busy(86_400)),
            Some(RETRY_AFTER_MAX)
        );
        let plain = Error::Network("down".into()).retry_after();
        let plain = wait_before_retry(&backoff, 1, plain).unwrap();
        assert!(plain <= Duration::from_millis(10), "{plain:?}");
        assert_eq!(
            wait_before_retry(&backoff, 5, busy(3)),
            None,
            "no tries left"
        );
    }
}
