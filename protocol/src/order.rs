//! The order state machine:
//! `placed → accepted → packed → shipped → delivered`, and `cancelled` from
//! `placed` or `accepted` (by the buyer or the farmer, with a reason).
//!
//! Orders must ship within 72 hours of being placed; one with under 12 hours
//! left is at risk and shown first.

pub use crate::delivery::Delivery;
use crate::photo_ref::PhotoRef;
use crate::rejection::Rejection;
use crate::{BuyerId, FarmId, ListingId, Money, OrderId, Unit, UnixMillis};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Time a farmer has to ship an order.
pub const SHIP_WITHIN_MS: i64 = 72 * 3_600_000;
/// Time left under which an unshipped order is at risk.
pub const AT_RISK_UNDER_MS: i64 = 12 * 3_600_000;
/// Longest carrier name or tracking number, in characters.
pub const SHIPMENT_FIELD_MAX_CHARS: usize = 64;
/// Longest cancellation reason, in characters.
pub const CANCEL_REASON_MAX_CHARS: usize = 500;

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// The buyer ordered; the farmer has not answered.
    Placed,
    /// The farmer will fulfil it.
    Accepted,
    /// Packed, waiting for the carrier.
    Packed,
    /// Handed to a carrier with a tracking number.
    Shipped,
    /// Received by the buyer. Final.
    Delivered,
    /// Cancelled by the buyer or the farmer. Final.
    Cancelled,
}

impl OrderStatus {
    /// Every status, in life order.
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Placed,
        OrderStatus::Accepted,
        OrderStatus::Packed,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
    ];

    /// Stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Accepted => "accepted",
            OrderStatus::Packed => "packed",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// True until the order has been handed to a carrier (or ended).
    pub fn awaits_shipping(self) -> bool {
        matches!(
            self,
            OrderStatus::Placed | OrderStatus::Accepted | OrderStatus::Packed
        )
    }

    /// The status after `action`, or why that action is not allowed now.
    pub fn apply(self, action: &OrderAction) -> Result<OrderStatus, TransitionError> {
        use OrderStatus::*;
        let next = match (self, action) {
            (Placed, OrderAction::Accept) => Accepted,
            (Accepted, OrderAction::Pack) => Packed,
            (Packed, OrderAction::Ship { carrier, tracking }) => {
                if carrier.trim().is_empty() || tracking.trim().is_empty() {
                    return Err(TransitionError::ShipmentIncomplete);
                }
                let too_long = |s: &str| s.trim().chars().count() > SHIPMENT_FIELD_MAX_CHARS;
                if too_long(carrier) || too_long(tracking) {
                    return Err(TransitionError::ShipmentFieldTooLong {
                        max: SHIPMENT_FIELD_MAX_CHARS,
                    });
                }
                Shipped
            }
            (Shipped, OrderAction::Deliver { .. }) => Delivered,
            (Placed | Accepted, OrderAction::Cancel { reason, .. }) => {
                let len = reason.trim().chars().count();
                if len == 0 {
                    return Err(TransitionError::CancelReasonMissing);
                }
                if len > CANCEL_REASON_MAX_CHARS {
                    return Err(TransitionError::CancelReasonTooLong {
                        max: CANCEL_REASON_MAX_CHARS,
                    });
                }
                Cancelled
            }
            (from, action) => {
                return Err(TransitionError::NotAllowed {
                    from,
                    action: action.name(),
                });
            }
        };
        Ok(next)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status name FarmLive does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown order status {0:?}; use placed, accepted, packed, shipped, delivered or cancelled"
)]
pub struct UnknownOrderStatus(pub String);

impl FromStr for OrderStatus {
    type Err = UnknownOrderStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrderStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s.trim())
            .ok_or_else(|| UnknownOrderStatus(s.trim().chars().take(16).collect()))
    }
}

/// Who cancelled an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelledBy {
    /// The buyer.
    Buyer,
    /// The farmer (or an agent for the farm).
    Farmer,
}

