//! Live rooms from the farm's device: open a room for a live stream, pin a
//! listing (optionally at a live price), end it, and follow its events.
//!
//! The hub owns the room; this device keeps a copy of every event it
//! received (`room_events`) with its cursor, so the farmer can look back at a
//! session and a follower that restarts resumes exactly after the last event
//! it stored. Orders themselves land through sync, like any other order.

pub mod display;
mod follow;
mod local;

pub(crate) use follow::stream_room;
pub use follow::{FollowEnd, FollowOptions, RoomFeed, RoomLink};
pub use local::RoomRecord;

use crate::Core;
use crate::error::{Error, Result};
use crate::hub::{CancelToken, client};
use farmlive_protocol::api::{Call, Empty, rooms};
use farmlive_protocol::roles::Capability;
use farmlive_protocol::room::{
    self, OpenRoom, OpenedRoom, PinRequest, RoomError, RoomEvent, RoomView, validate_pin,
};
use farmlive_protocol::{FarmId, ListingId, Money, RoomId};
use serde::Serialize;
use std::time::Duration;

/// What a farmer fills in to go live with a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSetup {
    /// Which farm goes live.
    pub farm: FarmId,
    /// The stream's title.
    pub title: String,
    /// Listings buyers may order during the stream.
    pub shelf: Vec<ListingId>,
    /// Where buyers watch, if a playback address is configured.
    pub playback_url: Option<String>,
}

const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

impl From<RoomError> for Error {
    fn from(e: RoomError) -> Self {
        Error::InvalidArgument(e.to_string())
    }
}

/// Rooms are the farmer's: an agent's device is refused here, before
/// anything reaches the hub (see [`farmlive_protocol::roles`]).
impl Core {
    /// Opens a live room on the hub, after checking the setup here (title,
    /// shelf of this farm's listings, playback address). Any other live room
    /// of the farm is ended by the hub.
    pub async fn open_room(&self, setup: &RoomSetup) -> Result<RoomView> {
        Ok(self.open_room_to_publish(setup).await?.room)
    }

    /// Opens a live room as [`Core::open_room`] does, and returns with it
    /// where to publish its video on the hub itself (with the room's secret
    /// stream key; `None` if the hub takes no video). The key is not stored
    /// on this device: a new room gets a new one.
    pub async fn open_room_to_publish(&self, setup: &RoomSetup) -> Result<OpenedRoom> {
        self.require(Capability::RunRooms)?;
        let title = room::validate_room_title(&setup.title)?;
        let shelf = room::validate_shelf(&setup.shelf)?;
        let playback_url = room::validate_playback_url(setup.playback_url.as_deref())?;
        for id in &shelf {
            let listing = self.listing(*id)?;
            if listing.farm_id != setup.farm {
                return Err(Error::InvalidArgument(format!(
                    "the listing {:?} belongs to another farm",
                    listing.title
                )));
            }
        }
        let request = OpenRoom {
            farm: setup.farm,
            title,
            shelf,
            playback_url,
        };
        let opened = self
            .hub_client(REQUEST_TIMEOUT)?
            .call(rooms::OPEN.call(), &request)
            .await?;
        self.write_tx(|tx| local::save_room(tx, &opened.room))?;
        Ok(opened)
    }

    /// The room as the hub has it now.
    pub async fn fetch_room(&self, room: RoomId) -> Result<RoomView> {
        self.room_call(rooms::SHOW.call_for(room), &()).await
    }

    /// Pins a listing of the room's shelf, at `live_price` while pinned if
    /// given. Checked here first against the listing's price and currency.
    pub async fn pin(
        &self,
        room: RoomId,
        listing: ListingId,
        live_price: Option<Money>,
    ) -> Result<RoomView> {
        self.require(Capability::PinPrices)?;
        let shelf = local::shelf_hint(self, room).await?;
        let price = self.listing(listing)?.price;
        let request = PinRequest {
            listing,
            live_price,
        };
        validate_pin(&request, &shelf, price)?;
        self.room_call(rooms::PIN.call_for(room), &request).await
    }

    /// Unpins whatever is pinned; its live price stops applying at once.
    pub async fn unpin(&self, room: RoomId) -> Result<RoomView> {
        self.require(Capability::PinPrices)?;
        self.room_call(rooms::UNPIN.call_for(room), &()).await
    }

    /// Ends the room (idempotent).
    pub async fn end_room(&self, room: RoomId) -> Result<RoomView> {
        self.require(Capability::RunRooms)?;
        self.room_call(rooms::END.call_for(room), &Empty {}).await
    }

    /// Makes a call that answers with the room, and keeps the room's copy.
    async fn room_call<Req: Serialize>(
        &self,
        call: Call<Req, RoomView>,
        body: &Req,
    ) -> Result<RoomView> {
        let view = self.hub_client(REQUEST_TIMEOUT)?.call(call, body).await?;
        self.write_tx(|tx| local::save_room(tx, &view))?;
        Ok(view)
    }

    /// Follows the room's events until it ends or `cancel` is set, calling
    /// `on_event` once per event, in order, with none missed or repeated —
    /// across dropped connections and restarts of the app (each event is
    /// stored with the cursor before `on_event` sees it). `on_link` hears
    /// of connections and reconnections.
    pub async fn follow_room(
        &self,
        room: RoomId,
        options: &FollowOptions,
        cancel: &CancelToken,
        on_event: &(dyn Fn(&RoomEvent) + Send + Sync),
        on_link: &(dyn Fn(&RoomLink) + Send + Sync),
    ) -> Result<FollowEnd> {
        self.require(Capability::RunRooms)?;
        let client = self.hub_client_over(client::streaming_client(options.idle_timeout)?)?;
        let after = local::cursor(&self.store.reader(), room)?;
        let mut take = |event: &RoomEvent| {
            if self.write_tx(|tx| local::store_event(tx, event))? {
                on_event(event);
            }
            Ok(())
        };
        stream_room(&client, room, after, options, cancel, &mut take, on_link).await
    }

    /// Rooms this device opened, newest first.
    pub fn rooms(&self) -> Result<Vec<RoomRecord>> {
        local::rooms(&self.store.reader())
    }

    /// The events stored for `room` after event id `after`, oldest first, at
    /// most `limit`.
    pub fn room_events(&self, room: RoomId, after: u64, limit: u32) -> Result<Vec<RoomEvent>> {
        local::events(&self.store.reader(), room, after, limit)
    }
}
