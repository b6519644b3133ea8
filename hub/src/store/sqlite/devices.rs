//! Devices (the one writer of `devices` and `device_farms`): enrolment
//! (first or again), who a device token belongs to, token renewal, and the
//! farm's device list with revocation.
//!
//! Enrolling again: a device whose token expired, or that was removed,
//! enrols again under its own id with a fresh one-time code, so its
//! outbox (ops stamped with its id) is pushed afterwards. The code must
//! grant the device's role and cover all of its farms. A hostile holder of
//! such a code who also knows a device's id can therefore take over only
//! what the code already grants it (same role, same farms): it gains no
//! farm and no role, and the worst it does is sign the real device out
//! (its old token stops working); the farmer sees that in the device list
//! and revokes it. Codes are one-time, expire within a day by default, and
//! are stored only as keyed hashes.

use super::accounts::{code_grant, mark_code_used};
use super::{Store, now_ms};
use crate::error::{HubError, Result};
use crate::store::interface::Principal;
use crate::store::rules::accounts::{
    DEVICE_TOKEN_TTL_MS, DeviceTokenRow, check_enrol_again, device_principal, hash_token,
    new_token, revocation, role_from,
};
use farmlive_protocol::api::{DeviceInfo, EnrolRequest, EnrolResponse, FarmInfo, TokenRenewal};
use farmlive_protocol::{DeviceId, FarmId};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::collections::BTreeSet;

fn device_farms(conn: &Connection, id: &str) -> Result<BTreeSet<FarmId>> {
    Ok(conn
        .prepare_cached("SELECT farm_id FROM device_farms WHERE device_id = ?1")?
        .query_map([id], |r| r.get::<_, String>(0))?
        .filter_map(|r| r.ok()?.parse().ok())
        .collect())
}

fn device_info(conn: &Connection, id: &str) -> Result<Option<DeviceInfo>> {
    let row: Option<(String, String, i64, i64, Option<i64>)> = conn
        .prepare_cached(
            "SELECT name, role, created_at, expires_at, revoked_at FROM devices WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let Some((name, role, enrolled_at, expires_at, revoked_at)) = row else {
        return Ok(None);
    };
    let farms = device_farms(conn, id)?;
    crate::store::rules::accounts::device_info(
        id,
        name,
        &role,
        farms,
        (enrolled_at, expires_at, revoked_at),
    )
    .map(Some)
}

impl Store {
    /// Enrols a device with a one-time code (or enrols it again: see the
    /// module docs); returns its token. Any older token of it stops working.
    pub fn enrol(&self, req: &EnrolRequest) -> Result<EnrolResponse> {
        let name = crate::store::rules::accounts::device_name(&req.device_name)?;
        let code_hash = self.code_hash(&req.code);
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = now_ms();
        let (role, farm_ids) = code_grant(&tx, &code_hash, now)?;
        let id = req.device_id.to_string();
        let known: Option<String> = tx
            .query_row("SELECT role FROM devices WHERE id = ?1", [&id], |r| {
                r.get(0)
            })
            .optional()?;
        let token = new_token("fld")?;
        let expires_at = now + DEVICE_TOKEN_TTL_MS;
        if let Some(known_role) = known {
            let had = device_farms(&tx, &id)?;
            check_enrol_again(role_from(&known_role), &had, role, &farm_ids)?;
            tx.execute(
                "UPDATE devices SET name = ?2, token_hash = ?3, expires_at = ?4, revoked_at = NULL,
                        revoked_by = NULL, next_token_hash = NULL, next_expires_at = NULL
                 WHERE id = ?1",
                params![id, name, hash_token(&token), expires_at],
            )?;
            tx.execute("DELETE FROM device_farms WHERE device_id = ?1", [&id])?;
        } else {
            tx.execute(
                "INSERT INTO devices (id, name, role, token_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, name, role.as_str(), hash_token(&token), now, expires_at],
            )?;
        }
        mark_code_used(&tx, &code_hash, now, &id)?;
        let mut farms = Vec::new();
        for farm in farm_ids {
            tx.execute(
                "INSERT INTO device_farms (device_id, farm_id) VALUES (?1, ?2)",
                params![id, farm.to_string()],
            )?;
            let name: String = tx.query_row(
                "SELECT name FROM farms WHERE id = ?1",
                [farm.to_string()],
                |r| r.get(0),
            )?;
            farms.push(FarmInfo { id: farm, name });
        }
        tx.commit()?;
        Ok(EnrolResponse {
            token,
            role,
            farms,
            expires_at: Some(expires_at),
        })
    }

