//! Devices (the one writer of `devices` and `device_farms`): enrolment,
//! who a device token belongs to, renewal, the device list and
//! revocation. What each may do is decided in `store/rules/accounts.rs`
//! (see `sqlite/devices.rs` for why enrolling again is safe).

use super::accounts::{code_grant, mark_code_used};
use super::backend::PgStore;
use super::now_ms;
use super::pool::Conn;
use crate::error::{HubError, Result};
use crate::store::interface::Principal;
use crate::store::rules::accounts::{
    DEVICE_TOKEN_TTL_MS, DeviceTokenRow, check_enrol_again, device_principal, hash_token,
    new_token, revocation, role_from,
};
use farmlive_protocol::api::{DeviceInfo, EnrolRequest, EnrolResponse, FarmInfo, TokenRenewal};
use farmlive_protocol::{DeviceId, FarmId};
use std::collections::BTreeSet;

/// The advisory lock namespace of device ids (`pg_advisory_xact_lock(int, int)`).
const DEVICE_LOCK: i32 = 0x464C_4456; // "FLDV"

fn device_farms(conn: &Conn<'_>, id: &str) -> Result<BTreeSet<FarmId>> {
    Ok(conn
        .query(
            "SELECT farm_id FROM device_farms WHERE device_id = $1",
            &[&id],
        )?
        .iter()
        .filter_map(|r| r.get::<_, String>(0).parse().ok())
        .collect())
}

fn device_info(conn: &Conn<'_>, id: &str) -> Result<Option<DeviceInfo>> {
    let Some(row) = conn.query_opt(
        "SELECT name, role, created_at, expires_at, revoked_at FROM devices WHERE id = $1",
        &[&id],
    )?
    else {
        return Ok(None);
    };
    let role: String = row.get(1);
    crate::store::rules::accounts::device_info(
        id,
        row.get(0),
        &role,
        device_farms(conn, id)?,
        (row.get(2), row.get(3), row.get(4)),
    )
    .map(Some)
}

impl PgStore {
    /// Enrols a device with a one-time code (or enrols it again).
    pub(super) fn enrol_device(&self, req: &EnrolRequest) -> Result<EnrolResponse> {
        let name = crate::store::rules::accounts::device_name(&req.device_name)?;
        let code_hash = self.code_hash(&req.code);
        let id = req.device_id.to_string();
        let conn = self.pool.get()?;
        conn.transaction("BEGIN", |tx| {
            let now = now_ms();
            let (role, farm_ids) = code_grant(tx, &code_hash, now)?;
            // The device's id, locked (its row may not exist yet): two
            // enrolments of one device take turns, the second finding the first's row.
            tx.execute(
                "SELECT pg_advisory_xact_lock($1, hashtext($2))",
                &[&DEVICE_LOCK, &id],
            )?;
            let known: Option<String> = tx
                .query_opt("SELECT role FROM devices WHERE id = $1", &[&id])?
                .map(|r| r.get(0));
            let token = new_token("fld")?;
            let expires_at = now + DEVICE_TOKEN_TTL_MS;
            if let Some(known_role) = known {
                let had = device_farms(tx, &id)?;
                check_enrol_again(role_from(&known_role), &had, role, &farm_ids)?;
                tx.execute(
                    "UPDATE devices SET name = $2, token_hash = $3, expires_at = $4, revoked_at = NULL,
                            revoked_by = NULL, next_token_hash = NULL, next_expires_at = NULL
                     WHERE id = $1",
                    &[&id, &name, &hash_token(&token), &expires_at],
                )?;
                tx.execute("DELETE FROM device_farms WHERE device_id = $1", &[&id])?;
            } else {
                tx.execute(
                    "INSERT INTO devices (id, name, role, token_hash, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    &[&id, &name, &role.as_str(), &hash_token(&token), &now, &expires_at],
                )?;
            }
            mark_code_used(tx, &code_hash, now, &id)?;
            let mut farms = Vec::new();
            for farm in &farm_ids {
                let farm_id = farm.to_string();
                tx.execute(
                    "INSERT INTO device_farms (device_id, farm_id) VALUES ($1, $2)",
                    &[&id, &farm_id],
                )?;
                let name: String = tx
                    .query_one("SELECT name FROM farms WHERE id = $1", &[&farm_id])?
                    .get(0);
                farms.push(FarmInfo { id: *farm, name });
            }
            Ok(EnrolResponse {
                token,
                role,
                farms,
                expires_at: Some(expires_at),
            })
        })
    }

