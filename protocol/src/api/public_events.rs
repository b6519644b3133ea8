//! What anyone may see of a room as it happens: the events of
//! [`super::rooms::PUBLIC_EVENTS`], for room pages opened without a buyer
//! (a link shared on social media) and for CDNs. Only what the room page
//! already shows to everyone: pins and prices, comments with their
//! author's display name, the orders ticker (display name, quantity,
//! title, unit price) and the viewer count. No order ids, totals or
//! delivery choices, and not who joined or left.

use crate::room::{RoomEvent, RoomEventBody};
use crate::{ListingId, Money, RoomId, Unit, UnixMillis};
use serde::{Deserialize, Serialize};

/// One public event; its `id` is the room event's, so the same cursor
/// (`Last-Event-ID`, `?after=`) resumes either stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicRoomEvent {
    /// The room event's id.
    pub id: u64,
    /// The room.
    pub room: RoomId,
    /// When (hub time, UTC ms).
    pub at: UnixMillis,
    /// What.
    #[serde(flatten)]
    pub body: PublicEventBody,
}

/// What happened, as the public sees it. The wire names are those of
/// [`RoomEventBody`], so a page handles both streams alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PublicEventBody {
    /// Someone ordered: the ticker's line.
    OrderPlaced {
        /// The listing.
        listing: ListingId,
        /// Its title.
        title: String,
        /// Units.
        quantity: i64,
        /// Selling unit.
        unit: Unit,
        /// Price per unit charged.
        unit_price: Money,
        /// True if the unit price was the pin's live price.
        live_price: bool,
        /// The buyer's display name (as the page's ticker shows it).
        buyer: String,
    },
    /// A comment.
    Comment {
        /// The author's display name.
        author: String,
        /// The comment.
        text: String,
    },
    /// The viewer count changed (a buyer or player came or went).
    Viewers {
        /// Watching now.
        viewers: u32,
    },
    /// A listing was pinned.
    Pinned {
        /// The listing.
        listing: ListingId,
        /// Its title.
        title: String,
        /// The listing's own price.
        price: Money,
        /// The price while pinned, if different.
        live_price: Option<Money>,
    },
    /// The pin was taken down.
    Unpinned {
        /// The listing.
        listing: ListingId,
    },
    /// The room ended. No event follows.
    Ended,
}

impl From<&RoomEvent> for PublicRoomEvent {
    fn from(e: &RoomEvent) -> Self {
        let body = match &e.body {
            RoomEventBody::OrderPlaced {
                listing,
                title,
                quantity,
                unit,
                unit_price,
                live_price,
                buyer,
                ..
            } => PublicEventBody::OrderPlaced {
                listing: *listing,
                title: title.clone(),
                quantity: *quantity,
                unit: *unit,
                unit_price: *unit_price,
                live_price: *live_price,
                buyer: buyer.clone(),
            },
            RoomEventBody::Comment { author, text } => PublicEventBody::Comment {
                author: author.clone(),
                text: text.clone(),
            },
            RoomEventBody::ViewerJoined { viewers, .. }
            | RoomEventBody::ViewerLeft { viewers, .. } => {
                PublicEventBody::Viewers { viewers: *viewers }
            }
            RoomEventBody::Pinned {
                listing,
                title,
                price,
                live_price,
            } => PublicEventBody::Pinned {
                listing: *listing,
                title: title.clone(),
                price: *price,
                live_price: *live_price,
            },
            RoomEventBody::Unpinned { listing } => PublicEventBody::Unpinned { listing: *listing },
            RoomEventBody::Ended => PublicEventBody::Ended,
        };
        PublicRoomEvent {
            id: e.id,
            room: e.room,
            at: e.at,
            body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::Delivery;
    use crate::{Currency, OrderId};

    #[test]
    fn an_order_shows_the_ticker_line_and_nothing_else() {
        let order = OrderId::new();
        let event = RoomEvent {
            id: 7,
            room: RoomId::new(),
            at: 1,
            body: RoomEventBody::OrderPlaced {
                order,
                listing: ListingId::new(),
                title: "Mangoes".into(),
                quantity: 2,
                unit: Unit::Jin,
                unit_price: Money::from_minor(1200, Currency::CNY),
                total: Money::from_minor(2400, Currency::CNY),
                delivery: Delivery::NonContact,
                live_price: true,
                buyer: "Wang".into(),
            },
        };
        let json = serde_json::to_string(&PublicRoomEvent::from(&event)).unwrap();
        assert!(json.contains(r#""type":"order_placed""#), "{json}");
        assert!(json.contains(r#""buyer":"Wang""#), "{json}");
        assert!(!json.contains(&order.to_string()), "no order id: {json}");
        assert!(!json.contains("2400") && !json.contains("non"), "{json}");
        assert!(
            !json.contains("total") && !json.contains("delivery"),
            "{json}"
        );
    }

    #[test]
    fn presence_shows_the_count_not_who() {
        for body in [
            RoomEventBody::ViewerJoined {
                viewer: "Xiao".into(),
                viewers: 3,
            },
            RoomEventBody::ViewerLeft {
                viewer: "Xiao".into(),
                viewers: 3,
            },
        ] {
            let event = RoomEvent {
                id: 1,
                room: RoomId::new(),
                at: 1,
                body,
            };
            let public = PublicRoomEvent::from(&event);
            assert_eq!(public.body, PublicEventBody::Viewers { viewers: 3 });
            let json = serde_json::to_string(&public).unwrap();
            assert!(!json.contains("Xiao"), "{json}");
            assert!(json.contains(r#""type":"viewers""#), "{json}");
        }
    }
}
