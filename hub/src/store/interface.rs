//! What the HTTP layer asks of a hub database, one trait per area, and the
//! types those traits speak. The SQLite store ([`super::sqlite`]) is the
//! first implementation; a second database implements the same traits and
//! the HTTP layer does not change.
//!
//! **Synchronous on purpose.** The SQLite store blocks (one writer
//! connection behind a mutex), so every handler runs each store call on
//! `tokio::task::spawn_blocking` (`http::blocking`),
//! [`AccountStore::authenticate`] included. The PostgreSQL implementation
//! ([`super::postgres`]) fits as it is: its pool waits for each statement
//! on those same blocking threads (`postgres/pool.rs`). Should a store
//! want to await instead, these traits would turn into `async fn`s and
//! the handlers would await them in place of `blocking(...)`: a mechanical
//! change to the call sites, not to the layers.
//!
//! **Transactions stay inside an implementation.** Each method is one unit
//! of work (one transaction where it writes), so the rules that need
//! atomicity (stock decrements, an op applied exactly once, room events in
//! commit order) are kept by the implementation, not by the caller.
//!
//! **Room fan-out is shared.** Events are published to the in-memory
//! [`Fanout`] after the commit that stores them, in commit order; an
//! implementation owns one `Fanout` and publishes to it (see
//! [`RoomStore::fanout`]).
//!
//! **Operators and tests** reach a store through [`OperatorStore`] (minting
//! codes, reading what a hub holds), never through a concrete backend, so
//! the same commands and tests serve any database.

use crate::error::Result;
use crate::rooms::{Fanout, Feed, FeedItem};
pub use crate::store::rules::guides::Published;
use farmlive_protocol::api::{
    ChangesPage, DeviceInfo, EnrolRequest, EnrolResponse, FarmInfo, OpResult, PlaceOrder,
    PublicListing, Role, TokenRenewal,
};
use farmlive_protocol::guides::{GuideDraft, GuidesPage};
use farmlive_protocol::ops::Op;
use farmlive_protocol::questions::{AnswerRequest, ExpertQuestion, QuestionQueue, QueueQuery};
use farmlive_protocol::room::{OpenRoom, PinRequest, RoomEvent, RoomOrder, RoomView, StreamKey};
use farmlive_protocol::{
    BuyerContact, BuyerId, DeviceId, FarmId, ListingId, ListingState, OrderId, OrderState,
    QuestionId, RoomId,
};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Most rooms in one `GET /v1/rooms`.
pub const ROOM_LIST_MAX: u32 = 50;
/// How long an enrolment code stays valid unless the operator says otherwise.
pub const CODE_TTL_MS: i64 = 24 * 3_600_000;
/// The longest an operator may make a code last.
pub const CODE_TTL_MAX_MS: i64 = 7 * 24 * 3_600_000;

/// A freshly minted enrolment code. The code itself is a secret.
pub struct EnrolCode {
    /// The code to give to the device's user.
    pub code: String,
    /// The role it grants.
    pub role: Role,
    /// The farms it grants.
    pub farms: Vec<FarmInfo>,
    /// When it stops working (UTC ms).
    pub expires_at: i64,
}

impl std::fmt::Debug for EnrolCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolCode")
            .field("code", &"<redacted>")
            .field("role", &self.role)
            .field("farms", &self.farms)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// How many of each kind of record a hub holds: what an operator (or a
/// test) checks without knowing the database's tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Census {
    /// Devices ever enrolled (revoked ones included).
    pub devices: u64,
    /// Listings, in any status.
    pub listings: u64,
    /// Orders, in any status.
    pub orders: u64,
    /// Device ops the hub has recorded an outcome for (each op id once).
    pub ops: u64,
    /// Of those, the ops that were refused rather than applied.
    pub refused_ops: u64,
    /// Photos whose bytes have not all arrived and been verified.
    pub incomplete_photos: u64,
    /// Uploads in progress (one per device and photo).
    pub uploads: u64,
    /// Enrolment codes never used (expired ones included).
    pub unused_codes: u64,
}

/// The pseudo-farm of all experts (the nil id, which no farm has): what
/// their photo uploads are charged to and what holds every photo a
/// question's thread shows (`store/rules/questions.rs`).
pub const EXPERTS: FarmId = FarmId(uuid::Uuid::nil());

