//! Many viewers of one live stream in one process, for the viewers
//! benchmark: HTTP-FLV viewers of a hub ([`Swarm::flv`], optionally
//! throttled) and RTMP players of nginx-rtmp ([`Swarm::rtmp`]). Each one
//! logs the timestamps of the video pictures it got while recording is on;
//! [`delivery`] turns the logs into per-viewer delivery figures. Loopback
//! only; the tasks end when the swarm is stopped or dropped with its
//! runtime.

use crate::flv_scan::{HttpFlvScanner, TagSeen};
use crate::rtmp_play::{PlayerEvent, RtmpPlayer};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinHandle;

/// A jump between consecutive video pictures longer than this is counted
/// as a skip (the relay dropped the viewer's queue).
const SKIP_GAP_MS: u32 = 1_000;

/// What one viewer saw.
#[derive(Debug, Default)]
pub struct ViewerLog {
    /// Logging pictures' timestamps into `frames`.
    pub recording: bool,
    /// Timestamps of the video pictures got while recording.
    pub frames: Vec<u32>,
    /// When it connected.
    pub connected: Option<Instant>,
    /// When its first video picture came.
    pub first_frame: Option<Instant>,
    /// Video pictures got in all.
    pub pictures: u64,
    /// Bytes read in all.
    pub bytes: u64,
    /// Jumps of more than a second between consecutive pictures.
    pub skips: u64,
    /// Why its stream ended, if it did.
    pub end: Option<String>,
    last_ts: Option<u32>,
}

impl ViewerLog {
    fn picture(&mut self, ts: u32, now: Instant) {
        self.pictures += 1;
        self.first_frame.get_or_insert(now);
        if let Some(last) = self.last_ts {
            if ts.saturating_sub(last) > SKIP_GAP_MS {
                self.skips += 1;
            }
        }
        self.last_ts = Some(ts);
        if self.recording {
            self.frames.push(ts);
        }
    }
}

type Log = Arc<Mutex<ViewerLog>>;

fn lock(log: &Log) -> std::sync::MutexGuard<'_, ViewerLog> {
    log.lock().unwrap_or_else(|p| p.into_inner())
}

/// Viewers running on a runtime.
pub struct Swarm {
    /// One log per viewer.
    pub logs: Vec<Log>,
    tasks: Vec<JoinHandle<()>>,
}

/// Connections opened per step of a swarm's ramp, and the pause between
/// steps, so a thousand connects do not overflow the listen backlog.
const RAMP_STEP: usize = 50;
const RAMP_PAUSE: Duration = Duration::from_millis(50);

impl Swarm {
    /// `n` HTTP-FLV viewers of `http://addr{path}`, reading as fast as the
    /// stream comes, or at `throttle` bytes a second with a 64 KiB receive
    /// buffer (a viewer on a slow link).
    pub fn flv(
        rt: &tokio::runtime::Runtime,
        addr: SocketAddr,
        path: &str,
        n: usize,
        throttle: Option<u32>,
    ) -> Swarm {
        assert!(addr.ip().is_loopback(), "viewers watch loopback only");
        Swarm::spawn(rt, n, |log, delay| {
            let path = path.to_owned();
            async move {
                tokio::time::sleep(delay).await;
                let end = match flv_viewer(addr, &path, throttle, &log).await {
                    Ok(()) => "the hub ended the stream".to_owned(),
                    Err(e) => e,
                };
                lock(&log).end = Some(end);
            }
        })
    }

    /// `n` RTMP players of `rtmp://addr/app/key`.
    pub fn rtmp(
        rt: &tokio::runtime::Runtime,
        addr: SocketAddr,
        app: &str,
        key: &str,
        n: usize,
    ) -> Swarm {
        assert!(addr.ip().is_loopback(), "players play loopback only");
        Swarm::spawn(rt, n, |log, delay| {
            let (app, key) = (app.to_owned(), key.to_owned());
            async move {
                tokio::time::sleep(delay).await;
                let end = match rtmp_player(addr, &app, &key, &log).await {
                    Ok(()) => "the server closed the connection".to_owned(),
                    Err(e) => e,
                };
                lock(&log).end = Some(end);
            }
        })
    }

