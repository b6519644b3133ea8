//! The PostgreSQL store's face: the store traits, each method one unit of
//! work (the SQL is in the area's module). Areas not built on PostgreSQL
//! yet (rooms) answer [`HubError::NotBuilt`] naming the area: never a
//! panic, never a pretend success.

use super::pool::Pool;
use crate::error::{HubError, Result};
use crate::rooms::{Fanout, Feed, FeedItem};
use crate::store::interface::{
    AccountStore, BlobStatus, ChangeStore, Collected, Following, ListingStore, OrderStore,
    PhotoBytes, PhotoStore, Principal, Reader, RoomStore, Uploader,
};
use crate::store::objects::PhotoStorage;
use crate::store::rules::photos::PHOTO_QUOTA_DEFAULT;
use crate::store::sqlite::files::{CodeKey, load_or_create_key_at};
use farmlive_protocol::api::{
    ChangesPage, DeviceInfo, EnrolRequest, EnrolResponse, OpResult, PlaceOrder, PublicListing,
    Role, TokenRenewal,
};
use farmlive_protocol::ops::Op;
use farmlive_protocol::room::{OpenRoom, PinRequest, RoomEvent, RoomOrder, RoomView, StreamKey};
use farmlive_protocol::{BuyerContact, BuyerId, DeviceId, FarmId, OrderId, OrderState, RoomId};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// What rooms answer until they are built on PostgreSQL.
pub const ROOMS_NOT_BUILT: &str = "live rooms are not built on PostgreSQL yet";

/// A hub database on a PostgreSQL server.
pub struct PgStore {
    pub(super) pool: Pool,
    pub(super) code_key: CodeKey,
    /// Where photo bytes live (shared by every process of the hub).
    pub(super) photos: PhotoStorage,
    /// The photo bytes each farm may keep.
    photo_quota: AtomicU64,
    /// The live rooms' feeds: empty until rooms are built here; the HTTP
    /// layer still closes their streams at shutdown.
    fanout: Fanout,
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
        Ok(PgStore {
            pool,
            code_key,
            photos,
            photo_quota: AtomicU64::new(PHOTO_QUOTA_DEFAULT),
            fanout: Fanout::new(0),
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

impl ListingStore for PgStore {
    fn public_listings(&self, limit: u32) -> Result<Vec<PublicListing>> {
        self.active_listings(limit)
    }
}

impl OrderStore for PgStore {
    fn place_order(&self, buyer: BuyerId, req: &PlaceOrder) -> Result<(OrderState, bool)> {
        self.place_shop_order(buyer, req)
    }

    /// A room order needs the rooms (the shelf, the pin), not built here.
    fn place_room_order(&self, _: BuyerId, _: RoomId, _: &RoomOrder) -> Result<(OrderState, bool)> {
        Err(HubError::NotBuilt(ROOMS_NOT_BUILT))
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

    fn room(&self, _: RoomId) -> Result<RoomView> {
        Err(HubError::NotBuilt(ROOMS_NOT_BUILT))
    }

    fn live_rooms(&self, _: u32) -> Result<Vec<RoomView>> {
        Err(HubError::NotBuilt(ROOMS_NOT_BUILT))
    }

    fn open_room(&self, _: &BTreeSet<FarmId>, _: &OpenRoom) -> Result<(RoomView, StreamKey)> {
        Err(HubError::NotBuilt(ROOMS_NOT_BUILT))
    }

    fn publishing_room(&self, _: &StreamKey) -> Result<Option<(RoomId, Arc<Feed>)>> {
        Err(HubError::NotBuilt(ROOMS_NOT_BUILT))
    }

    fn pin(&self, _: &BTreeSet<FarmId>, _: RoomId, _: &PinRequest) -> Result<RoomView> {
        Err(HubError::NotBuilt(ROOMS_NOT_BUILT))
    }

    fn unpin(&self, _: &BTreeSet<FarmId>, _: RoomId) -> Result<RoomView> {
        Err(HubError::NotBuilt(ROOMS_NOT_BUILT))
    }

    fn end_room(&self, _: &BTreeSet<FarmId>, _: RoomId) -> Result<RoomView> {
        Err(HubError::NotBuilt(ROOMS_NOT_BUILT))
    }

    fn post_comment(&self, _: BuyerId, _: RoomId, _: String) -> Result<RoomEvent> {
        Err(HubError::NotBuilt(ROOMS_NOT_BUILT))
    }

    fn follow(&self, _: RoomId, _: &Principal) -> Result<Following> {
        Err(HubError::NotBuilt(ROOMS_NOT_BUILT))
    }

    fn viewer_left(&self, _: RoomId, _: BuyerId) -> Result<Option<Duration>> {
        Err(HubError::NotBuilt(ROOMS_NOT_BUILT))
    }

    fn players_changed(&self, _: RoomId) -> Result<Option<Duration>> {
        Err(HubError::NotBuilt(ROOMS_NOT_BUILT))
    }

    fn flush_presence(&self, _: RoomId) -> Result<()> {
        Err(HubError::NotBuilt(ROOMS_NOT_BUILT))
    }

    fn room_events(&self, _: RoomId, _: u64, _: Option<u64>, _: u32) -> Result<Vec<Arc<FeedItem>>> {
        Err(HubError::NotBuilt(ROOMS_NOT_BUILT))
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
