//! Audio sources: PCM pushed by a caller (any common rate, mono or stereo,
//! resampled), a tone, a WAV file. All deliver 16-bit stereo at
//! [`SAMPLE_RATE`], interleaved, which is what the AAC encoder takes.

use crate::error::LiveError;
use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The pipeline's audio rate (44.1 kHz, the rate every FLV player knows).
pub const SAMPLE_RATE: u32 = 44_100;
/// The pipeline's channel count.
pub const CHANNELS: usize = 2;

/// Where sound comes from.
pub trait AudioSource: Send {
    /// Appends up to `frames` stereo frames to `out` and returns how many.
    /// Synthetic and file sources always deliver all; live ones what they have.
    fn pull(&mut self, frames: usize, out: &mut Vec<i16>) -> Result<usize, LiveError>;
    /// True when the audio arrives in real time by itself (pushed PCM).
    fn is_live(&self) -> bool;
}

/// A sine tone with a short higher beep at the start of every second (handy to
/// check lip sync against the test pattern's clock).
#[derive(Debug)]
pub struct Tone {
    hz: f64,
    n: u64,
}

impl Tone {
    /// A tone at `hz`.
    pub fn new(hz: f64) -> Tone {
        Tone { hz, n: 0 }
    }
}

impl AudioSource for Tone {
    fn pull(&mut self, frames: usize, out: &mut Vec<i16>) -> Result<usize, LiveError> {
        for _ in 0..frames {
            let t = self.n as f64 / SAMPLE_RATE as f64;
            let beep = self.n % u64::from(SAMPLE_RATE) < u64::from(SAMPLE_RATE / 10);
            let hz = if beep { self.hz * 2.0 } else { self.hz };
            let s = ((t * hz * std::f64::consts::TAU).sin() * 8000.0) as i16;
            out.extend([s, s]);
            self.n += 1;
        }
        Ok(frames)
    }

    fn is_live(&self) -> bool {
        false
    }
}

/// Streaming linear-interpolation resampler to [`SAMPLE_RATE`] stereo.
#[derive(Debug)]
pub struct Resampler {
    in_rate: u32,
    channels: usize,
    pending: Vec<[f32; 2]>,
    pos: f64,
}

impl Resampler {
    /// Converts from `in_rate` Hz with `channels` (1 or 2) channels.
    pub fn new(in_rate: u32, channels: usize) -> Result<Resampler, LiveError> {
        if !(8_000..=192_000).contains(&in_rate) || !(1..=2).contains(&channels) {
            return Err(LiveError::BadInput(format!(
                "audio must be 8 to 192 kHz, mono or stereo; got {in_rate} Hz with {channels} channels"
            )));
        }
        Ok(Resampler {
            in_rate,
            channels,
            pending: Vec::new(),
            pos: 0.0,
        })
    }

    /// Feeds interleaved samples; appends the converted stereo samples to `out`.
    pub fn process(&mut self, input: &[i16], out: &mut Vec<i16>) {
        for frame in input.chunks_exact(self.channels) {
            let l = frame[0] as f32;
            let r = if self.channels == 2 {
                frame[1] as f32
            } else {
                l
            };
            self.pending.push([l, r]);
        }
        if self.in_rate == SAMPLE_RATE {
            for [l, r] in self.pending.drain(..) {
                out.extend([l as i16, r as i16]);
            }
            return;
        }
        let step = self.in_rate as f64 / SAMPLE_RATE as f64;
        while self.pos + 1.0 < self.pending.len() as f64 {
            let i = self.pos as usize;
            let frac = (self.pos - i as f64) as f32;
            let (a, b) = (self.pending[i], self.pending[i + 1]);
            for c in 0..2 {
                out.push(
                    (a[c] + (b[c] - a[c]) * frac)
                        .round()
                        .clamp(-32768.0, 32767.0) as i16,
                );
            }
            self.pos += step;
        }
        let used = (self.pos as usize).min(self.pending.len());
        self.pending.drain(..used);
        self.pos -= used as f64;
    }
}

