//! The rows of listings, orders and the change feed: the one writer of
//! `listings`, `orders` and `changes`. Every save of a listing or an order
//! appends it to the change feed in the same transaction, so devices pull
//! every state the hub stored.

use super::{from_json, to_json};
use crate::error::Result;
use crate::store::rules::ops::OpRecords;
use crate::store::rules::orders::OrderRecords;
use crate::store::rules::routes::FarmRoutes;
use farmlive_protocol::api::ChangeBody;
use farmlive_protocol::questions::QuestionState;
use farmlive_protocol::{
    BuyerContact, BuyerId, FarmId, ListingId, ListingState, OrderId, OrderState, QuestionId,
};
use rusqlite::{Connection, OptionalExtension, params};

pub(crate) fn load_listing(conn: &Connection, id: ListingId) -> Result<Option<ListingState>> {
    let state: Option<String> = conn
        .prepare_cached("SELECT state FROM listings WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    state.as_deref().map(from_json).transpose()
}

/// Saves a listing and appends it to the change feed.
pub(crate) fn save_listing(conn: &Connection, state: &ListingState) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO listings (id, farm_id, status, state) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        state.id.to_string(),
        state.farm.to_string(),
        state.status.value.as_str(),
        to_json(state)?
    ])?;
    super::listing_blobs::record(conn, state)?;
    append_change(
        conn,
        state.farm,
        "listing",
        &state.id.to_string(),
        &ChangeBody::Listing(Box::new(state.clone())),
    )
}

pub(crate) fn load_order(conn: &Connection, id: OrderId) -> Result<Option<OrderState>> {
    let state: Option<String> = conn
        .prepare_cached("SELECT state FROM orders WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    state.as_deref().map(from_json).transpose()
}

/// Saves an order (already inserted), with the blobs of its delivery photo
/// (which the collector keeps while the order names them), and appends it
/// to the change feed.
pub(crate) fn save_order(conn: &Connection, state: &OrderState) -> Result<()> {
    let photo = state.delivery_photo.as_ref();
    conn.prepare_cached(
        "UPDATE orders SET state = ?1, delivery_photo = ?2, delivery_thumb = ?3 WHERE id = ?4",
    )?
    .execute(params![
        to_json(state)?,
        photo.map(|p| &p.sha256),
        photo.map(|p| &p.thumb_sha256),
        state.id.to_string()
    ])?;
    append_change(
        conn,
        state.farm,
        "order",
        &state.id.to_string(),
        &ChangeBody::Order(Box::new(state.clone())),
    )
}

pub(crate) fn append_change(
    conn: &Connection,
    farm: FarmId,
    kind: &str,
    entity: &str,
    body: &ChangeBody,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO changes (farm_id, kind, entity_id, state) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![farm.to_string(), kind, entity, to_json(body)?])?;
    Ok(())
}

/// A transaction's listings and orders, as the shared op rules
/// ([`crate::store::rules::ops`]) read and write them.
pub(crate) struct SqliteRecords<'a>(pub(crate) &'a Connection);

impl OpRecords for SqliteRecords<'_> {
    fn load_listing(&mut self, id: ListingId) -> Result<Option<ListingState>> {
        load_listing(self.0, id)
    }

    fn save_listing(&mut self, state: &ListingState) -> Result<()> {
        save_listing(self.0, state)
    }

    fn load_order(&mut self, id: OrderId) -> Result<Option<OrderState>> {
        load_order(self.0, id)
    }

    fn save_order(&mut self, state: &OrderState) -> Result<()> {
        save_order(self.0, state)
    }

    fn is_attachable(&mut self, sha: &str, farm: FarmId) -> Result<bool> {
        super::blobs::BlobStore::is_attachable(self.0, sha, farm)
    }

    fn load_question(&mut self, id: QuestionId) -> Result<Option<QuestionState>> {
        super::questions::load_question(self.0, id)
    }

    fn save_question(&mut self, state: &QuestionState) -> Result<()> {
        super::questions::write_question(self.0, state)?;
        append_change(
            self.0,
            state.farm,
            "question",
            &state.id.to_string(),
            &ChangeBody::Question(Box::new(state.clone())),
        )
    }
}

/// Inserts a new order under the buyer's idempotency key and appends it to
/// the change feed.
pub(crate) fn insert_order(conn: &Connection, order: &OrderState, key: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO orders (id, buyer_id, farm_id, idempotency_key, state) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![order.id.to_string(), order.buyer.to_string(), order.farm.to_string(), key, to_json(order)?],
    )?;
    append_change(
        conn,
        order.farm,
        "order",
        &order.id.to_string(),
        &ChangeBody::Order(Box::new(order.clone())),
    )
}

impl OrderRecords for SqliteRecords<'_> {
    fn order_by_key(&mut self, buyer: BuyerId, key: &str) -> Result<Option<OrderState>> {
        // The one writer's IMMEDIATE transaction already keeps a
        // concurrent placement with the same key out.
        let state: Option<String> = self
            .0
            .prepare_cached(
                "SELECT state FROM orders WHERE buyer_id = ?1 AND idempotency_key = ?2",
            )?
            .query_row(params![buyer.to_string(), key], |r| r.get(0))
            .optional()?;
        state.as_deref().map(from_json).transpose()
    }

    fn buyer_contact(&mut self, buyer: BuyerId) -> Result<BuyerContact> {
        let contact: String = self.0.query_row(
            "SELECT contact FROM buyers WHERE id = ?1",
            [buyer.to_string()],
            |r| r.get(0),
        )?;
        from_json(&contact)
    }

    fn insert_order(&mut self, order: &OrderState, key: &str) -> Result<()> {
        insert_order(self.0, order, key)
    }

    fn farm_routes(&mut self, farm: FarmId) -> Result<FarmRoutes> {
        super::routes::farm_routes(self.0, farm)
    }
}
