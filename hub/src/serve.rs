//! The hub's HTTP/1 server loop: hyper under the axum router, with the
//! limits `axum::serve` lacks.
//!
//! - **A connection cap** below the open-file limit. Past it, a new
//!   connection takes the place of the one that has waited longest for a
//!   request (a client dribbling its request head, or an idle keep-alive
//!   connection), so slow clients can never lock fast ones out; if every
//!   place is busy serving, the newcomer gets a short `503` JSON error with
//!   `Retry-After` and `Connection: close`, and past a small reserve it is
//!   closed at once. Open files so stay below `RLIMIT_NOFILE`, with room
//!   for the database, photos and the health answer.
//! - **A header-read timeout**: a client has this long to send a complete
//!   request head, counted from connecting or from the end of its previous
//!   response, so the same clock is the keep-alive idle timeout. It never
//!   runs while a response is being sent: a room's event stream (which
//!   sends keep-alives) lives as long as the room.
//! - **A write timeout**: a response write that makes no progress for this
//!   long (a client that stopped reading) closes the connection.
//! - **A body read timeout**: a request body that stops arriving for this
//!   long fails the request (a 4xx from the extractor) and the connection
//!   closes, so a client dribbling a body cannot hold a place either.
//! - Every request carries `ConnectInfo<SocketAddr>`, as with
//!   `into_make_service_with_connect_info`.
//! - Graceful shutdown: no new connections; idle ones close, requests in
//!   flight finish (room event streams are ended by the caller).

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{Request, Response};
use farmlive_protocol::api::{ApiError, ApiErrorBody};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};

/// Open files the hub keeps for itself beside its connections: the
/// database and its WAL (two connections, plus operator commands), photo
/// files being read or written, the runtime, standard streams, and the
/// connections being answered `503` (at most [`BUSY_ANSWERS`]).
pub const FILE_RESERVE: u64 = 128;

/// Connections over the cap being answered `503` at once; more are closed
/// without an answer.
pub const BUSY_ANSWERS: usize = 32;

/// What a client over the cap is told to wait, in seconds.
pub const BUSY_RETRY_AFTER_SECS: u64 = 2;

/// The most connections a default cap allows, whatever the file limit.
const CAP_CEILING: u64 = 16_384;

/// The server's limits. [`ServeOptions::default`] suits a small hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// Connections served at once (at least 1). Default: the process's
    /// open-file limit less [`FILE_RESERVE`] (896 under the common 1,024),
    /// at most 16,384.
    pub max_connections: usize,
    /// How long a client has to send a complete request head, counted from
    /// connecting or from the end of its previous response (so this is also
    /// the keep-alive idle timeout). Default 10 s.
    pub header_read_timeout: Duration,
    /// How long a response write may make no progress (the client stopped
    /// reading) before the connection is closed. Default 30 s.
    pub write_timeout: Duration,
    /// How long a request body may stop arriving before the request fails
    /// and the connection is closed. Default 30 s.
    pub body_read_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            max_connections: default_max_connections(),
            header_read_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(30),
        }
    }
}

/// The soft limit on open files of this process, from `/proc/self/limits`
/// (Linux; `None` elsewhere or if unreadable, `Some(u64::MAX)` if unlimited).
///
/// Read from `/proc` rather than `getrlimit`: the workspace denies unsafe
/// code, and a new dependency (`rlimit`, `libc`) for one number is not
/// worth it.
pub fn open_file_limit() -> Option<u64> {
    parse_open_file_limit(&std::fs::read_to_string("/proc/self/limits").ok()?)
}

fn parse_open_file_limit(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line["Max open files".len()..].split_whitespace().next()?;
    if soft == "unlimited" {
        return Some(u64::MAX);
    }
    soft.parse().ok()
}