/// A WAV file (16-bit PCM, mono or stereo, any common rate), read whole and
/// converted up front; silence after its end.
#[derive(Debug)]
pub struct WavSource {
    samples: Vec<i16>,
    at: usize,
}

/// Largest WAV file accepted (about 20 minutes of CD audio).
const MAX_WAV: u64 = 256 << 20;

impl WavSource {
    /// Opens and converts a file.
    pub fn open(path: &Path) -> Result<WavSource, LiveError> {
        let meta = std::fs::metadata(path)
            .map_err(|e| LiveError::io(format!("cannot open {}", path.display()), e))?;
        if meta.len() > MAX_WAV {
            return Err(LiveError::BadInput(format!(
                "{} is too large for a WAV soundtrack",
                path.display()
            )));
        }
        let bytes = std::fs::read(path)
            .map_err(|e| LiveError::io(format!("cannot read {}", path.display()), e))?;
        Self::parse(&bytes).map_err(|why| {
            LiveError::BadInput(format!(
                "{} is not a usable WAV file: {why}",
                path.display()
            ))
        })
    }

    /// Parses WAV bytes.
    pub fn parse(bytes: &[u8]) -> Result<WavSource, String> {
        if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
            return Err("it does not start with RIFF/WAVE".into());
        }
        let mut at = 12;
        let mut fmt: Option<(u16, u16, u32, u16)> = None;
        while at + 8 <= bytes.len() {
            let id = &bytes[at..at + 4];
            let len =
                u32::from_le_bytes([bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]])
                    as usize;
            let body = &bytes[at + 8..(at + 8).saturating_add(len).min(bytes.len())];
            if id == b"fmt " && body.len() >= 16 {
                let u16le = |i: usize| u16::from_le_bytes([body[i], body[i + 1]]);
                let rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
                fmt = Some((u16le(0), u16le(2), rate, u16le(14)));
            } else if id == b"data" {
                let (format, channels, rate, bits) =
                    fmt.ok_or("the data comes before the format")?;
                if (format != 1 && format != 0xFFFE) || bits != 16 {
                    return Err("only 16-bit PCM is supported".into());
                }
                let mut rs = Resampler::new(rate, channels as usize).map_err(|e| e.to_string())?;
                let pcm: Vec<i16> = body
                    .chunks_exact(2)
                    .map(|c| i16::from_le_bytes([c[0], c[1]]))
                    .collect();
                let mut samples = Vec::with_capacity(pcm.len() * 2);
                rs.process(&pcm, &mut samples);
                return Ok(WavSource { samples, at: 0 });
            }
            at = at.saturating_add(8).saturating_add(len + (len & 1));
        }
        Err("no audio data".into())
    }
}

impl AudioSource for WavSource {
    fn pull(&mut self, frames: usize, out: &mut Vec<i16>) -> Result<usize, LiveError> {
        let want = frames * CHANNELS;
        let have = (self.samples.len() - self.at).min(want);
        out.extend_from_slice(&self.samples[self.at..self.at + have]);
        self.at += have;
        out.resize(out.len() + want - have, 0);
        Ok(frames)
    }

    fn is_live(&self) -> bool {
        false
    }
}

struct Shared {
    buf: VecDeque<i16>,
    resampler: Option<Resampler>,
    closed: bool,
}

/// The caller's end of a pushed-PCM source (the microphone on a phone).
#[derive(Clone)]
pub struct AudioPusher {
    shared: Arc<Mutex<Shared>>,
}

impl std::fmt::Debug for AudioPusher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AudioPusher")
    }
}

/// At most this much pushed audio is buffered (2 s); older samples are dropped.
const MAX_BUFFERED: usize = SAMPLE_RATE as usize * CHANNELS * 2;

