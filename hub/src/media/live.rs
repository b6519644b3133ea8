//! The rooms on air in this hub process: each room's [`Relay`] behind a
//! lock, a publisher handle for the ingest, and a viewer handle for
//! HTTP-FLV. The thin async driver over the sans-I/O relay.
//!
//! - One publisher per room: a newer one replaces the older (a phone that
//!   reconnects must not wait for its dead connection to time out); the
//!   older one hears it through [`Publisher::replaced`] and closes.
//! - When a publisher leaves, viewers stay connected for
//!   [`Media::publisher_grace`]: a phone that reconnects within it carries
//!   on, its viewers wait at the next keyframe. After it, the room's
//!   stream ends. When the room ends, it ends at once.
//! - Other consumers of a room's tags (HLS, recording) attach as sinks:
//!   [`Media::set_sink_factory`] for every room that goes on air, or
//!   [`Media::attach_sink`] for one room on air now.

use super::relay::{Relay, RelayLimits, TagSink, Take, ViewerId};
use super::wake::WakeBatch;
use bytes::Bytes;
use farmlive_media::flv::FlvTag;
use farmlive_protocol::RoomId;
use farmlive_protocol::api::media::{INGEST_APP, RTMP_PORT};
use farmlive_protocol::room::{HubIngest, StreamKey};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Makes a sink for each room that goes on air (see [`TagSink`]). Called
/// while the rooms on air are locked: it must not call back into [`Media`].
pub trait SinkFactory: Send + Sync {
    /// A sink for `room`'s tags from now on, or `None` to leave it alone.
    fn open(&self, room: RoomId) -> Option<Box<dyn TagSink>>;
}

/// How long viewers wait for a publisher that left to come back.
pub const PUBLISHER_GRACE: Duration = Duration::from_secs(15);

/// The most one [`ViewerFeed::next`] takes from the relay (whole tags; a
/// larger keyframe still goes whole). The driver's write buffer and the
/// socket hold about this much each, so a slow viewer's backlog stays in
/// the relay, whose bounds skip it to the next keyframe; a whole queue
/// taken at once would sit in write buffers no bound sees
/// (`relay_slow_viewer` bench, session 9).
const TAKE_MAX: usize = 32 << 10;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One room on air.
struct OnAir {
    relay: Mutex<Relay>,
    /// Bumped after each push and at the end: viewers wait on it.
    wake: watch::Sender<u64>,
    /// The current publisher's number; a higher one replaced it.
    publisher: watch::Sender<u64>,
    /// Whether a publisher is connected now.
    publishing: Mutex<bool>,
    /// What to do when a viewer is dropped for stalling (its driver closes
    /// the connection: see [`ViewerFeed::on_stalled`]).
    stall_hooks: Mutex<HashMap<ViewerId, StallHook>>,
    /// Which pushes wake the viewers.
    wake_batch: Mutex<WakeBatch>,
}

/// Called once when its viewer is dropped for stalling.
type StallHook = Box<dyn FnOnce() + Send>;

impl OnAir {
    fn relay(&self) -> MutexGuard<'_, Relay> {
        lock(&self.relay)
    }
}

/// Live video in this hub: the rooms on air, where they publish, and who
/// else wants their tags.
pub struct Media {
    limits: RelayLimits,
    rooms: Mutex<HashMap<RoomId, Arc<OnAir>>>,
    sinks: Mutex<Option<Arc<dyn SinkFactory>>>,
    next_publisher: Mutex<u64>,
    /// The address the RTMP ingest listens on, once it does.
    ingest_addr: OnceLock<SocketAddr>,
    /// `rtmp://HOST:PORT/live` as publishers reach it, if the operator set it.
    ingest_public: Option<String>,
    /// This process's own HTTP address as viewers reach it directly, when
    /// known: recorded with each room whose publisher connects here, so
    /// that the hub's other processes send the room's viewers here.
    node_url: OnceLock<String>,
    /// How long viewers wait for a publisher that left.
    pub publisher_grace: Duration,
}

