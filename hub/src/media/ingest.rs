//! The hub's RTMP ingest: a TCP listener whose connections each run an
//! [`RtmpIngest`] session. A publish is accepted only with the stream key
//! of a live room (checked through the store); the tags then go to the
//! room's relay ([`Media::publish`]). The key is never logged.
//!
//! Limits: at most [`IngestOptions::max_connections`] connections at once,
//! and [`IngestOptions::max_per_address`] from one address (more are closed
//! at once, so one client cannot take every place); the handshake and then the publish request
//! must arrive within their timeouts; a publisher that sends nothing for
//! [`IngestOptions::idle_timeout`] is closed; messages are bounded (small
//! until the key is accepted). A second publisher with the same key
//! replaces the first (a phone that reconnects before its old connection
//! timed out). The connection closes when its room ends.

use super::live::{Media, Publisher};
use super::rtmp::{RtmpIngest, Step};
use crate::rooms::{Feed, Read};
use crate::store::interface::HubStore;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::time::{Instant, timeout_at};

/// The ingest's limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestOptions {
    /// Connections at once (publishers, and clients not yet publishing).
    pub max_connections: usize,
    /// Connections at once from one IP address (a phone and its
    /// reconnection need two; an encoder with a backup a few more).
    pub max_per_address: usize,
    /// Time to complete the RTMP handshake.
    pub handshake_timeout: Duration,
    /// Time from connecting to asking to publish with a key.
    pub publish_timeout: Duration,
    /// A publisher sending nothing this long is closed.
    pub idle_timeout: Duration,
    /// Largest RTMP message once publishing (a keyframe), bytes.
    pub max_message_bytes: usize,
    /// Largest RTMP message before publishing (commands), bytes.
    pub max_command_bytes: usize,
    /// A write to the publisher making no progress this long closes it.
    pub write_timeout: Duration,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            max_connections: 64,
            max_per_address: 8,
            handshake_timeout: Duration::from_secs(5),
            publish_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(20),
            max_message_bytes: 4 << 20,
            max_command_bytes: 64 << 10,
            write_timeout: Duration::from_secs(10),
        }
    }
}

/// Accepts publishers on `listener` until the task is dropped.
pub async fn serve(
    listener: TcpListener,
    store: Arc<dyn HubStore>,
    media: Arc<Media>,
    options: IngestOptions,
) {
    let places = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let per_address: Arc<Mutex<HashMap<IpAddr, usize>>> = Arc::default();
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of files, most likely: wait rather than spin.
                tracing::warn!(target: "farmlive::media", "ingest accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(place) = places.clone().try_acquire_owned() else {
            tracing::warn!(target: "farmlive::media", %peer, "ingest full: connection closed");
            continue;
        };
        let Some(from) = AddressPlace::take(&per_address, peer.ip(), options.max_per_address)
        else {
            tracing::warn!(target: "farmlive::media", %peer, "too many ingest connections from one address");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (store, media, options) = (store.clone(), media.clone(), options.clone());
        tokio::spawn(async move {
            let why = connection(stream, store, media, &options).await;
            tracing::info!(target: "farmlive::media", %peer, "ingest connection closed: {why}");
            drop((place, from));
        });
    }
}

