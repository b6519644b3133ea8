//! The capture thread: sources → encoders → FLV muxer → recording and send queue.
//! Non-live sources (pattern, files) are paced to their timestamps here.

use crate::audio::{AudioSource, SAMPLE_RATE};
use crate::driver::Shared;
use crate::encode::{AudioEncoder, VideoEncoder};
use crate::error::LiveError;
use crate::fit::Fit;
use crate::flv::{FlvMuxer, FlvTag, encode_tag, file_header};
use crate::video::{Next, VideoSource};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

pub(crate) struct Capture {
    pub(crate) shared: Arc<Shared>,
    pub(crate) video: Box<dyn VideoSource>,
    pub(crate) audio: Option<Box<dyn AudioSource>>,
    pub(crate) venc: Box<dyn VideoEncoder>,
    pub(crate) aenc: Option<Box<dyn AudioEncoder>>,
    pub(crate) muxer: FlvMuxer,
    pub(crate) file: Option<std::io::BufWriter<std::fs::File>>,
    pub(crate) to_queue: bool,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) fit: Fit,
    pub(crate) duration_ms: Option<u64>,
}

impl Capture {
    pub(crate) fn run(mut self) -> Result<(), LiveError> {
        let r = self.run_inner();
        let flushed = match self.file.as_mut() {
            Some(f) => f
                .flush()
                .map_err(|e| LiveError::io("cannot write the recording", e)),
            None => Ok(()),
        };
        self.shared.producer_done.store(true, Ordering::Relaxed);
        self.shared.notify.notify_waiters();
        r.and(flushed)
    }

    fn emit(&mut self, tag: FlvTag) -> Result<(), LiveError> {
        self.shared
            .encoded_bytes
            .fetch_add(tag.body.len() as u64, Ordering::Relaxed);
        // The driver sends the known headers on every (re)connect; only a header
        // that replaces an earlier one (new parameter sets) also goes in the queue,
        // in order with the frames.
        let mut replaces = false;
        if tag.header
            && let Ok(mut h) = self.shared.headers.lock()
        {
            replaces = h.iter().any(|t| t.kind == tag.kind);
            h.retain(|t| t.kind != tag.kind);
            h.push(tag.clone());
        }
        if let Some(f) = self.file.as_mut() {
            let bytes = encode_tag(&tag);
            f.write_all(&bytes)
                .map_err(|e| LiveError::io("cannot write the recording", e))?;
            self.shared
                .recorded_bytes
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        }
        if self.to_queue && (!tag.header || replaces) {
            let now = self.shared.now_ms();
            if let Ok(mut q) = self.shared.queue.lock() {
                q.push(tag, now);
            }
            self.shared.notify.notify_one();
        }
        Ok(())
    }

    fn run_inner(&mut self) -> Result<(), LiveError> {
        let has_audio = self.aenc.is_some();
        if let Some(f) = self.file.as_mut() {
            f.write_all(&file_header(has_audio, true))
                .and_then(|_| f.write_all(&encode_tag(&self.muxer.metadata_tag())))
                .map_err(|e| LiveError::io("cannot write the recording", e))?;
        }
        if let Some(asc) = self.aenc.as_ref().map(|a| a.audio_specific_config()) {
            let tag = self.muxer.set_audio_config(&asc);
            self.emit(tag)?;
        }
        let live = self.video.is_live();
        let start = Instant::now();
        let mut first_us: Option<u64> = None;
        let mut bitrate = self.shared.target_bps.load(Ordering::Relaxed);
        let mut pcm: Vec<i16> = Vec::new();
        let mut audio_in = 0u64; // frames (sample pairs) pulled
        let mut audio_out = 0u64; // AAC frames emitted
        loop {
            if self.shared.stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            let frame = match self.video.next_frame()? {
                Next::Frame(f) => f,
                Next::Pending => continue,
                Next::End => return Ok(()),
            };
            self.shared.frames_in.fetch_add(1, Ordering::Relaxed);
            let first = *first_us.get_or_insert(frame.timestamp_us);
            let ms = frame.timestamp_us.saturating_sub(first) / 1000;
            if self.duration_ms.is_some_and(|d| ms >= d) {
                return Ok(());
            }
            if !live && let Some(wait) = Duration::from_millis(ms).checked_sub(start.elapsed()) {
                std::thread::sleep(wait);
            }
            let want = self.shared.target_bps.load(Ordering::Relaxed);
            if want != bitrate {
                self.venc.set_bitrate(want)?;
                bitrate = want;
            }
            if self.shared.keyframe_wanted.swap(false, Ordering::Relaxed) {
                self.venc.request_keyframe();
            }
            if let (Some(src), Some(enc)) = (self.audio.as_mut(), self.aenc.as_mut()) {
                let n = enc.frame_samples();
                let upto = if src.is_live() {
                    usize::MAX / 4
                } else {
                    // keep the audio one AAC frame ahead of the picture
                    ((ms + 1) * SAMPLE_RATE as u64 / 1000 + n as u64).saturating_sub(audio_in)
                        as usize
                };
                audio_in += src.pull(upto.min(SAMPLE_RATE as usize), &mut pcm)? as u64;
                let mut tags = Vec::new();
                while pcm.len() >= n * 2 {
                    let chunk: Vec<i16> = pcm.drain(..n * 2).collect();
                    if let Some(au) = enc.encode(&chunk)? {
                        let ts = audio_out * n as u64 * 1000 / SAMPLE_RATE as u64;
                        audio_out += 1;
                        tags.push(self.muxer.audio(ts, &au));
                    }
                }
                for t in tags {
                    self.emit(t)?;
                }
            }
            // The picture keeps its aspect when the phone turns (see `fit`).
            let picture = frame.frame.fit(self.width, self.height, self.fit)?;
            if let Some(encoded) = self.venc.encode(&picture)? {
                self.shared.frames_encoded.fetch_add(1, Ordering::Relaxed);
                for t in self.muxer.video(ms, &encoded) {
                    self.emit(t)?;
                }
            }
        }
    }
}
