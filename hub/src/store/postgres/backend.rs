//! The PostgreSQL store's face: the store traits, each method one unit of
//! work (the SQL is in the area's module).

use super::pool::Pool;
use crate::error::Result;
use crate::rooms::{Fanout, Feed, FeedItem};
use crate::store::interface::{
    AccountStore, BlobStatus, ChangeStore, Collected, Following, GuideStore, HealthStore,
    ListingStore, OrderStore, PhotoBytes, PhotoStore, Principal, Published, QuestionStore, Reader,
    RoomStore, Uploader,
};
use crate::store::objects::PhotoStorage;
use crate::store::rules::orders::OrderRequest;
use crate::store::rules::photos::PHOTO_QUOTA_DEFAULT;
use crate::store::sqlite::files::{CodeKey, load_or_create_key_at};
use farmlive_protocol::QuestionId;
use farmlive_protocol::api::{
    ChangesPage, DeviceInfo, EnrolRequest, EnrolResponse, OpResult, PlaceOrder, PublicListing,
    Role, TokenRenewal,
};
use farmlive_protocol::guides::{GuideDraft, GuidesPage};
use farmlive_protocol::ops::Op;
use farmlive_protocol::questions::{AnswerRequest, ExpertQuestion, QuestionQueue, QueueQuery};
use farmlive_protocol::room::{OpenRoom, PinRequest, RoomEvent, RoomOrder, RoomView, StreamKey};
use farmlive_protocol::{BuyerContact, BuyerId, DeviceId, FarmId, OrderId, OrderState, RoomId};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A hub database on a PostgreSQL server.
pub struct PgStore {
    pub(super) pool: Pool,
    pub(super) code_key: CodeKey,
    /// The live rooms' feeds, viewers and presence in this process; every
    /// process's committed events reach it through `listen.rs`.
    pub(super) fanout: Arc<Fanout>,
    /// Where photo bytes live (shared by every process of the hub).
    pub(super) photos: PhotoStorage,
    /// The photo bytes each farm may keep.
    photo_quota: AtomicU64,
}

impl PgStore {
    /// Opens the database at `url` (`postgres://…`), whose schema
    /// `farmlive hub migrate` has made; refuses one with no schema or an
    /// older one (run `farmlive hub migrate`) and a newer one. Enrolment
    /// codes are hashed with the key in `secret` (made on first use, 0600):
    /// every process of a hub must share it, and it stays out of the
    /// database, as `<db>.secret` does beside a SQLite file. Photo bytes
    /// go to `photos`, which every process of the hub must share (e.g.
    /// [`PhotoStorage::local`] on one directory of their machine).
    pub fn open(url: &str, secret: &Path, photos: PhotoStorage) -> Result<PgStore> {
        let pool = Pool::open(url)?;
        super::check_schema(&pool.get()?)?;
        let code_key = load_or_create_key_at(secret)?;
        let fanout = super::listen::start(&pool)?;
        Ok(PgStore {
            pool,
            code_key,
            fanout,
            photos,
            photo_quota: AtomicU64::new(PHOTO_QUOTA_DEFAULT),
        })
    }

    /// The photo bytes each farm may keep.
    pub(super) fn photo_quota(&self) -> u64 {
        self.photo_quota.load(Ordering::Relaxed)
    }
}

impl AccountStore for PgStore {
    fn authenticate(&self, token: &str) -> Result<Principal> {
        self.authenticate_token(token)
    }

    fn enrol(&self, req: &EnrolRequest) -> Result<EnrolResponse> {
        self.enrol_device(req)
    }

    fn renew_token(&self, device: DeviceId) -> Result<TokenRenewal> {
        self.renew_device_token(device)
    }

    fn devices(&self, farms: Option<&BTreeSet<FarmId>>) -> Result<Vec<DeviceInfo>> {
        self.list_devices(farms)
    }

    fn revoke_device(
        &self,
        device: DeviceId,
        farms: Option<&BTreeSet<FarmId>>,
        by: &str,
    ) -> Result<DeviceInfo> {
        self.revoke(device, farms, by)
    }

    fn device_name(&self, device: DeviceId) -> Result<String> {
        self.name_of_device(device)
    }

    fn sign_up_buyer(&self, contact: &BuyerContact) -> Result<(BuyerId, String)> {
        self.sign_up(contact)
    }
}

impl ChangeStore for PgStore {
    fn push(
        &self,
        farms: &BTreeSet<FarmId>,
        role: Role,
        device: &str,
        ops: &[Op],
    ) -> Result<Vec<OpResult>> {
        self.push_ops(farms, role, device, ops)
    }

    fn changes(
        &self,
        farms: &BTreeSet<FarmId>,
        after: u64,
        limit: u32,
        orders: bool,
    ) -> Result<ChangesPage> {
        self.changes_after(farms, after, limit, orders)
    }
}

impl GuideStore for PgStore {
    fn guides_after(&self, after: u64, limit: u32) -> Result<GuidesPage> {
        self.guides_page(after, limit)
    }

    fn publish_guides(&self, drafts: &[GuideDraft], only_new: bool) -> Result<Vec<Published>> {
        self.publish_guide_drafts(drafts, only_new)
    }
}

impl QuestionStore for PgStore {
    fn question_queue(&self, query: &QueueQuery) -> Result<QuestionQueue> {
        self.queue(query)
    }

    fn expert_question(&self, id: QuestionId) -> Result<ExpertQuestion> {
        self.question_for_expert(id)
    }

