//! Listings as buyers browse them.

use super::{Store, from_json};
use crate::error::Result;
use crate::store::rules::listings::public_listing;
use farmlive_protocol::api::PublicListing;

impl Store {
    /// Active listings, newest first, at most `limit`.
    pub fn public_listings(&self, limit: u32) -> Result<Vec<PublicListing>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT l.state, f.name FROM listings l JOIN farms f ON f.id = l.farm_id
             WHERE l.status = 'active' ORDER BY l.id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (state, farm_name) = row?;
            out.push(public_listing(from_json(&state)?, farm_name));
        }
        Ok(out)
    }
}
