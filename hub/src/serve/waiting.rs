//! The connections waiting for a request, oldest first: who yields a place
//! to a newcomer when the hub is at its connection cap.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::{Notify, OwnedSemaphorePermit};

/// Connections waiting for a request (none in flight), oldest first: the
/// ones to close when a newcomer needs a place.
#[derive(Default)]
pub(super) struct Waiting {
    conns: Mutex<BTreeMap<(Instant, u64), Arc<Track>>>,
}

/// One connection's place in [`Waiting`].
pub(super) struct Track {
    id: u64,
    /// When it started waiting, while it waits.
    since: Mutex<Option<Instant>>,
    /// Closed (evicted or done): never waits again.
    pub(super) gone: AtomicBool,
    /// Told when it is evicted.
    pub(super) evicted: Notify,
    /// Its place under the cap, until it ends or is evicted (then the
    /// place goes straight to the newcomer).
    place: Mutex<Option<OwnedSemaphorePermit>>,
}

impl Track {
    pub(super) fn new(id: u64, place: Option<OwnedSemaphorePermit>) -> Arc<Track> {
        Arc::new(Track {
            id,
            since: Mutex::new(None),
            gone: AtomicBool::new(false),
            evicted: Notify::new(),
            place: Mutex::new(place),
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Waiting {
    pub(super) fn wait(&self, t: &Arc<Track>) {
        let mut conns = lock(&self.conns);
        if t.gone.load(Ordering::SeqCst) {
            return;
        }
        let now = Instant::now();
        if let Some(old) = lock(&t.since).replace(now) {
            conns.remove(&(old, t.id));
        }
        conns.insert((now, t.id), t.clone());
    }

    /// Marks `t` busy; false if it was evicted meanwhile.
    pub(super) fn busy(&self, t: &Track) -> bool {
        let mut conns = lock(&self.conns);
        if let Some(since) = lock(&t.since).take() {
            conns.remove(&(since, t.id));
        }
        !t.gone.load(Ordering::SeqCst)
    }

    /// The connection has ended: its place is free.
    pub(super) fn done(&self, t: &Track) {
        let place = {
            let mut conns = lock(&self.conns);
            t.gone.store(true, Ordering::SeqCst);
            if let Some(since) = lock(&t.since).take() {
                conns.remove(&(since, t.id));
            }
            lock(&t.place).take()
        };
        drop(place);
    }

    /// Tells the connection that has waited longest to close, and hands
    /// over its place; `None` if every connection is busy.
    pub(super) fn evict_oldest(&self) -> Option<OwnedSemaphorePermit> {
        let mut conns = lock(&self.conns);
        while let Some((_, t)) = conns.pop_first() {
            lock(&t.since).take();
            t.gone.store(true, Ordering::SeqCst);
            t.evicted.notify_one();
            if let Some(place) = lock(&t.place).take() {
                return Some(place);
            }
        }
        None
    }
}