    /// The device a `fld_` token belongs to (a renewed token's first use
    /// makes it the current one).
    pub(super) fn authenticate_device(&self, token: &str) -> Result<Principal> {
        let hash = hash_token(token);
        let conn = self.pool.get()?;
        let row = conn
            .query_opt(
                "SELECT id, role, expires_at,
                        CASE WHEN revoked_at IS NULL THEN NULL
                             ELSE COALESCE(revoked_by, 'the hub operator') END,
                        token_hash = $1, next_expires_at
                 FROM devices WHERE token_hash = $1 OR next_token_hash = $1",
                &[&hash],
            )?
            .map(|r| DeviceTokenRow {
                id: r.get(0),
                role: r.get(1),
                expires_at: r.get(2),
                revoked_by: r.get(3),
                current: r.get(4),
                next_expires_at: r.get(5),
            });
        let promote = |id: &str| -> Result<()> {
            conn.execute(
                "UPDATE devices SET token_hash = next_token_hash, expires_at = next_expires_at,
                        next_token_hash = NULL, next_expires_at = NULL
                 WHERE id = $1 AND next_token_hash = $2",
                &[&id, &hash],
            )?;
            Ok(())
        };
        device_principal(row, now_ms(), promote, |id| device_farms(&conn, id))
    }

    /// A fresh token for an enrolled device.
    pub(super) fn renew_device_token(&self, device: DeviceId) -> Result<TokenRenewal> {
        let token = new_token("fld")?;
        let expires_at = now_ms() + DEVICE_TOKEN_TTL_MS;
        let n = self.pool.get()?.execute(
            "UPDATE devices SET next_token_hash = $2, next_expires_at = $3
             WHERE id = $1 AND revoked_at IS NULL",
            &[&device.to_string(), &hash_token(&token), &expires_at],
        )?;
        if n == 0 {
            return Err(HubError::NotFound("no such device"));
        }
        Ok(TokenRenewal { token, expires_at })
    }

    /// Devices serving any of `farms` (every device if `None`), oldest first.
    pub(super) fn list_devices(&self, farms: Option<&BTreeSet<FarmId>>) -> Result<Vec<DeviceInfo>> {
        let conn = self.pool.get()?;
        let farms: Option<Vec<String>> = farms.map(|f| f.iter().map(|f| f.to_string()).collect());
        let ids: Vec<String> = conn
            .query(
                "SELECT d.id FROM devices d WHERE $1::text[] IS NULL OR EXISTS (
                    SELECT 1 FROM device_farms f
                    WHERE f.device_id = d.id AND f.farm_id = ANY($1::text[]))
                 ORDER BY d.created_at, d.id COLLATE \"C\"",
                &[&farms],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        ids.iter()
            .filter_map(|id| device_info(&conn, id).transpose())
            .collect()
    }

    /// Removes `device` from `farms` (every farm if `None`); a device left
    /// with no farm is revoked, naming `by`.
    pub(super) fn revoke(
        &self,
        device: DeviceId,
        farms: Option<&BTreeSet<FarmId>>,
        by: &str,
    ) -> Result<DeviceInfo> {
        let id = device.to_string();
        let conn = self.pool.get()?;
        conn.transaction("BEGIN", |tx| {
            let known = tx
                .query_opt("SELECT 1 FROM devices WHERE id = $1 FOR UPDATE", &[&id])?
                .is_some();
            let had = device_farms(tx, &id)?;
            let keep = revocation(known, &had, farms)
                .ok_or(HubError::NotFound("no such device on this farm"))?;
            if keep.is_empty() {
                tx.execute(
                    "UPDATE devices SET revoked_at = COALESCE(revoked_at, $2),
                            revoked_by = COALESCE(revoked_by, $3),
                            next_token_hash = NULL, next_expires_at = NULL
                     WHERE id = $1",
                    &[&id, &now_ms(), &by],
                )?;
            } else {
                for farm in had.iter().filter(|f| !keep.contains(f)) {
                    tx.execute(
                        "DELETE FROM device_farms WHERE device_id = $1 AND farm_id = $2",
                        &[&id, &farm.to_string()],
                    )?;
                }
            }
            device_info(tx, &id)?.ok_or(HubError::NotFound("no such device"))
        })
    }

    /// The name a device enrolled with.
    pub(super) fn name_of_device(&self, device: DeviceId) -> Result<String> {
        self.pool
            .get()?
            .query_opt(
                "SELECT name FROM devices WHERE id = $1",
                &[&device.to_string()],
            )?
            .map(|r| r.get(0))
            .ok_or(HubError::NotFound("no such device"))
    }

    /// Sets a device's token expiry (tests use it to age a device).
    pub(super) fn set_device_expiry(&self, device: DeviceId, at_ms: i64) -> Result<()> {
        self.pool.get()?.execute(
            "UPDATE devices SET expires_at = $1 WHERE id = $2",
            &[&at_ms, &device.to_string()],
        )?;
        Ok(())
    }
}
