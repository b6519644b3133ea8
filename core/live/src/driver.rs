//! The thin async driver: owns the socket (TCP or TLS), moves bytes between it
//! and the sans-I/O [`RtmpPublisher`], and reconnects with backoff. All the
//! protocol decisions live in `rtmp.rs`, `queue.rs` and `abr.rs`.

use crate::error::LiveError;
use crate::flv::{FlvTag, StreamInfo, TagKind};
use crate::queue::SendQueue;
use crate::rtmp::{PublisherEvent, RtmpPublisher};
use crate::url::IngestUrl;
use bytes::Bytes;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// State shared by the capture thread, the driver and the session handle.
pub(crate) struct Shared {
    pub start: Instant,
    pub stop: AtomicBool,
    pub producer_done: AtomicBool,
    pub queue: Mutex<SendQueue>,
    pub notify: Notify,
    /// Metadata and sequence headers, for (re)connects.
    pub headers: Mutex<Vec<FlvTag>>,
    pub info: Mutex<Option<StreamInfo>>,
    pub target_bps: AtomicU32,
    pub keyframe_wanted: AtomicBool,
    pub frames_in: AtomicU64,
    pub frames_encoded: AtomicU64,
    pub encoded_bytes: AtomicU64,
    pub frames_sent: AtomicU64,
    pub bytes_sent: AtomicU64,
    pub reconnects: AtomicU64,
    pub connected: AtomicBool,
    pub rtt_ms: AtomicU32,
    pub last_error: Mutex<Option<String>>,
    pub recorded_bytes: AtomicU64,
}

impl Shared {
    pub fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    pub fn set_error(&self, e: &LiveError) {
        if let Ok(mut slot) = self.last_error.lock() {
            *slot = Some(e.to_string());
        }
    }

    fn lock_queue(&self) -> std::sync::MutexGuard<'_, SendQueue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Connection settings.
#[derive(Clone)]
pub(crate) struct DriverOptions {
    pub connect_timeout: Duration,
    pub publish_timeout: Duration,
    pub write_stall_timeout: Duration,
    pub flush_timeout: Duration,
    pub extra_root_der: Option<Vec<u8>>,
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

struct Conn {
    io: Box<dyn Io>,
    /// A duplicate handle on the TCP socket for TCP_QUICKACK (it does not stick on Linux).
    #[cfg(target_os = "linux")]
    sock: Option<socket2::Socket>,
    publisher: RtmpPublisher,
}

impl Conn {
    fn quickack(&self) {
        #[cfg(target_os = "linux")]
        if let Some(s) = &self.sock {
            let _ = s.set_tcp_quickack(true);
        }
    }

