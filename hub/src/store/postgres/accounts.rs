//! Farms and enrolment codes (the one writer of `farms` and
//! `enrol_codes`), and who a token belongs to. Devices are in
//! `devices.rs`, buyers in `buyers.rs`; the rules in `store/rules/`.

use super::backend::PgStore;
use super::pool::Conn;
use super::{now_ms, to_json};
use crate::error::{HubError, Result};
use crate::store::interface::{EnrolCode, Principal};
use crate::store::rules::accounts::{CodeRow, check_code_request, new_code, normalise_code};
use farmlive_protocol::FarmId;
use farmlive_protocol::api::{FarmInfo, Role};
use farmlive_protocol::listing::validate_farm_name;

impl PgStore {
    /// Finds or creates a farm by name (two processes creating the same
    /// name at once get the same farm).
    pub(super) fn farm(&self, conn: &Conn<'_>, name: &str) -> Result<FarmInfo> {
        let name = validate_farm_name(name).map_err(|e| HubError::bad_request("invalid", e))?;
        conn.execute(
            "INSERT INTO farms (id, name, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO NOTHING",
            &[&FarmId::new().to_string(), &name, &now_ms()],
        )?;
        let id: String = conn
            .query_one("SELECT id FROM farms WHERE name = $1", &[&name])?
            .get(0);
        Ok(FarmInfo {
            id: id
                .parse()
                .map_err(|_| HubError::Internal("bad farm id".into()))?,
            name,
        })
    }

    /// A farm's name.
    pub(super) fn farm_name_of(&self, farm: FarmId) -> Result<String> {
        let conn = self.pool.get()?;
        conn.query_opt("SELECT name FROM farms WHERE id = $1", &[&farm.to_string()])?
            .map(|r| r.get(0))
            .ok_or(HubError::NotFound("no such farm"))
    }

    /// Mints a one-time enrolment code (see `OperatorStore`).
    pub(super) fn mint_code(
        &self,
        farm_names: &[String],
        role: Role,
        ttl_ms: i64,
    ) -> Result<EnrolCode> {
        check_code_request(farm_names, role, ttl_ms)?;
        let conn = self.pool.get()?;
        let farms = farm_names
            .iter()
            .map(|n| self.farm(&conn, n))
            .collect::<Result<Vec<_>>>()?;
        let (code, pretty) = new_code()?;
        let ids: Vec<FarmId> = farms.iter().map(|f| f.id).collect();
        let expires_at = now_ms() + ttl_ms;
        conn.execute(
            "INSERT INTO enrol_codes (code_hash, role, farms, expires_at) VALUES ($1, $2, $3, $4)",
            &[
                &self.code_key.hash(&code),
                &role.as_str(),
                &to_json(&ids)?,
                &expires_at,
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
    pub(super) fn code_hash(&self, code: &str) -> String {
        self.code_key.hash(&normalise_code(code))
    }

    /// Who a bearer token belongs to.
    pub(super) fn authenticate_token(&self, token: &str) -> Result<Principal> {
        if token.starts_with("fld_") {
            return self.authenticate_device(token);
        }
        if token.starts_with("flb_") {
            return self.authenticate_buyer(token).map(Principal::Buyer);
        }
        Err(HubError::Unauthorized("malformed token"))
    }
}

/// An enrolment code's grant, if the code (by its stored hash) is known,
/// unused and unexpired at `now`. The row is locked until the enrolment
/// commits, so a code is used once even by two processes at once.
pub(super) fn code_grant(
    conn: &Conn<'_>,
    code_hash: &str,
    now: i64,
) -> Result<(Role, Vec<FarmId>)> {
    let row = conn
        .query_opt(
            "SELECT role, farms, expires_at, used_at FROM enrol_codes
             WHERE code_hash = $1 FOR UPDATE",
            &[&code_hash],
        )?
        .map(|r| CodeRow {
            role: r.get(0),
            farms: r.get(1),
            expires_at: r.get(2),
            used_at: r.get(3),
        });
    crate::store::rules::accounts::code_grant(row, now)
}

/// Marks a code used by `device` (inside the enrolment's transaction).
pub(super) fn mark_code_used(
    conn: &Conn<'_>,
    code_hash: &str,
    now: i64,
    device: &str,
) -> Result<()> {
    conn.execute(
        "UPDATE enrol_codes SET used_at = $1, used_by = $2 WHERE code_hash = $3",
        &[&now, &device, &code_hash],
    )?;
    Ok(())
}