    fn answer_question(
        &self,
        expert: DeviceId,
        id: QuestionId,
        req: &AnswerRequest,
    ) -> Result<ExpertQuestion> {
        self.answer_as(expert, id, req)
    }
}

impl HealthStore for PgStore {
    fn ping(&self) -> Result<()> {
        self.pool.get()?.execute("SELECT 1", &[]).map(drop)
    }
}

impl ListingStore for PgStore {
    fn delivery_quote(
        &self,
        listing: farmlive_protocol::ListingId,
        city: &str,
    ) -> Result<farmlive_protocol::api::DeliveryQuote> {
        crate::store::rules::routes::quote_for(
            crate::store::OperatorStore::listing(self, listing)?,
            city,
            |farm| self.routes_of_farm(farm),
            crate::store::now_ms(),
        )
    }

    fn delivery_options(
        &self,
        farm: farmlive_protocol::FarmId,
    ) -> Result<Vec<farmlive_protocol::api::DeliveryQuote>> {
        Ok(crate::store::rules::routes::quotes(
            &self.routes_of_farm(farm)?,
            crate::store::now_ms(),
        ))
    }

    fn public_listings(&self, limit: u32) -> Result<Vec<PublicListing>> {
        self.active_listings(limit)
    }
}

impl OrderStore for PgStore {
    fn place_order(&self, buyer: BuyerId, req: &PlaceOrder) -> Result<(OrderState, bool)> {
        self.place_buyer_order(buyer, &OrderRequest::of_place(req), None)
    }

    fn place_room_order(
        &self,
        buyer: BuyerId,
        room: RoomId,
        req: &RoomOrder,
    ) -> Result<(OrderState, bool)> {
        self.place_buyer_order(buyer, &OrderRequest::of_room(req), Some(room))
    }

    fn order_for(&self, who: &Principal, id: OrderId) -> Result<OrderState> {
        self.read_order_for(who, id)
    }

    fn cancel_by_buyer(&self, buyer: BuyerId, id: OrderId, reason: &str) -> Result<OrderState> {
        self.cancel_for_buyer(buyer, id, reason)
    }
}

impl RoomStore for PgStore {
    fn fanout(&self) -> &Fanout {
        &self.fanout
    }

    fn room(&self, id: RoomId) -> Result<RoomView> {
        self.read_room(id)
    }

    fn live_rooms(&self, limit: u32) -> Result<Vec<RoomView>> {
        self.read_live_rooms(limit)
    }

    fn open_room(&self, farms: &BTreeSet<FarmId>, req: &OpenRoom) -> Result<(RoomView, StreamKey)> {
        self.open_live_room(farms, req)
    }

    fn publishing_room(&self, key: &StreamKey) -> Result<Option<(RoomId, Arc<Feed>)>> {
        self.room_of_stream_key(key)
    }

    fn claim_ingest(&self, id: RoomId, node: &str) -> Result<()> {
        self.claim_room_ingest(id, node)
    }

    fn ingest_node(&self, id: RoomId) -> Result<Option<String>> {
        self.room_ingest_node(id)
    }

    fn pin(&self, farms: &BTreeSet<FarmId>, id: RoomId, req: &PinRequest) -> Result<RoomView> {
        self.pin_listing(farms, id, req)
    }

    fn unpin(&self, farms: &BTreeSet<FarmId>, id: RoomId) -> Result<RoomView> {
        self.unpin_listing(farms, id)
    }

    fn end_room(&self, farms: &BTreeSet<FarmId>, id: RoomId) -> Result<RoomView> {
        self.end_live_room(farms, id)
    }

    fn post_comment(&self, buyer: BuyerId, id: RoomId, text: String) -> Result<RoomEvent> {
        self.comment(buyer, id, text)
    }

    fn follow(&self, room: RoomId, who: &Principal) -> Result<Following> {
        self.follow_room(room, who)
    }

    fn viewer_left(&self, room: RoomId, buyer: BuyerId) -> Result<Option<Duration>> {
        self.leave_room(room, buyer)
    }

    fn players_changed(&self, room: RoomId) -> Result<Option<Duration>> {
        self.room_players_changed(room)
    }

    fn flush_presence(&self, room: RoomId) -> Result<()> {
        self.flush_room_presence(room)
    }

    fn room_events(
        &self,
        room: RoomId,
        after: u64,
        upto: Option<u64>,
        limit: u32,
    ) -> Result<Vec<Arc<FeedItem>>> {
        self.read_room_events(room, after, upto, limit)
    }
}

impl PhotoStore for PgStore {
    fn photo_status(&self, who: Uploader<'_>, sha: &str) -> Result<Option<BlobStatus>> {
        self.upload_status(who, sha)
    }

    fn append_photo(
        &self,
        who: Uploader<'_>,
        sha: &str,
        offset: u64,
        length: u64,
        chunk: &[u8],
    ) -> Result<BlobStatus> {
        self.append_chunk(who, sha, offset, length, chunk)
    }

    fn open_photo(&self, reader: Reader<'_>, sha: &str) -> Result<PhotoBytes> {
        self.open_photo_for(reader, sha)
    }

    fn open_delivery_photo(&self, who: &Principal, order: OrderId) -> Result<PhotoBytes> {
        self.open_delivery_photo_for(who, order)
    }

    fn set_photo_quota(&self, bytes: u64) {
        self.photo_quota.store(bytes, Ordering::Relaxed);
    }

    fn collect_photos(&self, now: i64) -> Result<Collected> {
        self.collect_garbage(now)
    }
}
