//! Hybrid logical clock: stamps that follow wall time, yet never go backwards
//! and always order causally related edits, so edits made offline on two
//! devices merge the same way everywhere (last writer wins per field).
//!
//! Ordering is by wall milliseconds, then counter, then device id — a total
//! order, so two devices never disagree about which edit won.

use crate::{DeviceId, UnixMillis};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The largest wall time a stamp may carry: sixteen digits, the width of
/// the text form (about the year 318,000). Parsing refuses anything larger,
/// so arithmetic on a parsed stamp can never wrap.
pub const MAX_WALL_MS: UnixMillis = 9_999_999_999_999_999;

/// How far ahead of a trusted clock (the hub's) a stamp may be. A little
/// slack absorbs phones whose clocks drift; a stamp further ahead would make
/// every later edit on every device lose to it, so it is refused.
pub const MAX_AHEAD_MS: UnixMillis = 5 * 60_000;

/// One stamp. Compares in causal-then-device order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Hlc {
    /// Wall-clock milliseconds (UTC), or the largest seen from a peer.
    pub wall_ms: UnixMillis,
    /// Logical counter within one millisecond.
    pub counter: u32,
    /// The device that made the stamp; breaks ties.
    pub device: DeviceId,
}

impl Hlc {
    /// The stamp before every other, for fields never edited.
    pub fn zero() -> Hlc {
        Hlc {
            wall_ms: 0,
            counter: 0,
            device: DeviceId(uuid::Uuid::nil()),
        }
    }
}

/// The text form, which sorts like the stamps themselves:
/// `0001732406400000-0000000003-<device uuid>`.
impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:016}-{:010}-{}",
            self.wall_ms, self.counter, self.device
        )
    }
}

impl fmt::Debug for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hlc({self})")
    }
}

/// Text that is not an HLC stamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed clock stamp")]
pub struct MalformedHlc;

/// A stamp too far ahead of the trusted clock it was checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this clock stamp is {ahead_ms} ms ahead of the hub's clock")]
pub struct ClockAhead {
    /// How far ahead, in milliseconds.
    pub ahead_ms: i64,
}

/// Only ASCII digits, at most `max_digits` of them (no sign, no spaces).
fn digits(text: &str, max_digits: usize) -> Result<&str, MalformedHlc> {
    if text.is_empty() || text.len() > max_digits || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MalformedHlc);
    }
    Ok(text)
}

/// Parses only the canonical text form that [`Display`](fmt::Display)
/// writes: at most 16 wall digits, at most 10 counter digits within `u32`,
/// and a lowercase hyphenated UUID. Nothing parsed can wrap later.
impl FromStr for Hlc {
    type Err = MalformedHlc;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.splitn(3, '-');
        let (Some(wall), Some(counter), Some(device)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(MalformedHlc);
        };
        let wall_ms: UnixMillis = digits(wall, 16)?.parse().map_err(|_| MalformedHlc)?;
        let counter: u32 = digits(counter, 10)?.parse().map_err(|_| MalformedHlc)?;
        let uuid: uuid::Uuid = device.parse().map_err(|_| MalformedHlc)?;
        if uuid.hyphenated().to_string() != device {
            return Err(MalformedHlc);
        }
        Ok(Hlc {
            wall_ms,
            counter,
            device: DeviceId(uuid),
        })
    }
}

impl Hlc {
    /// Refuses a stamp more than [`MAX_AHEAD_MS`] ahead of `trusted_now_ms`
    /// (the hub's clock): the hub checks every pushed op with it, and a
    /// device checks pulled stamps against the time the hub reported.
    pub fn check_not_ahead(&self, trusted_now_ms: UnixMillis) -> Result<(), ClockAhead> {
        let ahead_ms = self.wall_ms.saturating_sub(trusted_now_ms);
        if ahead_ms > MAX_AHEAD_MS {
            Err(ClockAhead { ahead_ms })
        } else {
            Ok(())
        }
    }
}