    /// The device a `fld_` token belongs to (a renewed token's first use
    /// makes it the current one).
    pub(super) fn authenticate_device(&self, token: &str) -> Result<Principal> {
        let hash = hash_token(token);
        let now = now_ms();
        let row = self
            .reader()
            .prepare_cached(
                "SELECT id, role, expires_at, CASE WHEN revoked_at IS NULL THEN NULL ELSE COALESCE(revoked_by, 'the hub operator') END,
                        token_hash = ?1, next_expires_at
                 FROM devices WHERE token_hash = ?1 OR next_token_hash = ?1",
            )?
            .query_row([&hash], |r| {
                Ok(DeviceTokenRow {
                    id: r.get(0)?,
                    role: r.get(1)?,
                    expires_at: r.get(2)?,
                    revoked_by: r.get(3)?,
                    current: r.get(4)?,
                    next_expires_at: r.get(5)?,
                })
            })
            .optional()?;
        let promote = |id: &str| -> Result<()> {
            // The renewed token's first use: it becomes the current one and
            // the old one stops working.
            self.writer().execute(
                "UPDATE devices SET token_hash = next_token_hash, expires_at = next_expires_at,
                        next_token_hash = NULL, next_expires_at = NULL
                 WHERE id = ?1 AND next_token_hash = ?2",
                params![id, hash],
            )?;
            Ok(())
        };
        device_principal(row, now, promote, |id| device_farms(&self.reader(), id))
    }

    /// A fresh token for an enrolled device. Its current token keeps
    /// working until the new one is first used.
    pub fn renew_token(&self, device: DeviceId) -> Result<TokenRenewal> {
        let token = new_token("fld")?;
        let expires_at = now_ms() + DEVICE_TOKEN_TTL_MS;
        let n = self.writer().execute(
            "UPDATE devices SET next_token_hash = ?2, next_expires_at = ?3
             WHERE id = ?1 AND revoked_at IS NULL",
            params![device.to_string(), hash_token(&token), expires_at],
        )?;
        if n == 0 {
            return Err(HubError::NotFound("no such device"));
        }
        Ok(TokenRenewal { token, expires_at })
    }

    /// Devices serving any of `farms` (every device if `None`), oldest first.
    pub fn devices(&self, farms: Option<&BTreeSet<FarmId>>) -> Result<Vec<DeviceInfo>> {
        let conn = self.reader();
        let ids: Vec<String> = conn
            .prepare_cached(
                "SELECT d.id FROM devices d WHERE ?1 IS NULL OR EXISTS (
                    SELECT 1 FROM device_farms f, json_each(?1) j
                    WHERE f.device_id = d.id AND f.farm_id = j.value)
                 ORDER BY d.created_at, d.id",
            )?
            .query_map([farms.map(super::to_json).transpose()?], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.iter()
            .filter_map(|id| device_info(&conn, id).transpose())
            .collect()
    }

    /// Removes `device` from `farms` (a farmer's, from the API) or from the
    /// hub (`None`: the operator). A device left with no farm is revoked:
    /// every request it makes is answered `device_revoked`, naming `by`.
    /// A device that also serves other farms only loses these.
    pub fn revoke_device(
        &self,
        device: DeviceId,
        farms: Option<&BTreeSet<FarmId>>,
        by: &str,
    ) -> Result<DeviceInfo> {
        let id = device.to_string();
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let had = device_farms(&tx, &id)?;
        let known = device_info(&tx, &id)?.is_some();
        let keep = revocation(known, &had, farms)
            .ok_or(HubError::NotFound("no such device on this farm"))?;
        if keep.is_empty() {
            tx.execute(
                "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?2), revoked_by = COALESCE(revoked_by, ?3),
                        next_token_hash = NULL, next_expires_at = NULL
                 WHERE id = ?1",
                params![id, now_ms(), by],
            )?;
        } else {
            for farm in had.iter().filter(|f| !keep.contains(f)) {
                tx.execute(
                    "DELETE FROM device_farms WHERE device_id = ?1 AND farm_id = ?2",
                    params![id, farm.to_string()],
                )?;
            }
        }
        let info = device_info(&tx, &id)?.ok_or(HubError::NotFound("no such device"))?;
        tx.commit()?;
        Ok(info)
    }

