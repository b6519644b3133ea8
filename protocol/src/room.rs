//! Live rooms: a farm's live-selling session as the hub keeps it, as buyers
//! see it, and the events it emits (orders, comments, viewers, pins).
//!
//! The farm's device opens a room with a title and a shelf of listings, pins
//! one listing at a time (optionally at a live price that holds only while it
//! is pinned), and ends the room. Buyers fetch the room, comment and order.
//! Every change is a [`RoomEvent`] with a per-hub increasing id, served as
//! server-sent events; a follower resumes after the last id it saw and keeps
//! exactly-once delivery with an [`EventCursor`].

use crate::order::Delivery;
use crate::public::{FarmInfo, PublicListing};
use crate::text::{self, TextProblem};
use crate::{FarmId, ListingId, Money, OrderId, RoomId, Unit, UnixMillis};
use serde::{Deserialize, Serialize};

/// Longest room title, in characters.
pub const ROOM_TITLE_MAX_CHARS: usize = 80;
/// Most listings on a room's shelf.
pub const SHELF_MAX: usize = 50;
/// Longest comment, in characters.
pub const COMMENT_MAX_CHARS: usize = 200;
/// Comments a buyer may post at once before the rate limit applies.
pub const COMMENT_BURST: u32 = 3;
/// After a burst, one more comment per this many milliseconds.
pub const COMMENT_INTERVAL_MS: u64 = 2_000;
/// Longest playback URL.
pub const PLAYBACK_URL_MAX_CHARS: usize = 512;
/// Longest display name shown for a buyer in a room.
pub const DISPLAY_NAME_MAX_CHARS: usize = 24;
/// SSE event name of every room event (`event: room`); the JSON says which.
pub const SSE_EVENT_NAME: &str = "room";

/// Whether a room is still on air.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomStatus {
    /// On air: buyers may comment and order.
    Live,
    /// Over. The live price no longer applies.
    Ended,
}

impl RoomStatus {
    /// Stored and wire name (`live`, `ended`).
    pub fn as_str(self) -> &'static str {
        match self {
            RoomStatus::Live => "live",
            RoomStatus::Ended => "ended",
        }
    }

    /// The status stored as `name`; anything but `ended` is live.
    pub fn from_stored(name: &str) -> RoomStatus {
        if name == RoomStatus::Ended.as_str() {
            RoomStatus::Ended
        } else {
            RoomStatus::Live
        }
    }
}

/// `POST /v1/rooms`: the farm's device opens a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenRoom {
    /// Which farm goes live.
    pub farm: FarmId,
    /// What the stream is called ("Mango harvest, Hainan").
    pub title: String,
    /// The listings buyers may order from the room (the farm's, active).
    pub shelf: Vec<ListingId>,
    /// Where buyers watch (an HLS or RTMP playback address), if one is
    /// configured. Never the ingest address: that holds the stream key and
    /// stays on the device.
    #[serde(default)]
    pub playback_url: Option<String>,
}

/// `PUT /v1/rooms/{id}/pin`: put one listing of the shelf in front.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinRequest {
    /// The listing (on the room's shelf).
    pub listing: ListingId,
    /// The price while pinned, if it differs from the listing's price.
    #[serde(default)]
    pub live_price: Option<Money>,
}

/// The pinned listing of a room, as the hub holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    /// The listing.
    pub listing: ListingId,
    /// The live price, if any.
    pub live_price: Option<Money>,
    /// When it was pinned (UTC ms).
    pub pinned_at: UnixMillis,
}

/// A room, as the farm's device and buyers fetch it (`GET /v1/rooms/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomView {
    /// Its id.
    pub id: RoomId,
    /// The farm on air.
    pub farm: FarmInfo,
    /// The title.
    pub title: String,
    /// Live or ended.
    pub status: RoomStatus,
    /// The shelf, as buyers see each listing now.
    pub shelf: Vec<PublicListing>,
    /// The pinned listing, if any.
    pub pin: Option<Pin>,
    /// Where buyers watch, if configured.
    pub playback_url: Option<String>,
    /// The hub's own HTTP-FLV path for this room while it is live
    /// (`/live/{id}.flv`, relative to the hub's address; see
    /// [`crate::api::media`]). It answers 404 until a publisher is on air.
    /// `None` once the room has ended.
    #[serde(default)]
    pub live_flv: Option<String>,
    /// Buyers watching now.
    pub viewers: u32,
    /// When it opened (UTC ms).
    pub opened_at: UnixMillis,
    /// When it ended, if it has.
    pub ended_at: Option<UnixMillis>,
    /// The id of its latest event: follow the events after this one.
    pub last_event: u64,
}

