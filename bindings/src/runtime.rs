//! The one tokio runtime the library owns (as matrix-rust-sdk does): network
//! work runs on it, whatever executor the shell polls the returned futures
//! with (Kotlin coroutines, Swift tasks). A tokio `JoinHandle` can be awaited
//! from any executor, so async exports spawn onto this runtime and await it.

use crate::error::{FarmLiveError, Result};
use std::future::Future;
use std::sync::OnceLock;
use tokio::runtime::Runtime;

static RUNTIME: OnceLock<std::result::Result<Runtime, String>> = OnceLock::new();

/// The library's runtime, started on first use (two worker threads: phones
/// have cores to spare for the UI, and network work is I/O bound).
pub(crate) fn runtime() -> Result<&'static Runtime> {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("farmlive-rt")
                .enable_all()
                .build()
                .map_err(|e| format!("could not start the background runtime: {e}"))
        })
        .as_ref()
        .map_err(|e| FarmLiveError::failure(e.clone()))
}

/// Runs `fut` on the library's runtime and waits for it from any executor.
pub(crate) async fn run<T, F>(fut: F) -> Result<T>
where
    F: Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    runtime()?
        .spawn(fut)
        .await
        .map_err(|_| FarmLiveError::failure("a background task failed"))?
}
