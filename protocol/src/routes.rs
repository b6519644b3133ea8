//! Delivery routes and the promise a buyer sees before ordering: a route
//! runs from a farm's origin city to a destination city with a carrier and
//! a transit time; the promised delivery date is the 72-hour ship-by
//! ([`crate::order::ship_by`]) plus the route's transit days. A city with
//! no route from the farm is refused, naming the nearest cities the farm
//! does serve. Routes come to the hub as CSV (`farmlive hub routes import`):
//! the format and its checks are here, so a bad file is refused with the
//! line and the reason before anything is stored.

use crate::cities::{City, find_city};
use crate::{Lang, Message, MsgCode, UnixMillis};

/// Longest carrier name, in characters.
pub const CARRIER_MAX_CHARS: usize = 64;
/// Most days a route may take (a truck across China takes under a week).
pub const TRANSIT_DAYS_MAX: u32 = 14;
/// How many served cities an unserved buyer is offered.
pub const NEAREST_OFFERED: usize = 3;
/// The CSV header `farmlive hub routes import` takes.
pub const CSV_HEADER: &str = "origin,destination,carrier,transit_days";
const DAY_MS: i64 = 86_400_000;

/// A dedicated route from an origin city to a destination city.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The origin city's id (a farm's origin).
    pub origin: &'static str,
    /// The destination city's id.
    pub destination: &'static str,
    /// Who carries it (e.g. `SF Express cold chain`).
    pub carrier: String,
    /// Days on the road after shipping.
    pub transit_days: u32,
}

/// When an order placed at `placed_at` on a route of `transit_days` is
/// promised to arrive: the ship-by (72 h) plus the transit.
pub fn promised_delivery(placed_at: UnixMillis, transit_days: u32) -> UnixMillis {
    crate::order::ship_by(placed_at).saturating_add(i64::from(transit_days) * DAY_MS)
}

/// A destination no route from the farm reaches.
#[derive(Debug, Clone, PartialEq)]
pub struct Unserved {
    /// The city asked for.
    pub destination: &'static City,
    /// The served cities nearest to it, nearest first (at most
    /// [`NEAREST_OFFERED`]; none if the farm serves no city at all).
    pub nearest: Vec<&'static City>,
}

impl Unserved {
    /// What the buyer is told, city names in `lang` (Chinese names, or
    /// pinyin).
    pub fn message(&self, lang: Lang) -> Message {
        let city = self.destination.name(lang);
        if self.nearest.is_empty() {
            return Message::new(MsgCode::RouteNoneFromFarm).arg("city", city);
        }
        let names: Vec<&str> = self.nearest.iter().map(|c| c.name(lang)).collect();
        let nearest = names.join(if lang == Lang::Zh { "、" } else { ", " });
        Message::new(MsgCode::RouteUnserved)
            .arg("city", city)
            .arg("nearest", nearest)
    }
}

/// The route from `origin` to `destination` among `routes`, or the nearest
/// cities served from `origin`.
pub fn choose<'a>(
    routes: &'a [Route],
    origin: &str,
    destination: &'static City,
) -> Result<&'a Route, Unserved> {
    let from_origin: Vec<&Route> = routes.iter().filter(|r| r.origin == origin).collect();
    if let Some(r) = from_origin.iter().find(|r| r.destination == destination.id) {
        return Ok(r);
    }
    let mut served: Vec<&'static City> = from_origin
        .iter()
        .filter_map(|r| crate::cities::city(r.destination))
        .collect();
    served.sort_by(|a, b| destination.km_to(a).total_cmp(&destination.km_to(b)));
    served.dedup_by_key(|c| c.id);
    served.truncate(NEAREST_OFFERED);
    Err(Unserved {
        destination,
        nearest: served,
    })
}

/// A line of a routes file that cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct RouteLineError {
    /// The line's number (1 is the header).
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