impl std::fmt::Debug for Media {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Media")
            .field("on_air", &lock(&self.rooms).len())
            .field("ingest", &self.ingest_addr.get())
            .finish_non_exhaustive()
    }
}

impl Default for Media {
    fn default() -> Self {
        Media::new(RelayLimits::default(), None)
    }
}

impl Media {
    /// No room on air yet. `ingest_public`: the ingest's address as
    /// publishers reach it (`rtmp://live.example.com:1935/live`), if not
    /// the hub's own host name and the ingest's port.
    pub fn new(limits: RelayLimits, ingest_public: Option<String>) -> Media {
        Media {
            limits,
            rooms: Mutex::new(HashMap::new()),
            sinks: Mutex::new(None),
            next_publisher: Mutex::new(0),
            ingest_addr: OnceLock::new(),
            ingest_public: ingest_public.map(|s| s.trim_end_matches('/').to_owned()),
            node_url: OnceLock::new(),
            publisher_grace: PUBLISHER_GRACE,
        }
    }

    /// This process is reached directly at `url` (`http://10.0.0.2:8080`;
    /// set once, the first call wins).
    pub fn set_node_url(&self, url: &str) {
        let _ = self
            .node_url
            .set(url.trim().trim_end_matches('/').to_owned());
    }

    /// This process's own HTTP address, if known (see [`Media::set_node_url`]).
    pub fn node_url(&self) -> Option<&str> {
        self.node_url.get().map(String::as_str)
    }

    /// The RTMP ingest listens on `addr` (set once, when it starts).
    pub fn set_ingest_addr(&self, addr: SocketAddr) {
        let _ = self.ingest_addr.set(addr);
    }

    /// Where a room's device publishes with `key`, seen from a client that
    /// reached the hub as `host` (the HTTP `Host` header); `None` if the
    /// ingest is off.
    pub fn ingest_for(&self, host: Option<&str>, key: StreamKey) -> Option<HubIngest> {
        let addr = self.ingest_addr.get()?;
        let server = match &self.ingest_public {
            Some(public) => public.clone(),
            None => {
                let host = host.and_then(host_name).unwrap_or_else(|| match addr.ip() {
                    ip if ip.is_unspecified() => "localhost".to_owned(),
                    std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                    ip => ip.to_string(),
                });
                let port = addr.port();
                if port == RTMP_PORT {
                    format!("rtmp://{host}/{INGEST_APP}")
                } else {
                    format!("rtmp://{host}:{port}/{INGEST_APP}")
                }
            }
        };
        Some(HubIngest { server, key })
    }

    /// Every room that goes on air from now on gets a sink from `factory`.
    pub fn set_sink_factory(&self, factory: Arc<dyn SinkFactory>) {
        *lock(&self.sinks) = Some(factory);
    }

    /// Attaches `sink` to `room` if it is on air now (it sees every later
    /// tag, and `close` when the room's stream ends). False if not on air.
    pub fn attach_sink(&self, room: RoomId, sink: Box<dyn TagSink>) -> bool {
        match lock(&self.rooms).get(&room) {
            Some(on_air) => {
                on_air.relay().add_sink(sink);
                true
            }
            None => false,
        }
    }

    /// A publisher for `room`: the room goes on air (if it was not), and
    /// any earlier publisher of the room is replaced.
    pub fn publish(self: &Arc<Self>, room: RoomId) -> Publisher {
        let number = {
            let mut n = lock(&self.next_publisher);
            *n += 1;
            *n
        };
        let on_air = {
            let mut rooms = lock(&self.rooms);
            rooms
                .entry(room)
                .or_insert_with(|| {
                    let mut relay = Relay::new(self.limits.clone());
                    if let Some(sink) = lock(&self.sinks).as_ref().and_then(|f| f.open(room)) {
                        relay.add_sink(sink);
                    }
                    Arc::new(OnAir {
                        relay: Mutex::new(relay),
                        wake: watch::Sender::new(0),
                        publisher: watch::Sender::new(0),
                        publishing: Mutex::new(false),
                        stall_hooks: Mutex::new(HashMap::new()),
                        wake_batch: Mutex::new(WakeBatch::default()),
                    })
                })
                .clone()
        };
        on_air.relay().publisher_started();
        *lock(&on_air.publishing) = true;
        on_air.publisher.send_replace(number);
        Publisher {
            media: self.clone(),
            room,
            on_air,
            number,
        }
    }

