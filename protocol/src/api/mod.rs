//! The hub's HTTP API, declared once: each endpoint (method, path, request
//! and reply types, error codes; see [`endpoints`]), the request and
//! response bodies (JSON) and the error codes ([`ErrorCode`]), shared by the
//! hub and the device's client so the two can never disagree. No I/O.

mod endpoint;
pub mod endpoints;
mod error;
pub mod pages;
mod public_events;

pub use endpoint::{Call, Empty, Endpoint, Method, NoParam};
pub use endpoints::{
    HEALTH, LIVE, READY, blobs, buyers, devices, experts, guides, media, orders, rooms, sync,
};
pub use error::{ApiError, ApiErrorBody, ErrorCode};
pub use public_events::{PublicEventBody, PublicRoomEvent};
// Declared beside the rooms that show them too; re-exported where the
// API's other bodies are.
pub use crate::public::{FarmInfo, PublicListing, Thumbnail};

use crate::listing_state::ListingState;
use crate::ops::Op;
use crate::order::{BuyerContact, Delivery, OrderState};
use crate::rejection::Rejection;
use crate::{BuyerId, DeviceId, FarmId, ListingId, OpId};
use serde::{Deserialize, Serialize};

/// Most ops in one push.
pub const PUSH_BATCH_MAX: usize = 500;
/// Most changes in one pull page.
pub const PULL_LIMIT_MAX: u32 = 1_000;
/// Largest request body the hub reads (after decompression), bytes.
pub const BODY_MAX_BYTES: usize = 2 * 1024 * 1024;
/// Largest photo blob, bytes.
pub const BLOB_MAX_BYTES: u64 = 8 * 1024 * 1024;
/// Header: bytes of a blob the hub has received so far.
pub const UPLOAD_OFFSET: &str = "upload-offset";
/// Header: the blob's total size, sent with each PATCH.
pub const UPLOAD_LENGTH: &str = "upload-length";
/// Header on a device's `GET /v1/changes` reply: when its token expires
/// (UTC ms), so a device that syncs renews in time.
pub const TOKEN_EXPIRES: &str = "farmlive-token-expires";

/// A device renews its token when it has fewer than this many ms left.
pub const TOKEN_RENEW_WITHIN_MS: i64 = 30 * 24 * 3_600_000;

/// Wire string of [`ErrorCode::TokenExpired`], for the hub's `&'static str` codes.
pub const TOKEN_EXPIRED: &str = "token_expired";
/// Wire string of [`ErrorCode::DeviceRevoked`], for the hub's `&'static str` codes.
pub const DEVICE_REVOKED: &str = "device_revoked";
/// Wire string of [`ErrorCode::BuyerTokenExpired`], for the hub's `&'static str` codes.
pub const BUYER_TOKEN_EXPIRED: &str = "buyer_token_expired";

/// What a device may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A farmer's phone: one farm.
    Farmer,
    /// A field agent's device: the farms it is assigned.
    Agent,
    /// An agricultural expert's device: no farm; it reads the open
    /// questions of every farm (without the farm) and answers them.
    Expert,
}

impl Role {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Farmer => "farmer",
            Role::Agent => "agent",
            Role::Expert => "expert",
        }
    }

    /// The role with this wire name.
    pub fn parse(wire: &str) -> Option<Role> {
        match wire {
            "farmer" => Some(Role::Farmer),
            "agent" => Some(Role::Agent),
            "expert" => Some(Role::Expert),
            _ => None,
        }
    }

    /// True if the role's devices act for farms (an expert's does not).
    pub fn has_farms(self) -> bool {
        self != Role::Expert
    }
}

/// `POST /v1/devices`: enrol with a one-time code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrolRequest {
    /// The one-time code from the hub operator.
    pub code: String,
    /// A name for the device ("Li's phone").
    pub device_name: String,
    /// The device's own id.
    pub device_id: DeviceId,
}

/// The hub's answer to an enrolment.
#[derive(Clone, Serialize, Deserialize)]
pub struct EnrolResponse {
    /// The bearer token for every later request. A secret.
    pub token: String,
    /// What the device may do.
    pub role: Role,
    /// The farms it may list for.
    pub farms: Vec<FarmInfo>,
    /// When the token expires (UTC ms); absent from older hubs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

impl std::fmt::Debug for EnrolResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolResponse")
            .field("token", &"<redacted>")
            .field("role", &self.role)
            .field("farms", &self.farms)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// `POST /v1/devices/token`: the device's new token. The old one keeps
/// working until the new one is first used, so a lost reply strands nobody.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenRenewal {
    /// The new bearer token. A secret.
    pub token: String,
    /// When it expires (UTC ms).
    pub expires_at: i64,
}