impl RoomView {
    /// The pinned listing as buyers see it, with its price now (the live
    /// price while pinned, else the listing's own).
    pub fn pinned(&self) -> Option<(&PublicListing, Money)> {
        let pin = self.pin?;
        let listing = self.shelf.iter().find(|l| l.id == pin.listing)?;
        Some((listing, pin.live_price.unwrap_or(listing.price)))
    }
}

/// A room's secret stream key: whoever holds it may publish the room's
/// video to the hub. Only the room's farm sees it (in [`OpenedRoom`]);
/// its `Debug` is `StreamKey(***)`, so it never reaches a log.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StreamKey(String);

impl StreamKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> StreamKey {
        StreamKey(key.into())
    }

    /// The key itself, for the one place that uses it (publishing, hashing).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for StreamKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StreamKey(***)")
    }
}

/// Where the farm's device publishes a room's video to the hub itself:
/// RTMP to `server`, stream key `key` (OBS asks for the two apart; [`HubIngest::url`]
/// joins them). Valid while the room is live.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubIngest {
    /// `rtmp://HOST:PORT/live`.
    pub server: String,
    /// The room's secret stream key.
    pub key: StreamKey,
}

impl HubIngest {
    /// `rtmp://HOST:PORT/live/KEY`: what an RTMP publisher (ffmpeg, the
    /// device's own) is given. Holds the key: never log it.
    pub fn url(&self) -> String {
        format!("{}/{}", self.server, self.key.expose())
    }
}

impl std::fmt::Debug for HubIngest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubIngest")
            .field("server", &self.server)
            .field("key", &self.key)
            .finish()
    }
}

/// `POST /v1/rooms` answers the room and, when the hub takes video itself,
/// where to publish it. Only this reply, to the room's own device, carries
/// the key; every other view of the room leaves it out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenedRoom {
    /// The room.
    #[serde(flatten)]
    pub room: RoomView,
    /// The hub's ingest for this room; `None` if the hub takes no video
    /// (its RTMP ingest is off): publish elsewhere then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingest: Option<HubIngest>,
}

/// `GET /v1/rooms`: the rooms on air now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomList {
    /// Newest first.
    pub rooms: Vec<RoomView>,
}

/// `POST /v1/rooms/{id}/comments` by a buyer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostComment {
    /// One line, at most [`COMMENT_MAX_CHARS`].
    pub text: String,
}

/// `POST /v1/rooms/{id}/orders` by a buyer: an order placed from the room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomOrder {
    /// What to buy; the pinned listing if absent.
    #[serde(default)]
    pub listing: Option<ListingId>,
    /// How many units.
    pub quantity: i64,
    /// Standard or non-contact.
    #[serde(default)]
    pub delivery: Delivery,
    /// Makes a retried request place the order once (1–64 characters).
    pub idempotency_key: String,
    /// The city it goes to, as in [`crate::api::PlaceOrder::destination`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
}

/// One thing that happened in a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomEvent {
    /// Increasing across the hub; the SSE id and the resume cursor.
    pub id: u64,
    /// The room.
    pub room: RoomId,
    /// When (hub time, UTC ms).
    pub at: UnixMillis,
    /// What.
    #[serde(flatten)]
    pub body: RoomEventBody,
}

/// What happened. Buyers are named only by a short display name (see
/// [`display_name`]); phones and addresses never enter a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RoomEventBody {
    /// A buyer ordered a listing of the shelf.
    OrderPlaced {
        /// The order (its details reach the farm's device through sync).
        order: OrderId,
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
        /// What the buyer pays.
        total: Money,
        /// Standard or non-contact.
        delivery: Delivery,
        /// True if the unit price was the pin's live price.
        live_price: bool,
        /// The buyer's display name.
        buyer: String,
    },
    /// A buyer commented.
    Comment {
        /// The buyer's display name.
        author: String,
        /// The comment.
        text: String,
    },
    /// A buyer started watching.
    ViewerJoined {
        /// The buyer's display name.
        viewer: String,
        /// Buyers watching now.
        viewers: u32,
    },
    /// A buyer stopped watching.
    ViewerLeft {
        /// The buyer's display name.
        viewer: String,
        /// Buyers watching now.
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
    /// The pinned listing was unpinned; its live price no longer applies.
    Unpinned {
        /// The listing.
        listing: ListingId,
    },
    /// The room ended. No event follows.
    Ended,
}