    /// Starts watching `room`: `None` if it is not on air.
    pub fn watch(&self, room: RoomId) -> Option<ViewerFeed> {
        let on_air = lock(&self.rooms).get(&room)?.clone();
        let wake = on_air.wake.subscribe();
        let id = on_air.relay().add_viewer(Instant::now());
        Some(ViewerFeed {
            on_air,
            id,
            wake,
            pending: VecDeque::new(),
        })
    }

    /// True if `room` is on air (a publisher is, or may come back).
    pub fn on_air(&self, room: RoomId) -> bool {
        lock(&self.rooms).contains_key(&room)
    }

    /// Viewers of `room` now.
    pub fn viewer_count(&self, room: RoomId) -> usize {
        lock(&self.rooms)
            .get(&room)
            .map_or(0, |r| r.relay().viewer_count())
    }

    /// `room`'s stream is over (the room ended): viewers get what is
    /// queued, then the end; sinks are closed; its publisher is told.
    pub fn end(&self, room: RoomId) {
        let Some(on_air) = lock(&self.rooms).remove(&room) else {
            return;
        };
        on_air.relay().close();
        on_air.wake.send_modify(|n| *n += 1);
        on_air.publisher.send_modify(|n| *n += 1);
    }

    /// The publisher numbered `number` left: unless another one took over
    /// within the grace, the room's stream ends.
    fn publisher_left(self: &Arc<Self>, room: RoomId, on_air: &Arc<OnAir>, number: u64) {
        if *on_air.publisher.borrow() != number {
            return;
        }
        *lock(&on_air.publishing) = false;
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            self.end(room);
            return;
        };
        let (media, on_air) = (self.clone(), on_air.clone());
        rt.spawn(async move {
            tokio::time::sleep(media.publisher_grace).await;
            let same = *on_air.publisher.borrow() == number && !*lock(&on_air.publishing);
            let current = lock(&media.rooms)
                .get(&room)
                .is_some_and(|r| Arc::ptr_eq(r, &on_air));
            if same && current {
                media.end(room);
            }
        });
    }
}

/// The ingest's handle on a room it publishes to. Dropping it means the
/// publisher left (see [`Media`] for the grace).
pub struct Publisher {
    media: Arc<Media>,
    room: RoomId,
    on_air: Arc<OnAir>,
    number: u64,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Publisher({} #{})", self.room, self.number)
    }
}

impl Publisher {
    /// The room published to.
    pub fn room(&self) -> RoomId {
        self.room
    }

    /// One tag from the publisher: queued for every viewer, never waits.
    pub fn push(&self, tag: FlvTag) {
        if !self.is_current() {
            return;
        }
        let now = Instant::now();
        let wake = lock(&self.on_air.wake_batch).on_push(tag.kind, tag.header, now);
        let stalled = self.on_air.relay().push(tag, now);
        if !stalled.is_empty() {
            tracing::info!(target: "farmlive::media", room = %self.room,
                "dropped {} stalled viewer(s)", stalled.len());
            let hooks: Vec<StallHook> = {
                let mut all = lock(&self.on_air.stall_hooks);
                stalled.iter().filter_map(|id| all.remove(id)).collect()
            };
            // Outside the locks: a hook may do anything but call back here.
            hooks.into_iter().for_each(|hook| hook());
        }
        if wake {
            self.on_air.wake.send_modify(|n| *n += 1);
        }
    }

    /// True while no newer publisher replaced this one and the room's
    /// stream has not ended.
    pub fn is_current(&self) -> bool {
        *self.on_air.publisher.borrow() == self.number && !self.stream_ended()
    }

    /// True once the room's stream has ended (the room was ended, or its
    /// publisher left and none came back within the grace).
    pub fn stream_ended(&self) -> bool {
        self.on_air.relay().is_closed()
    }

