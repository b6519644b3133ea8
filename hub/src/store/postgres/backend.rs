//! The PostgreSQL store's face: the store traits, each method one unit of
//! work (the SQL is in the area's module). Areas not built on PostgreSQL
//! yet answer [`HubError::NotBuilt`] naming the area: never a panic, never
//! a pretend success.

use super::pool::Pool;
use crate::error::{HubError, Result};
use crate::rooms::{Fanout, Feed, FeedItem};
use crate::store::interface::{
    AccountStore, BlobStatus, ChangeStore, Collected, Following, HealthStore, ListingStore,
    OrderStore, PhotoStore, Principal, Reader, RoomStore, Uploader,
};
use crate::store::sqlite::files::{CodeKey, load_or_create_key_at};
use farmlive_protocol::api::{
    ChangesPage, DeviceInfo, EnrolRequest, EnrolResponse, OpResult, PlaceOrder, PublicListing,
    Role, TokenRenewal,
};
use farmlive_protocol::ops::Op;
use farmlive_protocol::room::{OpenRoom, PinRequest, RoomEvent, RoomOrder, RoomView, StreamKey};
use farmlive_protocol::{BuyerContact, BuyerId, DeviceId, FarmId, OrderId, OrderState, RoomId};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// What rooms answer until they are built on PostgreSQL.
pub const ROOMS_NOT_BUILT: &str = "live rooms are not built on PostgreSQL yet";
/// What photos answer until they are built on PostgreSQL.
pub const PHOTOS_NOT_BUILT: &str = "photos are not built on PostgreSQL yet";

/// A hub database on a PostgreSQL server.
pub struct PgStore {
    pub(super) pool: Pool,
    pub(super) code_key: CodeKey,
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
    /// database, as `<db>.secret` does beside a SQLite file.
    pub fn open(url: &str, secret: &Path) -> Result<PgStore> {
        let pool = Pool::open(url)?;
        super::check_schema(&pool.get()?)?;
        let code_key = load_or_create_key_at(secret)?;
        Ok(PgStore {
            pool,
            code_key,
            fanout: Fanout::new(0),
        })
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
    fn photo_status(&self, _: Uploader<'_>, _: &str) -> Result<Option<BlobStatus>> {
        Err(HubError::NotBuilt(PHOTOS_NOT_BUILT))
    }

    fn append_photo(
        &self,
        _: Uploader<'_>,
        _: &str,
        _: u64,
        _: u64,
        _: &[u8],
    ) -> Result<BlobStatus> {
        Err(HubError::NotBuilt(PHOTOS_NOT_BUILT))
    }

    fn open_photo(&self, _: Reader<'_>, _: &str) -> Result<(PathBuf, u64)> {
        Err(HubError::NotBuilt(PHOTOS_NOT_BUILT))
    }

    fn open_delivery_photo(&self, _: &Principal, _: OrderId) -> Result<(PathBuf, u64)> {
        Err(HubError::NotBuilt(PHOTOS_NOT_BUILT))
    }

    fn set_photo_quota(&self, _: u64) {
        // Nothing to limit until photos are built here.
    }

    fn collect_photos(&self, _: i64) -> Result<Collected> {
        // Nothing stored, nothing to collect: the hub's upkeep calls this
        // on a timer, and an error would only fill its log.
        Ok(Collected::default())
    }
}
