//! Every endpoint of the hub, grouped by what it serves. The only place
//! that spells a `/v1/` path.

use super::endpoint::{Empty, Endpoint, Method};
use super::error::ErrorCode as E;

/// The hub is up: `GET` answers `ok` as plain text.
pub const HEALTH: Endpoint<(), ()> = Endpoint::new(Method::Get, "/v1/health", &[]);

/// Liveness, for a process supervisor: `GET` answers `live` (plain text)
/// while the process serves at all; it does not ask the database, so a
/// database outage does not get every process restarted.
pub const LIVE: Endpoint<(), ()> = Endpoint::new(Method::Get, "/livez", &[]);

/// Readiness, for a load balancer: `GET` answers `ready` (200) while this
/// process takes new work (its database answers and it is not shutting
/// down), else 503 with the reason as plain text (`draining`, or
/// `database unavailable`). Unversioned, as load balancers expect it.
pub const READY: Endpoint<(), ()> = Endpoint::new(Method::Get, "/readyz", &[]);

/// Devices: enrolment, token renewal, the farm's list, removal.
pub mod devices {
    use super::*;
    use crate::DeviceId;
    use crate::api::{DeviceInfo, EnrolRequest, EnrolResponse, TokenRenewal};

    /// Enrols a device (or enrols it again) with a one-time code.
    pub const ENROL: Endpoint<EnrolRequest, EnrolResponse> = Endpoint::new(
        Method::Post,
        "/v1/devices",
        &[E::Invalid, E::DeviceExists, E::Forbidden],
    );
    /// A farmer lists its farm's devices.
    pub const LIST: Endpoint<(), Vec<DeviceInfo>> =
        Endpoint::new(Method::Get, "/v1/devices", &[E::Forbidden]);
    /// A device's fresh token, before the old one expires. The old one
    /// keeps working until the new one is first used.
    pub const RENEW_TOKEN: Endpoint<Empty, TokenRenewal> = Endpoint::new(
        Method::Post,
        "/v1/devices/token",
        &[E::TokenExpired, E::DeviceRevoked, E::Forbidden],
    );
    /// A farmer removes a device from its farm.
    pub const REVOKE: Endpoint<Empty, DeviceInfo, DeviceId> = Endpoint::new(
        Method::Post,
        "/v1/devices/{id}/revoke",
        &[E::Invalid, E::Forbidden, E::NotFound],
    );
}

/// Sync: a device pushes its outbox and pulls the change feed.
pub mod sync {
    use super::*;
    use crate::api::{ChangesPage, PushRequest, PushResponse};

    /// Pushes a batch of ops (gzip body allowed).
    pub const PUSH: Endpoint<PushRequest, PushResponse> = Endpoint::new(
        Method::Post,
        "/v1/ops",
        &[
            E::BatchTooLarge,
            E::UnreadableBody,
            E::TokenExpired,
            E::DeviceRevoked,
            E::Forbidden,
        ],
    );
    /// A page of changes after a cursor (query: [`crate::api::ChangesQuery`]);
    /// the reply carries [`crate::api::TOKEN_EXPIRES`]. With `wait`, a long
    /// poll: an empty page is held until the farm's feed moves (an
    /// expert's answer, a buyer's order) or the wait ends. A held poll is
    /// one of the device's event streams (429 past the cap).
    pub const CHANGES: Endpoint<(), ChangesPage> = Endpoint::new(
        Method::Get,
        "/v1/changes",
        &[
            E::Invalid,
            E::TokenExpired,
            E::DeviceRevoked,
            E::Forbidden,
            E::RateLimited,
        ],
    );
}

/// Photo blobs by SHA-256: resumable uploads (`HEAD`, `PATCH` with
/// [`crate::api::UPLOAD_OFFSET`] and [`crate::api::UPLOAD_LENGTH`]) and reads.
pub mod blobs {
    use super::*;

    const UPLOAD_ERRORS: &[E] = &[
        E::Invalid,
        E::TooLarge,
        E::HashMismatch,
        E::LengthMismatch,
        E::OffsetMismatch,
        E::QuotaExceeded,
        E::Forbidden,
    ];