    /// Changes when this publisher is replaced or the room's stream ends.
    pub fn replaced(&self) -> watch::Receiver<u64> {
        self.on_air.publisher.subscribe()
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        self.media
            .publisher_left(self.room, &self.on_air, self.number);
    }
}

/// One viewer's bytes: [`ViewerFeed::next`] until `None`. Dropping it
/// removes the viewer.
pub struct ViewerFeed {
    on_air: Arc<OnAir>,
    id: ViewerId,
    wake: watch::Receiver<u64>,
    pending: VecDeque<Bytes>,
}

impl ViewerFeed {
    /// Calls `hook` once if the relay drops this viewer for stalling (it
    /// took nothing for [`RelayLimits::stall`]). Its driver's socket write
    /// is stuck then, so [`ViewerFeed::next`] is not being awaited and
    /// cannot see the end: the hook is how the driver learns to close the
    /// connection. Never called after the feed is dropped.
    pub fn on_stalled(&self, hook: impl FnOnce() + Send + 'static) {
        lock(&self.on_air.stall_hooks).insert(self.id, Box::new(hook));
    }

    /// The next bytes to send, waiting for the publisher if need be; `None`
    /// once the stream is over (or the viewer was dropped for stalling).
    pub async fn next(&mut self) -> Option<Bytes> {
        loop {
            if let Some(b) = self.pending.pop_front() {
                return Some(b);
            }
            // Seen before taking: a push after the take changes it again.
            self.wake.borrow_and_update();
            let take = self.on_air.relay().take_upto(self.id, TAKE_MAX);
            match take {
                // One write for what was taken (up to TAKE_MAX): each piece
                // would cost the driver a body frame, a chunk header and an iovec.
                Take::Data(d) if d.len() > 1 => return Some(d.concat().into()),
                Take::Data(d) => self.pending.extend(d),
                Take::Wait => {
                    if self.wake.changed().await.is_err() {
                        return None;
                    }
                }
                Take::End(_) => return None,
            }
        }
    }
}

impl Drop for ViewerFeed {
    fn drop(&mut self) {
        lock(&self.on_air.stall_hooks).remove(&self.id);
        self.on_air.relay().remove_viewer(self.id);
    }
}

/// The host name of a `Host` header value, without its port.
fn host_name(host: &str) -> Option<String> {
    let host = host.trim();
    let name = if let Some(rest) = host.strip_prefix('[') {
        format!("[{}]", rest.split(']').next()?)
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h).to_owned()
    };
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-[]:".contains(c));
    ok.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ingest_address_follows_the_host_the_device_reached() {
        let media = Media::default();
        assert!(
            media.ingest_for(Some("hub"), StreamKey::new("k")).is_none(),
            "off"
        );
        media.set_ingest_addr("0.0.0.0:1935".parse().expect("addr"));
        let at = |h: Option<&str>| media.ingest_for(h, StreamKey::new("k")).map(|i| i.url());
        assert_eq!(
            at(Some("hub.example:8080")).as_deref(),
            Some("rtmp://hub.example/live/k")
        );
        assert_eq!(
            at(Some("[::1]:8080")).as_deref(),
            Some("rtmp://[::1]/live/k")
        );
        assert_eq!(at(None).as_deref(), Some("rtmp://localhost/live/k"));
        assert_eq!(
            at(Some("bad/host")).as_deref(),
            Some("rtmp://localhost/live/k")
        );
        let other = Media::new(
            RelayLimits::default(),
            Some("rtmp://live.example/live/".into()),
        );
        other.set_ingest_addr("127.0.0.1:4000".parse().expect("addr"));
        let url = other
            .ingest_for(Some("hub"), StreamKey::new("k"))
            .map(|i| i.url());
        assert_eq!(url.as_deref(), Some("rtmp://live.example/live/k"));
        let local = Media::default();
        local.set_ingest_addr("127.0.0.1:4000".parse().expect("addr"));
        let url = local
            .ingest_for(Some("127.0.0.1:8080"), StreamKey::new("k"))
            .map(|i| i.url());
        assert_eq!(url.as_deref(), Some("rtmp://127.0.0.1:4000/live/k"));
    }
}