/// Something a farmer or buyer does to an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum OrderAction {
    /// The farmer takes the order.
    Accept,
    /// The farmer has packed it.
    Pack,
    /// Handed to a carrier.
    Ship {
        /// Carrier name, e.g. "SF Express".
        carrier: String,
        /// The carrier's tracking number.
        tracking: String,
    },
    /// The buyer received it. A non-contact order carries a photo of the
    /// parcel at the door ([`Delivery::check_photo`]); older devices sent
    /// none, so it is optional on the wire.
    Deliver {
        /// The delivery photo, uploaded before the op is pushed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        photo: Option<PhotoRef>,
    },
    /// The order will not be fulfilled.
    Cancel {
        /// Who cancelled.
        by: CancelledBy,
        /// Why, in the canceller's words.
        reason: String,
    },
}

impl OrderAction {
    /// A short verb for messages.
    pub fn name(&self) -> &'static str {
        match self {
            OrderAction::Accept => "accept",
            OrderAction::Pack => "pack",
            OrderAction::Ship { .. } => "ship",
            OrderAction::Deliver { .. } => "mark delivered",
            OrderAction::Cancel { .. } => "cancel",
        }
    }
}

/// Why an order action is not allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The action does not follow from the current status.
    #[error("cannot {action} an order that is {from}{}", hint(*from, action))]
    NotAllowed {
        /// The order's status.
        from: OrderStatus,
        /// The action attempted.
        action: &'static str,
    },
    /// Shipping without carrier or tracking number.
    #[error("shipping needs a carrier and a tracking number")]
    ShipmentIncomplete,
    /// Carrier or tracking number too long.
    #[error("the carrier and tracking number must each be at most {max} characters")]
    ShipmentFieldTooLong {
        /// The limit.
        max: usize,
    },
    /// Cancelling without a reason.
    #[error("say why the order is cancelled")]
    CancelReasonMissing,
    /// Reason too long.
    #[error("the reason must be at most {max} characters")]
    CancelReasonTooLong {
        /// The limit.
        max: usize,
    },
}

fn hint(from: OrderStatus, action: &str) -> &'static str {
    match (from, action) {
        (OrderStatus::Placed, "pack") => "; accept it first",
        (OrderStatus::Placed | OrderStatus::Accepted, "ship") => "; pack it first",
        (OrderStatus::Cancelled, _) => "; it was cancelled",
        (OrderStatus::Packed | OrderStatus::Shipped, "cancel") => {
            "; it is already on its way to the buyer"
        }
        _ => "",
    }
}

/// How to reach the buyer: personal data. Kept out of logs, errors and
/// `Debug` output; shown only to the farm that ships the order.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BuyerContact {
    /// The buyer's name.
    pub name: String,
    /// Phone number.
    pub phone: String,
    /// Delivery address.
    pub address: String,
}

impl fmt::Debug for BuyerContact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BuyerContact(redacted)")
    }
}

/// A shipment's carrier and tracking number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    /// Carrier name.
    pub carrier: String,
    /// Tracking number.
    pub tracking: String,
}

/// Who cancelled and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    /// Who cancelled.
    pub by: CancelledBy,
    /// Their reason.
    pub reason: String,
}

/// An order as the hub holds it and sends it to the farm's devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderState {
    /// Its id.
    pub id: OrderId,
    /// The listing ordered.
    pub listing: ListingId,
    /// The farm that ships it.
    pub farm: FarmId,
    /// The buyer.
    pub buyer: BuyerId,
    /// The listing's title when ordered.
    pub title: String,
    /// Units ordered.
    pub quantity: i64,
    /// Selling unit.
    pub unit: Unit,
    /// Price per unit charged (the live price if one applied).
    pub unit_price: Money,
    /// quantity × unit price.
    pub total: Money,
    /// Standard or non-contact.
    pub delivery: Delivery,
    /// Where it is in its life.
    pub status: OrderStatus,
    /// When the buyer placed it (UTC ms).
    pub placed_at: UnixMillis,
    /// When its status last changed (UTC ms).
    pub updated_at: UnixMillis,
    /// Set once shipped.
    pub shipment: Option<Shipment>,
    /// Set once cancelled.
    pub cancellation: Option<Cancellation>,
    /// How to reach the buyer.
    pub contact: BuyerContact,
    /// The photo taken on delivery (always for a non-contact order): the
    /// buyer's doorstep, so personal data, shown only to the buyer and the farm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_photo: Option<PhotoRef>,
    /// The live room whose shelf held the listing when the order was
    /// placed: an on-air sale. `None` for an order placed off air (and for
    /// orders from hubs before this field existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<crate::RoomId>,
    /// Where it goes and what was promised, when the buyer chose a city.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<OrderRoute>,
}

