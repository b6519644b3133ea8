//! Buyers (the one writer of `buyers`): sign-up and their tokens, which
//! expire and slide (the rules: `store/rules/accounts.rs`).

use super::backend::PgStore;
use super::pool::Conn;
use super::{from_json, now_ms, to_json};
use crate::error::{HubError, Result};
use crate::store::rules::accounts::{
    BUYER_TOKEN_TTL_MS, buyer_contact, buyer_token, hash_token, new_token,
};
use farmlive_protocol::{BuyerContact, BuyerId};

/// How to reach a buyer (orders and rooms show their name).
pub(super) fn contact(conn: &Conn<'_>, buyer: BuyerId) -> Result<BuyerContact> {
    let row = conn.query_one(
        "SELECT contact FROM buyers WHERE id = $1",
        &[&buyer.to_string()],
    )?;
    from_json(&row.get::<_, String>(0))
}

impl PgStore {
    /// Signs up a buyer; returns their id and token.
    pub(super) fn sign_up(&self, contact: &BuyerContact) -> Result<(BuyerId, String)> {
        let contact = buyer_contact(contact)?;
        let id = BuyerId::new();
        let token = new_token("flb")?;
        let now = now_ms();
        self.pool.get()?.execute(
            "INSERT INTO buyers (id, token_hash, contact, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &id.to_string(),
                &hash_token(&token),
                &to_json(&contact)?,
                &now,
                &(now + BUYER_TOKEN_TTL_MS),
            ],
        )?;
        Ok((id, token))
    }

    pub(super) fn authenticate_buyer(&self, token: &str) -> Result<BuyerId> {
        let conn = self.pool.get()?;
        let row = conn.query_opt(
            "SELECT id, expires_at FROM buyers WHERE token_hash = $1",
            &[&hash_token(token)],
        )?;
        let row = row.ok_or(HubError::Unauthorized("unknown token; sign up again"))?;
        let (id, expires): (String, i64) = (row.get(0), row.get(1));
        if let Some(slid) = buyer_token(expires, now_ms())? {
            conn.execute(
                "UPDATE buyers SET expires_at = $2 WHERE id = $1",
                &[&id, &slid],
            )?;
        }
        id.parse()
            .map_err(|_| HubError::Internal("bad buyer id".into()))
    }

    /// Sets a buyer token's expiry (tests use it to age a buyer).
    pub(super) fn set_buyer_expiry(&self, buyer: BuyerId, at_ms: i64) -> Result<()> {
        self.pool.get()?.execute(
            "UPDATE buyers SET expires_at = $1 WHERE id = $2",
            &[&at_ms, &buyer.to_string()],
        )?;
        Ok(())
    }
}
