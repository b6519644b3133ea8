//! Adaptive bitrate, sans-I/O: fed a sample of the send queue and the measured
//! throughput about twice a second, it answers with a new video bitrate when one
//! is due. No clock and no socket: the caller passes the time.
//!
//! - **Down, fast:** when tags wait in the queue (over 300 ms) or had to be
//!   dropped, the link is the bottleneck, so what actually left the socket is the
//!   link's capacity: the target goes to 80% of it (less the audio), at least
//!   25% and at most 50% down. At most once a second, so the change can take effect.
//! - **Up, carefully:** the throughput seen at the last congestion is
//!   remembered as the link's ceiling. While the queue stays nearly empty (3 s
//!   after a decrease, 1 s after an increase), the target climbs +15% a step up
//!   to 85% of that ceiling, then probes above it by +10% every 2 s, up to
//!   the cap; what the link carries without queueing raises the ceiling.

/// Bitrate limits, in bits per second of video.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BitrateRange {
    /// Never below this.
    pub min_bps: u32,
    /// Where to start.
    pub start_bps: u32,
    /// Never above this (the cap can be lowered later).
    pub max_bps: u32,
}

impl BitrateRange {
    /// Checks the range makes sense.
    pub fn validate(&self) -> Result<(), crate::LiveError> {
        if self.min_bps < 50_000
            || self.min_bps > self.start_bps
            || self.start_bps > self.max_bps
            || self.max_bps > 50_000_000
        {
            return Err(crate::LiveError::BadInput(format!(
                "the bitrate range must be 50 kbit/s ≤ min ≤ start ≤ max ≤ 50 Mbit/s, not {} / {} / {}",
                self.min_bps, self.start_bps, self.max_bps
            )));
        }
        Ok(())
    }
}

/// One observation of the uplink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbrSample {
    /// Now, in milliseconds on any monotonic clock.
    pub now_ms: u64,
    /// How long the oldest queued tag has waited.
    pub queue_delay_ms: u64,
    /// Bytes written to the socket since the previous sample.
    pub sent_bytes: u64,
    /// Milliseconds since the previous sample.
    pub interval_ms: u64,
    /// Pictures dropped since the previous sample.
    pub dropped: u64,
    /// The audio's bitrate (it shares the link).
    pub audio_bps: u32,
}

/// The controller.
#[derive(Debug, Clone)]
pub struct AbrController {
    range: BitrateRange,
    cap: u32,
    target: u32,
    last_decrease_ms: Option<u64>,
    last_change_ms: u64,
    clear_since_ms: Option<u64>,
    /// Throughput (bit/s, audio included) at the last congestion.
    ceiling_bps: Option<u64>,
}

/// Queue delay that counts as congestion.
const CONGESTED_MS: u64 = 300;
/// Queue delay under which the link counts as clear.
const CLEAR_MS: u64 = 100;

impl AbrController {
    /// A controller starting at `range.start_bps`.
    pub fn new(range: BitrateRange) -> AbrController {
        AbrController {
            range,
            cap: range.max_bps,
            target: range.start_bps,
            last_decrease_ms: None,
            last_change_ms: 0,
            clear_since_ms: None,
            ceiling_bps: None,
        }
    }

    /// The current video target.
    pub fn target_bps(&self) -> u32 {
        self.target
    }

    /// The current cap.
    pub fn cap_bps(&self) -> u32 {
        self.cap
    }

    /// Changes the cap (within the range); returns the new target if it changed.
    pub fn set_cap(&mut self, cap_bps: u32) -> Option<u32> {
        self.cap = cap_bps.clamp(self.range.min_bps, self.range.max_bps);
        if self.target > self.cap {
            self.target = self.cap;
            return Some(self.target);
        }
        None
    }

    /// Takes one sample; returns the new video target when it changes.
    pub fn on_sample(&mut self, s: AbrSample) -> Option<u32> {
        let congested = s.queue_delay_ms > CONGESTED_MS || s.dropped > 0;
        if congested {
            self.clear_since_ms = None;
            let recent = self
                .last_decrease_ms
                .is_some_and(|t| s.now_ms.saturating_sub(t) < 1000);
            if recent {
                return None;
            }
            let throughput = s
                .sent_bytes
                .saturating_mul(8_000)
                .checked_div(s.interval_ms)
                .unwrap_or(0);
            self.ceiling_bps = Some(throughput);
            let fit = (throughput * 8 / 10).saturating_sub(s.audio_bps as u64);
            // at least 25% down, at most halved per step (a stalled sample can read as zero)
            let down = (self.target as u64 * 3 / 4)
                .min(fit)
                .max(self.target as u64 / 2)
                .max(self.range.min_bps as u64) as u32;
            self.last_decrease_ms = Some(s.now_ms);
            return self.change(down, s.now_ms);
        }
        if s.queue_delay_ms >= CLEAR_MS {
            self.clear_since_ms = None;
            return None;
        }
        let since = *self.clear_since_ms.get_or_insert(s.now_ms);
        let settle = if self
            .last_decrease_ms
            .is_some_and(|t| t >= self.last_change_ms)
        {
            3000
        } else {
            1000
        };
        let throughput = s
            .sent_bytes
            .saturating_mul(8_000)
            .checked_div(s.interval_ms)
            .unwrap_or(0);
        if let Some(c) = self.ceiling_bps.as_mut() {
            // the link carried more than we thought without queueing: it got better
            *c = (*c).max(throughput);
        }
        let since_change = s.now_ms.saturating_sub(self.last_change_ms);
        if s.now_ms.saturating_sub(since) < 1000 || since_change < settle {
            return None;
        }
        let total = self.target as u64 + s.audio_bps as u64;
        let up = match self.ceiling_bps {
            None => self.target as u64 * 115 / 100,
            Some(ceiling) if total < ceiling * 85 / 100 => (self.target as u64 * 115 / 100)
                .min((ceiling * 85 / 100).saturating_sub(s.audio_bps as u64)),
            Some(_) if since_change >= 2000 => self.target as u64 * 110 / 100,
            Some(_) => return None,
        };
        self.change(up.min(self.cap as u64) as u32, s.now_ms)
    }

