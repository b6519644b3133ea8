//! The comment rate limit: a token bucket per (buyer, room), pure (the
//! caller passes `now`), with bounded memory.
//!
//! A bucket holds credit in milliseconds: each comment costs one interval,
//! and the bucket holds at most `burst` intervals. A bucket that has refilled
//! completely is indistinguishable from a new one, so it is dropped; when the
//! map is full anyway (many buyers commenting at once), the bucket idle the
//! longest is dropped, which at worst gives that buyer a fresh burst.

use std::collections::HashMap;
use std::hash::Hash;

/// Most buckets kept at once.
pub const BUCKETS_MAX: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Credit, in milliseconds of interval, as of `at`.
    credit: u64,
    /// When `credit` was last computed (caller's clock, ms).
    at: u64,
}

/// Token buckets keyed by `K`.
#[derive(Debug)]
pub struct RateLimiter<K> {
    burst: u32,
    interval_ms: u64,
    max_buckets: usize,
    buckets: HashMap<K, Bucket>,
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// `burst` requests at once, then one per `interval_ms`; at most
    /// `max_buckets` keys remembered.
    pub fn new(burst: u32, interval_ms: u64, max_buckets: usize) -> Self {
        RateLimiter {
            burst: burst.max(1),
            interval_ms: interval_ms.max(1),
            max_buckets: max_buckets.max(1),
            buckets: HashMap::new(),
        }
    }

    fn capacity(&self) -> u64 {
        u64::from(self.burst).saturating_mul(self.interval_ms)
    }

    /// Takes one token for `key` at `now_ms`: `Ok(())`, or `Err(ms)` to wait
    /// before one is available. A clock that goes back is treated as still.
    pub fn take(&mut self, key: &K, now_ms: u64) -> Result<(), u64> {
        let cap = self.capacity();
        let credit = match self.buckets.get(key) {
            Some(b) => b
                .credit
                .saturating_add(now_ms.saturating_sub(b.at))
                .min(cap),
            None => cap,
        };
        if credit < self.interval_ms {
            return Err(self.interval_ms - credit);
        }
        if !self.buckets.contains_key(key) && self.buckets.len() >= self.max_buckets {
            self.evict(now_ms);
        }
        self.buckets.insert(
            key.clone(),
            Bucket {
                credit: credit - self.interval_ms,
                at: now_ms,
            },
        );
        Ok(())
    }

    /// Drops full buckets; if none is full, the one idle the longest.
    fn evict(&mut self, now_ms: u64) {
        let cap = self.capacity();
        self.buckets
            .retain(|_, b| b.credit.saturating_add(now_ms.saturating_sub(b.at)) < cap);
        if self.buckets.len() >= self.max_buckets {
            let oldest = self
                .buckets
                .iter()
                .min_by_key(|(_, b)| b.at)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                self.buckets.remove(&k);
            }
        }
    }

    /// Buckets held now.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// True if no bucket is held.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

/// A [`RateLimiter`] shared between requests, on the process's monotonic
/// clock, whose refusals are 429s with `Retry-After`.
#[derive(Debug)]
pub struct SharedLimiter<K> {
    start: std::time::Instant,
    buckets: std::sync::Mutex<RateLimiter<K>>,
}

impl<K: Hash + Eq + Clone> SharedLimiter<K> {
    /// `burst` at once, then one per `interval_ms`, for at most
    /// [`BUCKETS_MAX`] keys.
    pub fn new(burst: u32, interval_ms: u64) -> Self {
        SharedLimiter {
            start: std::time::Instant::now(),
            buckets: std::sync::Mutex::new(RateLimiter::new(burst, interval_ms, BUCKETS_MAX)),
        }
    }

    /// Takes a token for `key`, or says how long to wait.
    pub fn check(&self, key: &K) -> crate::error::Result<()> {
        let now = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.buckets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take(key, now)
            .map_err(|ms| crate::error::HubError::RateLimited {
                retry_after_secs: retry_after_secs(ms),
            })
    }
}

/// Whole seconds to put in `Retry-After` for a wait of `ms` (rounded up, at least 1).
pub fn retry_after_secs(ms: u64) -> u64 {
    ms.div_ceil(1000).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_one_per_interval() {
        let mut l = RateLimiter::new(3, 2_000, 100);
        let k = "wang";
        for _ in 0..3 {
            assert_eq!(l.take(&k, 1_000), Ok(()));
        }
        assert_eq!(l.take(&k, 1_000), Err(2_000));
        assert_eq!(l.take(&k, 2_500), Err(500));
        assert_eq!(l.take(&k, 3_000), Ok(()));
        assert_eq!(l.take(&k, 3_000), Err(2_000));
        // A long pause refills the burst, never more.
        for _ in 0..3 {
            assert_eq!(l.take(&k, 100_000), Ok(()));
        }
        assert!(l.take(&k, 100_000).is_err());
        // Another key has its own bucket.
        assert_eq!(l.take(&"li", 100_000), Ok(()));
    }

    #[test]
    fn refused_requests_cost_nothing_and_clocks_going_back_do_not_refill() {
        let mut l = RateLimiter::new(1, 1_000, 100);
        assert_eq!(l.take(&1, 10_000), Ok(()));
        for _ in 0..50 {
            assert!(l.take(&1, 10_500).is_err());
        }
        assert_eq!(l.take(&1, 11_000), Ok(()));
        assert_eq!(
            l.take(&1, 5_000),
            Err(1_000),
            "time going back adds nothing"
        );
    }

    #[test]
    fn memory_is_bounded_and_idle_buckets_go_first() {
        let mut l = RateLimiter::new(2, 1_000, 10);
        for k in 0..10 {
            assert_eq!(l.take(&k, 0), Ok(()));
        }
        assert_eq!(l.len(), 10);
        // All still refilling at 500 ms: the oldest goes to make room.
        assert_eq!(l.take(&100, 500), Ok(()));
        assert_eq!(l.len(), 10);
        // At 5 s every old bucket is full again: all of those are dropped.
        assert_eq!(l.take(&200, 5_000), Ok(()));
        assert!(l.len() <= 10);
        assert!(l.len() <= 2, "full buckets dropped: {}", l.len());
        for k in 0..100_000u32 {
            let _ = l.take(&k, 6_000);
        }
        assert!(l.len() <= 10);
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(1), 1);
        assert_eq!(retry_after_secs(1_000), 1);
        assert_eq!(retry_after_secs(1_001), 2);
        assert_eq!(retry_after_secs(0), 1);
    }
}