    async fn flush(&mut self, stall: Duration) -> Result<usize, LiveError> {
        write_out(&mut self.publisher, &mut self.io, stall).await
    }
}

async fn write_out<W: AsyncWrite + Unpin + ?Sized>(
    publisher: &mut RtmpPublisher,
    io: &mut W,
    stall: Duration,
) -> Result<usize, LiveError> {
    let out = publisher.take_output();
    if out.is_empty() {
        return Ok(0);
    }
    match tokio::time::timeout(stall, io.write_all(&out)).await {
        Ok(Ok(())) => Ok(out.len()),
        Ok(Err(e)) => Err(LiveError::Ingest(format!(
            "the connection broke while sending: {e}"
        ))),
        Err(_) => Err(LiveError::Ingest(format!(
            "sending stalled for {} s",
            stall.as_secs()
        ))),
    }
}

async fn connect(
    url: &IngestUrl,
    opts: &DriverOptions,
    shared: &Shared,
) -> Result<Conn, LiveError> {
    let addr = format!("{}:{}", url.host, url.port);
    let tcp = tokio::time::timeout(opts.connect_timeout, TcpStream::connect(&addr))
        .await
        .map_err(|_| {
            LiveError::Ingest(format!(
                "{url} did not answer within {} s",
                opts.connect_timeout.as_secs()
            ))
        })?
        .map_err(|e| LiveError::Ingest(format!("cannot reach {url}: {e}")))?;
    let _ = tcp.set_nodelay(true);
    let sref = socket2::SockRef::from(&tcp);
    // A small send buffer keeps the queue (which we control) where the waiting happens.
    let bps = shared.target_bps.load(Ordering::Relaxed) as usize;
    let _ = sref.set_send_buffer_size((bps / 8 / 4).clamp(32 << 10, 512 << 10));
    #[cfg(target_os = "linux")]
    let sock = sref.try_clone().ok();
    #[cfg(target_os = "linux")]
    if let Some(s) = &sock {
        let _ = s.set_tcp_quickack(true);
    }
    let io: Box<dyn Io> = if url.tls {
        let mut roots = tokio_rustls::rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(der) = &opts.extra_root_der {
            roots.add(der.clone().into()).map_err(|e| {
                LiveError::BadInput(format!("the extra root certificate is not usable: {e}"))
            })?;
        }
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| LiveError::Ingest(format!("TLS setup: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from(url.host.clone())
            .map_err(|_| {
                LiveError::BadInput(format!("{} is not a valid TLS server name", url.host))
            })?;
        let tls = tokio::time::timeout(
            opts.connect_timeout,
            tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp),
        )
        .await
        .map_err(|_| LiveError::Ingest(format!("the TLS handshake with {url} timed out")))?
        .map_err(|e| LiveError::Ingest(format!("the TLS handshake with {url} failed: {e}")))?;
        Box::new(tls)
    } else {
        Box::new(tcp)
    };
    let mut conn = Conn {
        io,
        #[cfg(target_os = "linux")]
        sock,
        publisher: RtmpPublisher::new(url)?,
    };
    let deadline = Instant::now() + opts.publish_timeout;
    let mut buf = vec![0u8; 16 << 10];
    while !conn.publisher.is_publishing() {
        conn.flush(opts.write_stall_timeout).await?;
        let left = deadline.saturating_duration_since(Instant::now());
        let n = tokio::time::timeout(left, conn.io.read(&mut buf))
            .await
            .map_err(|_| {
                LiveError::Ingest(format!(
                    "{url} did not accept the stream within {} s",
                    opts.publish_timeout.as_secs()
                ))
            })?
            .map_err(|e| LiveError::Ingest(format!("the connection to {url} broke: {e}")))?;
        if n == 0 {
            return Err(LiveError::Ingest(format!(
                "{url} closed the connection before publishing started"
            )));
        }
        conn.quickack();
        conn.publisher.handle_input(&buf[..n])?;
    }
    conn.flush(opts.write_stall_timeout).await?;
    Ok(conn)
}

/// Publishes until the capture side is done and the queue is drained, or the
/// session is stopped; reconnects with backoff in between.
pub(crate) async fn publish(url: IngestUrl, shared: Arc<Shared>, opts: DriverOptions) {
    let mut attempt = 0u32;
    let mut ever_connected = false;
    let mut stop_deadline: Option<Instant> = None;
    loop {
        if shared.stop.load(Ordering::Relaxed) || shared.producer_done.load(Ordering::Relaxed) {
            let d = *stop_deadline.get_or_insert_with(|| Instant::now() + opts.flush_timeout);
            if Instant::now() >= d || shared.lock_queue().is_empty() {
                return;
            }
        }
        match connect(&url, &opts, &shared).await {
            Ok(conn) => {
                if ever_connected {
                    shared.reconnects.fetch_add(1, Ordering::Relaxed);
                    tracing::info!("reconnected to {url}");
                }
                ever_connected = true;
                attempt = 0;
                shared.connected.store(true, Ordering::Relaxed);
                let result = run_connected(conn, &shared, &opts).await;
                shared.connected.store(false, Ordering::Relaxed);
                match result {
                    Ok(()) => return,
                    Err(e) => {
                        tracing::warn!("lost {url}: {e}");
                        shared.set_error(&e);
                    }
                }
            }
            Err(e) => {
                tracing::warn!("cannot publish to {url}: {e}");
                shared.set_error(&e);
            }
        }
        // 100, 200, 400, then every 500 ms: back within half a second of the ingest
        let backoff = Duration::from_millis((100u64 << attempt.min(3)).min(500));
        attempt += 1;
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = shared.notify.notified() => { tokio::time::sleep(backoff).await; }
        }
    }
}

async fn wait_for_headers(shared: &Shared) -> Vec<FlvTag> {
    loop {
        let ready = shared.headers.lock().map(|h| h.clone()).unwrap_or_default();
        if ready.iter().any(|t| t.kind == TagKind::Video)
            || shared.producer_done.load(Ordering::Relaxed)
        {
            return ready;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn run_connected(conn: Conn, shared: &Shared, opts: &DriverOptions) -> Result<(), LiveError> {
    let Conn {
        io,
        #[cfg(target_os = "linux")]
        sock,
        mut publisher,
    } = conn;
    let quickack = || {
        #[cfg(target_os = "linux")]
        if let Some(s) = &sock {
            let _ = s.set_tcp_quickack(true);
        }
    };
    let stall = opts.write_stall_timeout;
    let headers = wait_for_headers(shared).await;
    let info = shared.info.lock().ok().and_then(|i| i.clone());
    if let Some(info) = &info {
        publisher.send_metadata(info)?;
    }
    shared.lock_queue().restart_at_keyframe();
    if shared.lock_queue().take_keyframe_request() {
        shared.keyframe_wanted.store(true, Ordering::Relaxed);
    }
    let mut sent_headers: Vec<Bytes> = Vec::new();
    let mut last_ts = 0u32;
    let (read_tx, mut read_rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, String>>(16);
    let (mut reader, mut writer) = tokio::io::split(io);
    let read_task = tokio::spawn(async move {
        let mut buf = vec![0u8; 16 << 10];
        loop {
            let r = match reader.read(&mut buf).await {
                Ok(0) => Err("the ingest closed the connection".to_string()),
                Ok(n) => Ok(buf[..n].to_vec()),
                Err(e) => Err(format!("the connection broke: {e}")),
            };
            let end = r.is_err();
            if read_tx.send(r).await.is_err() || end {
                return;
            }
        }
    });
    let _guard = AbortOnDrop(read_task);
    let mut first = true;
    let mut last_ping = Instant::now();
    let mut ping_sent: Option<(u32, Instant)> = None;
    let mut drained_at: Option<Instant> = None;
    loop {
        // media out
        loop {
            let next = {
                let mut q = shared.lock_queue();
                if q.take_keyframe_request() {
                    shared.keyframe_wanted.store(true, Ordering::Relaxed);
                }
                q.pop()
            };
            let Some(tag) = next else { break };
            if first {
                // sequence headers before any frame, stamped no later than it
                for h in &headers {
                    let mut h = h.clone();
                    h.timestamp_ms = tag.timestamp_ms.min(h.timestamp_ms.max(last_ts));
                    if h.kind != TagKind::Script {
                        publisher.send_tag(&h)?;
                        sent_headers.push(h.body.clone());
                    }
                }
                first = false;
            }
            if tag.header {
                if sent_headers.contains(&tag.body) {
                    continue;
                }
                sent_headers.push(tag.body.clone());
            }
            last_ts = last_ts.max(tag.timestamp_ms);
            let tag = FlvTag {
                timestamp_ms: last_ts,
                ..tag
            };
            publisher.send_tag(&tag)?;
            let n = write_out(&mut publisher, &mut writer, stall).await?;
            shared.bytes_sent.fetch_add(n as u64, Ordering::Relaxed);
            if tag.kind == TagKind::Video && !tag.header {
                shared.frames_sent.fetch_add(1, Ordering::Relaxed);
            }
        }
        if last_ping.elapsed() >= Duration::from_secs(1) {
            if let Ok(ts) = publisher.send_ping() {
                ping_sent = Some((ts, Instant::now()));
            }
            last_ping = Instant::now();
        }
        let n = write_out(&mut publisher, &mut writer, stall).await?;
        shared.bytes_sent.fetch_add(n as u64, Ordering::Relaxed);
        let done =
            shared.producer_done.load(Ordering::Relaxed) || shared.stop.load(Ordering::Relaxed);
        if done && shared.lock_queue().is_empty() {
            // Everything is out; give the ingest a moment to read it, then close.
            let at = *drained_at.get_or_insert_with(Instant::now);
            if at.elapsed() > Duration::from_millis(200) {
                let _ = writer.shutdown().await;
                return Ok(());
            }
        }
        tokio::select! {
            r = read_rx.recv() => match r {
                Some(Ok(bytes)) => {
                    quickack();
                    for ev in publisher.handle_input(&bytes)? {
                        if let PublisherEvent::Pong { timestamp_ms } = ev
                            && let Some((ts, at)) = ping_sent
                            && ts == timestamp_ms
                        {
                            shared.rtt_ms.store(at.elapsed().as_millis() as u32, Ordering::Relaxed);
                        }
                    }
                }
                Some(Err(e)) => return Err(LiveError::Ingest(e)),
                None => return Err(LiveError::Ingest("the connection closed".into())),
            },
            _ = shared.notify.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