    fn spawn<F, Fut>(rt: &tokio::runtime::Runtime, n: usize, viewer: F) -> Swarm
    where
        F: Fn(Log, Duration) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let mut logs = Vec::with_capacity(n);
        let mut tasks = Vec::with_capacity(n);
        for i in 0..n {
            let log: Log = Arc::default();
            let delay = RAMP_PAUSE * u32::try_from(i / RAMP_STEP).unwrap_or(u32::MAX);
            tasks.push(rt.spawn(viewer(log.clone(), delay)));
            logs.push(log);
        }
        Swarm { logs, tasks }
    }

    /// Viewers that got a picture and whose stream has not ended.
    pub fn playing(&self) -> usize {
        self.logs
            .iter()
            .filter(|l| {
                let l = lock(l);
                l.first_frame.is_some() && l.end.is_none()
            })
            .count()
    }

    /// Waits until every viewer got a picture (or its stream ended), up to
    /// `within`; how many are playing then.
    pub fn wait_playing(&self, within: Duration) -> usize {
        let until = Instant::now() + within;
        loop {
            let waiting = self
                .logs
                .iter()
                .filter(|l| {
                    let l = lock(l);
                    l.first_frame.is_none() && l.end.is_none()
                })
                .count();
            if waiting == 0 || Instant::now() > until {
                return self.playing();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Every viewer starts logging its pictures' timestamps (afresh).
    pub fn start_recording(&self) {
        for l in &self.logs {
            let mut l = lock(l);
            l.frames.clear();
            l.recording = true;
        }
    }

    /// Every viewer stops logging; what each logged.
    pub fn stop_recording(&self) -> Vec<Vec<u32>> {
        self.logs
            .iter()
            .map(|l| {
                let mut l = lock(l);
                l.recording = false;
                std::mem::take(&mut l.frames)
            })
            .collect()
    }

    /// Bytes read by every viewer so far.
    pub fn bytes(&self) -> u64 {
        self.logs.iter().map(|l| lock(l).bytes).sum()
    }

    /// Seconds from connecting to the first picture, of the viewers that got one.
    pub fn first_picture_secs(&self) -> Vec<f64> {
        self.logs
            .iter()
            .filter_map(|l| {
                let l = lock(l);
                Some(l.first_frame?.duration_since(l.connected?).as_secs_f64())
            })
            .collect()
    }

    /// Why streams ended, with how many ended so.
    pub fn ends(&self) -> std::collections::BTreeMap<String, usize> {
        let mut out = std::collections::BTreeMap::new();
        for l in &self.logs {
            if let Some(e) = &lock(l).end {
                *out.entry(e.clone()).or_default() += 1;
            }
        }
        out
    }

    /// Stops every viewer (their connections close).
    pub fn stop(self, rt: &tokio::runtime::Runtime) {
        for t in &self.tasks {
            t.abort();
        }
        for t in self.tasks {
            let _ = rt.block_on(t);
        }
    }
}

async fn flv_viewer(
    addr: SocketAddr,
    path: &str,
    throttle: Option<u32>,
    log: &Log,
) -> Result<(), String> {
    let socket = TcpSocket::new_v4().map_err(|e| format!("socket: {e}"))?;
    if throttle.is_some() {
        // A small window, so the hub's writes back up as on a slow link
        // instead of vanishing into loopback's megabytes of buffer.
        socket
            .set_recv_buffer_size(64 << 10)
            .map_err(|e| format!("SO_RCVBUF: {e}"))?;
    }
    let mut stream = socket
        .connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let started = Instant::now();
    lock(log).connected = Some(started);
    let request =
        format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\nuser-agent: farmlive-bench\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("write: {e}"))?;
    let mut scanner = HttpFlvScanner::default();
    let mut buf = vec![
        0u8;
        if throttle.is_some() {
            4 << 10
        } else {
            64 << 10
        }
    ];
    let mut total = 0u64;
    let mut seen: Vec<u32> = Vec::new();
    loop {
        let n = stream
            .read(&mut buf)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return if scanner.ended() {
                Ok(())
            } else {
                Err("the hub closed the connection mid-stream".into())
            };
        }
        total += n as u64;
        seen.clear();
        scanner
            .feed(&buf[..n], &mut |t: TagSeen| {
                if t.video_frame {
                    seen.push(t.timestamp_ms);
                }
            })
            .map_err(|e| format!("bad stream: {e:?}"))?;
        {
            let now = Instant::now();
            let mut l = lock(log);
            l.bytes = total;
            for ts in &seen {
                l.picture(*ts, now);
            }
        }
        if scanner.ended() {
            return Ok(());
        }
        if let Some(rate) = throttle {
            let due = started + Duration::from_secs_f64(total as f64 / f64::from(rate.max(1)));
            tokio::time::sleep_until(due.into()).await;
        }
    }
}

async fn rtmp_player(addr: SocketAddr, app: &str, key: &str, log: &Log) -> Result<(), String> {
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let _ = stream.set_nodelay(true);
    lock(log).connected = Some(Instant::now());
    let tc_url = format!("rtmp://{addr}/{app}");
    let mut player = RtmpPlayer::new(&tc_url, app, key).map_err(|e| e.0)?;
    let mut buf = vec![0u8; 64 << 10];
    let mut total = 0u64;
    let mut seen: Vec<u32> = Vec::new();
    loop {
        let out = player.take_output();
        if !out.is_empty() {
            stream
                .write_all(&out)
                .await
                .map_err(|e| format!("write: {e}"))?;
        }
        let n = stream
            .read(&mut buf)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Ok(());
        }
        total += n as u64;
        seen.clear();
        for event in player.handle_input(&buf[..n]).map_err(|e| e.0)? {
            if let PlayerEvent::Video {
                timestamp_ms,
                frame: true,
                ..
            } = event
            {
                seen.push(timestamp_ms);
            }
        }
        let now = Instant::now();
        let mut l = lock(log);
        l.bytes = total;
        for ts in &seen {
            l.picture(*ts, now);
        }
    }
}