impl RoomEventBody {
    /// Stable wire name of the kind (`order_placed`, `comment`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            RoomEventBody::OrderPlaced { .. } => "order_placed",
            RoomEventBody::Comment { .. } => "comment",
            RoomEventBody::ViewerJoined { .. } => "viewer_joined",
            RoomEventBody::ViewerLeft { .. } => "viewer_left",
            RoomEventBody::Pinned { .. } => "pinned",
            RoomEventBody::Unpinned { .. } => "unpinned",
            RoomEventBody::Ended => "ended",
        }
    }
}

/// Exactly-once delivery for a follower: events come in increasing id
/// order, and after a reconnect the hub replays from the last id sent, so a
/// follower takes an event only if its id is above every id taken so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventCursor {
    last: u64,
}

impl EventCursor {
    /// A cursor after `last` (0: from the start).
    pub fn after(last: u64) -> Self {
        EventCursor { last }
    }

    /// The last id taken: send it as `Last-Event-ID` when resuming.
    pub fn last(&self) -> u64 {
        self.last
    }

    /// True (and advances) if `id` is new; false for a replayed one.
    pub fn take(&mut self, id: u64) -> bool {
        if id > self.last {
            self.last = id;
            true
        } else {
            false
        }
    }
}

/// What is wrong with a room request, in the farmer's or buyer's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoomError {
    /// No title.
    #[error("give the live session a title")]
    TitleEmpty,
    /// Title too long.
    #[error("the title is {len} characters long; keep it to {max}")]
    TitleTooLong {
        /// Given.
        len: usize,
        /// Allowed.
        max: usize,
    },
    /// Control characters.
    #[error("the title cannot contain control or invisible direction characters")]
    TitleControlCharacter,
    /// Empty shelf.
    #[error("put at least one listing on the shelf")]
    ShelfEmpty,
    /// Too many on the shelf.
    #[error("a shelf holds at most {max} listings")]
    ShelfTooLarge {
        /// Allowed.
        max: usize,
    },
    /// Playback URL unusable.
    #[error("the playback address must be an http(s) or rtmp(s) URL of at most {max} characters")]
    PlaybackUrl {
        /// Allowed length.
        max: usize,
    },
    /// Pinned listing not on the shelf.
    #[error("only a listing on the shelf can be pinned")]
    NotOnShelf,
    /// Live price not positive.
    #[error("the live price must be more than zero")]
    LivePriceNotPositive,
    /// Live price in another currency.
    #[error("the live price must be in {expected}, the listing's currency")]
    LivePriceCurrency {
        /// The listing's currency code.
        expected: &'static str,
    },
    /// Empty comment.
    #[error("write something first")]
    CommentEmpty,
    /// Comment too long.
    #[error("the comment is {len} characters long; keep it to {max}")]
    CommentTooLong {
        /// Given.
        len: usize,
        /// Allowed.
        max: usize,
    },
    /// Control characters in a comment.
    #[error("a comment is one line without control or invisible direction characters")]
    CommentControlCharacter,
}

/// Checks a room title.
pub fn validate_room_title(title: &str) -> Result<String, RoomError> {
    let title = text::clean(title, ROOM_TITLE_MAX_CHARS, false).map_err(|p| match p {
        TextProblem::TooLong { max, len } => RoomError::TitleTooLong { len, max },
        TextProblem::ControlCharacter => RoomError::TitleControlCharacter,
    })?;
    if title.is_empty() {
        return Err(RoomError::TitleEmpty);
    }
    Ok(title)
}