/// The default connection cap: the open-file limit less [`FILE_RESERVE`],
/// between 16 and 16,384 (896 if the limit cannot be read).
pub fn default_max_connections() -> usize {
    let cap = open_file_limit().map_or(1024 - FILE_RESERVE, |n| {
        n.saturating_sub(FILE_RESERVE).clamp(16, CAP_CEILING)
    });
    usize::try_from(cap).unwrap_or(16)
}

/// Connections waiting for a request (none in flight), oldest first: the
/// ones to close when a newcomer needs a place.
#[derive(Default)]
struct Waiting {
    conns: Mutex<BTreeMap<(Instant, u64), Arc<Track>>>,
}

/// One connection's place in [`Waiting`].
struct Track {
    id: u64,
    /// When it started waiting, while it waits.
    since: Mutex<Option<Instant>>,
    /// Closed (evicted or done): never waits again.
    gone: AtomicBool,
    /// Told when it is evicted.
    evicted: Notify,
    /// Its place under the cap, until it ends or is evicted (then the
    /// place goes straight to the newcomer).
    place: Mutex<Option<OwnedSemaphorePermit>>,
}

impl Track {
    fn new(id: u64, place: Option<OwnedSemaphorePermit>) -> Arc<Track> {
        Arc::new(Track {
            id,
            since: Mutex::new(None),
            gone: AtomicBool::new(false),
            evicted: Notify::new(),
            place: Mutex::new(place),
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Waiting {
    fn wait(&self, t: &Arc<Track>) {
        let mut conns = lock(&self.conns);
        if t.gone.load(Ordering::SeqCst) {
            return;
        }
        let now = Instant::now();
        if let Some(old) = lock(&t.since).replace(now) {
            conns.remove(&(old, t.id));
        }
        conns.insert((now, t.id), t.clone());
    }

    /// Marks `t` busy; false if it was evicted meanwhile.
    fn busy(&self, t: &Track) -> bool {
        let mut conns = lock(&self.conns);
        if let Some(since) = lock(&t.since).take() {
            conns.remove(&(since, t.id));
        }
        !t.gone.load(Ordering::SeqCst)
    }

    /// The connection has ended: its place is free.
    fn done(&self, t: &Track) {
        let place = {
            let mut conns = lock(&self.conns);
            t.gone.store(true, Ordering::SeqCst);
            if let Some(since) = lock(&t.since).take() {
                conns.remove(&(since, t.id));
            }
            lock(&t.place).take()
        };
        drop(place);
    }

    /// Tells the connection that has waited longest to close, and hands
    /// over its place; `None` if every connection is busy.
    fn evict_oldest(&self) -> Option<OwnedSemaphorePermit> {
        let mut conns = lock(&self.conns);
        while let Some((_, t)) = conns.pop_first() {
            lock(&t.since).take();
            t.gone.store(true, Ordering::SeqCst);
            t.evicted.notify_one();
            if let Some(place) = lock(&t.place).take() {
                return Some(place);
            }
        }
        None
    }
}

/// Logs at most once per `every` (for conditions that can repeat
/// thousands of times a second under attack).
struct Throttle {
    every_ms: u64,
    last_ms: AtomicU64,
    start: Instant,
}

impl Throttle {
    fn new(every: Duration) -> Self {
        Throttle {
            every_ms: u64::try_from(every.as_millis()).unwrap_or(u64::MAX),
            last_ms: AtomicU64::new(0),
            start: Instant::now(),
        }
    }

    fn ready(&self) -> bool {
        let now = u64::try_from(self.start.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let last = self.last_ms.load(Ordering::Relaxed);
        (last == 0 || now >= last.saturating_add(self.every_ms))
            && self
                .last_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

/// Serves `router` on `listener` with `options` until `shutdown` resolves,
/// then waits for the open connections to finish.
pub(crate) async fn serve(
    router: Router,
    listener: TcpListener,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let cap = options
        .max_connections
        .clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
    let places = Arc::new(Semaphore::new(cap));
    let busy_answers = Arc::new(Semaphore::new(BUSY_ANSWERS));
    let waiting = Arc::new(Waiting::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout)
        .keep_alive(true);
    let accept_failed = Throttle::new(Duration::from_secs(5));
    let full = Throttle::new(Duration::from_secs(10));
    tracing::info!(
        target: "farmlive::hub",
        max_connections = cap,
        header_read_timeout_ms = options.header_read_timeout.as_millis() as u64,
        write_timeout_ms = options.write_timeout.as_millis() as u64,
        body_read_timeout_ms = options.body_read_timeout.as_millis() as u64,
        "serving"
    );
    let mut shutdown = pin!(shutdown);
    let mut next_id = 0u64;
    loop {
        let (stream, addr) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of files (EMFILE) or an aborted handshake: the
                    // connection waits in the backlog; do not spin.
                    if accept_failed.ready() {
                        tracing::warn!(target: "farmlive::hub", "cannot accept a connection: {e}");
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        next_id += 1;
        let conn = Conn {
            id: next_id,
            addr,
            router: router.clone(),
            http: http.clone(),
            waiting: waiting.clone(),
            write_timeout: options.write_timeout,
            body_read_timeout: options.body_read_timeout,
            stop: stop_rx.clone(),
        };
        // When full, the connection that has waited longest for a request
        // closes and hands its place over.
        let place = places
            .clone()
            .try_acquire_owned()
            .ok()
            .or_else(|| waiting.evict_oldest());
        if let Some(place) = place {
            tokio::spawn(conn.serve(stream, place));
            continue;
        }
        // Every place is busy serving: answer 503 (within a reserve).
        if full.ready() {
            tracing::warn!(
                target: "farmlive::hub",
                max_connections = cap,
                "every connection is busy; answering new ones 503"
            );
        }
        let Ok(ticket) = busy_answers.clone().try_acquire_owned() else {
            drop(stream); // past the reserve: close at once
            continue;
        };
        tokio::spawn(async move {
            answer_busy(stream).await;
            drop(ticket);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Every connection holds a place until it ends.
    let _ = places
        .acquire_many(u32::try_from(cap).unwrap_or(u32::MAX))
        .await;
    Ok(())
}

/// What one connection needs.
struct Conn {
    id: u64,
    addr: SocketAddr,
    router: Router,
    http: hyper::server::conn::http1::Builder,
    waiting: Arc<Waiting>,
    write_timeout: Duration,
    body_read_timeout: Duration,
    stop: watch::Receiver<bool>,
}

impl Conn {
    async fn serve(self, stream: TcpStream, place: OwnedSemaphorePermit) {
        let Conn {
            id,
            addr,
            router,
            http,
            waiting,
            write_timeout,
            body_read_timeout,
            mut stop,
        } = self;
        let track = Track::new(id, Some(place));
        waiting.wait(&track);
        let service = ConnService {
            router,
            addr,
            body_read_timeout,
            waiting: waiting.clone(),
            track: track.clone(),
        };
        let io = TokioIo::new(WriteDeadline::new(stream, write_timeout));
        let mut conn = pin!(http.serve_connection(io, service));
        let mut stopping = false;
        loop {
            tokio::select! {
                served = conn.as_mut() => {
                    if let Err(e) = served {
                        tracing::debug!(target: "farmlive::hub", "connection closed: {e}");
                    }
                    break;
                }
                _ = track.evicted.notified() => {
                    tracing::debug!(target: "farmlive::hub", "connection evicted to make room");
                    break;
                }
                _ = stop.wait_for(|s| *s), if !stopping => {
                    stopping = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
        waiting.done(&track);
    }
}

/// Answers a connection over the cap: reads its request head (briefly),
/// answers `503` JSON with `Retry-After` and `Connection: close`, and closes.
async fn answer_busy(mut stream: TcpStream) {
    let body = serde_json::to_string(&ApiError {
        error: ApiErrorBody {
            code: "busy".into(),
            message: format!(
                "the hub is serving as many connections as it can; try again in {BUSY_RETRY_AFTER_SECS} s"
            ),
        },
    })
    .unwrap_or_default();
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nretry-after: {BUSY_RETRY_AFTER_SECS}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    // The request head first, so the answer does not race the request.
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        while head.len() < 16 * 1024 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await?;
        // Drain until the client closes, so the close is not a reset.
        while stream.read(&mut buf).await? > 0 {}
        Ok::<_, io::Error>(())
    })
    .await;
}

/// The router for one connection: adds `ConnectInfo`, and keeps the
/// connection out of [`Waiting`] while a request is in flight (until its
/// response body has been sent or dropped).
#[derive(Clone)]
struct ConnService {
    router: Router,
    addr: SocketAddr,
    body_read_timeout: Duration,
    waiting: Arc<Waiting>,
    track: Arc<Track>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl hyper::service::Service<Request<Incoming>> for ConnService {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Response<Body>, Infallible>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let live = self.waiting.busy(&self.track);
        let guard = InFlight {
            waiting: self.waiting.clone(),
            track: self.track.clone(),
        };
        let timeout = self.body_read_timeout;
        let mut req = req.map(|inner| {
            Body::new(BodyDeadline {
                inner,
                timeout,
                sleep: None,
            })
        });
        req.extensions_mut().insert(ConnectInfo(self.addr));
        let mut router = self.router.clone();
        Box::pin(async move {
            if !live {
                // Evicted between its request head and here: the connection
                // is closing; do not start work for nobody.
                let mut resp = Response::new(Body::empty());
                *resp.status_mut() = axum::http::StatusCode::SERVICE_UNAVAILABLE;
                return Ok(resp);
            }
            let resp = tower_service::Service::call(&mut router, req).await?;
            Ok(resp.map(|inner| {
                Body::new(Guarded {
                    inner,
                    _guard: guard,
                })
            }))
        })
    }
}

/// While alive, a request is in flight on its connection.
struct InFlight {
    waiting: Arc<Waiting>,
    track: Arc<Track>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.waiting.wait(&self.track);
    }
}

/// A response body that holds its request's [`InFlight`] until sent.
struct Guarded {
    inner: Body,
    _guard: InFlight,
}

impl http_body::Body for Guarded {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// A request body that fails once it has stopped arriving for `timeout`.
struct BodyDeadline {
    inner: Incoming,
    timeout: Duration,
    /// Armed while the body is awaited.
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl http_body::Body for BodyDeadline {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.sleep = None;
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let timeout = this.timeout;
                let sleep = this
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        this.sleep = None;
                        Poll::Ready(Some(Err("the request body stopped arriving".into())))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// A stream whose writes fail with `TimedOut` once one has made no
/// progress for `timeout` (the peer stopped reading).
struct WriteDeadline<T> {
    io: T,
    timeout: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
    armed: bool,
}

impl<T> WriteDeadline<T> {
    fn new(io: T, timeout: Duration) -> Self {
        WriteDeadline {
            io,
            timeout,
            sleep: Box::pin(tokio::time::sleep(timeout)),
            armed: false,
        }
    }

    fn progress<R>(
        &mut self,
        polled: Poll<io::Result<R>>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<R>> {
        if polled.is_ready() {
            self.armed = false;
            return polled;
        }
        if !self.armed {
            self.armed = true;
            let at = tokio::time::Instant::now() + self.timeout;
            self.sleep.as_mut().reset(at);
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.armed = false;
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client read nothing for too long",
                )))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WriteDeadline<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.io).poll_write(cx, buf);
        this.progress(polled, cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.progress(polled, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.io).poll_flush(cx);
        this.progress(polled, cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.io).poll_shutdown(cx);
        this.progress(polled, cx)
    }
}

#[cfg(test)]
mod tests;
