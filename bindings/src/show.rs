//! Live selling across the FFI: the room a live session may open, the one
//! stream of [`ShowEvent`]s the shell listens to (stream figures, orders,
//! comments, viewers, pins, the link to the hub, order syncs, problems), the
//! room as the hub has it ([`LiveRoom`]) and what a session did
//! ([`LiveSummary`]).
//!
//! Buyers appear in a room only by a short display name (their first name,
//! cut to 24 characters); their phone and address never enter a room. Even
//! so, the `Debug` output of these records leaves out display names and
//! comment text, so a record printed to a log carries nothing a buyer wrote.

use crate::error::{FarmLiveError, Result, bounded};
use crate::live::LiveStats;
use crate::types::{Delivery, Money, SellingUnit};
use farmlive_core::protocol as p;
use farmlive_core::protocol::room::{RoomEvent, RoomEventBody, RoomStatus, RoomView};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

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

/// A buyer's order placed in the room. The order itself (with the buyer's
/// contact, for shipping) reaches [`crate::FarmLive::orders`] through the sync
/// that follows ([`ShowEvent::OrdersSynced`]).
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct RoomOrder {
    /// The order's id.
    pub order_id: String,
    /// The listing ordered.
    pub listing_id: String,
    /// Its title.
    pub title: String,
    /// Units ordered.
    pub quantity: i64,
    /// Selling unit.
    pub unit: SellingUnit,
    /// Price per unit charged.
    pub unit_price: Money,
    /// The same, formatted for display ("8.00 CNY").
    pub unit_price_text: String,
    /// What the buyer pays.
    pub total: Money,
    /// The same, formatted for display.
    pub total_text: String,
    /// Standard or non-contact.
    pub delivery: Delivery,
    /// True when the unit price was the pin's live price.
    pub live_price: bool,
    /// The buyer's display name (a first name).
    pub buyer: String,
    /// When it was placed (hub time, UTC ms).
    pub at: i64,
}

impl std::fmt::Debug for RoomOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoomOrder")
            .field("order_id", &self.order_id)
            .field("listing_id", &self.listing_id)
            .field("quantity", &self.quantity)
            .field("unit", &self.unit)
            .field("unit_price", &self.unit_price)
            .field("total", &self.total)
            .field("delivery", &self.delivery)
            .field("live_price", &self.live_price)
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

/// A buyer's comment.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct RoomComment {
    /// The buyer's display name (a first name).
    pub author: String,
    /// What they wrote (one line, at most 200 characters).
    pub text: String,
    /// When (hub time, UTC ms).
    pub at: i64,
}

impl std::fmt::Debug for RoomComment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RoomComment {{ {} characters, at: {} }}",
            self.text.chars().count(),
            self.at
        )
    }
}

/// A buyer who started or stopped watching.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct RoomViewer {
    /// The buyer's display name (a first name).
    pub name: String,
    /// Buyers watching now.
    pub viewers: u32,
    /// When (hub time, UTC ms).
    pub at: i64,
}

impl std::fmt::Debug for RoomViewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoomViewer")
            .field("viewers", &self.viewers)
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

/// The pinned listing: the one in front of buyers, at its live price if set.
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

impl RoomPin {
    fn new(
        listing: p::ListingId,
        title: String,
        price: p::Money,
        live_price: Option<p::Money>,
        at: i64,
    ) -> RoomPin {
        RoomPin {
            listing_id: listing.to_string(),
            title,
            price: price.into(),
            price_text: price.to_string(),
            live_price: live_price.map(Money::from),
            live_price_text: live_price.map(|m| m.to_string()),
            at,
        }
    }
}

/// One thing the farmer's live screen should show, from a background thread.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum ShowEvent {
    /// The stream's figures, once a second.
    Stats {
        /// The latest figures.
        stats: LiveStats,
    },
    /// A buyer ordered from the room.
    OrderPlaced {
        /// The order.
        order: RoomOrder,
    },
    /// A buyer commented.
    Comment {
        /// The comment.
        comment: RoomComment,
    },
    /// A buyer started watching.
    ViewerJoined {
        /// Who, and how many watch now.
        viewer: RoomViewer,
    },
    /// A buyer stopped watching.
    ViewerLeft {
        /// Who, and how many watch now.
        viewer: RoomViewer,
    },
    /// A listing was pinned.
    Pinned {
        /// The pin.
        pin: RoomPin,
    },
    /// The pinned listing was unpinned; its live price no longer applies.
    Unpinned {
        /// The listing.
        listing_id: String,
        /// When (hub time, UTC ms).
        at: i64,
    },
    /// The room ended. No room event follows.
    Ended {
        /// When (hub time, UTC ms).
        at: i64,
    },
    /// Connected to the room's events (again, after a drop).
    LinkConnected,
    /// The link to the room's events dropped; trying again after `delay_ms`.
    /// Nothing is missed: the events of the gap arrive after reconnecting.
    LinkReconnecting {
        /// Consecutive failures.
        attempt: u32,
        /// How long it waits first, ms.
        delay_ms: u64,
        /// What went wrong, for people.
        error: String,
    },
    /// A sync after new orders finished: the orders are in
    /// [`crate::FarmLive::orders`] now.
    OrdersSynced {
        /// Changes pulled (orders, listings with new stock).
        changes: u64,
    },
    /// Something failed in the background (following the room, syncing);
    /// the stream goes on. The message is for people.
    Problem {
        /// What failed.
        message: String,
    },
}