/// Per-viewer delivery over the stretch of stream every viewer was
/// recording through.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Pictures in the stretch: every distinct timestamp any viewer got in
    /// it (what the publisher sent, unless every viewer missed a picture).
    pub reference: usize,
    /// The stretch, in stream time (ms).
    pub span_ms: u32,
    /// Each viewer's share of `reference`, in percent (0 for a viewer that
    /// got nothing), sorted ascending.
    pub percent: Vec<f64>,
}

impl Delivery {
    /// The `p`th percentile (0.0–1.0) of the viewers' delivery.
    pub fn percentile(&self, p: f64) -> f64 {
        if self.percent.is_empty() {
            return 0.0;
        }
        let i = ((self.percent.len() - 1) as f64 * p).round() as usize;
        self.percent[i.min(self.percent.len() - 1)]
    }

    /// Pictures per second of stream time in the stretch.
    pub fn fps(&self) -> f64 {
        if self.span_ms == 0 {
            return 0.0;
        }
        (self.reference.saturating_sub(1)) as f64 * 1000.0 / f64::from(self.span_ms)
    }
}

/// Delivery from each viewer's logged timestamps. The stretch runs from
/// the latest first timestamp to the earliest last one of the viewers that
/// logged anything, so every one of them was recording through all of it
/// (they stop and start within microseconds, but lag the live edge by
/// different amounts).
pub fn delivery(logs: &[Vec<u32>]) -> Delivery {
    let live: Vec<&Vec<u32>> = logs.iter().filter(|l| !l.is_empty()).collect();
    let from = live.iter().filter_map(|l| l.iter().min()).max().copied();
    let to = live.iter().filter_map(|l| l.iter().max()).min().copied();
    let (Some(from), Some(to)) = (from, to) else {
        return Delivery {
            reference: 0,
            span_ms: 0,
            percent: vec![0.0; logs.len()],
        };
    };
    let within = |l: &Vec<u32>| {
        let mut v: Vec<u32> = l
            .iter()
            .copied()
            .filter(|t| (from..=to).contains(t))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut union: Vec<u32> = live.iter().flat_map(|l| within(l)).collect();
    union.sort_unstable();
    union.dedup();
    let reference = union.len();
    let mut percent: Vec<f64> = logs
        .iter()
        .map(|l| {
            if reference == 0 {
                0.0
            } else {
                within(l).len() as f64 * 100.0 / reference as f64
            }
        })
        .collect();
    percent.sort_by(f64::total_cmp);
    Delivery {
        reference,
        span_ms: to.saturating_sub(from),
        percent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(from: u32, to: u32, missing: &[u32]) -> Vec<u32> {
        (from..=to)
            .map(|i| i * 33)
            .filter(|t| !missing.contains(t))
            .collect()
    }

    #[test]
    fn delivery_counts_over_the_stretch_every_viewer_recorded() {
        // Viewers lag differently: the stretch is frames 5..=95.
        let logs = vec![
            frames(0, 100, &[]),
            frames(5, 95, &[]),
            frames(3, 99, &[33 * 10, 33 * 11]),
            Vec::new(),
        ];
        let d = delivery(&logs);
        assert_eq!(d.reference, 91);
        assert_eq!(d.span_ms, 90 * 33);
        assert_eq!(d.percent[0], 0.0, "the viewer that got nothing");
        assert!((d.percent[1] - 89.0 * 100.0 / 91.0).abs() < 1e-9);
        assert_eq!(d.percent[2..], [100.0, 100.0]);
        assert!((d.fps() - 1000.0 / 33.0).abs() < 0.01);
        assert_eq!(d.percentile(0.5), 100.0);
        assert_eq!(d.percentile(0.0), 0.0);
    }

    #[test]
    fn no_logs_no_delivery() {
        let d = delivery(&[Vec::new(), Vec::new()]);
        assert_eq!(d.reference, 0);
        assert_eq!(d.percent, vec![0.0, 0.0]);
    }

    #[test]
    fn a_jump_of_more_than_a_second_is_a_skip() {
        let mut log = ViewerLog::default();
        let now = Instant::now();
        for ts in [0, 33, 66, 2_000, 2_033] {
            log.picture(ts, now);
        }
        assert_eq!((log.pictures, log.skips), (5, 1));
        assert!(log.frames.is_empty(), "not recording");
    }
}