/// The farms a device of `role` acting for `farms` uploads and reads
/// photos as ([`Uploader`], [`Reader`]): its own, or for an expert's
/// device (which has none) [`EXPERTS`].
pub fn photo_farms(role: Role, farms: BTreeSet<FarmId>) -> BTreeSet<FarmId> {
    if role.has_farms() {
        farms
    } else {
        BTreeSet::from([EXPERTS])
    }
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An enrolled device and the farms it may act for.
    Device {
        /// Its id.
        id: DeviceId,
        /// Farmer or agent.
        role: Role,
        /// Its farms.
        farms: BTreeSet<FarmId>,
        /// When the token it called with expires (UTC ms).
        token_expires_at: i64,
    },
    /// A buyer.
    Buyer(BuyerId),
}

/// What a new follower of a room gets.
pub enum Following {
    /// The room is live: follow its feed. `viewer` is set when a buyer's
    /// connection was counted; call [`RoomStore::viewer_left`] when it closes.
    Live {
        /// The room's feed.
        feed: Arc<Feed>,
        /// The buyer counted as a viewer.
        viewer: Option<BuyerId>,
        /// Call [`RoomStore::flush_presence`] after this long.
        flush_after: Option<Duration>,
    },
    /// The room has ended: every event is stored; replay and close.
    Ended,
}

/// An upload's progress, as one device sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobStatus {
    /// Bytes received.
    pub received: u64,
    /// Declared total.
    pub length: u64,
    /// Verified and visible.
    pub complete: bool,
}

/// Who uploads: a device and the farms it acts for.
#[derive(Debug, Clone, Copy)]
pub struct Uploader<'a> {
    /// The device's id.
    pub device: &'a str,
    /// Its farms: each is charged with what it uploads.
    pub farms: &'a BTreeSet<FarmId>,
}

/// Who reads: anyone (only photos that an active listing shows), or a
/// device of these farms (also its farms' own photos).
#[derive(Debug, Clone, Copy)]
pub enum Reader<'a> {
    /// No or a buyer's credentials.
    Public,
    /// A device of these farms.
    Farms(&'a BTreeSet<FarmId>),
}

/// A photo ready to be served: its length and where its bytes are.
#[derive(Debug)]
pub struct PhotoBytes {
    /// Its length in bytes.
    pub length: u64,
    /// Where its bytes are.
    pub source: PhotoSource,
}

/// Where a photo's bytes come from when served. Its `Debug` shows no
/// bytes (a delivery photo shows a buyer's door).
pub enum PhotoSource {
    /// A local file, streamed from disk (it may vanish if collected).
    File(PathBuf),
    /// The bytes themselves (an object read from remote storage; photos
    /// are at most `BLOB_MAX_BYTES`).
    Bytes(Vec<u8>),
}

impl std::fmt::Debug for PhotoSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PhotoSource::File(path) => f.debug_tuple("File").field(path).finish(),
            PhotoSource::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
        }
    }
}

/// What one photo collection removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Collected {
    /// Expired uploads.
    pub uploads: u64,
    /// Complete photos no one needs.
    pub blobs: u64,
    /// Files in the photo directory that nothing recorded (left by a crash
    /// or an older hub).
    pub strays: u64,
}

/// Devices, buyers and their tokens.
pub trait AccountStore {
    /// Who a bearer token belongs to (401/`Denied` errors if no one, or
    /// no longer).
    fn authenticate(&self, token: &str) -> Result<Principal>;
    /// Enrols a device with a one-time code; returns its token.
    fn enrol(&self, req: &EnrolRequest) -> Result<EnrolResponse>;
    /// A fresh token for an enrolled device; the current one works until
    /// the new one is first used.
    fn renew_token(&self, device: DeviceId) -> Result<TokenRenewal>;
    /// Devices serving any of `farms` (every device if `None`), oldest first.
    fn devices(&self, farms: Option<&BTreeSet<FarmId>>) -> Result<Vec<DeviceInfo>>;
    /// Removes `device` from `farms` (every farm if `None`); a device left
    /// with no farm is revoked, naming `by`.
    fn revoke_device(
        &self,
        device: DeviceId,
        farms: Option<&BTreeSet<FarmId>>,
        by: &str,
    ) -> Result<DeviceInfo>;
    /// The name a device enrolled with.
    fn device_name(&self, device: DeviceId) -> Result<String>;
    /// Signs up a buyer; returns their id and token.
    fn sign_up_buyer(&self, contact: &BuyerContact) -> Result<(BuyerId, String)>;
}