impl TryFrom<String> for Hlc {
    type Error = MalformedHlc;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Hlc> for String {
    fn from(h: Hlc) -> Self {
        h.to_string()
    }
}

/// A device's clock: hands out strictly increasing stamps.
#[derive(Debug, Clone)]
pub struct HlcClock {
    last: Hlc,
}

impl HlcClock {
    /// A clock for `device`, resuming after `last` (persisted) if given.
    pub fn new(device: DeviceId, last: Option<Hlc>) -> Self {
        let last = last.map_or(
            Hlc {
                wall_ms: 0,
                counter: 0,
                device,
            },
            |l| Hlc { device, ..l },
        );
        HlcClock { last }
    }

    /// The latest stamp handed out or observed.
    pub fn last(&self) -> Hlc {
        self.last
    }

    /// A new stamp for a local event at wall time `now_ms`.
    pub fn tick(&mut self, now_ms: UnixMillis) -> Hlc {
        if now_ms > self.last.wall_ms {
            self.last.wall_ms = now_ms;
            self.last.counter = 0;
        } else {
            self.bump_counter();
        }
        self.last
    }

    /// Takes in a stamp received from elsewhere, so later local stamps sort after it.
    pub fn observe(&mut self, remote: Hlc, now_ms: UnixMillis) {
        let wall = now_ms.max(remote.wall_ms).max(self.last.wall_ms);
        if wall == self.last.wall_ms && wall == remote.wall_ms {
            self.last.counter = self.last.counter.max(remote.counter);
            self.bump_counter();
        } else if wall == self.last.wall_ms {
            self.bump_counter();
        } else if wall == remote.wall_ms {
            self.last.wall_ms = wall;
            self.last.counter = remote.counter;
            self.bump_counter();
        } else {
            self.last.wall_ms = wall;
            self.last.counter = 0;
        }
    }

    /// Pulls the clock back to `ceiling_ms` if it ran past it; true if it
    /// did. A phone whose date was set ahead keeps handing out stamps from
    /// that future after the date is corrected, and the hub refuses them
    /// until real time catches up. With `ceiling_ms` the hub's time plus
    /// [`MAX_AHEAD_MS`] (the latest stamp the hub can have accepted), the
    /// next stamp still sorts after every accepted one.
    pub fn rewind_to(&mut self, ceiling_ms: UnixMillis) -> bool {
        if self.last.wall_ms <= ceiling_ms {
            return false;
        }
        // The counter at its top: the next stamp moves to ceiling + 1 ms,
        // after every stamp at the ceiling itself.
        self.last.wall_ms = ceiling_ms;
        self.last.counter = u32::MAX;
        true
    }