/// Checks a shelf: 1 to [`SHELF_MAX`] listings; repeats are dropped, order kept.
pub fn validate_shelf(shelf: &[ListingId]) -> Result<Vec<ListingId>, RoomError> {
    let mut out: Vec<ListingId> = Vec::with_capacity(shelf.len());
    for id in shelf {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    if out.is_empty() {
        return Err(RoomError::ShelfEmpty);
    }
    if out.len() > SHELF_MAX {
        return Err(RoomError::ShelfTooLarge { max: SHELF_MAX });
    }
    Ok(out)
}

/// Checks a playback URL: a scheme buyers' players understand, one line,
/// bounded. `None` and blank mean "none configured".
pub fn validate_playback_url(url: Option<&str>) -> Result<Option<String>, RoomError> {
    let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let bad = RoomError::PlaybackUrl {
        max: PLAYBACK_URL_MAX_CHARS,
    };
    let scheme_ok = ["http://", "https://", "rtmp://", "rtmps://"]
        .iter()
        .any(|s| url.len() > s.len() && url[..s.len()].eq_ignore_ascii_case(s));
    if !scheme_ok
        || url.chars().count() > PLAYBACK_URL_MAX_CHARS
        || url.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(bad);
    }
    Ok(Some(url.to_owned()))
}

/// Checks a pin against the room's shelf and the listing's own price.
pub fn validate_pin(
    pin: &PinRequest,
    shelf: &[ListingId],
    listing_price: Money,
) -> Result<(), RoomError> {
    if !shelf.contains(&pin.listing) {
        return Err(RoomError::NotOnShelf);
    }
    if let Some(live) = pin.live_price {
        if live.minor <= 0 {
            return Err(RoomError::LivePriceNotPositive);
        }
        if live.currency != listing_price.currency {
            return Err(RoomError::LivePriceCurrency {
                expected: listing_price.currency.code(),
            });
        }
    }
    Ok(())
}

/// Checks a comment: one line, 1 to [`COMMENT_MAX_CHARS`] characters.
pub fn validate_comment(comment: &str) -> Result<String, RoomError> {
    let comment = text::clean(comment, COMMENT_MAX_CHARS, false).map_err(|p| match p {
        TextProblem::TooLong { max, len } => RoomError::CommentTooLong { len, max },
        TextProblem::ControlCharacter => RoomError::CommentControlCharacter,
    })?;
    if comment.is_empty() {
        return Err(RoomError::CommentEmpty);
    }
    Ok(comment)
}

/// How a buyer appears in a room: the first word of their name, shortened.
/// The rest of their contact (phone, address) never enters a room.
pub fn display_name(full_name: &str) -> String {
    let first = full_name.split_whitespace().next().unwrap_or("");
    let short: String = first
        .chars()
        .filter(|c| !c.is_control())
        .take(DISPLAY_NAME_MAX_CHARS)
        .collect();
    if short.is_empty() {
        "buyer".to_owned()
    } else {
        short
    }
}

