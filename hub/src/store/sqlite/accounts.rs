//! Farms, enrolment codes (the one writer of `farms` and `enrol_codes`),
//! and who a token belongs to. Devices are in `devices.rs`, buyers in
//! `buyers.rs`.

use super::{Store, now_ms, to_json};
use crate::error::{HubError, Result};
use crate::store::interface::{EnrolCode, Principal};
use crate::store::rules::accounts::{CodeRow, check_code_request, new_code, normalise_code};
use farmlive_protocol::FarmId;
use farmlive_protocol::api::{FarmInfo, Role};
use farmlive_protocol::listing::validate_farm_name;
use rusqlite::{Connection, OptionalExtension, params};

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
        self.mint_enrol_code_for(farm_names, role, crate::store::CODE_TTL_MS)
    }

    /// [`Store::mint_enrol_code`], valid for `ttl_ms` (at most
    /// [`crate::store::CODE_TTL_MAX_MS`]). Only a keyed hash of the code is stored.
    pub fn mint_enrol_code_for(
        &self,
        farm_names: &[String],
        role: Role,
        ttl_ms: i64,
    ) -> Result<EnrolCode> {
        check_code_request(farm_names, role, ttl_ms)?;
        let farms = farm_names
            .iter()
            .map(|n| self.farm(n))
            .collect::<Result<Vec<_>>>()?;
        let (code, pretty) = new_code()?;
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
    let row = conn
        .query_row(
            "SELECT role, farms, expires_at, used_at FROM enrol_codes WHERE code_hash = ?1",
            [code_hash],
            |r| {
                Ok(CodeRow {
                    role: r.get(0)?,
                    farms: r.get(1)?,
                    expires_at: r.get(2)?,
                    used_at: r.get(3)?,
                })
            },
        )
        .optional()?;
    crate::store::rules::accounts::code_grant(row, now)
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