    /// The bytes the hub holds so far, in `upload-offset` (404 if none).
    pub const HEAD: Endpoint<(), (), str> =
        Endpoint::new(Method::Head, "/v1/blobs/{sha}", &[E::Invalid, E::NotFound]);
    /// Appends a chunk (raw bytes); the new offset comes back in `upload-offset`.
    pub const PATCH: Endpoint<(), (), str> =
        Endpoint::new(Method::Patch, "/v1/blobs/{sha}", UPLOAD_ERRORS);
    /// The blob's bytes (raw).
    pub const GET: Endpoint<(), (), str> =
        Endpoint::new(Method::Get, "/v1/blobs/{sha}", &[E::Invalid, E::NotFound]);
}

/// Guides: every device syncs the programme's courses to read offline.
pub mod guides {
    use super::*;
    use crate::guides::{GuidePublished, GuidesPage, PublishGuide};

    /// Guides published after a sequence number (query `after`, `limit`
    /// up to [`crate::guides::GUIDES_PAGE_MAX`]); any enrolled device.
    pub const LIST: Endpoint<(), GuidesPage> = Endpoint::new(
        Method::Get,
        "/v1/guides",
        &[E::Invalid, E::TokenExpired, E::DeviceRevoked],
    );
    /// Publishes the guide `{id}` (new, or new texts or photos raising its
    /// revision; the same again changes nothing); an expert's device,
    /// which uploads the photos first (409 `blob_missing` if not).
    pub const PUBLISH: Endpoint<PublishGuide, GuidePublished, str> = Endpoint::new(
        Method::Put,
        "/v1/guides/{id}",
        &[
            E::Invalid,
            E::Forbidden,
            E::TokenExpired,
            E::DeviceRevoked,
            E::BlobMissing,
        ],
    );
}

/// Buyers: sign up, browse, order, cancel.
pub mod buyers {
    use super::*;
    use crate::api::{BuyerSignup, BuyerToken, PublicListing};

    /// A buyer signs up (limited per client address).
    pub const SIGN_UP: Endpoint<BuyerSignup, BuyerToken> =
        Endpoint::new(Method::Post, "/v1/buyers", &[E::Invalid, E::TooLong]);
    /// Active listings, public.
    pub const LISTINGS: Endpoint<(), Vec<PublicListing>> =
        Endpoint::new(Method::Get, "/v1/listings", &[E::Invalid]);
    /// What a buyer in a city is promised before ordering a listing (query:
    /// [`crate::api::DeliveryQuery`]), public.
    pub const DELIVERY: Endpoint<(), crate::api::DeliveryQuote, crate::ListingId> = Endpoint::new(
        Method::Get,
        "/v1/listings/{id}/delivery",
        &[E::Invalid, E::NotFound, E::UnservedCity],
    );
}

/// Orders placed by buyers.
pub mod orders {
    use super::*;
    use crate::api::{BuyerOrder, CancelOrder, PlaceOrder};
    use crate::{OrderId, OrderState};

    /// Places an order; the idempotency key makes a retry place it once.
    pub const PLACE: Endpoint<PlaceOrder, OrderState> = Endpoint::new(
        Method::Post,
        "/v1/orders",
        &[
            E::Invalid,
            E::NotFound,
            E::NotAvailable,
            E::OutOfStock,
            E::UnservedCity,
            E::BuyerTokenExpired,
            E::Forbidden,
        ],
    );
    /// One of the buyer's orders (a device of its farm may read it too).
    pub const SHOW: Endpoint<(), BuyerOrder, OrderId> = Endpoint::new(
        Method::Get,
        "/v1/orders/{id}",
        &[E::Invalid, E::NotFound, E::BuyerTokenExpired],
    );
    /// The order's delivery photo (JPEG): the buyer's doorstep, so only its
    /// buyer and a device of its farm get it; anyone else, and an order
    /// delivered without one, get 404.
    pub const DELIVERY_PHOTO: Endpoint<(), (), OrderId> = Endpoint::new(
        Method::Get,
        "/v1/orders/{id}/delivery-photo",
        &[E::Invalid, E::NotFound, E::BuyerTokenExpired],
    );
    /// The buyer cancels an order.
    pub const CANCEL: Endpoint<CancelOrder, OrderState, OrderId> = Endpoint::new(
        Method::Post,
        "/v1/orders/{id}/cancel",
        &[E::Invalid, E::NotFound, E::Transition, E::BuyerTokenExpired],
    );
}

