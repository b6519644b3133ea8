//! Delivery routes and farms' origins (the one writer of `routes` and
//! `farm_origins`); the rules in `store/rules/routes.rs`.

use super::{Store, now_ms};
use crate::error::{HubError, Result};
use crate::store::rules::routes::{FarmRoutes, stored_route};
use farmlive_protocol::FarmId;
use farmlive_protocol::cities::city;
use farmlive_protocol::routes::Route;
use rusqlite::{Connection, OptionalExtension, params};

/// The routes `sql` selects (origin, destination, carrier, days) with
/// `params`, skipping any whose city is no longer known.
fn routes_of(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<Vec<Route>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt
        .query_map(params, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(o, d, c, t)| stored_route(&o, &d, c, t))
        .collect())
}

/// `farm`'s origin and the routes from it.
pub(super) fn farm_routes(conn: &Connection, farm: FarmId) -> Result<FarmRoutes> {
    let origin: Option<String> = conn
        .prepare_cached("SELECT city FROM farm_origins WHERE farm_id = ?1")?
        .query_row([farm.to_string()], |r| r.get(0))
        .optional()?;
    let Some(origin) = origin.as_deref().and_then(city) else {
        return Ok(FarmRoutes::default());
    };
    let routes = routes_of(
        conn,
        "SELECT origin, destination, carrier, transit_days FROM routes WHERE origin = ?1",
        [origin.id],
    )?;
    Ok(FarmRoutes {
        origin: Some(origin.id),
        routes,
    })
}

impl Store {
    /// Adds `routes`, replacing those with the same origin and destination;
    /// how many were written. One transaction: all or none.
    pub fn import_routes(&self, routes: &[Route]) -> Result<usize> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let now = now_ms();
        for r in routes {
            tx.execute(
                "INSERT OR REPLACE INTO routes (origin, destination, carrier, transit_days, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![r.origin, r.destination, r.carrier, r.transit_days, now],
            )?;
        }
        tx.commit()?;
        Ok(routes.len())
    }

    /// Every route, by origin then destination.
    pub fn all_routes(&self) -> Result<Vec<Route>> {
        routes_of(
            &self.reader(),
            "SELECT origin, destination, carrier, transit_days FROM routes ORDER BY origin, destination",
            [],
        )
    }

    /// Sets the farm named `farm`'s origin to the city `origin` (an id).
    pub fn set_origin(&self, farm: FarmId, origin: &'static str) -> Result<()> {
        self.writer().execute(
            "INSERT OR REPLACE INTO farm_origins (farm_id, city, updated_at) VALUES (?1, ?2, ?3)",
            params![farm.to_string(), origin, now_ms()],
        )?;
        Ok(())
    }

    /// Each farm with an origin: its name and the origin's id.
    pub fn origins(&self) -> Result<Vec<(String, String)>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT f.name, o.city FROM farm_origins o JOIN farms f ON f.id = o.farm_id ORDER BY f.name",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// `farm`'s origin and routes, for a quote.
    pub(super) fn routes_of_farm(&self, farm: FarmId) -> Result<FarmRoutes> {
        farm_routes(&self.reader(), farm)
    }

    /// The farm named `name`, which must exist.
    pub(super) fn existing_farm(&self, name: &str) -> Result<FarmId> {
        let id: Option<String> = self
            .reader()
            .query_row("SELECT id FROM farms WHERE name = ?1", [name.trim()], |r| {
                r.get(0)
            })
            .optional()?;
        id.ok_or(HubError::NotFound("no farm of that name"))?
            .parse()
            .map_err(|_| HubError::Internal("bad farm id".into()))
    }
}
