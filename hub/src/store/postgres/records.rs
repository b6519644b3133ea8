//! The rows of listings, orders and the change feed (the one writer of
//! `listings`, `orders` and `changes`). Every save of a listing or an
//! order appends it to the change feed in the same transaction; the
//! feed's rows are written last, with numbers from `counters.rs`.

use super::event_wire::{FARMS_CHANNEL, farms_payload};
use super::pool::Conn;
use super::{blobs, counters, from_json, to_json};
use crate::error::Result;
use crate::store::rules::ops::OpRecords;
use crate::store::rules::orders::OrderRecords;
use crate::store::rules::routes::FarmRoutes;
use farmlive_protocol::api::ChangeBody;
use farmlive_protocol::questions::QuestionState;
use farmlive_protocol::{
    BuyerContact, BuyerId, FarmId, ListingId, ListingState, OrderId, OrderState, QuestionId,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};

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
///
/// A device's push is batched ([`PgRecords::batched`]): the listings its
/// ops name are locked and read in one round trip
/// ([`PgRecords::lock_listings`]), and the listings it saves are written
/// in one statement when it finishes. Op by op, a push cost four to six
/// round trips per op, where SQLite makes function calls; batched, a push
/// of any size costs about ten. Saves are written before any other read
/// of the transaction that could see them ([`PgRecords::is_attachable`]).
pub(super) struct PgRecords<'c, 'p> {
    conn: &'c Conn<'p>,
    /// (farm, kind, entity id, JSON body), in the order saved.
    pending: Vec<(String, &'static str, String, String)>,
    /// Listings this transaction has locked, as they stand now (`None`:
    /// locked while absent).
    locked: HashMap<ListingId, Option<ListingState>>,
    /// Saved listings not written yet, when batched.
    unwritten: Option<BTreeMap<ListingId, ListingState>>,
}

impl<'c, 'p> PgRecords<'c, 'p> {
    /// The records of the transaction running on `conn`, written as saved.
    pub(super) fn new(conn: &'c Conn<'p>) -> Self {
        PgRecords {
            conn,
            pending: Vec::new(),
            locked: HashMap::new(),
            unwritten: None,
        }
    }

    /// The records of a push's transaction on `conn`: listings saved are
    /// written together when it finishes.
    pub(super) fn batched(conn: &'c Conn<'p>) -> Self {
        PgRecords {
            unwritten: Some(BTreeMap::new()),
            ..PgRecords::new(conn)
        }
    }

    /// Locks and reads the listings `ids` in one round trip (two more
    /// for those that do not exist yet), in id order so that concurrent
    /// pushes take the same locks in the same order.
    pub(super) fn lock_listings(&mut self, ids: impl IntoIterator<Item = ListingId>) -> Result<()> {
        let wanted: BTreeSet<String> = ids
            .into_iter()
            .filter(|id| !self.locked.contains_key(id))
            .map(|id| id.to_string())
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let wanted: Vec<String> = wanted.into_iter().collect();
        let found = self.lock_rows(&wanted)?;
        let missing: Vec<String> = wanted
            .iter()
            .filter(|id| !found.contains(*id))
            .cloned()
            .collect();
        if !missing.is_empty() {
            // As in `load_listing`: lock the new ids, so that two creations
            // of one listing take turns; then read again.
            self.conn.execute(
                "SELECT pg_advisory_xact_lock($1, hashtext(id))
                 FROM (SELECT id FROM UNNEST($2::text[]) AS id ORDER BY id) AS sorted",
                &[&LISTING_LOCK, &missing],
            )?;
            let found = self.lock_rows(&missing)?;
            for id in missing.iter().filter(|id| !found.contains(*id)) {
                if let Ok(id) = id.parse() {
                    self.locked.insert(id, None);
                }
            }
        }
        Ok(())
    }

