//! What operators and tests ask of the SQLite store ([`OperatorStore`]):
//! codes and farm names from the areas that own them, and read-only
//! counts and records. Nothing here writes a table.

use super::backend::SqliteStore;
use super::{Store, from_json};
use crate::error::{HubError, Result};
use crate::store::interface::{Census, EnrolCode, HubStore, OperatorStore};
use farmlive_protocol::api::Role;
use farmlive_protocol::{BuyerId, DeviceId, FarmId, ListingId, ListingState, OrderId};
use rusqlite::OptionalExtension;
use std::sync::Arc;

impl Store {
    fn count(&self, sql: &str) -> Result<u64> {
        let n: i64 = self.reader().query_row(sql, [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn census(&self) -> Result<Census> {
        Ok(Census {
            devices: self.count("SELECT COUNT(*) FROM devices")?,
            listings: self.count("SELECT COUNT(*) FROM listings")?,
            orders: self.count("SELECT COUNT(*) FROM orders")?,
            ops: self.count("SELECT COUNT(*) FROM applied_ops")?,
            refused_ops: self
                .count("SELECT COUNT(*) FROM applied_ops WHERE outcome NOT LIKE '%\"applied\"%'")?,
            incomplete_photos: self.count("SELECT COUNT(*) FROM blobs WHERE complete = 0")?,
            uploads: self.count("SELECT COUNT(*) FROM blob_uploads")?,
            unused_codes: self.count("SELECT COUNT(*) FROM enrol_codes WHERE used_at IS NULL")?,
        })
    }

    fn all_listings(&self) -> Result<Vec<ListingState>> {
        let conn = self.reader();
        let mut stmt = conn.prepare("SELECT state FROM listings")?;
        let states = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        states.iter().map(|s| from_json(s)).collect()
    }

    fn order_photo_refs(&self, id: OrderId) -> Result<Option<(String, String)>> {
        let refs: Option<(Option<String>, Option<String>)> = self
            .reader()
            .query_row(
                "SELECT delivery_photo, delivery_thumb FROM orders WHERE id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(match refs {
            Some((Some(photo), Some(thumb))) => Some((photo, thumb)),
            _ => None,
        })
    }

    fn photo_complete(&self, sha: &str) -> Result<bool> {
        let complete: Option<bool> = self
            .reader()
            .query_row("SELECT complete FROM blobs WHERE sha256 = ?1", [sha], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(complete.unwrap_or(false))
    }

    fn buyer_expires_at(&self, buyer: BuyerId) -> Result<i64> {
        self.reader()
            .query_row(
                "SELECT expires_at FROM buyers WHERE id = ?1",
                [buyer.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(HubError::NotFound("no such buyer"))
    }
}

impl OperatorStore for SqliteStore {
    fn into_hub_store(self: Arc<Self>) -> Arc<dyn HubStore> {
        self
    }

    fn is_fresh(&self) -> bool {
        self.db().is_fresh()
    }

    fn mint_enrol_code_for(
        &self,
        farm_names: &[String],
        role: Role,
        ttl_ms: i64,
    ) -> Result<EnrolCode> {
        self.db().mint_enrol_code_for(farm_names, role, ttl_ms)
    }

    fn farm_name(&self, farm: FarmId) -> Result<String> {
        self.db().farm_name(farm)
    }

    fn import_routes(&self, routes: &[farmlive_protocol::routes::Route]) -> Result<usize> {
        self.db().import_routes(routes)
    }

    fn routes(&self) -> Result<Vec<farmlive_protocol::routes::Route>> {
        self.db().all_routes()
    }

    fn set_farm_origin(&self, farm: &str, city: &str) -> Result<()> {
        let city = crate::store::rules::routes::destination(city)?;
        let farm = self.db().existing_farm(farm)?;
        self.db().set_origin(farm, city.id)
    }

    fn farm_origins(&self) -> Result<Vec<(String, String)>> {
        self.db().origins()
    }

    fn census(&self) -> Result<Census> {
        self.db().census()
    }

    fn listings(&self) -> Result<Vec<ListingState>> {
        self.db().all_listings()
    }

    fn listing(&self, id: ListingId) -> Result<Option<ListingState>> {
        super::records::load_listing(&self.db().reader(), id)
    }

    fn order_photo_refs(&self, id: OrderId) -> Result<Option<(String, String)>> {
        self.db().order_photo_refs(id)
    }

    fn photo_complete(&self, sha: &str) -> Result<bool> {
        self.db().photo_complete(sha)
    }

    fn buyer_expires_at(&self, buyer: BuyerId) -> Result<i64> {
        self.db().buyer_expires_at(buyer)
    }

    fn expire_device(&self, device: DeviceId, at_ms: i64) -> Result<()> {
        self.db().expire_device(device, at_ms)
    }

    fn expire_buyer(&self, buyer: BuyerId, at_ms: i64) -> Result<()> {
        self.db().expire_buyer(buyer, at_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use farmlive_protocol::BuyerContact;

    #[test]
    fn the_operator_face_counts_and_reads_what_the_hub_holds() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store: Arc<dyn OperatorStore> =
            Arc::new(SqliteStore::open(&dir.path().join("hub.db")).expect("open"));
        assert!(store.is_fresh());
        assert_eq!(store.census().expect("census"), Census::default());
        let code = store
            .mint_enrol_code(&["Li orchard".into()], Role::Farmer)
            .expect("code");
        let farm = code.farms[0].id;
        assert_eq!(store.farm_name(farm).expect("name"), "Li orchard");
        assert_eq!(store.census().expect("census").unused_codes, 1);
        assert!(store.listings().expect("listings").is_empty());
        assert!(store.listing(ListingId::new()).expect("listing").is_none());
        assert!(!store.photo_complete(&"a".repeat(64)).expect("photo"));
        assert!(
            store
                .order_photo_refs(OrderId::new())
                .expect("refs")
                .is_none()
        );
        let contact = BuyerContact {
            name: "Mei".into(),
            phone: "+86 555 0100".into(),
            address: "1 Hill Road".into(),
        };
        let (buyer, _) = store.sign_up_buyer(&contact).expect("sign up");
        store.expire_buyer(buyer, 1234).expect("expire");
        assert_eq!(store.buyer_expires_at(buyer).expect("expiry"), 1234);
        let hub: Arc<dyn HubStore> = store.clone().into_hub_store();
        assert!(hub.public_listings(1).expect("listings").is_empty());
    }
}
