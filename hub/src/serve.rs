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
//! - **A hang-up**: a route may close its connection sooner through the
//!   request's [`Hangup`] (the live relay does when it drops a stalled
//!   viewer, a few seconds in); other routes keep the write timeout.
//! - **A body read timeout**: a request body that stops arriving for this
//!   long fails the request (a 4xx from the extractor) and the connection
//!   closes, so a client dribbling a body cannot hold a place either.
//! - Every request carries `ConnectInfo<SocketAddr>`, as with
//!   `into_make_service_with_connect_info`.
//! - Graceful shutdown: no new connections; idle ones close, requests in
//!   flight finish within the drain timeout (room event streams are ended
//!   by the caller, which also reports not ready first).

mod options;
mod service;
mod waiting;
mod write_deadline;

pub use options::{
    BUSY_ANSWERS, BUSY_RETRY_AFTER_SECS, FILE_RESERVE, ServeOptions, WRITE_BUFFER_MAX,
    default_max_connections, open_file_limit,
};

use crate::http::Hangup;
use axum::Router;
use farmlive_protocol::api::{ApiError, ApiErrorBody};
use hyper_util::rt::{TokioIo, TokioTimer};
use service::ConnService;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use waiting::{Track, Waiting};
use write_deadline::WriteDeadline;

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
        // hyper's default (~400 kB) holds seconds of a slow viewer's live
        // stream out of the relay's bounds.
        .max_buf_size(WRITE_BUFFER_MAX)
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
    // Every connection holds a place until it ends; those still busy when
    // the drain timeout ends are cut (dropped with the runtime).
    let all = u32::try_from(cap).unwrap_or(u32::MAX);
    if tokio::time::timeout(options.drain_timeout, places.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!(
            target: "farmlive::hub",
            busy = cap - places.available_permits(),
            "requests still in flight after the drain timeout; cutting them"
        );
    }
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
        #[cfg(unix)]
        let hangup = Hangup::for_socket(std::os::fd::AsRawFd::as_raw_fd(&stream));
        #[cfg(not(unix))]
        let hangup = Hangup::default();
        let service = ConnService {
            router,
            addr,
            body_read_timeout,
            waiting: waiting.clone(),
            track: track.clone(),
            hangup: hangup.clone(),
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
                _ = hangup.fired() => {
                    tracing::debug!(target: "farmlive::hub", "connection hung up by its route");
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

#[cfg(test)]
mod tests;