/// Device ops in, the change feed out.
pub trait ChangeStore {
    /// Applies a batch of a device's ops in order, each op id at most once,
    /// each checked against `role` and `farms`.
    fn push(
        &self,
        farms: &BTreeSet<FarmId>,
        role: Role,
        device: &str,
        ops: &[Op],
    ) -> Result<Vec<OpResult>>;
    /// Changes after `after` for `farms`, at most `limit`; order changes
    /// only with `orders`.
    fn changes(
        &self,
        farms: &BTreeSet<FarmId>,
        after: u64,
        limit: u32,
        orders: bool,
    ) -> Result<ChangesPage>;
}

/// Guides: published by operators (and experts), pulled by every device.
pub trait GuideStore {
    /// Guides published after `after` in the guide sequence, at most
    /// `limit`, in sequence order.
    fn guides_after(&self, after: u64, limit: u32) -> Result<GuidesPage>;
    /// Publishes `drafts` (checked) in one transaction: a new guide at
    /// revision 1, new texts for an existing one at its next revision,
    /// the same texts again not at all. With `only_new`, existing guides
    /// are left as they are (how the built-in guides are offered).
    fn publish_guides(&self, drafts: &[GuideDraft], only_new: bool) -> Result<Vec<Published>>;
}

/// Listings as buyers browse them.
pub trait ListingStore {
    /// Active listings, newest first, at most `limit`.
    fn public_listings(&self, limit: u32) -> Result<Vec<PublicListing>>;
    /// What ordering `listing` now to `city` (id, Chinese name or pinyin)
    /// would promise; 409 `unserved_city` naming the nearest served cities.
    fn delivery_quote(
        &self,
        listing: ListingId,
        city: &str,
    ) -> Result<farmlive_protocol::api::DeliveryQuote>;
    /// What ordering from `farm` now promises to each city it serves,
    /// soonest first; empty when it serves none (no origin or no routes).
    fn delivery_options(&self, farm: FarmId) -> Result<Vec<farmlive_protocol::api::DeliveryQuote>>;
}

/// Buyers' orders.
pub trait OrderStore {
    /// Places an order (`true`: created now; `false`: the same
    /// idempotency key's first order).
    fn place_order(&self, buyer: BuyerId, req: &PlaceOrder) -> Result<(OrderState, bool)>;
    /// Places an order from a live room (the pinned listing by default).
    fn place_room_order(
        &self,
        buyer: BuyerId,
        room: RoomId,
        req: &RoomOrder,
    ) -> Result<(OrderState, bool)>;
    /// An order, if `who` may see it.
    fn order_for(&self, who: &Principal, id: OrderId) -> Result<OrderState>;
    /// The buyer cancels their own order.
    fn cancel_by_buyer(&self, buyer: BuyerId, id: OrderId, reason: &str) -> Result<OrderState>;
}