    fn change(&mut self, bps: u32, now_ms: u64) -> Option<u32> {
        let bps = bps.clamp(self.range.min_bps, self.cap);
        if bps == self.target {
            return None;
        }
        self.target = bps;
        self.last_change_ms = now_ms;
        Some(bps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fluid model of an encoder feeding a link through a queue: returns the
    /// target after each 500 ms step and the worst queue delay seen.
    fn simulate(
        abr: &mut AbrController,
        link_bps: &dyn Fn(u64) -> u64,
        steps: u64,
        from_ms: u64,
    ) -> (Vec<u32>, u64) {
        let mut queued_bits = 0u64;
        let mut worst = 0;
        let mut targets = vec![];
        for i in 0..steps {
            let now = from_ms + i * 500;
            let produced = (abr.target_bps() as u64 + 96_000) / 2;
            queued_bits += produced;
            let can = link_bps(now) / 2;
            let sent = queued_bits.min(can);
            queued_bits -= sent;
            // delay ≈ what waits / what the link carries
            let delay = queued_bits * 1000 / link_bps(now).max(1);
            worst = worst.max(delay);
            abr.on_sample(AbrSample {
                now_ms: now,
                queue_delay_ms: delay,
                sent_bytes: sent / 8,
                interval_ms: 500,
                dropped: 0,
                audio_bps: 96_000,
            });
            targets.push(abr.target_bps());
        }
        (targets, worst)
    }

    fn range() -> BitrateRange {
        BitrateRange {
            min_bps: 150_000,
            start_bps: 2_000_000,
            max_bps: 2_500_000,
        }
    }

    #[test]
    fn goes_down_under_congestion_and_back_up_after() {
        let mut abr = AbrController::new(range());
        let capped = |_| 800_000u64;
        let (t, worst) = simulate(&mut abr, &capped, 20, 0);
        // within 10 s the whole stream fits under the cap, and the delay stayed bounded
        assert!(t[19] + 96_000 < 800_000, "{t:?}");
        assert!(worst < 3000, "{worst}");
        let (t2, worst) = simulate(&mut abr, &capped, 60, 10_000);
        let mean = t2.iter().map(|&b| b as u64 + 96_000).sum::<u64>() / t2.len() as u64;
        assert!(mean < 800_000, "{mean} {t2:?}");
        assert!(t2.iter().all(|&b| b + 96_000 < 900_000), "{t2:?}");
        assert!(worst < 3000, "{worst}");
        let open = |_| 10_000_000u64;
        let (t3, _) = simulate(&mut abr, &open, 40, 40_000);
        assert!(*t3.last().unwrap() > 1_500_000, "{t3:?}");
        assert!(t3.iter().all(|&b| b <= 2_500_000));
    }

    #[test]
    fn respects_the_cap_and_the_floor() {
        let mut abr = AbrController::new(range());
        assert_eq!(abr.set_cap(1_000_000), Some(1_000_000));
        let (t, _) = simulate(&mut abr, &|_| 50_000_000, 30, 0);
        assert!(t.iter().all(|&b| b <= 1_000_000));
        let (t, _) = simulate(&mut abr, &|_| 10_000, 30, 20_000);
        assert_eq!(*t.last().unwrap(), 150_000);
        assert!(range().validate().is_ok());
        let bad = BitrateRange {
            min_bps: 3_000_000,
            ..range()
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn drops_count_as_congestion() {
        let mut abr = AbrController::new(range());
        let s = AbrSample {
            now_ms: 5000,
            queue_delay_ms: 0,
            sent_bytes: 100_000,
            interval_ms: 1000,
            dropped: 3,
            audio_bps: 0,
        };
        assert_eq!(abr.on_sample(s), Some(1_000_000));
        // not again within a second
        assert_eq!(abr.on_sample(AbrSample { now_ms: 5500, ..s }), None);
    }
}