impl std::fmt::Debug for TokenRenewal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRenewal")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// One device of a farm, as `GET /v1/devices` and `farmlive hub devices
/// list` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// Its id.
    pub id: DeviceId,
    /// The name it enrolled with.
    pub name: String,
    /// Farmer or agent.
    pub role: Role,
    /// The farms it serves.
    pub farms: Vec<FarmId>,
    /// When it first enrolled (UTC ms).
    pub enrolled_at: i64,
    /// When its token expires (UTC ms).
    pub expires_at: i64,
    /// When it was removed, if it was (UTC ms).
    pub revoked_at: Option<i64>,
}

/// `POST /v1/ops`: a batch of outbox ops, in order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushRequest {
    /// At most [`PUSH_BATCH_MAX`].
    pub ops: Vec<Op>,
}

/// The outcome of one pushed op.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Applied now.
    Applied,
    /// Applied before (same op id); nothing done.
    Duplicate,
    /// Refused; the device shows it as a conflict.
    Rejected {
        /// Why.
        #[serde(flatten)]
        rejection: Rejection,
    },
}

/// One op's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpResult {
    /// Which op.
    pub op: OpId,
    /// What happened.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The answer to a push: one result per op, in the same order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushResponse {
    /// Results.
    pub results: Vec<OpResult>,
}

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "state", rename_all = "snake_case")]
pub enum ChangeBody {
    /// A listing's full new state.
    Listing(Box<ListingState>),
    /// An order's full new state.
    Order(Box<OrderState>),
    /// A question's full new state: asked, answered, followed up or
    /// resolved.
    Question(Box<crate::questions::QuestionState>),
}

/// One entry of the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Hub sequence number; the cursor.
    pub seq: u64,
    /// What changed.
    #[serde(flatten)]
    pub body: ChangeBody,
}

/// `GET /v1/changes?after=CURSOR&limit=N`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangesPage {
    /// Changes after the cursor, in sequence order.
    pub changes: Vec<Change>,
    /// The cursor to ask from next time.
    pub next: u64,
    /// True if more changes wait.
    pub more: bool,
    /// The hub's clock when it answered: a device checks pulled clock stamps
    /// against it, never against its own clock, which may be wrong. Absent
    /// from hubs older than this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_time_ms: Option<crate::UnixMillis>,
    /// The experts' hotline the hub's operator set (a phone number, see
    /// [`crate::questions::check_hotline`]), for the apps to show; absent
    /// when none is set (and from older hubs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hotline: Option<String>,
}

/// `POST /v1/buyers`: a buyer signs up.
#[derive(Clone, Serialize, Deserialize)]
pub struct BuyerSignup {
    /// How the farm reaches the buyer.
    #[serde(flatten)]
    pub contact: BuyerContact,
}

impl std::fmt::Debug for BuyerSignup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BuyerSignup(redacted)")
    }
}

/// The hub's answer to a signup.
#[derive(Clone, Serialize, Deserialize)]
pub struct BuyerToken {
    /// The buyer's id.
    pub buyer: BuyerId,
    /// Bearer token. A secret.
    pub token: String,
}

impl std::fmt::Debug for BuyerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "BuyerToken {{ buyer: {}, token: <redacted> }}",
            self.buyer
        )
    }
}

/// `POST /v1/orders`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlaceOrder {
    /// What to buy.
    pub listing: ListingId,
    /// How many units.
    pub quantity: i64,
    /// Standard or non-contact.
    #[serde(default)]
    pub delivery: Delivery,
    /// Makes a retried request place the order once (any string, ≤ 64 chars).
    pub idempotency_key: String,
    /// The city it goes to (id, Chinese name or pinyin, see
    /// [`crate::cities`]): the farm must have a route there, and the order
    /// carries the promised delivery date. Orders without one are placed
    /// as before (an address in free text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
}

/// `GET /v1/listings/{id}/delivery?city=…`: what a buyer is promised
/// before ordering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryQuote {
    /// The city's id.
    pub city: String,
    /// Who carries it.
    pub carrier: String,
    /// Days on the road after shipping.
    pub transit_days: u32,
    /// When it would ship by if ordered now (UTC ms): now + 72 h.
    pub ship_by: crate::UnixMillis,
    /// When it would arrive by (UTC ms): the ship-by plus the transit.
    pub promised_by: crate::UnixMillis,
}

/// The query of [`DeliveryQuote`]'s endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryQuery {
    /// The city (id, Chinese name or pinyin).
    pub city: String,
}