/// Live rooms: their stored state and events, and following them.
pub trait RoomStore {
    /// The in-memory feeds and viewers this store publishes to after commit.
    fn fanout(&self) -> &Fanout;
    /// A room as anyone sees it.
    fn room(&self, id: RoomId) -> Result<RoomView>;
    /// The live rooms, newest first, at most `limit` (≤ [`ROOM_LIST_MAX`]).
    fn live_rooms(&self, limit: u32) -> Result<Vec<RoomView>>;
    /// Opens a room for one of `farms`: the room, and its new secret stream
    /// key (revoked when the room ends).
    fn open_room(&self, farms: &BTreeSet<FarmId>, req: &OpenRoom) -> Result<(RoomView, StreamKey)>;
    /// The live room a stream key publishes to, with its feed (to hear of
    /// its end); `None` for a wrong or revoked key.
    fn publishing_room(&self, key: &StreamKey) -> Result<Option<(RoomId, Arc<Feed>)>>;
    /// Records that the hub process reached at `node` (its own HTTP
    /// address, `http://10.0.0.2:8080`) holds live room `id`'s RTMP
    /// ingest, so that the other processes of the hub send the room's
    /// HTTP-FLV viewers there ([`RoomStore::ingest_node`]).
    fn claim_ingest(&self, id: RoomId, node: &str) -> Result<()>;
    /// The HTTP address of the process holding live room `id`'s ingest;
    /// `None` if none is recorded (the room is not live, no publisher
    /// came yet, or the store serves one process only).
    fn ingest_node(&self, id: RoomId) -> Result<Option<String>>;
    /// Pins a listing of the shelf.
    fn pin(&self, farms: &BTreeSet<FarmId>, id: RoomId, req: &PinRequest) -> Result<RoomView>;
    /// Unpins the pinned listing, if any.
    fn unpin(&self, farms: &BTreeSet<FarmId>, id: RoomId) -> Result<RoomView>;
    /// Ends a room.
    fn end_room(&self, farms: &BTreeSet<FarmId>, id: RoomId) -> Result<RoomView>;
    /// A buyer's comment (already validated) in a live room.
    fn post_comment(&self, buyer: BuyerId, id: RoomId, text: String) -> Result<RoomEvent>;
    /// Starts following `room` as `who`.
    fn follow(&self, room: RoomId, who: &Principal) -> Result<Following>;
    /// A buyer's stream of `room` closed; when to call
    /// [`RoomStore::flush_presence`], if at all.
    fn viewer_left(&self, room: RoomId, buyer: BuyerId) -> Result<Option<Duration>>;
    /// A player of `room` opened or closed (already counted in
    /// `fanout().viewers()`); when to call [`RoomStore::flush_presence`],
    /// if at all.
    fn players_changed(&self, room: RoomId) -> Result<Option<Duration>>;
    /// Sends the presence of `room` that waited for its turn.
    fn flush_presence(&self, room: RoomId) -> Result<()>;
    /// Stored events of `room` with ids in `(after, upto]`, at most `limit`.
    fn room_events(
        &self,
        room: RoomId,
        after: u64,
        upto: Option<u64>,
        limit: u32,
    ) -> Result<Vec<Arc<FeedItem>>>;
}