/// The route an order travels and the date promised to its buyer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRoute {
    /// The destination city's id ([`crate::cities`]).
    pub city: String,
    /// Who carries it.
    pub carrier: String,
    /// Days on the road after shipping.
    pub transit_days: u32,
    /// Promised arrival (UTC ms): the ship-by plus the transit
    /// ([`crate::routes::promised_delivery`]).
    pub promised_by: UnixMillis,
}

impl OrderState {
    /// The order after `action` at `now`, or why it cannot happen, in words
    /// that say what the other side did ("the buyer cancelled this order
    /// before you could accept it").
    pub fn apply(&self, action: &OrderAction, now: UnixMillis) -> Result<OrderState, Rejection> {
        // The 72-hour promise: once it is broken, the buyer may cancel even
        // a packed order (still the same checks on the reason).
        let overdue_cancel = self.status == OrderStatus::Packed
            && self.is_overdue(now)
            && matches!(
                action,
                OrderAction::Cancel {
                    by: CancelledBy::Buyer,
                    ..
                }
            );
        let from = if overdue_cancel {
            OrderStatus::Accepted
        } else {
            self.status
        };
        let status = from
            .apply(action)
            .map_err(|e| match (&e, &self.cancellation) {
                (TransitionError::NotAllowed { .. }, Some(c)) if c.by == CancelledBy::Buyer => {
                    Rejection::new(
                        "cancelled_by_buyer",
                        format!(
                            "the buyer cancelled this order before you could {} it: {}",
                            action.name(),
                            c.reason
                        ),
                    )
                }
                (TransitionError::NotAllowed { .. }, _) => {
                    Rejection::new("transition", e.to_string())
                }
                _ => Rejection::new("invalid", e.to_string()),
            })?;
        if let OrderAction::Deliver { photo } = action {
            self.delivery.check_photo(photo.as_ref())?;
        }
        let mut next = self.clone();
        next.status = status;
        next.updated_at = now;
        match action {
            OrderAction::Ship { carrier, tracking } => {
                next.shipment = Some(Shipment {
                    carrier: carrier.trim().to_owned(),
                    tracking: tracking.trim().to_owned(),
                });
            }
            OrderAction::Cancel { by, reason } => {
                next.cancellation = Some(Cancellation {
                    by: *by,
                    reason: reason.trim().to_owned(),
                });
            }
            OrderAction::Deliver { photo } => next.delivery_photo = photo.clone(),
            _ => {}
        }
        Ok(next)
    }

    /// When it must ship by.
    pub fn ship_by(&self) -> UnixMillis {
        ship_by(self.placed_at)
    }

    /// True when it still waits to ship with under 12 hours left.
    pub fn is_at_risk(&self, now: UnixMillis) -> bool {
        is_at_risk(self.status, self.placed_at, now)
    }

    /// True when it still waits to ship past its ship-by: the promise is
    /// broken, and the buyer may cancel it.
    pub fn is_overdue(&self, now: UnixMillis) -> bool {
        is_overdue(self.status, self.placed_at, now)
    }
}

/// True when an order still waiting to ship is past its ship-by.
pub fn is_overdue(status: OrderStatus, placed_at: UnixMillis, now: UnixMillis) -> bool {
    status.awaits_shipping() && now > ship_by(placed_at)
}

/// Hours before the ship-by at which the farmer is reminded of an order
/// still waiting to ship.
pub const SHIP_REMINDER_HOURS: [u32; 2] = [12, 2];

