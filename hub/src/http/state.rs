//! What the handlers share, and how they run store work.

use super::signup::SignupLimiter;
use crate::error::{HubError, Result};
use crate::media::Media;
use crate::rooms::CommentLimiter;
use crate::store::interface::HubStore;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// What the handlers share.
pub struct AppState {
    /// The database (and the photo bytes beside it), behind the store
    /// interface.
    pub store: Arc<dyn HubStore>,
    /// Comment rate limits (in memory).
    pub comments: CommentLimiter,
    /// Sign-ups per client address (in memory), and how to find the address.
    pub signups: SignupLimiter,
    /// Live video: the rooms on air and where devices publish.
    pub media: Arc<Media>,
    /// The storefront is reached over HTTPS (an `https://` public URL):
    /// its cookies are `Secure`.
    pub secure_cookies: bool,
    /// Whether this process is shutting down (readiness).
    pub health: Health,
    /// The experts' hotline, sent to devices with every change-feed page.
    pub hotline: Option<String>,
}

/// The state handlers extract.
pub(super) type St = axum::extract::State<Arc<AppState>>;

/// Runs blocking store work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| HubError::Internal(format!("worker failed: {e}")))?
}

/// Whether this process is shutting down.
#[derive(Debug, Default)]
pub struct Health {
    draining: AtomicBool,
}

impl Health {
    /// From now on the process reports not ready.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// True once the process is shutting down.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}