/// Photo uploads and reads (the bytes and what is known about them).
pub trait PhotoStore {
    /// Upload progress of a photo for this device.
    fn photo_status(&self, who: Uploader<'_>, sha: &str) -> Result<Option<BlobStatus>>;
    /// Appends a chunk at `offset` of this device's upload of `length` bytes.
    fn append_photo(
        &self,
        who: Uploader<'_>,
        sha: &str,
        offset: u64,
        length: u64,
        chunk: &[u8],
    ) -> Result<BlobStatus>;
    /// A complete photo's bytes (where they are, and their length), if
    /// `reader` may read it.
    fn open_photo(&self, reader: Reader<'_>, sha: &str) -> Result<PhotoBytes>;
    /// An order's delivery photo's bytes, if `who` may see
    /// the order (its buyer, or a device of its farm). The photo shows the
    /// buyer's door: no one else gets it, whoever knows its hash.
    fn open_delivery_photo(&self, who: &Principal, order: OrderId) -> Result<PhotoBytes>;
    /// Sets the photo bytes each farm may keep.
    fn set_photo_quota(&self, bytes: u64);
    /// Removes expired uploads and unneeded photos as of `now` (ms).
    fn collect_photos(&self, now: i64) -> Result<Collected>;
}

/// What operator commands (`farmlive hub enrol-code`, `devices`), the
/// hub's first start and tests ask of a hub database beyond the HTTP
/// layer's needs. It includes all of [`HubStore`].
pub trait OperatorStore: HubStore {
    /// This store as the HTTP layer's interface (the same database).
    fn into_hub_store(self: Arc<Self>) -> Arc<dyn HubStore>;
    /// True if opening it created the database (the hub's first start).
    fn is_fresh(&self) -> bool;
    /// Mints a one-time enrolment code for `role` on the named farms
    /// (created if new), valid for `ttl_ms` (a minute to
    /// [`CODE_TTL_MAX_MS`]). A farmer code names exactly one farm. Only a
    /// keyed hash of the code is stored.
    fn mint_enrol_code_for(
        &self,
        farm_names: &[String],
        role: Role,
        ttl_ms: i64,
    ) -> Result<EnrolCode>;
    /// [`OperatorStore::mint_enrol_code_for`], valid for [`CODE_TTL_MS`].
    fn mint_enrol_code(&self, farm_names: &[String], role: Role) -> Result<EnrolCode> {
        self.mint_enrol_code_for(farm_names, role, CODE_TTL_MS)
    }
    /// A farm's name.
    fn farm_name(&self, farm: FarmId) -> Result<String>;
    /// Adds delivery routes (`farmlive hub routes import`), replacing any
    /// with the same origin and destination; how many were written.
    fn import_routes(&self, routes: &[farmlive_protocol::routes::Route]) -> Result<usize>;
    /// Every delivery route, by origin then destination.
    fn routes(&self) -> Result<Vec<farmlive_protocol::routes::Route>>;
    /// Sets where the farm named `farm` (which must exist) ships from: a
    /// city (id, Chinese name or pinyin).
    fn set_farm_origin(&self, farm: &str, city: &str) -> Result<()>;
    /// Each farm with an origin: its name and the city's id.
    fn farm_origins(&self) -> Result<Vec<(String, String)>>;
    /// How many of each record the hub holds.
    fn census(&self) -> Result<Census>;
    /// Every listing the hub holds, in any status, in no particular order.
    fn listings(&self) -> Result<Vec<ListingState>>;
    /// One listing as the hub holds it.
    fn listing(&self, id: ListingId) -> Result<Option<ListingState>>;
    /// The hashes of the photo and thumbnail an order holds against photo
    /// collection (its delivery photo, as recorded beside the order).
    fn order_photo_refs(&self, id: OrderId) -> Result<Option<(String, String)>>;
    /// True if the photo `sha` is complete (all bytes verified).
    fn photo_complete(&self, sha: &str) -> Result<bool>;
    /// When a buyer's token expires (UTC ms).
    fn buyer_expires_at(&self, buyer: BuyerId) -> Result<i64>;
    /// Test hook: sets a device's token expiry (to age a device).
    fn expire_device(&self, device: DeviceId, at_ms: i64) -> Result<()>;
    /// Test hook: sets a buyer's token expiry (to age a buyer).
    fn expire_buyer(&self, buyer: BuyerId, at_ms: i64) -> Result<()>;
}

/// Questions to the experts, as an expert's device reads and answers them
/// (farms ask, follow up and resolve through [`ChangeStore::push`]). What
/// comes back never names the farm.
pub trait QuestionStore {
    /// One page of the experts' queue: unresolved questions matching the
    /// filter, waiting ones first, oldest first.
    fn question_queue(&self, query: &QueueQuery) -> Result<QuestionQueue>;
    /// One question and its thread.
    fn expert_question(&self, id: QuestionId) -> Result<ExpertQuestion>;
    /// The expert's device `expert` answers `id` (its photos uploaded
    /// first); the answer joins the farm's change feed.
    fn answer_question(
        &self,
        expert: DeviceId,
        id: QuestionId,
        req: &AnswerRequest,
    ) -> Result<ExpertQuestion>;
}

/// Whether the database answers, for the readiness probe.
pub trait HealthStore {
    /// One round trip to the database (a reader, or a pooled connection);
    /// an error says it cannot serve now.
    fn ping(&self) -> Result<()>;
}

/// Everything the HTTP layer needs: a hub database.
pub trait HubStore:
    AccountStore
    + ChangeStore
    + GuideStore
    + ListingStore
    + OrderStore
    + RoomStore
    + PhotoStore
    + QuestionStore
    + HealthStore
    + Send
    + Sync
{
}

impl<T> HubStore for T where
    T: AccountStore
        + HealthStore
        + ChangeStore
        + GuideStore
        + ListingStore
        + OrderStore
        + RoomStore
        + PhotoStore
        + QuestionStore
        + Send
        + Sync
{
}
