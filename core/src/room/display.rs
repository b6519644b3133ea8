//! Room events as people see them: one display model for every surface that
//! shows a room — the CLI's dashboard and `buyer watch` (one line per event,
//! [`DisplayEvent`]'s `Display`) and the app's live screen (the bindings turn
//! each [`DisplayEvent`] into a `ShowEvent`). The wire's [`RoomEventBody`] is
//! read here once, with the event's time attached to what it shows.
//!
//! Buyers appear only by their short display name; even so, `Debug` leaves
//! out names and comment text, so a record printed to a log carries nothing a
//! buyer wrote.

use farmlive_protocol::room::{RoomEvent, RoomEventBody, RoomView};
use farmlive_protocol::{Delivery, ListingId, Money, OrderId, Unit, UnixMillis};
use std::fmt;

/// A buyer's order placed in the room.
#[derive(Clone, PartialEq, Eq)]
pub struct DisplayOrder {
    /// The order.
    pub order: OrderId,
    /// The listing ordered.
    pub listing: ListingId,
    /// Its title.
    pub title: String,
    /// Units ordered.
    pub quantity: i64,
    /// Selling unit.
    pub unit: Unit,
    /// Price per unit charged.
    pub unit_price: Money,
    /// What the buyer pays.
    pub total: Money,
    /// Standard or non-contact.
    pub delivery: Delivery,
    /// True when the unit price was the pin's live price.
    pub live_price: bool,
    /// The buyer's display name (a first name).
    pub buyer: String,
    /// When (hub time, UTC ms).
    pub at: UnixMillis,
}

impl fmt::Debug for DisplayOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DisplayOrder")
            .field("order", &self.order)
            .field("listing", &self.listing)
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
#[derive(Clone, PartialEq, Eq)]
pub struct DisplayComment {
    /// The buyer's display name (a first name).
    pub author: String,
    /// What they wrote (one line, at most 200 characters).
    pub text: String,
    /// When (hub time, UTC ms).
    pub at: UnixMillis,
}

impl fmt::Debug for DisplayComment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DisplayComment")
            .field("characters", &self.text.chars().count())
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

/// A buyer who started or stopped watching.
#[derive(Clone, PartialEq, Eq)]
pub struct DisplayViewer {
    /// The buyer's display name (a first name).
    pub name: String,
    /// Buyers watching now.
    pub viewers: u32,
    /// When (hub time, UTC ms).
    pub at: UnixMillis,
}

impl fmt::Debug for DisplayViewer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DisplayViewer")
            .field("viewers", &self.viewers)
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

/// The pinned listing: the one in front of buyers, at its live price if set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayPin {
    /// The listing.
    pub listing: ListingId,
    /// Its title.
    pub title: String,
    /// The listing's own price.
    pub price: Money,
    /// The price while pinned, if it differs from the listing's.
    pub live_price: Option<Money>,
    /// When it was pinned (hub time, UTC ms).
    pub at: UnixMillis,
}

impl DisplayPin {
    /// The pin of a room as the hub reported it, with the title and price of
    /// its shelf listing; `None` when nothing is pinned.
    pub fn of_room(room: &RoomView) -> Option<DisplayPin> {
        let pin = room.pin?;
        // A pin is always of a listing on the shelf (the hub checks).
        let listing = room.shelf.iter().find(|l| l.id == pin.listing)?;
        Some(DisplayPin {
            listing: pin.listing,
            title: listing.title.clone(),
            price: listing.price,
            live_price: pin.live_price,
            at: pin.pinned_at,
        })
    }
}

/// One room event, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DisplayEvent {
    /// A buyer ordered from the room.
    OrderPlaced(DisplayOrder),
    /// A buyer commented.
    Comment(DisplayComment),
    /// A buyer started watching.
    ViewerJoined(DisplayViewer),
    /// A buyer stopped watching.
    ViewerLeft(DisplayViewer),
    /// A listing was pinned.
    Pinned(DisplayPin),
    /// The pinned listing was unpinned; its live price no longer applies.
    Unpinned {
        /// The listing.
        listing: ListingId,
        /// When (hub time, UTC ms).
        at: UnixMillis,
    },
    /// The room ended. No room event follows.
    Ended {
        /// When (hub time, UTC ms).
        at: UnixMillis,
    },
}

