//! Retry policy: exponential backoff with full jitter. Pure: the caller
//! supplies the random number, so tests need no clock and no randomness.

use std::time::Duration;

/// When to retry a failed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay scale of the first retry.
    pub base: Duration,
    /// Longest delay.
    pub max: Duration,
    /// Tries in all, the first included.
    pub attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_millis(500),
            max: Duration::from_secs(30),
            attempts: 6,
        }
    }
}

impl Backoff {
    /// The delay before retry number `retry` (1 for the first retry), or
    /// `None` when no tries are left. `unit` is a random number in [0, 1):
    /// full jitter spreads devices that failed together (a hub restart) so
    /// they do not all come back at the same instant.
    pub fn delay(&self, retry: u32, unit: f64) -> Option<Duration> {
        if retry == 0 || retry >= self.attempts {
            return None;
        }
        let exp = 2u32.saturating_pow(retry.saturating_sub(1).min(20));
        let cap = self.base.saturating_mul(exp).min(self.max);
        Some(cap.mul_f64(unit.clamp(0.0, 1.0)))
    }
}

/// A cheap random number in [0, 1) for jitter (not for secrets).
pub(crate) fn jitter_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_exponentially_up_to_the_cap_and_stop() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_millis(1000),
            attempts: 6,
        };
        let full = |r| b.delay(r, 0.999_999).unwrap().as_millis();
        assert_eq!(
            [full(1), full(2), full(3), full(4), full(5)],
            [99, 199, 399, 799, 999]
        );
        assert_eq!(b.delay(6, 0.5), None, "no sixth retry after six tries");
        assert_eq!(b.delay(0, 0.5), None);
    }

    #[test]
    fn jitter_spreads_the_delay_from_zero_to_the_cap() {
        let b = Backoff::default();
        assert_eq!(b.delay(3, 0.0), Some(Duration::ZERO));
        assert_eq!(b.delay(3, 0.5), Some(Duration::from_secs(1)));
        let u = jitter_unit();
        assert!((0.0..1.0).contains(&u));
    }
}