/// The unit price an order pays for `listing`: the pin's live price while
/// the listing is pinned in a live room, else the listing's price. Returns
/// the price and whether it was the live one. The one place this rule lives.
pub fn order_unit_price(
    listing: ListingId,
    listing_price: Money,
    status: RoomStatus,
    pin: Option<&Pin>,
) -> (Money, bool) {
    match pin {
        Some(Pin {
            listing: pinned,
            live_price: Some(live),
            ..
        }) if *pinned == listing && status == RoomStatus::Live => (*live, true),
        _ => (listing_price, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    #[test]
    fn the_cursor_takes_each_id_once_in_order() {
        let mut c = EventCursor::after(0);
        assert!(c.take(3));
        assert!(!c.take(3), "a replayed id is dropped");
        assert!(!c.take(2), "an older id is dropped");
        assert!(c.take(7));
        assert_eq!(c.last(), 7);
    }

    #[test]
    fn the_live_price_applies_only_to_the_pinned_listing_of_a_live_room() {
        let mango = ListingId::new();
        let other = ListingId::new();
        let pin = Pin {
            listing: mango,
            live_price: Some(cny(800)),
            pinned_at: 0,
        };
        assert_eq!(
            order_unit_price(mango, cny(1000), RoomStatus::Live, Some(&pin)),
            (cny(800), true)
        );
        assert_eq!(
            order_unit_price(other, cny(500), RoomStatus::Live, Some(&pin)),
            (cny(500), false)
        );
        assert_eq!(
            order_unit_price(mango, cny(1000), RoomStatus::Ended, Some(&pin)),
            (cny(1000), false)
        );
        assert_eq!(
            order_unit_price(mango, cny(1000), RoomStatus::Live, None),
            (cny(1000), false)
        );
        let plain = Pin {
            live_price: None,
            ..pin
        };
        assert_eq!(
            order_unit_price(mango, cny(1000), RoomStatus::Live, Some(&plain)),
            (cny(1000), false)
        );
    }

    #[test]
    fn pins_are_checked_against_shelf_and_currency() {
        let mango = ListingId::new();
        let shelf = [mango];
        let ok = PinRequest {
            listing: mango,
            live_price: Some(cny(800)),
        };
        assert_eq!(validate_pin(&ok, &shelf, cny(1000)), Ok(()));
        let off = PinRequest {
            listing: ListingId::new(),
            live_price: None,
        };
        assert_eq!(
            validate_pin(&off, &shelf, cny(1000)),
            Err(RoomError::NotOnShelf)
        );
        let free = PinRequest {
            live_price: Some(cny(0)),
            ..ok
        };
        assert_eq!(
            validate_pin(&free, &shelf, cny(1000)),
            Err(RoomError::LivePriceNotPositive)
        );
        let usd = PinRequest {
            live_price: Some(Money::from_minor(100, Currency::from_code("USD").unwrap())),
            ..ok
        };
        assert_eq!(
            validate_pin(&usd, &shelf, cny(1000)),
            Err(RoomError::LivePriceCurrency { expected: "CNY" })
        );
    }

    #[test]
    fn comments_titles_shelves_and_urls_are_bounded() {
        assert_eq!(validate_comment("  好甜！ "), Ok("好甜！".to_owned()));
        assert_eq!(validate_comment("   "), Err(RoomError::CommentEmpty));
        assert_eq!(
            validate_comment("a\nb"),
            Err(RoomError::CommentControlCharacter)
        );
        let long = "芒".repeat(COMMENT_MAX_CHARS + 1);
        assert!(matches!(
            validate_comment(&long),
            Err(RoomError::CommentTooLong { .. })
        ));
        assert_eq!(validate_room_title(""), Err(RoomError::TitleEmpty));
        let a = ListingId::new();
        assert_eq!(validate_shelf(&[a, a]), Ok(vec![a]));
        assert_eq!(validate_shelf(&[]), Err(RoomError::ShelfEmpty));
        assert_eq!(validate_playback_url(Some(" ")), Ok(None));
        assert_eq!(
            validate_playback_url(Some("https://cdn.example/live/mango.m3u8")),
            Ok(Some("https://cdn.example/live/mango.m3u8".to_owned()))
        );
        for bad in ["javascript:alert(1)", "https://", "https://a b", "ftp://x"] {
            assert!(validate_playback_url(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_names_are_a_short_first_name() {
        assert_eq!(display_name("Wang Fang"), "Wang");
        assert_eq!(display_name("  "), "buyer");
        assert_eq!(
            display_name(&"x".repeat(100)).chars().count(),
            DISPLAY_NAME_MAX_CHARS
        );
    }

    #[test]
    fn events_round_trip_with_a_type_tag() {
        let e = RoomEvent {
            id: 9,
            room: RoomId::new(),
            at: 1,
            body: RoomEventBody::Comment {
                author: "Wang".into(),
                text: "sweet?".into(),
            },
        };
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.contains(r#""type":"comment""#), "{json}");
        assert_eq!(serde_json::from_str::<RoomEvent>(&json).unwrap(), e);
        assert_eq!(e.body.kind(), "comment");
    }

    #[test]
    fn a_stream_key_never_shows_in_debug() {
        let ingest = HubIngest {
            server: "rtmp://hub.example:1935/live".into(),
            key: StreamKey::new("sk_secret123"),
        };
        let shown = format!("{ingest:?}");
        assert!(!shown.contains("secret123"), "{shown}");
        assert!(shown.contains("rtmp://hub.example:1935/live"));
        assert_eq!(ingest.url(), "rtmp://hub.example:1935/live/sk_secret123");
        let json = serde_json::to_value(&ingest).expect("json");
        assert_eq!(
            json["key"], "sk_secret123",
            "the key itself goes on the wire"
        );
    }
}