impl AudioPusher {
    /// Hands over interleaved 16-bit samples at `sample_rate` with `channels` (1 or 2).
    pub fn push(
        &self,
        samples: &[i16],
        sample_rate: u32,
        channels: usize,
    ) -> Result<(), LiveError> {
        let mut s = self.shared.lock().map_err(|_| LiveError::Stopped)?;
        if s.closed {
            return Err(LiveError::Stopped);
        }
        let fresh = match &s.resampler {
            Some(r) => r.in_rate != sample_rate || r.channels != channels,
            None => true,
        };
        if fresh {
            s.resampler = Some(Resampler::new(sample_rate, channels)?);
        }
        let mut out = Vec::with_capacity(samples.len() * 2);
        if let Some(r) = s.resampler.as_mut() {
            r.process(samples, &mut out);
        }
        s.buf.extend(out);
        let excess = s.buf.len().saturating_sub(MAX_BUFFERED);
        s.buf.drain(..excess - excess % CHANNELS);
        Ok(())
    }
}

/// The pipeline's end of pushed PCM.
pub struct PushedAudio {
    shared: Arc<Mutex<Shared>>,
}

impl std::fmt::Debug for PushedAudio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PushedAudio")
    }
}

impl Drop for PushedAudio {
    fn drop(&mut self) {
        if let Ok(mut s) = self.shared.lock() {
            s.closed = true;
        }
    }
}

/// A source fed by a caller, and the caller's handle to feed it.
pub fn pushed_audio() -> (PushedAudio, AudioPusher) {
    let shared = Arc::new(Mutex::new(Shared {
        buf: VecDeque::new(),
        resampler: None,
        closed: false,
    }));
    (
        PushedAudio {
            shared: shared.clone(),
        },
        AudioPusher { shared },
    )
}

impl AudioSource for PushedAudio {
    fn pull(&mut self, frames: usize, out: &mut Vec<i16>) -> Result<usize, LiveError> {
        let mut s = self.shared.lock().map_err(|_| LiveError::Stopped)?;
        let n = (s.buf.len() / CHANNELS).min(frames);
        out.extend(s.buf.drain(..n * CHANNELS));
        Ok(n)
    }

    fn is_live(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resampling_keeps_duration_and_shape() {
        let mut r = Resampler::new(48_000, 1).unwrap();
        let mut out = Vec::new();
        let tone: Vec<i16> = (0..48_000)
            .map(|i| ((i as f64 / 48.0).sin() * 1000.0) as i16)
            .collect();
        for chunk in tone.chunks(480) {
            r.process(chunk, &mut out);
        }
        let frames = out.len() / 2;
        assert!((44_090..=44_100).contains(&frames), "{frames}");
        assert!(out.chunks(2).all(|c| c[0] == c[1]));
        assert!(Resampler::new(1, 1).is_err());
    }

    #[test]
    fn wav_parse_mono_16k() {
        let pcm: Vec<u8> = (0..16_000i16)
            .flat_map(|i| (i % 100).to_le_bytes())
            .collect();
        let mut wav = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0".to_vec();
        wav.extend(16_000u32.to_le_bytes());
        wav.extend(32_000u32.to_le_bytes());
        wav.extend([2, 0, 16, 0]);
        wav.extend(b"data");
        wav.extend((pcm.len() as u32).to_le_bytes());
        wav.extend(&pcm);
        let mut w = WavSource::parse(&wav).unwrap();
        let mut out = vec![];
        assert_eq!(w.pull(50_000, &mut out).unwrap(), 50_000);
        assert_eq!(out.len(), 100_000);
        assert!(WavSource::parse(b"RIFF").is_err());
        assert!(WavSource::parse(&wav[..40]).is_err());
    }

    #[test]
    fn pushed_audio_is_bounded() {
        let (mut src, pusher) = pushed_audio();
        pusher.push(&vec![1i16; 44_100 * 2 * 3], 44_100, 2).unwrap();
        let mut out = vec![];
        assert_eq!(src.pull(1_000_000, &mut out).unwrap(), 88_200);
        drop(src);
        assert!(pusher.push(&[0; 2], 44_100, 2).is_err());
    }
}
