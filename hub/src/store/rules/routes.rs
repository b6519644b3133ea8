//! Delivery routes as the store applies them (issue 15): the route an
//! order to a city takes and the date it promises, the quote a buyer sees
//! before ordering, and the refusal naming the nearest served cities. The
//! rules themselves (`protocol::routes`) are shared with the devices; the
//! backends only load a farm's origin and routes ([`FarmRoutes`]).

use crate::error::{HubError, Result};
use farmlive_protocol::api::DeliveryQuote;
use farmlive_protocol::cities::{City, city, find_city};
use farmlive_protocol::order::OrderRoute;
use farmlive_protocol::routes::{Route, Unserved, choose, promised_delivery};
use farmlive_protocol::{Lang, UnixMillis};

/// A farm's origin (a city id) and the routes from it.
#[derive(Debug, Clone, Default)]
pub(crate) struct FarmRoutes {
    /// Where its trucks leave from; `None` until the operator sets it.
    pub(crate) origin: Option<&'static str>,
    /// The routes from its origin.
    pub(crate) routes: Vec<Route>,
}

/// A stored route, if both its cities are still known.
pub(crate) fn stored_route(
    origin: &str,
    destination: &str,
    carrier: String,
    transit_days: i64,
) -> Option<Route> {
    Some(Route {
        origin: city(origin)?.id,
        destination: city(destination)?.id,
        carrier,
        transit_days: u32::try_from(transit_days).ok()?,
    })
}

/// The city a buyer named, or a 400 saying it is not one.
pub(crate) fn destination(text: &str) -> Result<&'static City> {
    find_city(text).ok_or_else(|| {
        HubError::bad_request(
            "invalid",
            format!("{:?} is not a city FarmLive delivers to", text.trim()),
        )
    })
}

/// The refusal of an unserved city: English with pinyin, then Chinese, so
/// either reader finds the nearest cities the farm serves.
fn unserved(u: &Unserved) -> HubError {
    HubError::Conflict(
        "unserved_city",
        format!(
            "{} ({})",
            u.message(Lang::En).render(Lang::En),
            u.message(Lang::Zh).render(Lang::Zh)
        ),
    )
}

/// The route of an order to `city` from a farm with `farm`'s routes,
/// placed at `placed_at`, with its promised date; or why not.
pub(crate) fn order_route(
    farm: &FarmRoutes,
    city: &'static City,
    placed_at: UnixMillis,
) -> Result<OrderRoute> {
    let route =
        choose(&farm.routes, farm.origin.unwrap_or_default(), city).map_err(|u| unserved(&u))?;
    Ok(OrderRoute {
        city: city.id.to_owned(),
        carrier: route.carrier.clone(),
        transit_days: route.transit_days,
        promised_by: promised_delivery(placed_at, route.transit_days),
    })
}

/// The quote for ordering `listing` (as stored, if it is) to the city
/// named `city_text` now, with the farm's routes from `load`.
pub(crate) fn quote_for(
    listing: Option<farmlive_protocol::ListingState>,
    city_text: &str,
    load: impl FnOnce(farmlive_protocol::FarmId) -> Result<FarmRoutes>,
    now: UnixMillis,
) -> Result<DeliveryQuote> {
    let city = destination(city_text)?;
    let listing = listing.ok_or(HubError::NotFound("no such listing"))?;
    quote(&load(listing.farm)?, city, now)
}

/// What ordering now to `city` would promise.
pub(crate) fn quote(
    farm: &FarmRoutes,
    city: &'static City,
    now: UnixMillis,
) -> Result<DeliveryQuote> {
    let route = order_route(farm, city, now)?;
    Ok(DeliveryQuote {
        city: route.city,
        carrier: route.carrier,
        transit_days: route.transit_days,
        ship_by: farmlive_protocol::order::ship_by(now),
        promised_by: route.promised_by,
    })
}

/// What ordering now from a farm with `farm`'s routes promises to each
/// city it serves, soonest first (then by city id): the choices a buyer
/// picks a destination from.
pub(crate) fn quotes(farm: &FarmRoutes, now: UnixMillis) -> Vec<DeliveryQuote> {
    let mut quotes: Vec<DeliveryQuote> = farm
        .routes
        .iter()
        .filter(|r| Some(r.origin) == farm.origin)
        .filter_map(|r| quote(farm, city(r.destination)?, now).ok())
        .collect();
    quotes.sort_by(|a, b| (a.promised_by, &a.city).cmp(&(b.promised_by, &b.city)));
    quotes
}
