//! Farms, enrolment codes, devices and buyers, and who a token belongs to.

use super::{Store, from_json, now_ms, to_json};
use crate::error::{HubError, Result};
use farmlive_protocol::api::{EnrolRequest, EnrolResponse, FarmInfo, Role};
use farmlive_protocol::listing::validate_farm_name;
use farmlive_protocol::{BuyerContact, BuyerId, DeviceId, FarmId};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// How long an enrolment code stays valid.
const CODE_TTL_MS: i64 = 7 * 24 * 3_600_000;
/// How long a device token stays valid before the device must enrol again.
pub const DEVICE_TOKEN_TTL_MS: i64 = 365 * 24 * 3_600_000;
/// Crockford base32: no I, L, O, U — easy to read out over a bad phone line.
const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An enrolled device and the farms it may act for.
    Device {
        /// Its id.
        id: DeviceId,
        /// Farmer or agent.
        role: Role,
        /// Its farms.
        farms: BTreeSet<FarmId>,
    },
    /// A buyer.
    Buyer(BuyerId),
}

/// A freshly minted enrolment code. The code itself is a secret.
pub struct EnrolCode {
    /// The code to give to the device's user.
    pub code: String,
    /// The role it grants.
    pub role: Role,
    /// The farms it grants.
    pub farms: Vec<FarmInfo>,
}

impl std::fmt::Debug for EnrolCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolCode")
            .field("code", &"<redacted>")
            .field("role", &self.role)
            .field("farms", &self.farms)
            .finish()
    }
}

/// SHA-256 hex of a secret: only hashes of tokens and codes are stored.
pub(crate) fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| HubError::Internal(format!("no randomness: {e}")))?;
    Ok(buf)
}

/// A new bearer token: a prefix naming its kind, then 256 random bits.
fn new_token(prefix: &str) -> Result<String> {
    let hex: String = random_bytes::<32>()?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(format!("{prefix}_{hex}"))
}

fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
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

    /// Mints a one-time enrolment code for `role` on the named farms
    /// (created if new). A farmer code names exactly one farm.
    pub fn mint_enrol_code(&self, farm_names: &[String], role: Role) -> Result<EnrolCode> {
        if farm_names.is_empty() || (role == Role::Farmer && farm_names.len() != 1) {
            return Err(HubError::bad_request(
                "invalid",
                "a farmer code names one farm; an agent code one or more",
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
        self.writer().execute(
            "INSERT INTO enrol_codes (code_hash, role, farms, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                hash_secret(&code),
                role.as_str(),
                to_json(&ids)?,
                now_ms() + CODE_TTL_MS
            ],
        )?;
        let pretty = format!("{}-{}-{}", &code[..4], &code[4..8], &code[8..]);
        Ok(EnrolCode {
            code: pretty,
            role,
            farms,
        })
    }

    /// Enrols a device with a one-time code; returns its token.
    pub fn enrol(&self, req: &EnrolRequest) -> Result<EnrolResponse> {
        let name = farmlive_protocol::text::clean(&req.device_name, 60, false)
            .ok()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                HubError::bad_request("invalid", "give the device a name of at most 60 characters")
            })?;
        let code_hash = hash_secret(&normalise_code(&req.code));
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row: Option<(String, String, i64, Option<i64>)> = tx
            .query_row(
                "SELECT role, farms, expires_at, used_at FROM enrol_codes WHERE code_hash = ?1",
                [&code_hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let now = now_ms();
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
        let known: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1)",
            [req.device_id.to_string()],
            |r| r.get(0),
        )?;
        if known {
            return Err(HubError::Conflict(
                "device_exists",
                "this device is already enrolled".into(),
            ));
        }
        let role = if role == "agent" {
            Role::Agent
        } else {
            Role::Farmer
        };
        let farm_ids: Vec<FarmId> = from_json(&farms)?;
        let token = new_token("fld")?;
        tx.execute(
            "UPDATE enrol_codes SET used_at = ?1, used_by = ?2 WHERE code_hash = ?3",
            params![now, req.device_id.to_string(), code_hash],
        )?;
        tx.execute(
            "INSERT INTO devices (id, name, role, token_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![req.device_id.to_string(), name, role.as_str(), hash_secret(&token), now, now + DEVICE_TOKEN_TTL_MS],
        )?;
        let mut farms = Vec::new();
        for id in farm_ids {
            tx.execute(
                "INSERT INTO device_farms (device_id, farm_id) VALUES (?1, ?2)",
                params![req.device_id.to_string(), id.to_string()],
            )?;
            let name: String = tx.query_row(
                "SELECT name FROM farms WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )?;
            farms.push(FarmInfo { id, name });
        }
        tx.commit()?;
        Ok(EnrolResponse { token, role, farms })
    }

    /// Signs up a buyer; returns their token.
    pub fn sign_up_buyer(&self, contact: &BuyerContact) -> Result<(BuyerId, String)> {
        let clean = |s: &str, max: usize, what: &str| {
            farmlive_protocol::text::clean(s, max, false)
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    HubError::bad_request(
                        "invalid",
                        format!("give a {what} of at most {max} characters"),
                    )
                })
        };
        let contact = BuyerContact {
            name: clean(&contact.name, 60, "name")?,
            phone: clean(&contact.phone, 32, "phone number")?,
            address: clean(&contact.address, 300, "delivery address")?,
        };
        let id = BuyerId::new();
        let token = new_token("flb")?;
        self.writer().execute(
            "INSERT INTO buyers (id, token_hash, contact, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                id.to_string(),
                hash_secret(&token),
                to_json(&contact)?,
                now_ms()
            ],
        )?;
        Ok((id, token))
    }

    /// Who a bearer token belongs to.
    pub fn authenticate(&self, token: &str) -> Result<Principal> {
        let hash = hash_secret(token);
        let conn = self.reader();
        if token.starts_with("fld_") {
            let row: Option<(String, String, i64)> = conn
                .query_row(
                    "SELECT id, role, expires_at FROM devices WHERE token_hash = ?1",
                    [&hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let (id, role, expires) = row.ok_or(HubError::Unauthorized(
                "unknown token; enrol this device again",
            ))?;
            if expires <= now_ms() {
                return Err(HubError::Unauthorized(
                    "this device's token has expired; enrol it again",
                ));
            }
            let mut stmt =
                conn.prepare_cached("SELECT farm_id FROM device_farms WHERE device_id = ?1")?;
            let farms = stmt
                .query_map([&id], |r| r.get::<_, String>(0))?
                .filter_map(|r| r.ok()?.parse().ok())
                .collect();
            return Ok(Principal::Device {
                id: id
                    .parse()
                    .map_err(|_| HubError::Internal("bad device id".into()))?,
                role: if role == "agent" {
                    Role::Agent
                } else {
                    Role::Farmer
                },
                farms,
            });
        }
        if token.starts_with("flb_") {
            let id: Option<String> = conn
                .query_row(
                    "SELECT id FROM buyers WHERE token_hash = ?1",
                    [&hash],
                    |r| r.get(0),
                )
                .optional()?;
            let id = id.ok_or(HubError::Unauthorized("unknown token; sign up again"))?;
            return Ok(Principal::Buyer(
                id.parse()
                    .map_err(|_| HubError::Internal("bad buyer id".into()))?,
            ));
        }
        Err(HubError::Unauthorized("malformed token"))
    }

    /// Sets a device's token expiry (operators revoke devices this way; tests use it).
    pub fn expire_device(&self, device: DeviceId, at_ms: i64) -> Result<()> {
        self.writer().execute(
            "UPDATE devices SET expires_at = ?1 WHERE id = ?2",
            params![at_ms, device.to_string()],
        )?;
        Ok(())
    }
}
