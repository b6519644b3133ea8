//! Identifiers: UUIDv7, generated where the thing is created (a device offline,
//! or the hub). Time-ordered, so they index well and sort by creation.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered (v7) id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map(Self).map_err(|_| InvalidId {
                    kind: stringify!($name),
                })
            }
        }
    };
}

/// A string that is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {kind} (expected a UUID such as 0190f5a4-7b1c-7d2e-8f00-112233445566)")]
pub struct InvalidId {
    /// Which kind of id was expected.
    pub kind: &'static str,
}

id_type!(
    /// A product listing.
    ListingId
);
id_type!(
    /// A farm: the unit of ownership for listings and orders.
    FarmId
);
id_type!(
    /// A device (a farmer's phone, an agent's tablet).
    DeviceId
);
id_type!(
    /// One operation in a device's outbox; the hub applies each exactly once.
    OpId
);
id_type!(
    /// A buyer's order.
    OrderId
);
id_type!(
    /// A buyer.
    BuyerId
);
id_type!(
    /// A live room: one of a farm's live-selling sessions.
    RoomId
);
id_type!(
    /// A question a farmer or agent asked the experts; made on the device.
    QuestionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v7_and_time_ordered() {
        let a = ListingId::new();
        let b = ListingId::new();
        assert_eq!(a.0.get_version_num(), 7);
        assert!(a < b, "a later v7 id sorts after an earlier one");
    }

    #[test]
    fn parse_round_trips_and_rejects_garbage() {
        let id = OrderId::new();
        assert_eq!(id.to_string().parse::<OrderId>().unwrap(), id);
        let err = "mango".parse::<OrderId>().unwrap_err();
        assert!(err.to_string().contains("OrderId"));
    }
}
