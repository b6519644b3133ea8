//! The farms' bell: rung after a commit that moved a farm's change feed
//! (in this process, or in another one through PostgreSQL's `NOTIFY`), so
//! that a device's long poll of the feed answers at once instead of at the
//! end of its wait. A ring carries no data: the poll reads the feed again,
//! with the same rules as any pull.

use farmlive_protocol::FarmId;
use tokio::sync::broadcast;

/// Rings kept for a listener that is slow to look: past this it is told
/// it lagged, and takes that as "every farm may have moved".
const BACKLOG: usize = 1_024;

/// What a ring says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ring {
    /// This farm's feed moved.
    Farm(FarmId),
    /// Any farm's may have (notifications were lost, or too many farms
    /// moved at once to name each).
    All,
}

/// Rings to every listener of this process.
#[derive(Debug)]
pub struct FarmBell {
    tx: broadcast::Sender<Ring>,
}

impl Default for FarmBell {
    fn default() -> Self {
        FarmBell {
            tx: broadcast::Sender::new(BACKLOG),
        }
    }
}

impl FarmBell {
    /// `farm`'s feed moved.
    pub fn ring(&self, farm: FarmId) {
        // No listener is not an error: nobody is waiting.
        let _ = self.tx.send(Ring::Farm(farm));
    }

    /// Every farm's feed may have moved.
    pub fn ring_all(&self) {
        let _ = self.tx.send(Ring::All);
    }

    /// A listener hears every ring from now on: take it before reading
    /// the feed, so a commit between the read and the wait is not missed.
    pub fn listen(&self) -> BellListener {
        BellListener {
            rx: self.tx.subscribe(),
        }
    }
}

/// One long poll's ear.
#[derive(Debug)]
pub struct BellListener {
    rx: broadcast::Receiver<Ring>,
}

impl BellListener {
    /// Returns once one of `farms` may have moved. Never returns if the
    /// bell is gone (the store is closing; the caller's other limits end
    /// the wait).
    pub async fn rung(&mut self, farms: &[FarmId]) {
        loop {
            match self.rx.recv().await {
                Ok(Ring::Farm(farm)) if !farms.contains(&farm) => continue,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => return,
                Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    async fn hears(listener: &mut BellListener, farms: &[FarmId]) -> bool {
        tokio::time::timeout(Duration::from_millis(50), listener.rung(farms))
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn a_listener_hears_its_farms_and_all_but_not_other_farms() {
        let bell = FarmBell::default();
        let (mine, other) = (FarmId::new(), FarmId::new());
        let mut ear = bell.listen();
        bell.ring(other);
        assert!(!hears(&mut ear, &[mine]).await, "another farm's ring");
        bell.ring(mine);
        assert!(hears(&mut ear, &[mine]).await);
        bell.ring_all();
        assert!(hears(&mut ear, &[mine]).await);
        assert!(!hears(&mut ear, &[mine]).await, "each ring heard once");
    }

    #[tokio::test]
    async fn a_ring_before_the_wait_is_kept_and_a_lagging_listener_wakes() {
        let bell = FarmBell::default();
        let mine = FarmId::new();
        let mut ear = bell.listen();
        bell.ring(mine);
        assert!(hears(&mut ear, &[mine]).await, "rung between read and wait");
        for _ in 0..=BACKLOG {
            bell.ring(FarmId::new());
        }
        assert!(hears(&mut ear, &[mine]).await, "lagged: may have moved");
    }
}
