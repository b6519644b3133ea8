//! The rows of listings, orders and the change feed (the one writer of
//! `listings`, `orders` and `changes`). Every save of a listing or an
//! order appends it to the change feed in the same transaction; the
//! feed's rows are written last, with numbers from `counters.rs`.

use super::pool::Conn;
use super::{blobs, counters, from_json, to_json};
use crate::error::Result;
use crate::store::rules::ops::OpRecords;
use crate::store::rules::orders::OrderRecords;
use crate::store::rules::routes::FarmRoutes;
use farmlive_protocol::api::ChangeBody;
use farmlive_protocol::{
    BuyerContact, BuyerId, FarmId, ListingId, ListingState, OrderId, OrderState,
};

/// The advisory lock namespace of listing ids (`pg_advisory_xact_lock(int, int)`).
const LISTING_LOCK: i32 = 0x464C_4C49; // "FLLI"

/// The advisory lock namespace of (buyer, idempotency key) pairs.
const ORDER_KEY_LOCK: i32 = 0x464C_4F4B; // "FLOK"

/// An order as stored, unlocked (a read outside a write).
pub(super) fn read_order(conn: &Conn<'_>, id: OrderId) -> Result<Option<OrderState>> {
    conn.query_opt("SELECT state FROM orders WHERE id = $1", &[&id.to_string()])?
        .map(|r| from_json(&r.get::<_, String>(0)))
        .transpose()
}

/// A listing as stored, unlocked (a read outside a write).
pub(super) fn read_listing(conn: &Conn<'_>, id: ListingId) -> Result<Option<ListingState>> {
    conn.query_opt(
        "SELECT state FROM listings WHERE id = $1",
        &[&id.to_string()],
    )?
    .map(|r| from_json(&r.get::<_, String>(0)))
    .transpose()
}

/// One write transaction's listings and orders, and the changes it will
/// append when it [`PgRecords::finish`]es.
pub(super) struct PgRecords<'c, 'p> {
    conn: &'c Conn<'p>,
    /// (farm, kind, entity id, JSON body), in the order saved.
    pending: Vec<(String, &'static str, String, String)>,
}

impl<'c, 'p> PgRecords<'c, 'p> {
    /// The records of the transaction running on `conn`.
    pub(super) fn new(conn: &'c Conn<'p>) -> Self {
        PgRecords {
            conn,
            pending: Vec::new(),
        }
    }

    fn change(
        &mut self,
        farm: FarmId,
        kind: &'static str,
        entity: String,
        body: &ChangeBody,
    ) -> Result<()> {
        self.pending
            .push((farm.to_string(), kind, entity, to_json(body)?));
        Ok(())
    }

    /// Appends the saved records to the change feed, numbered last (see
    /// `counters.rs`); call it just before the commit.
    pub(super) fn finish(self) -> Result<()> {
        let k = self.pending.len() as i64;
        if k == 0 {
            return Ok(());
        }
        let last = counters::take_changes(self.conn, k)?;
        let seqs: Vec<i64> = (last - k + 1..=last).collect();
        let mut farms = Vec::new();
        let mut kinds = Vec::new();
        let mut entities = Vec::new();
        let mut bodies = Vec::new();
        for (farm, kind, entity, body) in self.pending {
            farms.push(farm);
            kinds.push(kind);
            entities.push(entity);
            bodies.push(body);
        }
        self.conn.execute(
            "INSERT INTO changes (seq, farm_id, kind, entity_id, state)
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])",
            &[&seqs, &farms, &kinds, &entities, &bodies],
        )?;
        Ok(())
    }
}

impl OpRecords for PgRecords<'_, '_> {
    fn load_listing(&mut self, id: ListingId) -> Result<Option<ListingState>> {
        let key = id.to_string();
        let locked = "SELECT state FROM listings WHERE id = $1 FOR UPDATE";
        if let Some(row) = self.conn.query_opt(locked, &[&key])? {
            return from_json(&row.get::<_, String>(0)).map(Some);
        }
        // Not there: lock its id, so that two creations of one listing
        // take turns (the second then finds the first's row).
        self.conn.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))",
            &[&LISTING_LOCK, &key],
        )?;
        self.conn
            .query_opt(locked, &[&key])?
            .map(|r| from_json(&r.get::<_, String>(0)))
            .transpose()
    }

    fn save_listing(&mut self, state: &ListingState) -> Result<()> {
        let id = state.id.to_string();
        self.conn.execute(
            "INSERT INTO listings (id, farm_id, status, state) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET farm_id = EXCLUDED.farm_id,
                 status = EXCLUDED.status, state = EXCLUDED.state",
            &[
                &id,
                &state.farm.to_string(),
                &state.status.value.as_str(),
                &to_json(state)?,
            ],
        )?;
        super::listing_blobs::record(self.conn, state)?;
        self.change(
            state.farm,
            "listing",
            id,
            &ChangeBody::Listing(Box::new(state.clone())),
        )
    }

    fn load_order(&mut self, id: OrderId) -> Result<Option<OrderState>> {
        self.conn
            .query_opt(
                "SELECT state FROM orders WHERE id = $1 FOR UPDATE",
                &[&id.to_string()],
            )?
            .map(|r| from_json(&r.get::<_, String>(0)))
            .transpose()
    }

    fn save_order(&mut self, state: &OrderState) -> Result<()> {
        let photo = state.delivery_photo.as_ref();
        self.conn.execute(
            "UPDATE orders SET state = $1, delivery_photo = $2, delivery_thumb = $3 WHERE id = $4",
            &[
                &to_json(state)?,
                &photo.map(|p| p.sha256.as_str()),
                &photo.map(|p| p.thumb_sha256.as_str()),
                &state.id.to_string(),
            ],
        )?;
        self.change(
            state.farm,
            "order",
            state.id.to_string(),
            &ChangeBody::Order(Box::new(state.clone())),
        )
    }

    fn is_attachable(&mut self, sha: &str, farm: FarmId) -> Result<bool> {
        blobs::is_attachable(self.conn, sha, farm)
    }
}

impl OrderRecords for PgRecords<'_, '_> {
    fn order_by_key(&mut self, buyer: BuyerId, key: &str) -> Result<Option<OrderState>> {
        let buyer = buyer.to_string();
        // Lock the pair first: a concurrent placement with the same key
        // waits here, then finds this one's order (no duplicate-key 500).
        self.conn.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2 || ' ' || $3))",
            &[&ORDER_KEY_LOCK, &buyer, &key],
        )?;
        self.conn
            .query_opt(
                "SELECT state FROM orders WHERE buyer_id = $1 AND idempotency_key = $2",
                &[&buyer, &key],
            )?
            .map(|r| from_json(&r.get::<_, String>(0)))
            .transpose()
    }

    fn buyer_contact(&mut self, buyer: BuyerId) -> Result<BuyerContact> {
        super::buyers::contact(self.conn, buyer)
    }

    fn insert_order(&mut self, order: &OrderState, key: &str) -> Result<()> {
        let id = order.id.to_string();
        self.conn.execute(
            "INSERT INTO orders (id, buyer_id, farm_id, idempotency_key, state)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &id,
                &order.buyer.to_string(),
                &order.farm.to_string(),
                &key,
                &to_json(order)?,
            ],
        )?;
        self.change(
            order.farm,
            "order",
            id,
            &ChangeBody::Order(Box::new(order.clone())),
        )
    }

    fn farm_routes(&mut self, farm: FarmId) -> Result<FarmRoutes> {
        super::routes::farm_routes(self.conn, farm)
    }
}
