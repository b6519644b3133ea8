//! Enrolment: trading a one-time code from the hub operator for a device
//! token, and adopting the hub's farms.

use super::view::{get_meta, set_meta};
use super::{HUB_URL_KEY, TOKEN_EXPIRES_KEY, TOKEN_KEY, TOKEN_REFUSED_KEY};
use crate::error::{Error, Result};
use crate::hub::{HubClient, client};
use crate::role::ROLE_KEY;
use crate::{Core, farms, listing_rows, outbox};
use farmlive_protocol::FarmId;
use farmlive_protocol::api::{EnrolRequest, FarmInfo, Role};
use farmlive_protocol::ops::{Op, OpBody};
use rusqlite::Connection;
use std::time::Duration;

/// What enrolling gave this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// The hub.
    pub hub_url: String,
    /// Farmer or agent.
    pub role: Role,
    /// The farms this device lists for.
    pub farms: Vec<FarmInfo>,
}

/// Moves a local farm's listings and pending ops to the hub's id for it.
fn repoint_farm(conn: &Connection, from: FarmId, to: &FarmInfo, now: i64) -> Result<()> {
    farms::ensure_known(conn, to.id, &to.name, now)?;
    listing_rows::move_to_farm(conn, from, to.id)?;
    let mut stmt = conn.prepare("SELECT seq, body FROM outbox WHERE kind = 'listing_create'")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (seq, body) in rows {
        let mut op: Op = farmlive_sqlite::from_json("outbox entry", &body)?;
        if let OpBody::ListingCreate { farm, .. } = &mut op.body {
            if *farm == from {
                *farm = to.id;
                outbox::rewrite(conn, seq, &op)?;
            }
        }
    }
    farms::delete(conn, from)
}

impl Core {
    /// Enrols this device with a hub using a one-time code.
    ///
    /// The hub's farms replace local ones of the same name; on a farmer's
    /// device with a single local farm (listed before enrolling), that farm
    /// becomes the hub's farm — listings and pending ops follow it.
    ///
    /// A device already enrolled enrols again (same hub, same device id)
    /// once the hub has refused its token (expired, or the device was
    /// removed): the outbox, clock and pulled data are kept, and the next
    /// sync pushes what waited. See [`Core::enrol_again`] to do so without
    /// waiting for the hub's refusal.
    pub async fn enrol(&self, hub_url: &str, code: &str, device_name: &str) -> Result<Enrolment> {
        self.enrol_with(hub_url, code, device_name, false).await
    }

    /// Enrols this already-enrolled device again with a new code, keeping
    /// its outbox (e.g. after the farmer removed it, or before its token
    /// expires while offline). The hub must be the same one.
    pub async fn enrol_again(
        &self,
        hub_url: &str,
        code: &str,
        device_name: &str,
    ) -> Result<Enrolment> {
        self.enrol_with(hub_url, code, device_name, true).await
    }

    /// True once the hub has refused this device's token (expired, removed,
    /// unknown): it must enrol again with a new code.
    pub fn token_refused(&self) -> Result<bool> {
        Ok(self.read_meta(TOKEN_REFUSED_KEY)?.is_some())
    }

    async fn enrol_with(
        &self,
        hub_url: &str,
        code: &str,
        device_name: &str,
        again: bool,
    ) -> Result<Enrolment> {
        let hub_url = client::normalise_hub_url(hub_url)?;
        let (token, enrolled_at, refused) = {
            let conn = self.store.reader();
            (
                get_meta(&conn, TOKEN_KEY)?,
                get_meta(&conn, HUB_URL_KEY)?,
                get_meta(&conn, TOKEN_REFUSED_KEY)?,
            )
        };
        if token.is_some() {
            let enrolled_at = enrolled_at.unwrap_or_default();
            if refused.is_none() && !again {
                return Err(Error::InvalidArgument(format!(
                    "this device is already enrolled with {enrolled_at}; to enrol it again with a new code and keep its unsynced changes, enrol again explicitly (`farmlive enrol --again`)"
                )));
            }
            if enrolled_at != hub_url {
                return Err(Error::InvalidArgument(format!(
                    "this device is enrolled with {enrolled_at}, and its unsynced changes belong there; enrol it again with that hub"
                )));
            }
        }
        let hub = HubClient::new(
            client::http_client(Duration::from_secs(30))?,
            &hub_url,
            None,
        )?;
        let reply = hub
            .enrol(&EnrolRequest {
                code: code.to_owned(),
                device_name: device_name.to_owned(),
                device_id: self.device,
            })
            .await?;
        let now = self.now_ms();
        let farms = self.farms()?;
        self.write_tx(|tx| {
            set_meta(tx, HUB_URL_KEY, &hub_url)?;
            set_meta(tx, TOKEN_KEY, &reply.token)?;
            set_meta(tx, ROLE_KEY, reply.role.as_str())?;
            match reply.expires_at {
                Some(at) => set_meta(tx, TOKEN_EXPIRES_KEY, &at.to_string())?,
                None => super::view::delete_meta(tx, TOKEN_EXPIRES_KEY)?,
            }
            super::view::delete_meta(tx, TOKEN_REFUSED_KEY)?;
            let mut unmatched: Vec<_> = farms
                .iter()
                .filter(|f| !reply.farms.iter().any(|h| h.id == f.id))
                .collect();
            for hub_farm in &reply.farms {
                if let Some(pos) = unmatched.iter().position(|f| f.name == hub_farm.name) {
                    repoint_farm(tx, unmatched.remove(pos).id, hub_farm, now)?;
                } else {
                    farms::adopt(tx, hub_farm.id, &hub_farm.name, now)?;
                }
            }
            if let ([only_local], [only_hub]) = (unmatched.as_slice(), reply.farms.as_slice()) {
                if reply.role == Role::Farmer {
                    repoint_farm(tx, only_local.id, only_hub, now)?;
                }
            }
            Ok(())
        })?;
        Ok(Enrolment {
            hub_url,
            role: reply.role,
            farms: reply.farms,
        })
    }
}
