//! The network thread: one small tokio runtime running the RTMP driver, the
//! adaptive-bitrate controller and the stats every second.

use crate::abr::{AbrController, AbrSample};
use crate::driver::{DriverOptions, Shared};
use crate::error::LiveError;
use crate::stats::LiveStats;
use crate::url::IngestUrl;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

pub(crate) struct Network {
    pub(crate) shared: Arc<Shared>,
    pub(crate) ingest: Option<IngestUrl>,
    pub(crate) opts: DriverOptions,
    pub(crate) abr: AbrController,
    pub(crate) cap: Arc<AtomicU32>,
    pub(crate) audio_bps: u32,
    pub(crate) has_ingest: bool,
    pub(crate) subscribers: Arc<Mutex<Vec<mpsc::Sender<LiveStats>>>>,
    pub(crate) latest: Arc<Mutex<LiveStats>>,
    pub(crate) done: Arc<AtomicBool>,
}

impl Network {
    pub(crate) fn run(mut self) {
        let rt = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                self.shared
                    .set_error(&LiveError::io("cannot start the network runtime", e));
                self.done.store(true, Ordering::Relaxed);
                return;
            }
        };
        let publish_done = Arc::new(AtomicBool::new(self.ingest.is_none()));
        rt.block_on(async {
            if let Some(url) = self.ingest.take() {
                let (shared, opts, flag) =
                    (self.shared.clone(), self.opts.clone(), publish_done.clone());
                tokio::spawn(async move {
                    crate::driver::publish(url, shared, opts).await;
                    flag.store(true, Ordering::Relaxed);
                });
            }
            self.tick_until(&publish_done).await;
        });
        self.done.store(true, Ordering::Relaxed);
    }

    async fn tick_until(&mut self, publish_done: &AtomicBool) {
        let s = self.shared.clone();
        // at the last stats: time, frames in, frames out, encoded bytes, sent bytes
        let mut last = (s.now_ms(), 0u64, 0u64, 0u64, 0u64);
        let mut sent_at_last_sample = 0u64;
        let mut last_dropped = 0;
        let mut tick = 0u64;
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            tick += 1;
            let finished =
                s.producer_done.load(Ordering::Relaxed) && publish_done.load(Ordering::Relaxed);
            let now = s.now_ms();
            let (delay, qbytes, dropped) = {
                let mut q = s.queue.lock().unwrap_or_else(|p| p.into_inner());
                q.expire(now);
                (q.delay_ms(now), q.bytes() as u64, q.dropped())
            };
            let sent = s.bytes_sent.load(Ordering::Relaxed);
            let cap = self.cap.load(Ordering::Relaxed);
            if cap != self.abr.cap_bps()
                && let Some(t) = self.abr.set_cap(cap)
            {
                s.target_bps.store(t, Ordering::Relaxed);
            }
            if s.connected.load(Ordering::Relaxed) || dropped.video > last_dropped {
                let sample = AbrSample {
                    now_ms: now,
                    queue_delay_ms: delay,
                    sent_bytes: sent.saturating_sub(sent_at_last_sample),
                    interval_ms: 500,
                    dropped: dropped.video - last_dropped,
                    audio_bps: self.audio_bps,
                };
                if let Some(t) = self.abr.on_sample(sample) {
                    tracing::debug!("video bitrate now {t} bit/s");
                    s.target_bps.store(t, Ordering::Relaxed);
                }
            }
            last_dropped = dropped.video;
            sent_at_last_sample = sent;
            if tick % 2 == 0 || finished {
                let dt = (now - last.0).max(1) as f64 / 1000.0;
                let frames_in = s.frames_in.load(Ordering::Relaxed);
                let frames_sent = s.frames_sent.load(Ordering::Relaxed);
                let frames_encoded = s.frames_encoded.load(Ordering::Relaxed);
                let encoded = s.encoded_bytes.load(Ordering::Relaxed);
                let out_frames = if self.has_ingest {
                    frames_sent
                } else {
                    frames_encoded
                };
                let rtt = s.rtt_ms.load(Ordering::Relaxed);
                let stats = LiveStats {
                    elapsed_ms: now,
                    fps_in: (frames_in - last.1) as f64 / dt,
                    fps_out: (out_frames - last.2) as f64 / dt,
                    encoded_bps: ((encoded - last.3) as f64 * 8.0 / dt) as u64,
                    sent_bps: ((sent - last.4) as f64 * 8.0 / dt) as u64,
                    target_bps: s.target_bps.load(Ordering::Relaxed),
                    queue_delay_ms: delay,
                    queue_bytes: qbytes,
                    dropped_video: dropped.video,
                    dropped_audio: dropped.audio,
                    reconnects: s.reconnects.load(Ordering::Relaxed),
                    rtt_ms: (rtt != u32::MAX).then_some(rtt),
                    connected: s.connected.load(Ordering::Relaxed),
                    frames_encoded,
                    frames_sent,
                    recorded_bytes: s.recorded_bytes.load(Ordering::Relaxed),
                    last_error: s.last_error.lock().ok().and_then(|e| e.clone()),
                };
                last = (now, frames_in, out_frames, encoded, sent);
                if let Ok(mut l) = self.latest.lock() {
                    *l = stats.clone();
                }
                if let Ok(mut subs) = self.subscribers.lock() {
                    subs.retain(|tx| tx.send(stats.clone()).is_ok());
                }
            }
            if finished {
                if let Ok(mut subs) = self.subscribers.lock() {
                    subs.clear();
                }
                return;
            }
        }
    }
}
