//! WAL checkpoints off the user's path.
//!
//! With `synchronous=NORMAL`, a WAL commit does not fsync; a checkpoint does.
//! SQLite's auto-checkpoint runs inside whichever commit crosses the
//! threshold, so every ~60th user action paid a 3–10 ms stall. Instead a
//! background thread with its own connection runs PASSIVE checkpoints,
//! which never block the writer. The auto-checkpoint stays on at a far
//! higher threshold, only as a safety net should this thread fall behind.

use rusqlite::Connection;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

/// Commits between nudges to the checkpointer.
const COMMITS_PER_CHECKPOINT: u32 = 16;
/// The writer's own auto-checkpoint threshold (pages): the safety net.
pub(super) const SAFETY_NET_PAGES: u32 = 10_000;

pub(super) struct Checkpointer {
    nudge: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
    commits: std::sync::atomic::AtomicU32,
}

impl Checkpointer {
    pub(super) fn start(conn: Connection) -> Checkpointer {
        let (nudge, wakeups) = sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("farmlive-checkpoint".into())
            .spawn(move || {
                while wakeups.recv().is_ok() {
                    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::debug!(target: "farmlive::store", "checkpoint skipped: {e}");
                    }
                }
            })
            .ok();
        Checkpointer {
            nudge: Some(nudge),
            thread,
            commits: Default::default(),
        }
    }

    /// Called after each commit; every few commits wakes the checkpointer.
    pub(super) fn committed(&self) {
        let n = self
            .commits
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n % COMMITS_PER_CHECKPOINT == COMMITS_PER_CHECKPOINT - 1 {
            if let Some(nudge) = &self.nudge {
                // Full means a checkpoint is already due: nothing to add.
                if let Err(TrySendError::Disconnected(())) = nudge.try_send(()) {
                    tracing::debug!(target: "farmlive::store", "checkpointer has stopped");
                }
            }
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.nudge = None; // closes the channel; the thread ends
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
