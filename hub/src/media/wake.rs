//! When a pushed tag wakes a room's viewers. Pure.
//!
//! Every wake costs each viewer a task wake-up, a lock of the relay and a
//! socket write, so with a thousand viewers the wake rate is most of the
//! relay's CPU. A 30 fps stream with AAC brings about 77 tags a second;
//! waking on every video picture and letting audio ride along with the
//! next one (at most [`AUDIO_HOLD`] later) halves the wakes and writes
//! without holding any picture back.

use farmlive_media::flv::TagKind;
use std::time::{Duration, Instant};

/// The longest audio waits for a picture to carry it (an audio-only
/// stream, or a slow frame rate, still flows at this pace).
pub const AUDIO_HOLD: Duration = Duration::from_millis(50);

/// The wake decision for one room's stream.
#[derive(Debug, Default)]
pub(super) struct WakeBatch {
    last_wake: Option<Instant>,
}

impl WakeBatch {
    /// Whether a tag of `kind` pushed at `now` should wake the viewers:
    /// video and headers at once, audio when nothing woke them for
    /// [`AUDIO_HOLD`].
    pub(super) fn on_push(&mut self, kind: TagKind, header: bool, now: Instant) -> bool {
        let due = match kind {
            TagKind::Video | TagKind::Script => true,
            TagKind::Audio => {
                header
                    || self
                        .last_wake
                        .is_none_or(|t| now.saturating_duration_since(t) >= AUDIO_HOLD)
            }
        };
        if due {
            self.last_wake = Some(now);
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_wake_and_audio_rides_along() {
        let mut w = WakeBatch::default();
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        assert!(w.on_push(TagKind::Video, false, ms(0)));
        assert!(
            !w.on_push(TagKind::Audio, false, ms(10)),
            "waits for the next picture"
        );
        assert!(!w.on_push(TagKind::Audio, false, ms(31)));
        assert!(w.on_push(TagKind::Video, false, ms(33)));
        assert!(
            w.on_push(TagKind::Audio, true, ms(34)),
            "a sequence header goes at once"
        );
        assert!(w.on_push(TagKind::Script, true, ms(35)));
    }

    #[test]
    fn audio_alone_still_flows() {
        let mut w = WakeBatch::default();
        let t0 = Instant::now();
        let woke: Vec<u64> = (0..10)
            .map(|i| i * 21)
            .filter(|&at| w.on_push(TagKind::Audio, false, t0 + Duration::from_millis(at)))
            .collect();
        assert_eq!(woke, vec![0, 63, 126, 189], "about every {AUDIO_HOLD:?}");
    }
}
