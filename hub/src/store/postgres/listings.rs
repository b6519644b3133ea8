//! Listings as buyers browse them.

use super::backend::PgStore;
use super::from_json;
use crate::error::Result;
use crate::store::rules::listings::public_listing;
use farmlive_protocol::api::PublicListing;

impl PgStore {
    /// Active listings, newest first, at most `limit`.
    pub(super) fn active_listings(&self, limit: u32) -> Result<Vec<PublicListing>> {
        let rows = self.pool.get()?.query(
            "SELECT l.state, f.name FROM listings l JOIN farms f ON f.id = l.farm_id
             WHERE l.status = 'active' ORDER BY l.id COLLATE \"C\" DESC LIMIT $1",
            &[&i64::from(limit)],
        )?;
        rows.iter()
            .map(|r| Ok(public_listing(from_json(&r.get::<_, String>(0))?, r.get(1))))
            .collect()
    }
}