/// The reminder a device gives now for an order placed at `placed_at` that
/// still waits to ship, when the reminders `given` were given before: the
/// most urgent of the [`SHIP_REMINDER_HOURS`] whose moment has passed and
/// that were not given (a phone that was offline through both says only
/// "2 hours left"), and none once the ship-by has passed (the order is
/// overdue then, and flagged so). Also every hour now due, to be marked
/// given so that none is said twice.
pub fn reminder_now(
    placed_at: UnixMillis,
    now: UnixMillis,
    given: &[u32],
) -> (Option<u32>, Vec<u32>) {
    let due = ship_by(placed_at);
    let newly: Vec<u32> = SHIP_REMINDER_HOURS
        .into_iter()
        .filter(|h| due - i64::from(*h) * 3_600_000 <= now && !given.contains(h))
        .collect();
    let say = (now < due).then(|| newly.iter().copied().min()).flatten();
    (say, newly)
}

/// When an order placed at `placed_at` must ship by.
pub fn ship_by(placed_at: UnixMillis) -> UnixMillis {
    placed_at.saturating_add(SHIP_WITHIN_MS)
}

/// Milliseconds left to ship (negative when late).
pub fn time_left_to_ship(placed_at: UnixMillis, now: UnixMillis) -> i64 {
    ship_by(placed_at).saturating_sub(now)
}

