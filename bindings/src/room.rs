//! The room a live session sells from, across the FFI: what the shell asks
//! for ([`RoomOptions`]), the room as the hub last reported it
//! ([`LiveRoom`], its shelf and pin) and what a session did when it stopped
//! ([`LiveSummary`]). Pins come from core's room display model
//! ([`farmlive_core::room::display`]), as the CLI shows them.

use crate::remote::{LiveStats, SellingUnit};
use crate::types::Money;
use farmlive_core::protocol::room::{RoomStatus, RoomView};
use farmlive_core::room::display::DisplayPin;

/// The room to open with a live session: buyers watch it, comment, and order
/// the listings on its shelf (the pinned one at its live price, if set).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RoomOptions {
    /// What the session is called ("Mango harvest, Hainan"), 1–80 characters.
    pub title: String,
    /// Ids of the listings buyers may order (this farm's, 1 to 50).
    pub shelf: Vec<String>,
    /// The farm going live (name or id); `None` for the device's only farm.
    pub farm: Option<String>,
    /// Where buyers watch (an `https://` or `rtmp(s)://` playback address), if
    /// one is configured. Never the ingest address: that holds the stream key.
    pub playback_url: Option<String>,
}

/// The pinned listing: the one in front of buyers, at its live price if set.
/// (Ids as strings and prices with their display text, for the shells.)
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RoomPin {
    /// The listing.
    pub listing_id: String,
    /// Its title.
    pub title: String,
    /// The listing's own price.
    pub price: Money,
    /// The same, formatted for display.
    pub price_text: String,
    /// The price while pinned, if it differs from the listing's.
    pub live_price: Option<Money>,
    /// The same, formatted for display.
    pub live_price_text: Option<String>,
    /// When it was pinned (hub time, UTC ms).
    pub at: i64,
}

impl From<DisplayPin> for RoomPin {
    fn from(pin: DisplayPin) -> RoomPin {
        RoomPin {
            listing_id: pin.listing.to_string(),
            title: pin.title,
            price: pin.price.into(),
            price_text: pin.price.to_string(),
            live_price: pin.live_price.map(Money::from),
            live_price_text: pin.live_price.map(|m| m.to_string()),
            at: pin.at,
        }
    }
}

/// A listing on a room's shelf, as buyers see it now.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ShelfListing {
    /// The listing.
    pub listing_id: String,
    /// Title.
    pub title: String,
    /// Selling unit.
    pub unit: SellingUnit,
    /// The listing's own price.
    pub price: Money,
    /// The same, formatted for display.
    pub price_text: String,
    /// Units available.
    pub stock: i64,
}

/// A live room as the hub last reported it (after opening, pinning, unpinning
/// or ending it). Viewer counts move on with [`crate::ShowEvent::ViewerJoined`] and
/// [`crate::ShowEvent::ViewerLeft`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LiveRoom {
    /// The room's id (buyers order from it by this id).
    pub id: String,
    /// The title.
    pub title: String,
    /// The farm on air.
    pub farm_name: String,
    /// True while on air; false once ended.
    pub live: bool,
    /// The listings buyers may order.
    pub shelf: Vec<ShelfListing>,
    /// The pinned listing and its live price, if one is pinned.
    pub pinned: Option<RoomPin>,
    /// Buyers watching.
    pub viewers: u32,
    /// Where buyers watch, if configured.
    pub playback_url: Option<String>,
    /// When it opened (UTC ms).
    pub opened_at: i64,
    /// When it ended, if it has (UTC ms).
    pub ended_at: Option<i64>,
}

impl From<RoomView> for LiveRoom {
    fn from(r: RoomView) -> Self {
        let pinned = DisplayPin::of_room(&r).map(RoomPin::from);
        let shelf = r
            .shelf
            .into_iter()
            .map(|l| ShelfListing {
                listing_id: l.id.to_string(),
                title: l.title,
                unit: l.unit,
                price: l.price.into(),
                price_text: l.price.to_string(),
                stock: l.stock,
            })
            .collect();
        LiveRoom {
            id: r.id.to_string(),
            title: r.title,
            farm_name: r.farm.name,
            live: r.status == RoomStatus::Live,
            shelf,
            pinned,
            viewers: r.viewers,
            playback_url: r.playback_url,
            opened_at: r.opened_at,
            ended_at: r.ended_at,
        }
    }
}

/// What a live session did, when it stopped.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LiveSummary {
    /// The stream's final figures.
    pub stream: LiveStats,
    /// The room as it ended, if the session had one.
    pub room: Option<LiveRoom>,
    /// Orders placed in the room.
    pub orders: u64,
    /// Comments.
    pub comments: u64,
    /// Most buyers watching at once.
    pub peak_viewers: u32,
    /// The orders' totals summed; `None` with no order (or mixed currencies).
    pub takings: Option<Money>,
    /// The same, formatted for display.
    pub takings_text: Option<String>,
}

impl From<farmlive_core::ShowSummary> for LiveSummary {
    fn from(s: farmlive_core::ShowSummary) -> Self {
        LiveSummary {
            stream: s.stream,
            room: s.room.map(LiveRoom::from),
            orders: s.orders,
            comments: s.comments,
            peak_viewers: s.peak_viewers,
            takings: s.takings.map(Money::from),
            takings_text: s.takings.map(|m| m.to_string()),
        }
    }
}
