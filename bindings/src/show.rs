//! The one stream of [`ShowEvent`]s a live session's shell listens to: stream
//! figures, orders, comments, viewers, pins, the link to the hub, order syncs
//! and problems. Room events come through core's display model
//! ([`farmlive_core::room::display`]), the same one the CLI prints.
//!
//! Buyers appear in a room only by a short display name (their first name,
//! cut to 24 characters); their phone and address never enter a room. Even
//! so, the `Debug` output of these records leaves out display names and
//! comment text, so a record printed to a log carries nothing a buyer wrote.

use crate::error::bounded;
use crate::remote::{Delivery, LiveStats, SellingUnit};
use crate::room::RoomPin;
use crate::types::Money;
use farmlive_core::room::display::{DisplayEvent, DisplayViewer};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

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
        // No title or buyer: what a buyer chose and who they are stay out of logs.
        write!(
            f,
            "RoomOrder {{ {} of {}: {} {:?} at {}{} = {} ({:?}), at {} }}",
            self.order_id,
            self.listing_id,
            self.quantity,
            self.unit,
            self.unit_price_text,
            if self.live_price { " live" } else { "" },
            self.total_text,
            self.delivery,
            self.at
        )
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
        write!(
            f,
            "RoomViewer {{ {} watching, at: {} }}",
            self.viewers, self.at
        )
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
    /// An order must ship soon: 12 or 2 hours before its ship-by, each
    /// once (the same reminders as [`crate::FarmLive::ship_reminders`],
    /// which then does not give it again). The shell words it in its
    /// own language from these fields.
    ShipReminder {
        /// The order's id.
        order_id: String,
        /// What was ordered.
        title: String,
        /// How much, in `unit`.
        quantity: i64,
        /// The unit of `quantity`.
        unit: SellingUnit,
        /// Hours left when it fell due (12 or 2).
        hours_left: u32,
        /// When it must ship by (UTC ms).
        ship_by_ms: i64,
        /// The destination city's id, when ordered over a route.
        city: Option<String>,
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

impl From<DisplayEvent> for ShowEvent {
    fn from(e: DisplayEvent) -> Self {
        match e {
            DisplayEvent::OrderPlaced(o) => ShowEvent::OrderPlaced {
                order: RoomOrder {
                    order_id: o.order.to_string(),
                    listing_id: o.listing.to_string(),
                    unit: o.unit,
                    unit_price: o.unit_price.into(),
                    unit_price_text: o.unit_price.to_string(),
                    total: o.total.into(),
                    total_text: o.total.to_string(),
                    delivery: o.delivery,
                    title: o.title,
                    quantity: o.quantity,
                    live_price: o.live_price,
                    buyer: o.buyer,
                    at: o.at,
                },
            },
            DisplayEvent::Comment(c) => ShowEvent::Comment {
                comment: RoomComment {
                    author: c.author,
                    text: c.text,
                    at: c.at,
                },
            },
            DisplayEvent::ViewerJoined(v) => ShowEvent::ViewerJoined { viewer: v.into() },
            DisplayEvent::ViewerLeft(v) => ShowEvent::ViewerLeft { viewer: v.into() },
            DisplayEvent::Pinned(pin) => ShowEvent::Pinned { pin: pin.into() },
            DisplayEvent::Unpinned { listing, at } => ShowEvent::Unpinned {
                listing_id: listing.to_string(),
                at,
            },
            DisplayEvent::Ended { at } => ShowEvent::Ended { at },
        }
    }
}

impl From<DisplayViewer> for RoomViewer {
    fn from(v: DisplayViewer) -> Self {
        RoomViewer {
            name: v.name,
            viewers: v.viewers,
            at: v.at,
        }
    }
}

impl From<farmlive_core::ShowEvent> for ShowEvent {
    fn from(e: farmlive_core::ShowEvent) -> Self {
        use farmlive_core::RoomLink;
        match e {
            farmlive_core::ShowEvent::Stream(stats) => ShowEvent::Stats { stats },
            farmlive_core::ShowEvent::Room(event) => DisplayEvent::from(event).into(),
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
            farmlive_core::ShowEvent::ShipReminder(r) => ShowEvent::ShipReminder {
                order_id: r.order.to_string(),
                title: r.title,
                quantity: r.quantity,
                unit: r.unit,
                hours_left: r.hours_left,
                ship_by_ms: r.ship_by,
                city: r.city,
            },
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

#[cfg(test)]
mod tests {
    use super::*;
    use farmlive_core::protocol::room::{RoomEvent, RoomEventBody};
    use farmlive_core::protocol::{Currency, ListingId, Money as CoreMoney, OrderId, RoomId};

    #[test]
    fn a_room_order_reaches_the_shell_with_display_texts_and_a_quiet_debug() {
        let cny = |minor| CoreMoney::from_minor(minor, Currency::CNY);
        let event = farmlive_core::ShowEvent::Room(RoomEvent {
            id: 1,
            room: RoomId::new(),
            at: 1_700_000_000_000,
            body: RoomEventBody::OrderPlaced {
                order: OrderId::new(),
                listing: ListingId::new(),
                title: "Mango".into(),
                quantity: 2,
                unit: SellingUnit::Kg,
                unit_price: cny(880),
                total: cny(1760),
                delivery: Delivery::NonContact,
                live_price: true,
                buyer: "Mei".into(),
            },
        });
        let ShowEvent::OrderPlaced { order } = ShowEvent::from(event) else {
            panic!("not an order");
        };
        assert_eq!(order.unit_price_text, "8.80 CNY");
        assert_eq!(order.total_text, "17.60 CNY");
        assert_eq!(order.total, Money::from(cny(1760)));
        assert_eq!((order.buyer.as_str(), order.at), ("Mei", 1_700_000_000_000));
        let debug = format!("{order:?}");
        assert!(
            !debug.contains("Mei") && !debug.contains("Mango"),
            "{debug}"
        );
    }
}