/// Reads a routes file: the header [`CSV_HEADER`], then one route a line
/// (cities by id, Chinese name or pinyin). Every bad line is reported, not
/// only the first; a route given twice is refused (which one is meant?).
pub fn parse_csv(text: &str) -> Result<Vec<Route>, Vec<RouteLineError>> {
    let mut errors = Vec::new();
    let mut routes: Vec<Route> = Vec::new();
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
    let header = lines
        .by_ref()
        .find(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    match header {
        Some((_, h)) if h.replace(' ', "").eq_ignore_ascii_case(CSV_HEADER) => {}
        Some((n, h)) => errors.push(RouteLineError {
            line: n,
            reason: format!("the header must be {CSV_HEADER:?}, not {h:?}"),
        }),
        None => errors.push(RouteLineError {
            line: 1,
            reason: format!("the file is empty: it needs the header {CSV_HEADER:?} and routes"),
        }),
    }
    for (n, line) in lines {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(line) {
            Ok(route) => {
                if routes
                    .iter()
                    .any(|r| r.origin == route.origin && r.destination == route.destination)
                {
                    errors.push(RouteLineError {
                        line: n,
                        reason: format!("{} to {} is given twice", route.origin, route.destination),
                    });
                } else {
                    routes.push(route);
                }
            }
            Err(reason) => errors.push(RouteLineError { line: n, reason }),
        }
    }
    if errors.is_empty() {
        Ok(routes)
    } else {
        Err(errors)
    }
}

fn parse_line(line: &str) -> Result<Route, String> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    let [origin, destination, carrier, days] = fields[..] else {
        return Err(format!(
            "expected 4 fields ({CSV_HEADER}), found {}",
            fields.len()
        ));
    };
    let city = |name: &str| {
        find_city(name).ok_or_else(|| {
            format!("{name:?} is not a city FarmLive knows (farmlive hub routes cities lists them)")
        })
    };
    let (origin, destination) = (city(origin)?, city(destination)?);
    if origin.id == destination.id {
        return Err(format!("{} to itself is not a route", origin.id));
    }
    if carrier.is_empty() || carrier.chars().count() > CARRIER_MAX_CHARS {
        return Err(format!(
            "the carrier must be 1 to {CARRIER_MAX_CHARS} characters"
        ));
    }
    let transit_days: u32 = days
        .parse()
        .ok()
        .filter(|d| (1..=TRANSIT_DAYS_MAX).contains(d))
        .ok_or_else(|| format!("transit_days must be 1 to {TRANSIT_DAYS_MAX}, not {days:?}"))?;
    Ok(Route {
        origin: origin.id,
        destination: destination.id,
        carrier: carrier.to_owned(),
        transit_days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cities::city;

    const HAINAN: &str = "# Hainan's trucks\n\
        origin,destination,carrier,transit_days\n\
        haikou,北京,Hainan Cold Chain,3\n\
        Haikou,Shanghai,Hainan Cold Chain,2\n\
        haikou,guangzhou,SF Express,1\n";

    #[test]
    fn a_routes_file_reads_cities_by_any_name() {
        let routes = parse_csv(HAINAN).unwrap();
        assert_eq!(routes.len(), 3);
        assert_eq!(routes[0].destination, "beijing");
        assert_eq!((routes[1].origin, routes[1].transit_days), ("haikou", 2));
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let bad = "origin,destination,carrier,transit_days\n\
            haikou,Atlantis,X,2\n\
            haikou,beijing,,2\n\
            haikou,beijing,X,30\n\
            haikou,shanghai,X,2\n\
            haikou,上海,Y,3\n\
            haikou,haikou,X,1\n\
            haikou,beijing\n";
        let errors = parse_csv(bad).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4, 6, 7, 8], "{errors:?}");
        assert!(errors[0].reason.contains("Atlantis"));
        assert!(errors[3].reason.contains("twice"));
        assert!(parse_csv("from,to\nhaikou,beijing,X,1").is_err());
        assert!(parse_csv("").is_err());
    }

    #[test]
    fn a_served_city_gets_its_route_and_the_promise_adds_transit_to_ship_by() {
        let routes = parse_csv(HAINAN).unwrap();
        let r = choose(&routes, "haikou", city("beijing").unwrap()).unwrap();
        assert_eq!(r.transit_days, 3);
        let placed = 1_000;
        assert_eq!(
            promised_delivery(placed, r.transit_days),
            placed + 72 * 3_600_000 + 3 * DAY_MS,
            "ship within 72 h, then three days on the road"
        );
    }

    #[test]
    fn an_unserved_city_is_told_the_nearest_served_ones() {
        let routes = parse_csv(HAINAN).unwrap();
        let tianjin = city("tianjin").unwrap();
        let no = choose(&routes, "haikou", tianjin).unwrap_err();
        let ids: Vec<&str> = no.nearest.iter().map(|c| c.id).collect();
        assert_eq!(ids, ["beijing", "shanghai", "guangzhou"], "nearest first");
        let zh = no.message(Lang::Zh).render(Lang::Zh);
        assert!(zh.contains("天津") && zh.contains("北京"), "{zh}");
        let en = no.message(Lang::En).render(Lang::En);
        assert!(en.contains("Tianjin") && en.contains("Beijing"), "{en}");
        let none = choose(&routes, "sanya", tianjin).unwrap_err();
        assert!(none.nearest.is_empty());
        assert!(none.message(Lang::En).render(Lang::En).contains("Tianjin"));
    }
}