/// True when an order still waiting to ship has under 12 hours left (or is late).
pub fn is_at_risk(status: OrderStatus, placed_at: UnixMillis, now: UnixMillis) -> bool {
    status.awaits_shipping() && time_left_to_ship(placed_at, now) < AT_RISK_UNDER_MS
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;

    fn ship() -> OrderAction {
        OrderAction::Ship {
            carrier: "SF Express".into(),
            tracking: "SF1234567".into(),
        }
    }
    fn cancel(by: CancelledBy) -> OrderAction {
        OrderAction::Cancel {
            by,
            reason: "changed my mind".into(),
        }
    }

    #[test]
    fn the_happy_path() {
        let mut s = Placed;
        for a in [
            OrderAction::Accept,
            OrderAction::Pack,
            ship(),
            OrderAction::Deliver { photo: None },
        ] {
            s = s.apply(&a).unwrap();
        }
        assert_eq!(s, Delivered);
    }

    #[test]
    fn every_pair_of_status_and_action_follows_the_table() {
        let actions = [
            OrderAction::Accept,
            OrderAction::Pack,
            ship(),
            OrderAction::Deliver { photo: None },
            cancel(CancelledBy::Buyer),
        ];
        let allowed = [
            (Placed, "accept", Accepted),
            (Accepted, "pack", Packed),
            (Packed, "ship", Shipped),
            (Shipped, "mark delivered", Delivered),
            (Placed, "cancel", Cancelled),
            (Accepted, "cancel", Cancelled),
        ];
        for from in OrderStatus::ALL {
            for a in &actions {
                let expected = allowed
                    .iter()
                    .find(|(f, n, _)| *f == from && *n == a.name())
                    .map(|t| t.2);
                match (from.apply(a), expected) {
                    (Ok(to), Some(e)) => assert_eq!(to, e),
                    (Err(TransitionError::NotAllowed { .. }), None) => {}
                    (got, e) => panic!("{from} + {}: got {got:?}, expected {e:?}", a.name()),
                }
            }
        }
    }

    #[test]
    fn errors_tell_the_farmer_what_to_do() {
        assert_eq!(
            Placed.apply(&ship()).unwrap_err().to_string(),
            "cannot ship an order that is placed; pack it first"
        );
        assert_eq!(
            Shipped
                .apply(&cancel(CancelledBy::Farmer))
                .unwrap_err()
                .to_string(),
            "cannot cancel an order that is shipped; it is already on its way to the buyer"
        );
        let no_tracking = OrderAction::Ship {
            carrier: "SF".into(),
            tracking: " ".into(),
        };
        assert_eq!(
            Packed.apply(&no_tracking),
            Err(TransitionError::ShipmentIncomplete)
        );
        let no_reason = OrderAction::Cancel {
            by: CancelledBy::Buyer,
            reason: "".into(),
        };
        assert_eq!(
            Placed.apply(&no_reason),
            Err(TransitionError::CancelReasonMissing)
        );
        let long = OrderAction::Ship {
            carrier: "SF".into(),
            tracking: "9".repeat(65),
        };
        assert_eq!(
            Packed.apply(&long),
            Err(TransitionError::ShipmentFieldTooLong { max: 64 })
        );
    }

    #[test]
    fn ship_by_is_72_hours_and_at_risk_under_12() {
        let placed = 1_000_000;
        assert_eq!(ship_by(placed), placed + 72 * 3_600_000);
        let hour = 3_600_000;
        assert!(!is_at_risk(Placed, placed, placed + 59 * hour));
        assert!(
            !is_at_risk(Placed, placed, placed + 60 * hour),
            "exactly 12 h left is not yet at risk"
        );
        assert!(is_at_risk(Accepted, placed, placed + 60 * hour + 1));
        assert!(
            is_at_risk(Packed, placed, placed + 80 * hour),
            "late is at risk"
        );
        assert!(
            !is_at_risk(Shipped, placed, placed + 80 * hour),
            "shipped orders are not at risk"
        );
        assert_eq!(time_left_to_ship(placed, placed + 70 * hour), 2 * hour);
    }

    #[test]
    fn a_broken_promise_lets_the_buyer_cancel_even_a_packed_order() {
        let hour = 3_600_000;
        let mut order = non_contact_order();
        order.status = Packed;
        let cancel = |by| OrderAction::Cancel {
            by,
            reason: "it never came".into(),
        };
        assert!(!order.is_overdue(72 * hour));
        assert!(order.apply(&cancel(CancelledBy::Buyer), 72 * hour).is_err());
        assert!(order.is_overdue(72 * hour + 1));
        let cancelled = order
            .apply(&cancel(CancelledBy::Buyer), 72 * hour + 1)
            .unwrap();
        assert_eq!(cancelled.status, Cancelled);
        assert!(
            order
                .apply(&cancel(CancelledBy::Farmer), 80 * hour)
                .is_err(),
            "only the buyer, whose promise was broken"
        );
        order.status = Shipped;
        assert!(!order.is_overdue(80 * hour), "shipped late is not waiting");
    }

    #[test]
    fn reminders_come_at_12_and_2_hours_before_the_ship_by_each_once() {
        let hour = 3_600_000;
        // A device's reminders: the most urgent due, each once, none when late.
        assert_eq!(reminder_now(0, 59 * hour, &[]), (None, vec![]));
        assert_eq!(reminder_now(0, 60 * hour, &[]), (Some(12), vec![12]));
        assert_eq!(reminder_now(0, 61 * hour, &[12]), (None, vec![]));
        assert_eq!(reminder_now(0, 70 * hour, &[12]), (Some(2), vec![2]));
        assert_eq!(reminder_now(0, 71 * hour, &[]), (Some(2), vec![12, 2]));
        assert_eq!(reminder_now(0, 73 * hour, &[]), (None, vec![12, 2]));
    }

    fn non_contact_order() -> OrderState {
        OrderState {
            id: OrderId::new(),
            listing: ListingId::new(),
            farm: FarmId::new(),
            buyer: BuyerId::new(),
            title: "Mangoes".into(),
            quantity: 2,
            unit: Unit::Jin,
            unit_price: crate::Money::from_minor(880, crate::Currency::CNY),
            total: crate::Money::from_minor(1760, crate::Currency::CNY),
            delivery: Delivery::NonContact,
            status: Placed,
            placed_at: 0,
            updated_at: 0,
            shipment: None,
            cancellation: None,
            contact: BuyerContact {
                name: "Wang Fang".into(),
                phone: "+86 138 0000 0000".into(),
                address: "Sanya".into(),
            },
            delivery_photo: None,
            room: None,
            route: None,
        }
    }

    #[test]
    fn a_buyer_cancel_before_accept_reads_as_such() {
        let order = non_contact_order();
        let cancelled = order.apply(&cancel(CancelledBy::Buyer), 5).unwrap();
        assert_eq!(cancelled.status, Cancelled);
        let r = cancelled.apply(&OrderAction::Accept, 6).unwrap_err();
        assert_eq!(r.code, "cancelled_by_buyer");
        assert_eq!(
            r.message,
            "the buyer cancelled this order before you could accept it: changed my mind"
        );
        let shipped = order
            .apply(&OrderAction::Accept, 1)
            .unwrap()
            .apply(&OrderAction::Pack, 2)
            .unwrap()
            .apply(&ship(), 3)
            .unwrap();
        assert_eq!(shipped.shipment.as_ref().unwrap().tracking, "SF1234567");
        let debug = format!("{shipped:?}");
        assert!(
            !debug.contains("Wang") && !debug.contains("138") && !debug.contains("Sanya"),
            "{debug}"
        );
    }

    #[test]
    fn wire_names() {
        assert_eq!("packed".parse::<OrderStatus>().unwrap(), Packed);
        assert!("lost".parse::<OrderStatus>().is_err());
        let json = serde_json::to_string(&ship()).unwrap();
        assert_eq!(
            json,
            r#"{"action":"ship","carrier":"SF Express","tracking":"SF1234567"}"#
        );
    }

    #[test]
    fn a_non_contact_delivery_keeps_its_photo_and_is_refused_without_one() {
        let photo = PhotoRef {
            sha256: "c".repeat(64),
            thumb_sha256: "d".repeat(64),
            width: 1280,
            height: 960,
            bytes: 99_000,
        };
        let shipped = non_contact_order()
            .apply(&OrderAction::Accept, 1)
            .unwrap()
            .apply(&OrderAction::Pack, 2)
            .unwrap()
            .apply(&ship(), 3)
            .unwrap();
        let bare = shipped
            .apply(&OrderAction::Deliver { photo: None }, 4)
            .unwrap_err();
        assert_eq!(bare.code, crate::delivery::DELIVERY_PHOTO_MISSING);
        let with = OrderAction::Deliver {
            photo: Some(photo.clone()),
        };
        let delivered = shipped.apply(&with, 4).unwrap();
        assert_eq!(delivered.status, Delivered);
        assert_eq!(delivered.delivery_photo, Some(photo.clone()));
        // A standard order may be delivered without one.
        let standard = OrderState {
            delivery: Delivery::Standard,
            ..shipped.clone()
        };
        let plain = standard
            .apply(&OrderAction::Deliver { photo: None }, 4)
            .unwrap();
        assert_eq!((plain.status, plain.delivery_photo), (Delivered, None));
        // The transition comes first: a placed order is not "missing a photo".
        let early = non_contact_order()
            .apply(&OrderAction::Deliver { photo: Some(photo) }, 4)
            .unwrap_err();
        assert_eq!(early.code, "transition");
    }

    #[test]
    fn a_deliver_without_a_photo_keeps_its_old_wire_form() {
        // Older devices and hubs sent and stored `{"action":"deliver"}`.
        let old: OrderAction = serde_json::from_str(r#"{"action":"deliver"}"#).unwrap();
        assert_eq!(old, OrderAction::Deliver { photo: None });
        assert_eq!(
            serde_json::to_string(&OrderAction::Deliver { photo: None }).unwrap(),
            r#"{"action":"deliver"}"#
        );
        let with: OrderAction = serde_json::from_str(&format!(
            r#"{{"action":"deliver","photo":{{"sha256":"{a}","thumb_sha256":"{a}","width":1,"height":1,"bytes":2}}}}"#,
            a = "e".repeat(64)
        ))
        .unwrap();
        assert!(matches!(with, OrderAction::Deliver { photo: Some(_) }));
        // An order stored before delivery photos existed still reads.
        let mut json = serde_json::to_value(non_contact_order()).unwrap();
        assert!(json.get("delivery_photo").is_none(), "{json}");
        json.as_object_mut().unwrap().remove("delivery_photo");
        let back: OrderState = serde_json::from_value(json).unwrap();
        assert_eq!(back.delivery_photo, None);
    }
}