    /// Locks the rows of `ids` (sorted) that exist and keeps them; their ids.
    fn lock_rows(&mut self, ids: &[String]) -> Result<BTreeSet<String>> {
        let rows = self.conn.query(
            "SELECT id, state FROM listings WHERE id = ANY($1) ORDER BY id FOR UPDATE",
            &[&ids],
        )?;
        let mut found = BTreeSet::new();
        for row in rows {
            let state: ListingState = from_json(&row.get::<_, String>(1))?;
            found.insert(row.get::<_, String>(0));
            self.locked.insert(state.id, Some(state));
        }
        Ok(found)
    }

    /// Writes the listings saved and not written yet, in one statement
    /// (and their photos in two).
    fn write_listings(&mut self) -> Result<()> {
        let Some(unwritten) = self.unwritten.as_mut() else {
            return Ok(());
        };
        if unwritten.is_empty() {
            return Ok(());
        }
        let states: Vec<ListingState> = std::mem::take(unwritten).into_values().collect();
        let (mut ids, mut farms, mut statuses, mut bodies) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for state in &states {
            ids.push(state.id.to_string());
            farms.push(state.farm.to_string());
            statuses.push(state.status.value.as_str());
            bodies.push(to_json(state)?);
        }
        self.conn.execute(
            "INSERT INTO listings (id, farm_id, status, state)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[])
             ON CONFLICT (id) DO UPDATE SET farm_id = EXCLUDED.farm_id,
                 status = EXCLUDED.status, state = EXCLUDED.state",
            &[&ids, &farms, &statuses, &bodies],
        )?;
        super::listing_blobs::record_all(self.conn, &states)
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
    pub(super) fn finish(mut self) -> Result<()> {
        self.write_listings()?;
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
        // Delivered at commit, to every process: wakes the long polls of
        // these farms' devices (see `crate::rooms::bell`).
        let moved: BTreeSet<&str> = farms.iter().map(String::as_str).collect();
        self.conn.execute(
            "SELECT pg_notify($1, $2)",
            &[&FARMS_CHANNEL, &farms_payload(moved)],
        )?;
        Ok(())
    }
}

impl OpRecords for PgRecords<'_, '_> {
    fn load_listing(&mut self, id: ListingId) -> Result<Option<ListingState>> {
        if let Some(state) = self.locked.get(&id) {
            return Ok(state.clone());
        }
        let key = id.to_string();
        let locked = "SELECT state FROM listings WHERE id = $1 FOR UPDATE";
        let state = match self.conn.query_opt(locked, &[&key])? {
            Some(row) => Some(from_json(&row.get::<_, String>(0))?),
            None => {
                // Not there: lock its id, so that two creations of one
                // listing take turns (the second then finds the first's row).
                self.conn.execute(
                    "SELECT pg_advisory_xact_lock($1, hashtext($2))",
                    &[&LISTING_LOCK, &key],
                )?;
                self.conn
                    .query_opt(locked, &[&key])?
                    .map(|r| from_json(&r.get::<_, String>(0)))
                    .transpose()?
            }
        };
        // Locked until the commit: what this transaction saves is the rest.
        self.locked.insert(id, state.clone());
        Ok(state)
    }

    fn save_listing(&mut self, state: &ListingState) -> Result<()> {
        let id = state.id.to_string();
        self.locked.insert(state.id, Some(state.clone()));
        if let Some(unwritten) = self.unwritten.as_mut() {
            unwritten.insert(state.id, state.clone());
            return self.change(
                state.farm,
                "listing",
                id,
                &ChangeBody::Listing(Box::new(state.clone())),
            );
        }
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
        // It reads which listings show the photo: the saves first.
        self.write_listings()?;
        blobs::is_attachable(self.conn, sha, farm)
    }

    fn load_question(&mut self, id: QuestionId) -> Result<Option<QuestionState>> {
        super::questions::load_question(self.conn, id)
    }

    fn save_question(&mut self, state: &QuestionState) -> Result<()> {
        super::questions::write_question(self.conn, state)?;
        self.change(
            state.farm,
            "question",
            state.id.to_string(),
            &ChangeBody::Question(Box::new(state.clone())),
        )
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