    fn bump_counter(&mut self) {
        match self.last.counter.checked_add(1) {
            Some(c) => self.last.counter = c,
            // Four billion events in one millisecond: move time forward instead.
            None => {
                self.last.wall_ms = self.last.wall_ms.saturating_add(1);
                self.last.counter = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_strictly_increase_even_if_the_wall_clock_goes_back() {
        let mut clock = HlcClock::new(DeviceId::new(), None);
        let a = clock.tick(1_000);
        let b = clock.tick(1_000);
        let c = clock.tick(900); // clock stepped back (NTP, user)
        let d = clock.tick(1_001);
        assert!(a < b && b < c && c < d, "{a} {b} {c} {d}");
    }

    #[test]
    fn observing_a_remote_stamp_moves_past_it() {
        let mut phone = HlcClock::new(DeviceId::new(), None);
        let remote = Hlc {
            wall_ms: 5_000,
            counter: 7,
            device: DeviceId::new(),
        };
        phone.observe(remote, 1_000); // our wall clock is behind
        let next = phone.tick(1_000);
        assert!(next > remote, "{next} should follow {remote}");
        assert_eq!(next.wall_ms, 5_000);
    }

    #[test]
    fn a_clock_set_ahead_is_pulled_back_yet_still_sorts_after_the_ceiling() {
        let hub_now = 1_000_000;
        let ceiling = hub_now + MAX_AHEAD_MS;
        let mut phone = HlcClock::new(DeviceId::new(), None);
        let accepted = phone.tick(ceiling); // the latest stamp the hub could accept
        phone.tick(hub_now + 86_400_000); // the phone's date a day ahead
        assert!(phone.rewind_to(ceiling));
        assert!(!phone.rewind_to(ceiling), "a second rewind changes nothing");
        // The date corrected: the next stamp is accepted by the hub a
        // moment later and still sorts after the accepted one.
        let next = phone.tick(hub_now + 10);
        assert!(next > accepted, "{next} should follow {accepted}");
        assert!(next.check_not_ahead(hub_now + 1).is_ok(), "{next}");
        assert!(phone.tick(hub_now + 20) > next);
        // A clock not past the ceiling is left alone.
        let mut behind = HlcClock::new(DeviceId::new(), None);
        let stamp = behind.tick(hub_now);
        assert!(!behind.rewind_to(ceiling));
        assert_eq!(behind.last(), stamp);
    }

    #[test]
    fn text_form_round_trips_and_sorts_like_the_stamps() {
        let dev = DeviceId::new();
        let small = Hlc {
            wall_ms: 999,
            counter: 12,
            device: dev,
        };
        let big = Hlc {
            wall_ms: 1_000,
            counter: 1,
            device: dev,
        };
        assert!(small < big);
        assert!(small.to_string() < big.to_string());
        assert_eq!(small.to_string().parse::<Hlc>().unwrap(), small);
        assert!("12-x".parse::<Hlc>().is_err());
    }

    #[test]
    fn ties_on_time_are_broken_by_device() {
        let a = Hlc {
            wall_ms: 1,
            counter: 0,
            device: DeviceId(uuid::Uuid::from_u128(1)),
        };
        let b = Hlc {
            wall_ms: 1,
            counter: 0,
            device: DeviceId(uuid::Uuid::from_u128(2)),
        };
        assert!(a < b);
    }

    #[test]
    fn parsing_refuses_what_display_never_writes() {
        let dev = DeviceId::new();
        for bad in [
            format!("9223372036854775807-4294967295-{dev}"), // i64::MAX wall: 19 digits
            format!("10000000000000000-0-{dev}"),            // 17 digits
            format!("1-4294967296-{dev}"),                   // counter past u32
            format!("+1-0-{dev}"),
            format!("1-+0-{dev}"),
            format!(" 1-0-{dev}"),
            format!("1-0-{}", dev.to_string().to_uppercase()),
            format!("1-0-{}", dev.0.simple()),
            "1-0-".to_owned(),
            "--".to_owned(),
        ] {
            assert!(bad.parse::<Hlc>().is_err(), "{bad:?} was accepted");
        }
        let max = format!("{MAX_WALL_MS}-4294967295-{dev}");
        assert_eq!(max.parse::<Hlc>().unwrap().wall_ms, MAX_WALL_MS);
    }

    #[test]
    fn the_largest_stamp_never_wraps_the_clock() {
        let dev = DeviceId::new();
        let top: Hlc = format!("{MAX_WALL_MS}-4294967295-{dev}").parse().unwrap();
        let mut clock = HlcClock::new(DeviceId::new(), Some(top));
        let next = clock.tick(0);
        assert!(next > top && next.wall_ms > 0, "{next}");
        clock.observe(top, 0);
        assert!(clock.last().wall_ms >= MAX_WALL_MS);
    }

    #[test]
    fn stamps_far_ahead_of_the_trusted_clock_are_refused() {
        let dev = DeviceId::new();
        let at = |wall_ms| Hlc {
            wall_ms,
            counter: 0,
            device: dev,
        };
        let now = 1_700_000_000_000;
        assert!(at(now).check_not_ahead(now).is_ok());
        assert!(at(now - 86_400_000).check_not_ahead(now).is_ok());
        assert!(at(now + MAX_AHEAD_MS).check_not_ahead(now).is_ok());
        assert_eq!(
            at(now + MAX_AHEAD_MS + 1).check_not_ahead(now),
            Err(ClockAhead {
                ahead_ms: MAX_AHEAD_MS + 1
            })
        );
        assert!(at(MAX_WALL_MS).check_not_ahead(i64::MIN).is_err());
    }

    #[test]
    fn resumes_after_persisted_stamp() {
        let dev = DeviceId::new();
        let persisted = Hlc {
            wall_ms: 10_000,
            counter: 3,
            device: dev,
        };
        let mut clock = HlcClock::new(dev, Some(persisted));
        assert!(clock.tick(5) > persisted);
    }
}