/// Questions to the experts: an expert device reads the queue of open
/// questions (every farm's, without the farm) and answers. Farms ask,
/// follow up and resolve through their outbox (`/v1/ops`) and get the
/// answers in the change feed.
pub mod experts {
    use super::*;
    use crate::QuestionId;
    use crate::questions::{AnswerRequest, ExpertQuestion, QuestionQueue};

    /// Unresolved questions, waiting ones first, oldest first (query:
    /// [`crate::questions::QueueQuery`]: crop, region, offset, limit).
    pub const QUEUE: Endpoint<(), QuestionQueue> =
        Endpoint::new(Method::Get, "/v1/questions", &[E::Invalid, E::Forbidden]);
    /// One question and its thread.
    pub const SHOW: Endpoint<(), ExpertQuestion, QuestionId> = Endpoint::new(
        Method::Get,
        "/v1/questions/{id}",
        &[E::Invalid, E::NotFound, E::Forbidden],
    );
    /// Answers a question, with text and photos uploaded first through
    /// [`super::blobs::PATCH`]; 409 `transition` once it is resolved.
    pub const ANSWER: Endpoint<AnswerRequest, ExpertQuestion, QuestionId> = Endpoint::new(
        Method::Post,
        "/v1/questions/{id}/answers",
        &[
            E::Invalid,
            E::TooLong,
            E::NotFound,
            E::Forbidden,
            E::Transition,
            E::BlobMissing,
        ],
    );
}

/// Live rooms: the farmer opens, pins, ends; buyers watch, comment, order.
pub mod rooms {
    use super::*;
    use crate::room::{
        OpenRoom, OpenedRoom, PinRequest, PostComment, RoomEvent, RoomList, RoomOrder, RoomView,
    };
    use crate::{OrderState, RoomId};

    /// The farmer opens a room (any other live room of the farm ends); the
    /// reply carries the room's hub ingest (with its secret stream key).
    pub const OPEN: Endpoint<OpenRoom, OpenedRoom> =
        Endpoint::new(Method::Post, "/v1/rooms", &[E::Invalid, E::Forbidden]);
    /// The rooms on air now, public.
    pub const LIST: Endpoint<(), RoomList> = Endpoint::new(Method::Get, "/v1/rooms", &[E::Invalid]);
    /// One room, public.
    pub const SHOW: Endpoint<(), RoomView, RoomId> =
        Endpoint::new(Method::Get, "/v1/rooms/{id}", &[E::Invalid, E::NotFound]);
    /// Pins a listing of the shelf, perhaps at a live price.
    pub const PIN: Endpoint<PinRequest, RoomView, RoomId> = Endpoint::new(
        Method::Put,
        "/v1/rooms/{id}/pin",
        &[
            E::Invalid,
            E::NotOnShelf,
            E::NotFound,
            E::RoomEnded,
            E::Forbidden,
        ],
    );
    /// Unpins; the live price stops at once.
    pub const UNPIN: Endpoint<(), RoomView, RoomId> = Endpoint::new(
        Method::Delete,
        "/v1/rooms/{id}/pin",
        &[E::Invalid, E::NotFound, E::RoomEnded, E::Forbidden],
    );
    /// Ends the room (idempotent).
    pub const END: Endpoint<Empty, RoomView, RoomId> = Endpoint::new(
        Method::Post,
        "/v1/rooms/{id}/end",
        &[E::Invalid, E::NotFound, E::Forbidden],
    );
    /// A buyer comments (rate-limited).
    pub const COMMENT: Endpoint<PostComment, RoomEvent, RoomId> = Endpoint::new(
        Method::Post,
        "/v1/rooms/{id}/comments",
        &[E::Invalid, E::NotFound, E::RoomEnded, E::BuyerTokenExpired],
    );
    /// A buyer orders from the room, at the live price while pinned.
    pub const ORDER: Endpoint<RoomOrder, OrderState, RoomId> = Endpoint::new(
        Method::Post,
        "/v1/rooms/{id}/orders",
        &[
            E::Invalid,
            E::NotFound,
            E::NotPinned,
            E::NotOnShelf,
            E::RoomEnded,
            E::NotAvailable,
            E::OutOfStock,
            E::BuyerTokenExpired,
        ],
    );
    /// The room's events as server-sent events (`Last-Event-ID` or
    /// `?after=` resumes); each `data:` is a [`RoomEvent`].
    pub const EVENTS: Endpoint<(), RoomEvent, RoomId> = Endpoint::new(
        Method::Get,
        "/v1/rooms/{id}/events",
        &[E::Invalid, E::NotFound],
    );
    /// The room's public events as server-sent events, for anyone (no
    /// token: a room page opened from a shared link): pins, comments, the
    /// orders ticker, the viewer count and the end, each `data:` a
    /// [`PublicRoomEvent`](crate::api::PublicRoomEvent) carrying nothing the
    /// room page does not show everyone. Resumes like [`EVENTS`]; a few
    /// streams per client address (429 with `Retry-After` past them).
    pub const PUBLIC_EVENTS: Endpoint<(), crate::api::PublicRoomEvent, RoomId> = Endpoint::new(
        Method::Get,
        "/v1/rooms/{id}/public-events",
        &[E::Invalid, E::NotFound, E::RateLimited],
    );
}

