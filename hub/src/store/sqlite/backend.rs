//! The SQLite implementation of the store interface: the database
//! ([`Store`]) and the photo bytes beside it ([`BlobStore`]). Each method
//! hands over to the module that owns the area.

use super::Store;
use super::blobs::BlobStore;
use crate::error::{HubError, Result};
use crate::rooms::{Fanout, Feed, FeedItem};
use crate::store::interface::{
    AccountStore, BlobStatus, ChangeStore, Collected, Following, GuideStore, HealthStore,
    ListingStore, OrderStore, PhotoBytes, PhotoStore, Principal, Published, QuestionStore, Reader,
    RoomStore, Uploader,
};
use crate::store::objects::PhotoStorage;
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
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// A hub's SQLite database and its photo folder.
pub struct SqliteStore {
    db: Store,
    blobs: BlobStore,
}

impl SqliteStore {
    /// Opens (creating and migrating) the database at `db`; photos go in
    /// `<db>.blobs/`, a private folder (0700, like the database).
    pub fn open(db: &Path) -> Result<SqliteStore> {
        let store = Store::open(db)?;
        let mut blob_dir = PathBuf::from(db);
        blob_dir.set_extension("blobs");
        // Photos of unpublished listings are the farm's: 0700, like the
        // database (`LocalDir::new`).
        Ok(Self::over(store, PhotoStorage::local(&blob_dir)?))
    }

    /// Opens (creating and migrating) the database at `db`, with its
    /// photos in `photos` rather than beside it.
    pub fn open_with(db: &Path, photos: PhotoStorage) -> Result<SqliteStore> {
        Ok(Self::over(Store::open(db)?, photos))
    }

    fn over(db: Store, photos: PhotoStorage) -> SqliteStore {
        SqliteStore {
            db,
            blobs: BlobStore::new(photos),
        }
    }

    /// The database, for operator commands (minting enrolment codes).
    pub fn db(&self) -> &Store {
        &self.db
    }
}

impl AccountStore for SqliteStore {
    fn authenticate(&self, token: &str) -> Result<Principal> {
        self.db.authenticate(token)
    }

    fn enrol(&self, req: &EnrolRequest) -> Result<EnrolResponse> {
        self.db.enrol(req)
    }

    fn renew_token(&self, device: DeviceId) -> Result<TokenRenewal> {
        self.db.renew_token(device)
    }

    fn devices(&self, farms: Option<&BTreeSet<FarmId>>) -> Result<Vec<DeviceInfo>> {
        self.db.devices(farms)
    }

    fn revoke_device(
        &self,
        device: DeviceId,
        farms: Option<&BTreeSet<FarmId>>,
        by: &str,
    ) -> Result<DeviceInfo> {
        self.db.revoke_device(device, farms, by)
    }

    fn device_name(&self, device: DeviceId) -> Result<String> {
        self.db.device_name(device)
    }

    fn sign_up_buyer(&self, contact: &BuyerContact) -> Result<(BuyerId, String)> {
        self.db.sign_up_buyer(contact)
    }
}

impl ChangeStore for SqliteStore {
    fn push(
        &self,
        farms: &BTreeSet<FarmId>,
        role: Role,
        device: &str,
        ops: &[Op],
    ) -> Result<Vec<OpResult>> {
        self.db.push(farms, role, device, ops)
    }

    fn changes(
        &self,
        farms: &BTreeSet<FarmId>,
        after: u64,
        limit: u32,
        orders: bool,
    ) -> Result<ChangesPage> {
        self.db.changes(farms, after, limit, orders)
    }
}

impl GuideStore for SqliteStore {
    fn guides_after(&self, after: u64, limit: u32) -> Result<GuidesPage> {
        self.db.guides_after(after, limit)
    }

    fn publish_guides(&self, drafts: &[GuideDraft], only_new: bool) -> Result<Vec<Published>> {
        self.db.publish_guides(drafts, only_new)
    }
}

