//! Going live to sell: the stream and the room start together and stop
//! together, and everything the farmer should see — stream figures, orders,
//! comments, viewers, pins, the link to the hub — arrives as one stream of
//! [`ShowEvent`]s.
//!
//! While on air the room's events are followed (reconnecting on any drop,
//! exactly once, see [`Core::follow_room`]), and each order placed starts a
//! sync so the order itself lands in the local store and the farmer can
//! accept and pack it.

use crate::error::{Error, Result};
use crate::room::{FollowEnd, FollowOptions, RoomLink, RoomSetup};
use crate::sync::SyncOptions;
use crate::{CancelToken, Core};
use farmlive_live::audio::AudioPusher;
use farmlive_live::video::VideoPusher;
use farmlive_live::{IngestUrl, LiveConfig, LiveSession, LiveStats};
use farmlive_protocol::room::{RoomEvent, RoomEventBody, RoomView};
use farmlive_protocol::{ListingId, Money, RoomId};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// One thing the farmer's screen should show.
#[derive(Debug, Clone, PartialEq)]
pub enum ShowEvent {
    /// The stream's figures, once a second.
    Stream(LiveStats),
    /// Something happened in the room (an order, a comment, a viewer, a pin).
    Room(RoomEvent),
    /// The link to the room's events connected or is reconnecting.
    Link(RoomLink),
    /// A sync after new orders finished; `changes` is what it pulled.
    OrdersSynced {
        /// Changes pulled (orders and listings with new stock).
        changes: u64,
    },
    /// An order must ship soon: 12 hours or 2 hours before its ship-by,
    /// each once, as [`Core::ship_reminders`] gives them (checked when the
    /// show starts, every minute on air and after each sync of new
    /// orders), so a farmer on air hears it without leaving the show.
    ShipReminder(crate::ShipReminder),
    /// Something failed in the background (following the room, syncing);
    /// the stream goes on. The message is safe to show.
    Problem(String),
}

/// How often a show on air checks for ship-by reminders due.
pub const REMIND_EVERY: Duration = Duration::from_secs(60);

/// Receives [`ShowEvent`]s, from background threads.
pub type ShowListener = Arc<dyn Fn(ShowEvent) + Send + Sync>;

/// What a live show needs.
pub struct ShowConfig {
    /// The stream: sources, size, bitrate, ingest and/or recording. With a
    /// room and no ingest, the stream goes to the hub's own ingest for the
    /// room (when the hub takes video).
    pub live: LiveConfig,
    /// The room to open, or none to stream without selling.
    pub room: Option<RoomSetup>,
    /// How to follow the room's events.
    pub follow: FollowOptions,
}

/// What a show did, when it stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct ShowSummary {
    /// The stream's final figures.
    pub stream: LiveStats,
    /// The room as it ended, if there was one.
    pub room: Option<RoomView>,
    /// Orders placed in the room, as the farmer's device saw them.
    pub orders: u64,
    /// Comments seen.
    pub comments: u64,
    /// Most buyers watching at once.
    pub peak_viewers: u32,
    /// Sum of the orders' totals (none if no order, or currencies differ).
    pub takings: Option<Money>,
}

#[derive(Default)]
struct Tally {
    orders: AtomicU64,
    comments: AtomicU64,
    peak_viewers: AtomicU64,
    takings: Mutex<Takings>,
}

#[derive(Default)]
enum Takings {
    #[default]
    Nothing,
    Sum(Money),
    Mixed,
}