/// Live video the hub relays itself, as HTTP-FLV (the low-latency path) and
/// HLS (Safari/iOS, and after the show its replay). Not JSON, and not under
/// `/v1/`: these are the URLs players and RTMP publishers are given, and
/// that a CDN or an SRS/nginx edge may pull from the hub as its origin.
/// Playlists are `application/vnd.apple.mpegurl`, segments `video/mp2t`.
pub mod media {
    use super::*;
    use crate::RoomId;

    /// The live playlist: the newest segments, reloaded by the player. Ends
    /// (`EXT-X-ENDLIST`) when the show does.
    pub const HLS_LIVE: Endpoint<(), (), RoomId> =
        Endpoint::new(Method::Get, "/live/{room}/live.m3u8", &[E::NotFound]);
    /// The replay: every recorded segment, written when the show ends.
    pub const HLS_REPLAY: Endpoint<(), (), RoomId> =
        Endpoint::new(Method::Get, "/live/{room}/replay.m3u8", &[E::NotFound]);
    /// One segment, as the router takes it (two parameters, so not an
    /// [`Endpoint`]; build it with [`hls_segment`]). Playlists name
    /// segments relative to themselves, so players never build this.
    pub const HLS_SEGMENT: &str = "/live/{room}/{segment}";

    /// The path of segment file `segment` (e.g. `seg000042.ts`) of `room`.
    pub fn hls_segment(room: RoomId, segment: &str) -> String {
        format!("/live/{room}/{segment}")
    }

    /// A live room's video as HTTP-FLV: `GET /live/{room}.flv` streams the
    /// FLV header, the sequence headers, the last GOP and then live tags,
    /// for as long as the room is on air. 404 if no publisher is on air.
    /// The parameter is the file name, `{room id}.flv` ([`live_flv_path`]);
    /// the route names it `room` because the HLS paths share its position
    /// (the router wants one name per position).
    pub const LIVE_FLV: Endpoint<(), (), str> =
        Endpoint::new(Method::Get, "/live/{room}", &[E::NotFound]);

    /// The file name's extension on [`LIVE_FLV`].
    pub const FLV_EXTENSION: &str = ".flv";

    /// The RTMP application rooms publish to: `rtmp://HOST:PORT/live/KEY`.
    pub const INGEST_APP: &str = "live";

    /// The hub's RTMP port unless the operator says otherwise.
    pub const RTMP_PORT: u16 = 1935;

    /// `/live/{room}.flv`.
    pub fn live_flv_path(room: RoomId) -> String {
        LIVE_FLV.path_for(format!("{room}{FLV_EXTENSION}"))
    }

    /// The room a [`LIVE_FLV`] file name names, if it is one.
    pub fn flv_room(file: &str) -> Option<RoomId> {
        file.strip_suffix(FLV_EXTENSION)?.parse().ok()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_room_has_one_flv_path_and_it_reads_back() {
            let room = RoomId::new();
            let path = live_flv_path(room);
            assert_eq!(path, format!("/live/{room}.flv"));
            let file = path.rsplit('/').next().expect("a file name");
            assert_eq!(flv_room(file), Some(room));
            assert_eq!(flv_room(&room.to_string()), None, "the extension is needed");
            assert_eq!(flv_room("nope.flv"), None);
        }
    }
}