impl QuestionStore for SqliteStore {
    fn question_queue(&self, query: &QueueQuery) -> Result<QuestionQueue> {
        self.db.question_queue(query)
    }

    fn expert_question(&self, id: QuestionId) -> Result<ExpertQuestion> {
        self.db.expert_question(id)
    }

    fn answer_question(
        &self,
        expert: DeviceId,
        id: QuestionId,
        req: &AnswerRequest,
    ) -> Result<ExpertQuestion> {
        self.db.answer_question(expert, id, req)
    }
}

impl HealthStore for SqliteStore {
    fn ping(&self) -> Result<()> {
        self.db
            .reader()
            .query_row("SELECT 1", [], |_| Ok(()))
            .map_err(|e| HubError::Internal(format!("the database does not answer: {e}")))
    }
}

impl ListingStore for SqliteStore {
    fn delivery_quote(
        &self,
        listing: farmlive_protocol::ListingId,
        city: &str,
    ) -> Result<farmlive_protocol::api::DeliveryQuote> {
        crate::store::rules::routes::quote_for(
            crate::store::OperatorStore::listing(self, listing)?,
            city,
            |farm| self.db.routes_of_farm(farm),
            crate::store::now_ms(),
        )
    }

    fn delivery_options(
        &self,
        farm: farmlive_protocol::FarmId,
    ) -> Result<Vec<farmlive_protocol::api::DeliveryQuote>> {
        Ok(crate::store::rules::routes::quotes(
            &self.db.routes_of_farm(farm)?,
            crate::store::now_ms(),
        ))
    }

    fn public_listings(&self, limit: u32) -> Result<Vec<PublicListing>> {
        self.db.public_listings(limit)
    }
}

impl OrderStore for SqliteStore {
    fn place_order(&self, buyer: BuyerId, req: &PlaceOrder) -> Result<(OrderState, bool)> {
        self.db.place_order(buyer, req)
    }

    fn place_room_order(
        &self,
        buyer: BuyerId,
        room: RoomId,
        req: &RoomOrder,
    ) -> Result<(OrderState, bool)> {
        self.db.place_room_order(buyer, room, req)
    }

    fn order_for(&self, who: &Principal, id: OrderId) -> Result<OrderState> {
        self.db.order_for(who, id)
    }

    fn cancel_by_buyer(&self, buyer: BuyerId, id: OrderId, reason: &str) -> Result<OrderState> {
        self.db.cancel_by_buyer(buyer, id, reason)
    }
}

impl RoomStore for SqliteStore {
    fn fanout(&self) -> &Fanout {
        self.db.fanout()
    }

    fn room(&self, id: RoomId) -> Result<RoomView> {
        self.db.room(id)
    }

    fn live_rooms(&self, limit: u32) -> Result<Vec<RoomView>> {
        self.db.live_rooms(limit)
    }

    fn open_room(&self, farms: &BTreeSet<FarmId>, req: &OpenRoom) -> Result<(RoomView, StreamKey)> {
        self.db.open_room(farms, req)
    }

    fn publishing_room(&self, key: &StreamKey) -> Result<Option<(RoomId, Arc<Feed>)>> {
        self.db.publishing_room(key)
    }

    /// A hub on a SQLite file is one process: its ingest is the only one,
    /// so there is nothing to record for others.
    fn claim_ingest(&self, _id: RoomId, _node: &str) -> Result<()> {
        Ok(())
    }

    fn ingest_node(&self, _id: RoomId) -> Result<Option<String>> {
        Ok(None)
    }

    fn pin(&self, farms: &BTreeSet<FarmId>, id: RoomId, req: &PinRequest) -> Result<RoomView> {
        self.db.pin(farms, id, req)
    }

    fn unpin(&self, farms: &BTreeSet<FarmId>, id: RoomId) -> Result<RoomView> {
        self.db.unpin(farms, id)
    }

