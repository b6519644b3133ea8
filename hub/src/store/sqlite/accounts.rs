//! Farms, enrolment codes (the one writer of `farms` and `enrol_codes`),
//! and who a token belongs to. Devices are in `devices.rs`, buyers in
//! `buyers.rs`.

use super::{Store, from_json, now_ms, to_json};
use crate::error::{HubError, Result};
use crate::store::interface::{CODE_TTL_MAX_MS, CODE_TTL_MS, EnrolCode, Principal};
use farmlive_protocol::FarmId;
use farmlive_protocol::api::{FarmInfo, Role};
use farmlive_protocol::listing::validate_farm_name;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

/// How long a device token stays valid; devices renew it within
/// [`farmlive_protocol::api::TOKEN_RENEW_WITHIN_MS`] of the end.
pub const DEVICE_TOKEN_TTL_MS: i64 = 365 * 24 * 3_600_000;
/// Crockford base32: no I, L, O, U — easy to read out over a bad phone line.
const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// SHA-256 hex of a bearer token (256 random bits: a plain hash is safe).
pub(crate) fn hash_token(token: &str) -> String {
    super::files::hex(&Sha256::digest(token.as_bytes()))
}

pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| HubError::Internal(format!("no randomness: {e}")))?;
    Ok(buf)
}

/// A new bearer token: a prefix naming its kind, then 256 random bits.
pub(crate) fn new_token(prefix: &str) -> Result<String> {
    Ok(format!(
        "{prefix}_{}",
        super::files::hex(&random_bytes::<32>()?)
    ))
}

pub(crate) fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

pub(crate) fn role_from(s: &str) -> Role {
    if s == "agent" {
        Role::Agent
    } else {
        Role::Farmer
    }
}

impl Store {
    /// Finds or creates a farm by name.
    pub fn farm(&self, name: &str) -> Result<FarmInfo> {
        let name = validate_farm_name(name).map_err(|e| HubError::bad_request("invalid", e))?;
        let conn = self.writer();
        let existing: Option<String> = conn
            .query_row("SELECT id FROM farms WHERE name = ?1", [&name], |r| {
                r.get(0)
            })
            .optional()?;
        let id = match existing {
            Some(id) => id
                .parse()
                .map_err(|_| HubError::Internal("bad farm id".into()))?,
            None => {
                let id = FarmId::new();
                conn.execute(
                    "INSERT INTO farms (id, name, created_at) VALUES (?1, ?2, ?3)",
                    params![id.to_string(), name, now_ms()],
                )?;
                id
            }
        };
        Ok(FarmInfo { id, name })
    }

    /// A farm's name.
    pub fn farm_name(&self, farm: FarmId) -> Result<String> {
        self.reader()
            .query_row(
                "SELECT name FROM farms WHERE id = ?1",
                [farm.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(HubError::NotFound("no such farm"))
    }

    /// Mints a one-time enrolment code for `role` on the named farms
    /// (created if new), valid for a day. A farmer code names exactly one farm.
    pub fn mint_enrol_code(&self, farm_names: &[String], role: Role) -> Result<EnrolCode> {
        self.mint_enrol_code_for(farm_names, role, CODE_TTL_MS)
    }

    /// [`Store::mint_enrol_code`], valid for `ttl_ms` (at most
    /// [`CODE_TTL_MAX_MS`]). Only a keyed hash of the code is stored.
    pub fn mint_enrol_code_for(
        &self,
        farm_names: &[String],
        role: Role,
        ttl_ms: i64,
    ) -> Result<EnrolCode> {
        if farm_names.is_empty() || (role == Role::Farmer && farm_names.len() != 1) {
            return Err(HubError::bad_request(
                "invalid",
                "a farmer code names one farm; an agent code one or more",
            ));
        }
        if !(60_000..=CODE_TTL_MAX_MS).contains(&ttl_ms) {
            return Err(HubError::bad_request(
                "invalid",
                "a code lasts from a minute to 7 days",
            ));
        }
        let farms = farm_names
            .iter()
            .map(|n| self.farm(n))
            .collect::<Result<Vec<_>>>()?;
        let raw = random_bytes::<10>()?;
        let code: String = raw
            .iter()
            .map(|b| CODE_ALPHABET[(*b as usize) % CODE_ALPHABET.len()] as char)
            .collect();
        let ids: Vec<FarmId> = farms.iter().map(|f| f.id).collect();
        let expires_at = now_ms() + ttl_ms;
        self.writer().execute(
            "INSERT INTO enrol_codes (code_hash, role, farms, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                self.code_key.hash(&code),
                role.as_str(),
                to_json(&ids)?,
                expires_at
            ],
        )?;
        let pretty = format!("{}-{}-{}", &code[..4], &code[4..8], &code[8..]);
        Ok(EnrolCode {
            code: pretty,
            role,
            farms,
            expires_at,
        })
    }

    /// The stored hash of a code as typed (normalised, keyed).
    pub(crate) fn code_hash(&self, code: &str) -> String {
        self.code_key.hash(&normalise_code(code))
    }

    /// Who a bearer token belongs to.
    pub fn authenticate(&self, token: &str) -> Result<Principal> {
        if token.starts_with("fld_") {
            return self.authenticate_device(token);
        }
        if token.starts_with("flb_") {
            return self.authenticate_buyer(token).map(Principal::Buyer);
        }
        Err(HubError::Unauthorized("malformed token"))
    }
}

/// An enrolment code's grant: its role and farms, if the code (by its
/// stored hash) is known, unused and unexpired at `now`.
pub(super) fn code_grant(
    conn: &Connection,
    code_hash: &str,
    now: i64,
) -> Result<(Role, Vec<FarmId>)> {
    let row: Option<(String, String, i64, Option<i64>)> = conn
        .query_row(
            "SELECT role, farms, expires_at, used_at FROM enrol_codes WHERE code_hash = ?1",
            [code_hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let (role, farms) = match row {
        Some((role, farms, expires, None)) if expires > now => (role, farms),
        Some((_, _, _, Some(_))) => {
            return Err(HubError::Unauthorized(
                "this enrolment code was already used; ask for a new one",
            ));
        }
        Some(_) => {
            return Err(HubError::Unauthorized(
                "this enrolment code has expired; ask for a new one",
            ));
        }
        None => {
            return Err(HubError::Unauthorized(
                "unknown enrolment code; check it and try again",
            ));
        }
    };
    Ok((role_from(&role), from_json(&farms)?))
}

/// Marks a code used by `device` (inside the enrolment's transaction).
pub(super) fn mark_code_used(
    conn: &Connection,
    code_hash: &str,
    now: i64,
    device: &str,
) -> Result<()> {
    conn.execute(
        "UPDATE enrol_codes SET used_at = ?1, used_by = ?2 WHERE code_hash = ?3",
        params![now, device, code_hash],
    )?;
    Ok(())
}