impl Tally {
    fn count(&self, event: &RoomEvent) {
        match &event.body {
            RoomEventBody::OrderPlaced { total, .. } => {
                self.orders.fetch_add(1, Ordering::Relaxed);
                let mut t = self.takings.lock().unwrap_or_else(|p| p.into_inner());
                *t = match &*t {
                    Takings::Nothing => Takings::Sum(*total),
                    Takings::Sum(sum) if sum.currency == total.currency => {
                        Takings::Sum(Money::from_minor(sum.minor + total.minor, sum.currency))
                    }
                    _ => Takings::Mixed,
                };
            }
            RoomEventBody::Comment { .. } => {
                self.comments.fetch_add(1, Ordering::Relaxed);
            }
            RoomEventBody::ViewerJoined { viewers, .. }
            | RoomEventBody::ViewerLeft { viewers, .. } => {
                self.peak_viewers
                    .fetch_max(u64::from(*viewers), Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

/// A farmer on air: a live stream and, if set up, its room. Dropping it
/// without [`Show::stop`] stops the stream and ends the room in the
/// background (no summary, no final sync).
pub struct Show {
    core: Arc<Core>,
    session: Option<LiveSession>,
    room: Mutex<Option<RoomView>>,
    cancel: CancelToken,
    follower: Option<JoinHandle<Result<FollowEnd>>>,
    puller: Option<JoinHandle<()>>,
    reminder: Option<JoinHandle<()>>,
    stats: Option<std::thread::JoinHandle<()>>,
    tally: Arc<Tally>,
    /// The runtime the show started on: a show dropped without `stop` (an
    /// app screen torn down) ends its room there, from any thread.
    runtime: tokio::runtime::Handle,
    /// `stop` has ended the room (or tried to): nothing left for `Drop`.
    room_closed: bool,
    /// The stream goes to the hub's own ingest for the room.
    to_hub: bool,
}

impl std::fmt::Debug for Show {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Show")
            .field("room", &self.room_id())
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl Show {
    /// Opens the room (if any) on the hub, then starts the stream; if the
    /// stream cannot start, the room is ended again. Must run inside a tokio
    /// runtime, which the room's follower and the order syncs run on.
    pub async fn start(
        core: Arc<Core>,
        config: ShowConfig,
        listener: ShowListener,
    ) -> Result<Show> {
        let (room, hub_ingest) = match &config.room {
            Some(setup) => {
                let opened = core.open_room_to_publish(setup).await?;
                (Some(opened.room), opened.ingest)
            }
            None => (None, None),
        };
        let mut live = config.live;
        // No ingest given: the room's own on the hub (its key stays in memory).
        let to_hub = live.ingest.is_none() && hub_ingest.is_some();
        let started = match hub_ingest.filter(|_| to_hub) {
            Some(ingest) => IngestUrl::parse(&ingest.url()).map(|url| live.ingest = Some(url)),
            None => Ok(()),
        }
        .and_then(|()| LiveSession::start(live));
        let session = match started {
            Ok(s) => s,
            Err(e) => {
                if let Some(r) = &room {
                    if let Err(end) = core.end_room(r.id).await {
                        tracing::warn!(target: "farmlive::show", "could not end the room: {end}");
                    }
                }
                return Err(e.into());
            }
        };
        let stats = {
            let updates = session.subscribe();
            let listener = listener.clone();
            std::thread::Builder::new()
                .name("farmlive-show-stats".into())
                .spawn(move || {
                    for s in updates {
                        listener(ShowEvent::Stream(s));
                    }
                })
                .map_err(|e| Error::io("start the stats thread", e))?
        };
        let mut show = Show {
            core,
            session: Some(session),
            room: Mutex::new(room.clone()),
            cancel: CancelToken::new(),
            follower: None,
            puller: None,
            reminder: None,
            stats: Some(stats),
            tally: Arc::new(Tally::default()),
            runtime: tokio::runtime::Handle::current(),
            room_closed: false,
            to_hub,
        };
        let synced = Arc::new(Notify::new());
        show.reminder = Some(tokio::spawn(remind(
            show.core.clone(),
            synced.clone(),
            show.cancel.clone(),
            listener.clone(),
        )));
        if let Some(room) = room {
            let orders = Arc::new(Notify::new());
            show.puller = Some(tokio::spawn(pull_orders(
                show.core.clone(),
                orders.clone(),
                synced,
                show.cancel.clone(),
                listener.clone(),
            )));
            show.follower = Some(tokio::spawn(follow(
                show.core.clone(),
                room.id,
                config.follow,
                show.cancel.clone(),
                show.tally.clone(),
                orders,
                listener,
            )));
        }
        Ok(show)
    }

    /// True if the stream goes to the hub's own ingest for the room (no
    /// other ingest was given).
    pub fn publishes_to_hub(&self) -> bool {
        self.to_hub
    }

    /// The room's id, if the show has a room.
    pub fn room_id(&self) -> Option<RoomId> {
        self.room().map(|r| r.id)
    }

    /// The room as last heard from the hub (after open, pin, unpin).
    pub fn room(&self) -> Option<RoomView> {
        self.room.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn require_room(&self) -> Result<RoomId> {
        self.room_id().ok_or_else(|| {
            Error::InvalidArgument("this live stream has no room to pin products in".into())
        })
    }

    /// Pins a listing of the shelf, at `live_price` while pinned if given.
    pub async fn pin(&self, listing: ListingId, live_price: Option<Money>) -> Result<RoomView> {
        let view = self
            .core
            .pin(self.require_room()?, listing, live_price)
            .await?;
        *self.room.lock().unwrap_or_else(|p| p.into_inner()) = Some(view.clone());
        Ok(view)
    }

    /// Unpins the pinned listing; its live price stops applying.
    pub async fn unpin(&self) -> Result<RoomView> {
        let view = self.core.unpin(self.require_room()?).await?;
        *self.room.lock().unwrap_or_else(|p| p.into_inner()) = Some(view.clone());
        Ok(view)
    }

    /// The handle for camera frames, if the stream takes pushed frames.
    pub fn video_pusher(&self) -> Option<VideoPusher> {
        self.session.as_ref().and_then(LiveSession::video_pusher)
    }

    /// The handle for microphone PCM, if the stream takes pushed audio.
    pub fn audio_pusher(&self) -> Option<AudioPusher> {
        self.session.as_ref().and_then(LiveSession::audio_pusher)
    }

    /// The stream's latest figures.
    pub fn stream_stats(&self) -> LiveStats {
        self.session
            .as_ref()
            .map(LiveSession::latest_stats)
            .unwrap_or_default()
    }

    /// Caps the video bitrate (e.g. when the phone gets hot).
    pub fn set_bitrate_cap(&self, bps: u32) {
        if let Some(s) = &self.session {
            s.set_bitrate_cap(bps);
        }
    }

    /// True once the stream ended by itself (its source or duration ran out).
    pub fn stream_finished(&self) -> bool {
        self.session.as_ref().is_none_or(LiveSession::is_finished)
    }

    /// Stops the stream (sending what is queued), ends the room, waits
    /// briefly for its last events, syncs the orders, and sums up. The room
    /// is ended even if the stream failed; the first error is returned.
    pub async fn stop(mut self) -> Result<ShowSummary> {
        let session = self.session.take();
        let stopped =
            match tokio::task::spawn_blocking(move || session.map(LiveSession::stop)).await {
                Ok(r) => r.transpose().map_err(Error::from),
                Err(e) => Err(Error::InvalidArgument(format!(
                    "stopping the stream failed: {e}"
                ))),
            };
        let (stream, stream_error) = match stopped {
            Ok(s) => (s.unwrap_or_default(), None),
            Err(e) => (LiveStats::default(), Some(e)),
        };
        if let Some(stats) = self.stats.take() {
            let _ = tokio::task::spawn_blocking(move || stats.join()).await;
        }
        let mut room = self.room();
        let mut ending = Ok(());
        if let Some(id) = self.room_id() {
            match end_with_retries(&self.core, id).await {
                Ok(view) => room = Some(view),
                Err(e) => ending = Err(e),
            }
        }
        self.room_closed = true;
        if let Some(follower) = self.follower.take() {
            // The follower stops at the room's Ended event; give it a moment.
            let wait = tokio::time::timeout(Duration::from_secs(5), follower);
            if wait.await.is_err() {
                self.cancel.cancel();
            }
        }
        self.cancel.cancel();
        if let Some(puller) = self.puller.take() {
            let _ = puller.await;
        }
        if let Some(reminder) = self.reminder.take() {
            let _ = reminder.await;
        }
        if room.is_some() {
            // The orders placed in the last moments, so packing can start.
            let _ = self
                .core
                .sync(&SyncOptions::default(), &CancelToken::new(), &|_| {})
                .await;
        }
        if let Some(e) = stream_error {
            return Err(e);
        }
        ending?;
        let takings = match &*self.tally.takings.lock().unwrap_or_else(|p| p.into_inner()) {
            Takings::Sum(m) => Some(*m),
            _ => None,
        };
        Ok(ShowSummary {
            stream,
            room,
            orders: self.tally.orders.load(Ordering::Relaxed),
            comments: self.tally.comments.load(Ordering::Relaxed),
            peak_viewers: u32::try_from(self.tally.peak_viewers.load(Ordering::Relaxed))
                .unwrap_or(u32::MAX),
            takings,
        })
    }
}

impl Drop for Show {
    fn drop(&mut self) {
        // Dropped without stop(): stop the background work and end the room
        // in the background, so buyers are not left watching a dead room.
        // The stream stops as its session drops.
        self.cancel.cancel();
        if self.room_closed {
            return;
        }
        if let Some(id) = self.room_id() {
            let core = self.core.clone();
            self.runtime.spawn(async move {
                if let Err(e) = end_with_retries(&core, id).await {
                    tracing::warn!(target: "farmlive::show", "could not end the room: {e}");
                }
            });
        }
    }
}

async fn end_with_retries(core: &Core, room: RoomId) -> Result<RoomView> {
    let mut attempt = 0;
    loop {
        match core.end_room(room).await {
            Err(e) if e.is_transient() && attempt < 4 => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(250 << attempt)).await;
            }
            other => return other,
        }
    }
}

async fn follow(
    core: Arc<Core>,
    room: RoomId,
    options: FollowOptions,
    cancel: CancelToken,
    tally: Arc<Tally>,
    orders: Arc<Notify>,
    listener: ShowListener,
) -> Result<FollowEnd> {
    let on_event = |e: &RoomEvent| {
        tally.count(e);
        if matches!(e.body, RoomEventBody::OrderPlaced { .. }) {
            orders.notify_one();
        }
        listener(ShowEvent::Room(e.clone()));
    };
    let on_link = |l: &RoomLink| listener(ShowEvent::Link(l.clone()));
    let end = core
        .follow_room(room, &options, &cancel, &on_event, &on_link)
        .await;
    if let Err(e) = &end {
        listener(ShowEvent::Problem(format!(
            "stopped following the room: {e}"
        )));
    }
    end
}

/// Syncs after orders arrive. A burst of orders coalesces into one sync
/// (plus one more if orders arrive while it runs).
async fn pull_orders(
    core: Arc<Core>,
    orders: Arc<Notify>,
    synced: Arc<Notify>,
    cancel: CancelToken,
    listener: ShowListener,
) {
    loop {
        tokio::select! {
            _ = orders.notified() => {}
            _ = cancel.cancelled() => return,
        }
        match core.sync(&SyncOptions::default(), &cancel, &|_| {}).await {
            Ok(report) => {
                listener(ShowEvent::OrdersSynced {
                    changes: report.progress.changes_pulled,
                });
                synced.notify_one();
            }
            Err(Error::Cancelled) => return,
            Err(e) => listener(ShowEvent::Problem(format!(
                "could not sync the new orders: {e}"
            ))),
        }
    }
}

/// Gives the ship-by reminders due while the show is on: at once, every
/// [`REMIND_EVERY`], and after each sync of new orders. Each is given once
/// ([`Core::ship_reminders`] records it), so the app's own check after a
/// sync does not repeat one heard on air.
async fn remind(core: Arc<Core>, synced: Arc<Notify>, cancel: CancelToken, listener: ShowListener) {
    loop {
        match core.ship_reminders() {
            Ok(due) => {
                for reminder in due {
                    listener(ShowEvent::ShipReminder(reminder));
                }
            }
            Err(e) => listener(ShowEvent::Problem(format!(
                "could not check the ship-by reminders: {e}"
            ))),
        }
        tokio::select! {
            _ = tokio::time::sleep(REMIND_EVERY) => {}
            _ = synced.notified() => {}
            _ = cancel.cancelled() => return,
        }
    }
}
