//! The farms' bell: rung after a commit that moved a farm's change feed
//! (in this process, or in another one through PostgreSQL's `NOTIFY`), so
//! that a device's long poll of the feed answers at once instead of at the
//! end of its wait. A ring carries no data: the poll reads the feed again,
//! with the same rules as any pull.
//!
//! Each listener is filed under the farms it hears, so a ring wakes only
//! the polls of that farm: with thousands of phones holding polls, a
//! broadcast would wake every one of them for every commit.

use farmlive_protocol::FarmId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

/// Rings to the listeners of this process.
#[derive(Debug, Default)]
pub struct FarmBell {
    ears: Arc<Mutex<Ears>>,
}

/// Who listens, filed by farm; one `Notify` per listener.
#[derive(Debug, Default)]
struct Ears {
    next: u64,
    /// Every listener, for [`FarmBell::ring_all`].
    all: HashMap<u64, Arc<Notify>>,
    /// The listeners of each farm.
    by_farm: HashMap<FarmId, HashMap<u64, Arc<Notify>>>,
}

fn lock(ears: &Mutex<Ears>) -> MutexGuard<'_, Ears> {
    // A panic elsewhere while holding it leaves the maps whole: each
    // change under the lock is a single insert or remove.
    ears.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl FarmBell {
    /// `farm`'s feed moved: wakes the listeners of `farm`, no others.
    pub fn ring(&self, farm: FarmId) {
        if let Some(listeners) = lock(&self.ears).by_farm.get(&farm) {
            listeners.values().for_each(|n| n.notify_one());
        }
    }

    /// Every farm's feed may have moved (notifications were lost, or too
    /// many farms moved at once to name each).
    pub fn ring_all(&self) {
        lock(&self.ears).all.values().for_each(|n| n.notify_one());
    }

    /// A listener of `farms` hears their rings from now on: take it before
    /// reading the feed, so a commit between the read and the wait is not
    /// missed (a ring with nobody waiting is kept until the next wait).
    pub fn listen(&self, farms: &[FarmId]) -> BellListener {
        let notify = Arc::new(Notify::new());
        let mut farms = farms.to_vec();
        farms.sort_unstable();
        farms.dedup();
        let mut ears = lock(&self.ears);
        let id = ears.next;
        ears.next += 1;
        ears.all.insert(id, Arc::clone(&notify));
        for farm in &farms {
            ears.by_farm
                .entry(*farm)
                .or_default()
                .insert(id, Arc::clone(&notify));
        }
        BellListener {
            id,
            farms,
            notify,
            ears: Arc::clone(&self.ears),
        }
    }

    /// How many listeners are filed (for tests).
    #[cfg(test)]
    fn listeners(&self) -> (usize, usize) {
        let ears = lock(&self.ears);
        (ears.all.len(), ears.by_farm.len())
    }
}

/// One long poll's ear; dropping it takes it off the bell.
#[derive(Debug)]
pub struct BellListener {
    id: u64,
    farms: Vec<FarmId>,
    notify: Arc<Notify>,
    ears: Arc<Mutex<Ears>>,
}

impl BellListener {
    /// Returns once one of its farms may have moved since the listener
    /// was taken or since the last return. Rings while nobody waited count
    /// once: the poll reads the whole feed again anyway.
    pub async fn rung(&mut self) {
        self.notify.notified().await;
    }
}

impl Drop for BellListener {
    fn drop(&mut self) {
        let mut ears = lock(&self.ears);
        ears.all.remove(&self.id);
        for farm in &self.farms {
            if let Some(listeners) = ears.by_farm.get_mut(farm) {
                listeners.remove(&self.id);
                if listeners.is_empty() {
                    ears.by_farm.remove(farm);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    async fn hears(listener: &mut BellListener) -> bool {
        tokio::time::timeout(Duration::from_millis(50), listener.rung())
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn a_listener_hears_its_farms_and_all_but_not_other_farms() {
        let bell = FarmBell::default();
        let (mine, other) = (FarmId::new(), FarmId::new());
        let mut ear = bell.listen(&[mine]);
        bell.ring(other);
        assert!(!hears(&mut ear).await, "another farm's ring");
        bell.ring(mine);
        assert!(hears(&mut ear).await);
        bell.ring_all();
        assert!(hears(&mut ear).await);
        assert!(!hears(&mut ear).await, "each ring heard once");
    }

    #[tokio::test]
    async fn a_ring_before_the_wait_is_kept_and_many_count_once() {
        let bell = FarmBell::default();
        let (mine, also_mine) = (FarmId::new(), FarmId::new());
        let mut ear = bell.listen(&[mine, also_mine, mine]);
        bell.ring(mine);
        assert!(hears(&mut ear).await, "rung between read and wait");
        for _ in 0..100 {
            bell.ring(also_mine);
        }
        assert!(hears(&mut ear).await);
        assert!(!hears(&mut ear).await, "a hundred rings, one wake");
    }

    #[tokio::test]
    async fn a_dropped_listener_is_taken_off_the_bell_and_others_still_hear() {
        let bell = FarmBell::default();
        let farm = FarmId::new();
        let gone = bell.listen(&[farm, FarmId::new()]);
        let mut stays = bell.listen(&[farm]);
        assert_eq!(bell.listeners(), (2, 2));
        drop(gone);
        assert_eq!(bell.listeners(), (1, 1));
        bell.ring(farm);
        assert!(hears(&mut stays).await);
        drop(stays);
        assert_eq!(bell.listeners(), (0, 0));
    }
}