impl From<RoomEvent> for DisplayEvent {
    fn from(e: RoomEvent) -> Self {
        let at = e.at;
        match e.body {
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
            } => DisplayEvent::OrderPlaced(DisplayOrder {
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
                at,
            }),
            RoomEventBody::Comment { author, text } => {
                DisplayEvent::Comment(DisplayComment { author, text, at })
            }
            RoomEventBody::ViewerJoined { viewer, viewers } => {
                DisplayEvent::ViewerJoined(DisplayViewer {
                    name: viewer,
                    viewers,
                    at,
                })
            }
            RoomEventBody::ViewerLeft { viewer, viewers } => {
                DisplayEvent::ViewerLeft(DisplayViewer {
                    name: viewer,
                    viewers,
                    at,
                })
            }
            RoomEventBody::Pinned {
                listing,
                title,
                price,
                live_price,
            } => DisplayEvent::Pinned(DisplayPin {
                listing,
                title,
                price,
                live_price,
                at,
            }),
            RoomEventBody::Unpinned { listing } => DisplayEvent::Unpinned { listing, at },
            RoomEventBody::Ended => DisplayEvent::Ended { at },
        }
    }
}

/// One line, as the farmer's dashboard and `buyer watch` print it.
impl fmt::Display for DisplayEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DisplayEvent::OrderPlaced(o) => write!(
                f,
                "🛒 {} ordered {} {} {} at {}{} = {}{}",
                o.buyer,
                o.quantity,
                o.unit,
                o.title,
                o.unit_price,
                if o.live_price { " (live price)" } else { "" },
                o.total,
                if o.delivery == Delivery::NonContact {
                    ", NON-CONTACT delivery"
                } else {
                    ""
                }
            ),
            DisplayEvent::Comment(c) => write!(f, "💬 {}: {}", c.author, c.text),
            DisplayEvent::ViewerJoined(v) => {
                write!(f, "👋 {} is watching ({} now)", v.name, v.viewers)
            }
            DisplayEvent::ViewerLeft(v) => {
                write!(f, "   {} left ({} watching)", v.name, v.viewers)
            }
            DisplayEvent::Pinned(p) => match p.live_price {
                Some(live) => write!(
                    f,
                    "📌 pinned {} at {live} live (usually {})",
                    p.title, p.price
                ),
                None => write!(f, "📌 pinned {} at {}", p.title, p.price),
            },
            DisplayEvent::Unpinned { .. } => {
                f.write_str("📌 unpinned; the live price no longer applies")
            }
            DisplayEvent::Ended { .. } => f.write_str("■ the live session ended"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use farmlive_protocol::{Currency, RoomId};

    fn event(body: RoomEventBody) -> RoomEvent {
        RoomEvent {
            id: 7,
            room: RoomId::new(),
            at: 1_700_000_000_000,
            body,
        }
    }

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    #[test]
    fn an_order_shows_its_buyer_price_and_delivery_in_one_line() {
        let shown = DisplayEvent::from(event(RoomEventBody::OrderPlaced {
            order: OrderId::new(),
            listing: ListingId::new(),
            title: "Mango".into(),
            quantity: 2,
            unit: Unit::Kg,
            unit_price: cny(880),
            total: cny(1760),
            delivery: Delivery::NonContact,
            live_price: true,
            buyer: "Mei".into(),
        }));
        let DisplayEvent::OrderPlaced(order) = &shown else {
            panic!("not an order: {shown:?}");
        };
        assert_eq!(order.at, 1_700_000_000_000);
        assert_eq!(
            shown.to_string(),
            "🛒 Mei ordered 2 kg Mango at 8.80 CNY (live price) = 17.60 CNY, NON-CONTACT delivery"
        );
    }

    #[test]
    fn debug_leaves_out_what_buyers_wrote() {
        let comment = DisplayEvent::from(event(RoomEventBody::Comment {
            author: "Mei".into(),
            text: "secret-ish words".into(),
        }));
        let joined = DisplayEvent::from(event(RoomEventBody::ViewerJoined {
            viewer: "Mei".into(),
            viewers: 3,
        }));
        for shown in [&comment, &joined] {
            let debug = format!("{shown:?}");
            assert!(
                !debug.contains("Mei") && !debug.contains("secret"),
                "{debug}"
            );
        }
        assert_eq!(comment.to_string(), "💬 Mei: secret-ish words");
        assert_eq!(joined.to_string(), "👋 Mei is watching (3 now)");
    }

    #[test]
    fn a_pin_shows_its_live_price_beside_the_usual_one() {
        let shown = DisplayEvent::from(event(RoomEventBody::Pinned {
            listing: ListingId::new(),
            title: "Mango".into(),
            price: cny(1000),
            live_price: Some(cny(880)),
        }));
        assert_eq!(
            shown.to_string(),
            "📌 pinned Mango at 8.80 CNY live (usually 10.00 CNY)"
        );
    }
}
