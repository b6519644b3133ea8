//! Buyers: sign-up and their tokens, which expire.
//!
//! A buyer token lasts [`BUYER_TOKEN_TTL_MS`] from its last use: each use
//! moves the expiry forward (written at most once a day), so an active
//! buyer is never signed out and a token lost on an old phone dies within
//! half a year. An expired token is answered 401 `buyer_token_expired`;
//! the buyer signs up again.

use super::{Store, now_ms, to_json};
use crate::error::{HubError, Result};
use crate::store::rules::accounts::{
    BUYER_TOKEN_TTL_MS, buyer_contact, buyer_token, hash_token, new_token,
};
use farmlive_protocol::{BuyerContact, BuyerId};
use rusqlite::{OptionalExtension, params};

impl Store {
    /// Signs up a buyer; returns their token.
    pub fn sign_up_buyer(&self, contact: &BuyerContact) -> Result<(BuyerId, String)> {
        let contact = buyer_contact(contact)?;
        let id = BuyerId::new();
        let token = new_token("flb")?;
        let now = now_ms();
        self.writer().execute(
            "INSERT INTO buyers (id, token_hash, contact, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                id.to_string(),
                hash_token(&token),
                to_json(&contact)?,
                now,
                now + BUYER_TOKEN_TTL_MS
            ],
        )?;
        Ok((id, token))
    }

    pub(crate) fn authenticate_buyer(&self, token: &str) -> Result<BuyerId> {
        let row: Option<(String, i64)> = self
            .reader()
            .prepare_cached("SELECT id, expires_at FROM buyers WHERE token_hash = ?1")?
            .query_row([hash_token(token)], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (id, expires) = row.ok_or(HubError::Unauthorized("unknown token; sign up again"))?;
        if let Some(slid) = buyer_token(expires, now_ms())? {
            self.writer().execute(
                "UPDATE buyers SET expires_at = ?2 WHERE id = ?1",
                params![id, slid],
            )?;
        }
        id.parse()
            .map_err(|_| HubError::Internal("bad buyer id".into()))
    }

    /// Sets a buyer token's expiry (tests use it to age a buyer).
    pub fn expire_buyer(&self, buyer: BuyerId, at_ms: i64) -> Result<()> {
        self.writer().execute(
            "UPDATE buyers SET expires_at = ?1 WHERE id = ?2",
            params![at_ms, buyer.to_string()],
        )?;
        Ok(())
    }
}