/// One connection's place among its address's.
struct AddressPlace {
    counts: Arc<Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl AddressPlace {
    fn take(counts: &Arc<Mutex<HashMap<IpAddr, usize>>>, ip: IpAddr, max: usize) -> Option<Self> {
        let mut map = counts.lock().unwrap_or_else(|p| p.into_inner());
        let n = map.entry(ip).or_insert(0);
        if *n >= max.max(1) {
            return None;
        }
        *n += 1;
        Some(AddressPlace {
            counts: counts.clone(),
            ip,
        })
    }
}

impl Drop for AddressPlace {
    fn drop(&mut self) {
        let mut map = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// The publisher's room, once its key was accepted.
struct OnAir {
    publisher: Publisher,
    feed: Arc<Feed>,
    events: watch::Receiver<u64>,
    replaced: watch::Receiver<u64>,
}

impl OnAir {
    /// True once the room has ended.
    fn room_ended(&mut self) -> bool {
        let last = *self.events.borrow_and_update();
        self.feed.read(last, 0) == Read::Ended
    }
}

/// Runs one connection; returns why it closed (safe to log).
async fn connection(
    mut stream: TcpStream,
    store: Arc<dyn HubStore>,
    media: Arc<Media>,
    options: &IngestOptions,
) -> String {
    let started = Instant::now();
    let mut session = RtmpIngest::new(options.max_command_bytes, options.max_message_bytes);
    let mut on_air: Option<OnAir> = None;
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let deadline = if !session.handshaken() {
            started + options.handshake_timeout
        } else if !session.publishing() {
            started + options.publish_timeout
        } else {
            Instant::now() + options.idle_timeout
        };
        let steps = {
            let ended = async {
                match &mut on_air {
                    Some(a) => {
                        tokio::select! {
                            _ = a.events.changed() => {}
                            _ = a.replaced.changed() => {}
                        }
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                read = timeout_at(deadline, stream.read(&mut buf)) => match read {
                    Err(_) => return "timed out".into(),
                    Ok(Ok(0)) => return "the publisher closed it".into(),
                    Ok(Err(e)) => return format!("read failed: {e}"),
                    Ok(Ok(n)) => session.input(&buf[..n]),
                },
                () = ended => Vec::new(),
            }
        };
        if let Some(a) = &mut on_air {
            if a.room_ended() {
                media.end(a.publisher.room());
                return "the room ended".into();
            }
            if !a.publisher.is_current() {
                // The stream may end before the room's feed says so (on
                // PostgreSQL the feed hears it back through LISTEN).
                return if a.publisher.stream_ended() {
                    "the room's stream ended"
                } else {
                    "a newer publisher took over"
                }
                .into();
            }
        }
        let mut work: VecDeque<Step> = steps.into();
        while let Some(step) = work.pop_front() {
            match step {
                Step::Send(bytes) => {
                    let write = stream.write_all(&bytes);
                    match tokio::time::timeout(options.write_timeout, write).await {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => return format!("write failed: {e}"),
                        Err(_) => return "write timed out".into(),
                    }
                }
                Step::Authorize { request_id, key } => {
                    let checking = store.clone();
                    let found =
                        tokio::task::spawn_blocking(move || checking.publishing_room(&key)).await;
                    let found = match found {
                        Ok(Ok(found)) => found,
                        Ok(Err(e)) => return format!("cannot check the key: {e}"),
                        Err(e) => return format!("cannot check the key: {e}"),
                    };
                    let ok = found.is_some();
                    if let Some((room, feed)) = found {
                        claim_ingest(&store, &media, room).await;
                        let publisher = media.publish(room);
                        tracing::info!(target: "farmlive::media", %room, "publisher on air");
                        let mut a = OnAir {
                            replaced: publisher.replaced(),
                            events: feed.watch(),
                            publisher,
                            feed,
                        };
                        a.replaced.borrow_and_update();
                        if a.room_ended() {
                            media.end(room);
                            return "the room ended".into();
                        }
                        on_air = Some(a);
                    }
                    work.extend(session.authorized(request_id, ok));
                }
                Step::Tag(tag) => {
                    if let Some(a) = &on_air {
                        a.publisher.push(tag);
                    }
                }
                Step::Finished => return "the publisher finished".into(),
                Step::Refuse(why) => {
                    let _ = tokio::time::timeout(options.write_timeout, stream.flush()).await;
                    return why.into();
                }
            }
        }
    }
}

/// Records this process as the room's ingest, so the hub's other
/// processes send its HTTP-FLV viewers here. Done before the room goes on
/// air here, so a viewer sent here finds it. A failure is logged, not
/// fatal: the show still goes out, to viewers who reach this process.
async fn claim_ingest(store: &Arc<dyn HubStore>, media: &Media, room: farmlive_protocol::RoomId) {
    let Some(node) = media.node_url().map(str::to_owned) else {
        return;
    };
    let store = store.clone();
    match tokio::task::spawn_blocking(move || store.claim_ingest(room, &node)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(target: "farmlive::media", %room, "cannot record the ingest's process: {e}")
        }
        Err(e) => {
            tracing::warn!(target: "farmlive::media", %room, "cannot record the ingest's process: {e}")
        }
    }
}

/// Where the RTMP ingest listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RtmpListen {
    /// No ingest: rooms publish elsewhere (an external ingest).
    Off,
    /// The HTTP address's IP, port 1935 (an ephemeral port if the HTTP
    /// port is ephemeral).
    #[default]
    NextToHttp,
    /// This address.
    At(std::net::SocketAddr),
}

impl RtmpListen {
    /// The address to bind, given where HTTP listens; `None` if off.
    pub fn resolve(self, http: std::net::SocketAddr) -> Option<std::net::SocketAddr> {
        match self {
            RtmpListen::Off => None,
            RtmpListen::At(addr) => Some(addr),
            RtmpListen::NextToHttp => {
                let port = if http.port() == 0 {
                    0
                } else {
                    farmlive_protocol::api::media::RTMP_PORT
                };
                Some(std::net::SocketAddr::new(http.ip(), port))
            }
        }
    }
}

impl std::str::FromStr for RtmpListen {
    type Err = String;

    /// `off`, or an address such as `0.0.0.0:1935`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "off" | "none" => Ok(RtmpListen::Off),
            addr => addr
                .parse()
                .map(RtmpListen::At)
                .map_err(|_| format!("{addr:?} is not an address (e.g. 0.0.0.0:1935) or off")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ingest_listens_next_to_http_unless_told() {
        let http: std::net::SocketAddr = "10.0.0.5:8080".parse().expect("addr");
        let beside = RtmpListen::default().resolve(http);
        assert_eq!(beside, Some("10.0.0.5:1935".parse().expect("addr")));
        let ephemeral = RtmpListen::default().resolve("127.0.0.1:0".parse().expect("addr"));
        assert_eq!(ephemeral, Some("127.0.0.1:0".parse().expect("addr")));
        assert_eq!(
            "off".parse::<RtmpListen>().map(|l| l.resolve(http)),
            Ok(None)
        );
        let at: RtmpListen = "0.0.0.0:1936".parse().expect("parses");
        assert_eq!(
            at.resolve(http),
            Some("0.0.0.0:1936".parse().expect("addr"))
        );
        assert!("nowhere".parse::<RtmpListen>().is_err());
    }
}