/// Receives a live session's [`ShowEvent`]s, from background threads. Keep it
/// quick (hand the event to the UI's queue): the core's threads wait for it.
#[uniffi::export(with_foreign)]
pub trait ShowListener: Send + Sync {
    /// One event.
    fn on_event(&self, event: ShowEvent);
}

fn room_event(e: RoomEvent) -> Result<ShowEvent> {
    let at = e.at;
    Ok(match e.body {
        RoomEventBody::OrderPlaced {
            order,
            listing,
            title,
            quantity,
            unit,
            unit_price,
            total,
            delivery,
            live_price,
            buyer,
        } => ShowEvent::OrderPlaced {
            order: RoomOrder {
                order_id: order.to_string(),
                listing_id: listing.to_string(),
                title,
                quantity,
                unit: unit.try_into()?,
                unit_price: unit_price.into(),
                unit_price_text: unit_price.to_string(),
                total: total.into(),
                total_text: total.to_string(),
                delivery: delivery.try_into()?,
                live_price,
                buyer,
                at,
            },
        },
        RoomEventBody::Comment { author, text } => ShowEvent::Comment {
            comment: RoomComment { author, text, at },
        },
        RoomEventBody::ViewerJoined { viewer, viewers } => ShowEvent::ViewerJoined {
            viewer: RoomViewer {
                name: viewer,
                viewers,
                at,
            },
        },
        RoomEventBody::ViewerLeft { viewer, viewers } => ShowEvent::ViewerLeft {
            viewer: RoomViewer {
                name: viewer,
                viewers,
                at,
            },
        },
        RoomEventBody::Pinned {
            listing,
            title,
            price,
            live_price,
        } => ShowEvent::Pinned {
            pin: RoomPin::new(listing, title, price, live_price, at),
        },
        RoomEventBody::Unpinned { listing } => ShowEvent::Unpinned {
            listing_id: listing.to_string(),
            at,
        },
        RoomEventBody::Ended => ShowEvent::Ended { at },
        #[allow(unreachable_patterns)] // the protocol's enum may grow
        _ => {
            return Err(FarmLiveError::Failure(
                "this version of the app cannot show a room event; update it".into(),
            ));
        }
    })
}

impl From<farmlive_core::ShowEvent> for ShowEvent {
    fn from(e: farmlive_core::ShowEvent) -> Self {
        use farmlive_core::RoomLink;
        match e {
            farmlive_core::ShowEvent::Stream(stats) => ShowEvent::Stats {
                stats: stats.into(),
            },
            farmlive_core::ShowEvent::Room(event) => {
                room_event(event).unwrap_or_else(|e| ShowEvent::Problem {
                    message: e.to_string(),
                })
            }
            farmlive_core::ShowEvent::Link(RoomLink::Connected { .. }) => ShowEvent::LinkConnected,
            farmlive_core::ShowEvent::Link(RoomLink::Reconnecting {
                attempt,
                delay,
                error,
            }) => ShowEvent::LinkReconnecting {
                attempt,
                delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error: bounded(error),
            },
            farmlive_core::ShowEvent::OrdersSynced { changes } => {
                ShowEvent::OrdersSynced { changes }
            }
            farmlive_core::ShowEvent::Problem(message) => ShowEvent::Problem {
                message: bounded(message),
            },
            #[allow(unreachable_patterns)] // the core's enum may grow
            _ => ShowEvent::Problem {
                message: "this version of the app cannot show an event of the live session".into(),
            },
        }
    }
}

/// The core's listener for a show: converts each event and hands it to the
/// shell's listener, if any. A listener that throws loses that one event; it
/// never takes the core's threads down.
pub(crate) fn forward_to(listener: Option<Arc<dyn ShowListener>>) -> farmlive_core::ShowListener {
    Arc::new(move |event: farmlive_core::ShowEvent| {
        if let Some(l) = &listener {
            let event = ShowEvent::from(event);
            let _ = catch_unwind(AssertUnwindSafe(|| l.on_event(event)));
        }
    })
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
/// or ending it). Viewer counts move on with [`ShowEvent::ViewerJoined`] and
/// [`ShowEvent::ViewerLeft`].
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

impl TryFrom<RoomView> for LiveRoom {
    type Error = FarmLiveError;
    fn try_from(r: RoomView) -> Result<Self> {
        // A pin is always of a listing on the shelf (the hub checks).
        let pinned = r.pin.and_then(|pin| {
            let listing = r.shelf.iter().find(|l| l.id == pin.listing)?;
            Some(RoomPin::new(
                pin.listing,
                listing.title.clone(),
                listing.price,
                pin.live_price,
                pin.pinned_at,
            ))
        });
        let shelf = r
            .shelf
            .into_iter()
            .map(|l| {
                Ok(ShelfListing {
                    listing_id: l.id.to_string(),
                    title: l.title,
                    unit: l.unit.try_into()?,
                    price: l.price.into(),
                    price_text: l.price.to_string(),
                    stock: l.stock,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(LiveRoom {
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
        })
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

impl TryFrom<farmlive_core::ShowSummary> for LiveSummary {
    type Error = FarmLiveError;
    fn try_from(s: farmlive_core::ShowSummary) -> Result<Self> {
        Ok(LiveSummary {
            stream: s.stream.into(),
            room: s.room.map(LiveRoom::try_from).transpose()?,
            orders: s.orders,
            comments: s.comments,
            peak_viewers: s.peak_viewers,
            takings: s.takings.map(Money::from),
            takings_text: s.takings.map(|m| m.to_string()),
        })
    }
}
