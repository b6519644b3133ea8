//! What operators and tests ask of the PostgreSQL store
//! ([`OperatorStore`]): codes and farm names from the areas that own them,
//! and read-only counts and records. Nothing here writes a table.

use super::backend::PgStore;
use super::from_json;
use super::records::read_listing;
use crate::error::{HubError, Result};
use crate::store::interface::{Census, EnrolCode, HubStore, OperatorStore};
use farmlive_protocol::api::Role;
use farmlive_protocol::{BuyerId, DeviceId, FarmId, ListingId, ListingState, OrderId};
use std::sync::Arc;

impl OperatorStore for PgStore {
    fn into_hub_store(self: Arc<Self>) -> Arc<dyn HubStore> {
        self
    }

    fn is_fresh(&self) -> bool {
        // The schema is made by `farmlive hub migrate`, not by opening.
        false
    }

    fn mint_enrol_code_for(
        &self,
        farm_names: &[String],
        role: Role,
        ttl_ms: i64,
    ) -> Result<EnrolCode> {
        self.mint_code(farm_names, role, ttl_ms)
    }

    fn farm_name(&self, farm: FarmId) -> Result<String> {
        self.farm_name_of(farm)
    }

    fn import_routes(&self, routes: &[farmlive_protocol::routes::Route]) -> Result<usize> {
        self.import_all_routes(routes)
    }

    fn routes(&self) -> Result<Vec<farmlive_protocol::routes::Route>> {
        self.every_route()
    }

    fn set_farm_origin(&self, farm: &str, city: &str) -> Result<()> {
        let city = crate::store::rules::routes::destination(city)?;
        let farm = self.existing_farm(farm)?;
        self.set_farm_origin_city(farm, city.id)
    }

    fn farm_origins(&self) -> Result<Vec<(String, String)>> {
        self.farm_origin_list()
    }

    fn census(&self) -> Result<Census> {
        let row = self.pool.get()?.query_one(
            "SELECT (SELECT COUNT(*) FROM devices),
                    (SELECT COUNT(*) FROM listings),
                    (SELECT COUNT(*) FROM orders),
                    (SELECT COUNT(*) FROM applied_ops),
                    (SELECT COUNT(*) FROM applied_ops WHERE outcome NOT LIKE '%\"applied\"%'),
                    (SELECT COUNT(*) FROM blobs WHERE complete = 0),
                    (SELECT COUNT(*) FROM blob_uploads),
                    (SELECT COUNT(*) FROM enrol_codes WHERE used_at IS NULL)",
            &[],
        )?;
        let n = |i: usize| u64::try_from(row.get::<_, i64>(i)).unwrap_or(0);
        Ok(Census {
            devices: n(0),
            listings: n(1),
            orders: n(2),
            ops: n(3),
            refused_ops: n(4),
            incomplete_photos: n(5),
            uploads: n(6),
            unused_codes: n(7),
        })
    }

    fn listings(&self) -> Result<Vec<ListingState>> {
        self.pool
            .get()?
            .query("SELECT state FROM listings", &[])?
            .iter()
            .map(|r| from_json(&r.get::<_, String>(0)))
            .collect()
    }

    fn listing(&self, id: ListingId) -> Result<Option<ListingState>> {
        read_listing(&self.pool.get()?, id)
    }

    fn order_photo_refs(&self, id: OrderId) -> Result<Option<(String, String)>> {
        let row = self.pool.get()?.query_opt(
            "SELECT delivery_photo, delivery_thumb FROM orders WHERE id = $1",
            &[&id.to_string()],
        )?;
        Ok(row.and_then(|r| {
            Some((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, Option<String>>(1)?,
            ))
        }))
    }

    fn photo_complete(&self, sha: &str) -> Result<bool> {
        Ok(self
            .pool
            .get()?
            .query_opt("SELECT complete FROM blobs WHERE sha256 = $1", &[&sha])?
            .is_some_and(|r| r.get::<_, i32>(0) != 0))
    }

    fn buyer_expires_at(&self, buyer: BuyerId) -> Result<i64> {
        self.pool
            .get()?
            .query_opt(
                "SELECT expires_at FROM buyers WHERE id = $1",
                &[&buyer.to_string()],
            )?
            .map(|r| r.get(0))
            .ok_or(HubError::NotFound("no such buyer"))
    }

    fn expire_device(&self, device: DeviceId, at_ms: i64) -> Result<()> {
        self.set_device_expiry(device, at_ms)
    }

    fn expire_buyer(&self, buyer: BuyerId, at_ms: i64) -> Result<()> {
        self.set_buyer_expiry(buyer, at_ms)
    }
}