    fn end_room(&self, farms: &BTreeSet<FarmId>, id: RoomId) -> Result<RoomView> {
        self.db.end_room(farms, id)
    }

    fn post_comment(&self, buyer: BuyerId, id: RoomId, text: String) -> Result<RoomEvent> {
        self.db.post_comment(buyer, id, text)
    }

    fn follow(&self, room: RoomId, who: &Principal) -> Result<Following> {
        self.db.follow(room, who)
    }

    fn viewer_left(&self, room: RoomId, buyer: BuyerId) -> Result<Option<Duration>> {
        self.db.viewer_left(room, buyer)
    }

    fn players_changed(&self, room: RoomId) -> Result<Option<Duration>> {
        self.db.players_changed(room)
    }

    fn flush_presence(&self, room: RoomId) -> Result<()> {
        self.db.flush_presence(room)
    }

    fn room_events(
        &self,
        room: RoomId,
        after: u64,
        upto: Option<u64>,
        limit: u32,
    ) -> Result<Vec<Arc<FeedItem>>> {
        self.db.room_events(room, after, upto, limit)
    }
}

impl PhotoStore for SqliteStore {
    fn photo_status(&self, who: Uploader<'_>, sha: &str) -> Result<Option<BlobStatus>> {
        self.blobs.status(&self.db, who, sha)
    }

    fn append_photo(
        &self,
        who: Uploader<'_>,
        sha: &str,
        offset: u64,
        length: u64,
        chunk: &[u8],
    ) -> Result<BlobStatus> {
        self.blobs.append(&self.db, who, sha, offset, length, chunk)
    }

    fn open_photo(&self, reader: Reader<'_>, sha: &str) -> Result<PhotoBytes> {
        self.blobs.open_for(&self.db, reader, sha)
    }

    fn open_delivery_photo(&self, who: &Principal, order: OrderId) -> Result<PhotoBytes> {
        let order = self.db.order_for(who, order)?;
        let photo = order
            .delivery_photo
            .ok_or(HubError::NotFound("this order has no delivery photo"))?;
        self.blobs.open_checked(&self.db, &photo.sha256)
    }

    fn set_photo_quota(&self, bytes: u64) {
        self.blobs.set_quota(bytes);
    }

    fn collect_photos(&self, now: i64) -> Result<Collected> {
        self.blobs.collect_garbage(&self.db, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::interface::HubStore;

    #[test]
    fn the_http_layer_reaches_the_database_through_the_interface() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("hub.db");
        let sqlite = Arc::new(SqliteStore::open(&db).expect("open"));
        assert!(dir.path().join("hub.blobs").is_dir(), "the photo folder");
        let store: Arc<dyn HubStore> = sqlite.clone();
        let contact = BuyerContact {
            name: "Mei".into(),
            phone: "+86 555 0100".into(),
            address: "1 Hill Road".into(),
        };
        let (buyer, token) = store.sign_up_buyer(&contact).expect("sign up");
        assert_eq!(
            store.authenticate(&token).expect("token"),
            Principal::Buyer(buyer)
        );
        // The same database under both faces.
        assert_eq!(
            sqlite.db().authenticate(&token).expect("token"),
            Principal::Buyer(buyer)
        );
        assert!(store.public_listings(10).expect("listings").is_empty());
        assert!(store.live_rooms(10).expect("rooms").is_empty());
        store.set_photo_quota(1);
        let farms: BTreeSet<FarmId> = [FarmId::new()].into();
        let who = Uploader {
            device: "d1",
            farms: &farms,
        };
        let refused = store
            .append_photo(who, &"a".repeat(64), 0, 2, b"ab")
            .expect_err("over the quota");
        assert!(refused.to_string().contains("MiB"), "{refused}");
        assert_eq!(
            store
                .collect_photos(crate::store::now_ms())
                .expect("collect"),
            Collected::default()
        );
    }
}
