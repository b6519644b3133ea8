//! A connection's hang-up: how a route whose response can no longer make
//! progress asks the server to close the connection now.
//!
//! hyper stops polling a response body while the connection cannot write,
//! so a body cannot end itself when its client stops reading: only the
//! connection's task can close it. The server (`crate::serve`) puts a
//! [`Hangup`] in every request's extensions and closes the connection when
//! it fires; other routes never touch it, so their timeouts are unchanged.

use std::sync::Arc;
use tokio::sync::Notify;

/// Closes the connection a request arrived on, when fired.
#[derive(Clone, Debug, Default)]
pub struct Hangup(Arc<Notify>);

impl Hangup {
    /// Asks the connection's task to close the connection (at once, without
    /// finishing the response in flight). Safe from any thread, any time.
    pub fn fire(&self) {
        self.0.notify_one();
    }

    /// Resolves once [`Hangup::fire`] was called (including before this
    /// was awaited).
    pub async fn fired(&self) {
        self.0.notified().await;
    }
}