    /// The name a device enrolled with.
    pub fn device_name(&self, device: DeviceId) -> Result<String> {
        self.reader()
            .query_row(
                "SELECT name FROM devices WHERE id = ?1",
                [device.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(HubError::NotFound("no such device"))
    }

    /// Sets a device's token expiry (tests use it to age a device).
    pub fn expire_device(&self, device: DeviceId, at_ms: i64) -> Result<()> {
        self.writer().execute(
            "UPDATE devices SET expires_at = ?1 WHERE id = ?2",
            params![at_ms, device.to_string()],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use farmlive_protocol::api::Role;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("hub.db")).unwrap();
        (dir, store)
    }

    fn enrol(store: &Store, id: DeviceId, farms: &[&str], role: Role) -> Result<EnrolResponse> {
        let farms: Vec<String> = farms.iter().map(|f| f.to_string()).collect();
        let code = store.mint_enrol_code(&farms, role)?.code;
        store.enrol(&EnrolRequest {
            code,
            device_name: "dev".into(),
            device_id: id,
        })
    }

    fn code_of(e: HubError) -> &'static str {
        match e {
            HubError::Denied { code, .. } | HubError::Conflict(code, _) => code,
            HubError::Unauthorized(_) => "unauthorized",
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn enrolling_again_needs_a_code_for_the_same_role_covering_every_farm() {
        let (_d, s) = store();
        let phone = DeviceId::new();
        let first = enrol(&s, phone, &["A"], Role::Farmer).unwrap();
        let agent = enrol(&s, phone, &["A"], Role::Agent).unwrap_err();
        assert_eq!(code_of(agent), "device_exists", "no role change");
        let other = enrol(&s, phone, &["B"], Role::Farmer).unwrap_err();
        assert_eq!(code_of(other), "device_exists", "no farm change");
        let again = enrol(&s, phone, &["A"], Role::Farmer).unwrap();
        assert_eq!(
            code_of(s.authenticate(&first.token).unwrap_err()),
            "unauthorized",
            "the old token stops working"
        );
        assert!(s.authenticate(&again.token).is_ok());
        let tablet = DeviceId::new();
        enrol(&s, tablet, &["A", "B"], Role::Agent).unwrap();
        let narrower = enrol(&s, tablet, &["A"], Role::Agent).unwrap_err();
        assert_eq!(code_of(narrower), "device_exists");
    }

    #[test]
    fn a_farmer_removes_a_shared_agent_from_its_farm_only_and_a_lone_device_wholly() {
        let (_d, s) = store();
        let tablet = DeviceId::new();
        let t = enrol(&s, tablet, &["A", "B"], Role::Agent).unwrap();
        let a: BTreeSet<FarmId> = [t.farms[0].id].into();
        let info = s.revoke_device(tablet, Some(&a), "Li").unwrap();
        assert_eq!(info.farms, vec![t.farms[1].id]);
        assert_eq!(info.revoked_at, None);
        let Principal::Device { farms, .. } = s.authenticate(&t.token).unwrap() else {
            panic!("a device");
        };
        assert!(!farms.contains(&t.farms[0].id));
        let b: BTreeSet<FarmId> = [t.farms[1].id].into();
        let info = s.revoke_device(tablet, Some(&b), "Wang").unwrap();
        assert!(info.revoked_at.is_some());
        let err = s.authenticate(&t.token).unwrap_err();
        assert!(
            err.to_string().contains("removed from the farm by Wang"),
            "{err}"
        );
        assert_eq!(code_of(err), "device_revoked");
        assert!(matches!(
            s.revoke_device(DeviceId::new(), Some(&a), "Li"),
            Err(HubError::NotFound(_))
        ));
        assert!(matches!(s.renew_token(tablet), Err(HubError::NotFound(_))));
    }

    #[test]
    fn a_renewed_token_replaces_the_old_one_at_its_first_use() {
        let (_d, s) = store();
        let phone = DeviceId::new();
        let first = enrol(&s, phone, &["A"], Role::Farmer).unwrap();
        let lost = s.renew_token(phone).unwrap();
        assert!(
            s.authenticate(&first.token).is_ok(),
            "a lost reply strands nobody"
        );
        let renewed = s.renew_token(phone).unwrap();
        assert!(
            s.authenticate(&lost.token).is_err(),
            "superseded by the next renewal"
        );
        assert!(s.authenticate(&renewed.token).is_ok());
        assert!(s.authenticate(&first.token).is_err(), "the old one is gone");
        s.expire_device(phone, 0).unwrap();
        assert_eq!(
            code_of(s.authenticate(&renewed.token).unwrap_err()),
            "token_expired"
        );
    }
}