/// `GET /v1/orders/{id}`: the order, and where its delivery photo is.
/// Older clients read it as a plain [`OrderState`] (the URL is one more field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuyerOrder {
    /// The order.
    #[serde(flatten)]
    pub order: OrderState,
    /// The delivery photo ([`orders::DELIVERY_PHOTO`]), once it was
    /// delivered with one. Only the order's buyer and its farm may read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_photo_url: Option<String>,
}

impl BuyerOrder {
    /// The order with the address of its delivery photo, if it has one.
    pub fn new(order: OrderState) -> BuyerOrder {
        let delivery_photo_url = order
            .delivery_photo
            .as_ref()
            .map(|_| orders::DELIVERY_PHOTO.path_for(order.id));
        BuyerOrder {
            order,
            delivery_photo_url,
        }
    }
}

/// `POST /v1/orders/{id}/cancel` by the buyer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CancelOrder {
    /// Why.
    pub reason: String,
}

/// The query of [`sync::CHANGES`]: `?after=CURSOR&limit=N&wait=S`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangesQuery {
    /// The cursor: changes after this sequence number.
    #[serde(default)]
    pub after: u64,
    /// Most changes in the page (the hub caps it at [`PULL_LIMIT_MAX`]).
    pub limit: Option<u32>,
    /// A long poll: when nothing is after the cursor, the hub holds the
    /// request up to this many seconds (at most [`CHANGES_WAIT_MAX_S`]) and
    /// answers as soon as the farm's feed moves. 0 or absent: at once.
    #[serde(default)]
    pub wait: Option<u32>,
}

/// The longest long poll of the change feed, in seconds: under the usual
/// 30 s idle timeouts of carrier NATs and proxies, so a held request is not
/// cut on a phone's link before the hub answers it.
pub const CHANGES_WAIT_MAX_S: u32 = 25;

impl ChangesQuery {
    /// The query string, without `?`.
    pub fn to_query(&self) -> String {
        let mut q = format!("after={}", self.after);
        if let Some(limit) = self.limit {
            q.push_str(&format!("&limit={limit}"));
        }
        if let Some(wait) = self.wait.filter(|w| *w > 0) {
            q.push_str(&format!("&wait={wait}"));
        }
        q
    }

    /// How long the hub holds this request when nothing is new: `wait`,
    /// capped at [`CHANGES_WAIT_MAX_S`].
    pub fn hold(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.wait.unwrap_or(0).min(CHANGES_WAIT_MAX_S)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_old_code_strings_are_the_enum_s_wire_strings() {
        assert_eq!(ErrorCode::parse(TOKEN_EXPIRED), ErrorCode::TokenExpired);
        assert_eq!(ErrorCode::parse(DEVICE_REVOKED), ErrorCode::DeviceRevoked);
        assert_eq!(
            ErrorCode::parse(BUYER_TOKEN_EXPIRED),
            ErrorCode::BuyerTokenExpired
        );
        let q = ChangesQuery {
            after: 7,
            limit: Some(20),
            wait: None,
        };
        assert_eq!(
            sync::CHANGES.call().with_query(&q.to_query()).path,
            "/v1/changes?after=7&limit=20"
        );
    }

    #[test]
    fn a_long_poll_says_its_wait_and_the_hub_caps_it() {
        let q = ChangesQuery {
            after: 3,
            limit: Some(1),
            wait: Some(600),
        };
        assert_eq!(q.to_query(), "after=3&limit=1&wait=600");
        assert_eq!(q.hold().as_secs(), u64::from(CHANGES_WAIT_MAX_S));
        let now = ChangesQuery { wait: Some(0), ..q };
        assert_eq!(now.to_query(), "after=3&limit=1");
        assert!(now.hold().is_zero());
        assert!(ChangesQuery::default().hold().is_zero());
    }

    #[test]
    fn secrets_and_personal_data_never_reach_debug_output() {
        let token = "fld_0123456789abcdef".to_owned();
        let enrol = EnrolResponse {
            token: token.clone(),
            role: Role::Agent,
            farms: vec![],
            expires_at: None,
        };
        let buyer = BuyerToken {
            buyer: BuyerId::new(),
            token: token.clone(),
        };
        let signup = BuyerSignup {
            contact: BuyerContact {
                name: "Wang Fang".into(),
                phone: "+86 138 0013 8000".into(),
                address: "8 Coconut Road".into(),
            },
        };
        for debug in [
            format!("{enrol:?}"),
            format!("{buyer:?}"),
            format!("{signup:?}"),
        ] {
            for secret in [token.as_str(), "Wang", "138", "Coconut"] {
                assert!(!debug.contains(secret), "{debug} shows {secret}");
            }
        }
        // The wire form still carries them, of course.
        assert!(serde_json::to_string(&enrol).unwrap().contains(&token));
    }
}
