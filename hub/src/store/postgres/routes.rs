//! Delivery routes and farms' origins (the one writer of `routes` and
//! `farm_origins`); the rules in `store/rules/routes.rs`.

use super::backend::PgStore;
use super::now_ms;
use super::pool::Conn;
use crate::error::{HubError, Result};
use crate::store::rules::routes::{FarmRoutes, stored_route};
use farmlive_protocol::FarmId;
use farmlive_protocol::cities::city;
use farmlive_protocol::routes::Route;

/// `farm`'s origin and the routes from it.
pub(super) fn farm_routes(conn: &Conn<'_>, farm: FarmId) -> Result<FarmRoutes> {
    let origin: Option<String> = conn
        .query_opt(
            "SELECT city FROM farm_origins WHERE farm_id = $1",
            &[&farm.to_string()],
        )?
        .map(|r| r.get(0));
    let Some(origin) = origin.as_deref().and_then(city) else {
        return Ok(FarmRoutes::default());
    };
    let routes = conn
        .query(
            "SELECT origin, destination, carrier, transit_days::BIGINT FROM routes WHERE origin = $1",
            &[&origin.id],
        )?
        .into_iter()
        .filter_map(|r| stored_route(r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    Ok(FarmRoutes {
        origin: Some(origin.id),
        routes,
    })
}

impl PgStore {
    /// Adds `routes`, replacing those with the same origin and destination.
    pub(super) fn import_all_routes(&self, routes: &[Route]) -> Result<usize> {
        let now = now_ms();
        self.pool.get()?.transaction("BEGIN", |conn| {
            for r in routes {
                conn.execute(
                    "INSERT INTO routes (origin, destination, carrier, transit_days, updated_at)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (origin, destination) DO UPDATE
                     SET carrier = EXCLUDED.carrier, transit_days = EXCLUDED.transit_days,
                         updated_at = EXCLUDED.updated_at",
                    &[
                        &r.origin,
                        &r.destination,
                        &r.carrier,
                        &i32::try_from(r.transit_days).unwrap_or(i32::MAX),
                        &now,
                    ],
                )?;
            }
            Ok(routes.len())
        })
    }

    /// Every route, by origin then destination.
    pub(super) fn every_route(&self) -> Result<Vec<Route>> {
        Ok(self
            .pool
            .get()?
            .query(
                "SELECT origin, destination, carrier, transit_days::BIGINT FROM routes
                 ORDER BY origin, destination",
                &[],
            )?
            .into_iter()
            .filter_map(|r| stored_route(r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect())
    }

    /// Sets `farm`'s origin to the city `origin` (an id).
    pub(super) fn set_farm_origin_city(&self, farm: FarmId, origin: &'static str) -> Result<()> {
        self.pool.get()?.execute(
            "INSERT INTO farm_origins (farm_id, city, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (farm_id) DO UPDATE SET city = EXCLUDED.city, updated_at = EXCLUDED.updated_at",
            &[&farm.to_string(), &origin, &now_ms()],
        )?;
        Ok(())
    }

    /// Each farm with an origin: its name and the origin's id.
    pub(super) fn farm_origin_list(&self) -> Result<Vec<(String, String)>> {
        Ok(self
            .pool
            .get()?
            .query(
                "SELECT f.name, o.city FROM farm_origins o JOIN farms f ON f.id = o.farm_id
                 ORDER BY f.name",
                &[],
            )?
            .into_iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    /// `farm`'s origin and routes, for a quote.
    pub(super) fn routes_of_farm(&self, farm: FarmId) -> Result<FarmRoutes> {
        farm_routes(&self.pool.get()?, farm)
    }

    /// The farm named `name`, which must exist.
    pub(super) fn existing_farm(&self, name: &str) -> Result<FarmId> {
        let id: String = self
            .pool
            .get()?
            .query_opt("SELECT id FROM farms WHERE name = $1", &[&name.trim()])?
            .ok_or(HubError::NotFound("no farm of that name"))?
            .get(0);
        id.parse()
            .map_err(|_| HubError::Internal("bad farm id".into()))
    }
}
