//! The dispatch manifest for loading the trucks (issue 15): the orders
//! still to ship, grouped by route (destination city and carrier) and by
//! the local day they must ship by, as CSV for the carrier and as a
//! printable page with one label per order — the order id as a QR code,
//! the destination city, the non-contact flag, and space for tracking.
//! Built offline from the synced orders.

use crate::error::Result;
use crate::{Core, Order, OrderFilter};
use farmlive_protocol::cities::city;
use farmlive_protocol::{Delivery, Lang};

/// `day` (days since 1970-01-01) as `YYYY-MM-DD` (the protocol's calendar).
pub use farmlive_protocol::calendar::civil_date;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

const DAY_MS: i64 = 86_400_000;
/// The group of orders whose buyer named no city (free-text address).
pub const NO_ROUTE: &str = "-";

/// Which orders to put on the manifest.
#[derive(Debug, Clone, Default)]
pub struct ManifestFilter {
    /// Only orders to this city (id, Chinese name or pinyin).
    pub city: Option<String>,
    /// Only orders to ship by this local day (days since 1970-01-01).
    pub day: Option<i64>,
    /// The farm's offset from UTC, in minutes, for its days.
    pub utc_offset_minutes: i32,
}

/// One order on the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestLine {
    /// The order's id (its label's QR code).
    pub order: String,
    /// What, and how many.
    pub title: String,
    /// Units.
    pub quantity: i64,
    /// The unit's code.
    pub unit: String,
    /// Leave at the door, with a photo.
    pub non_contact: bool,
    /// The buyer's name and address (personal data: the label needs it).
    pub recipient: String,
    /// Where to.
    pub address: String,
    /// Must ship by (UTC ms).
    pub ship_by: i64,
}

/// The orders of one route and day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestGroup {
    /// The destination city's id, or [`NO_ROUTE`].
    pub city: String,
    /// The carrier ("" without a route).
    pub carrier: String,
    /// The local day they ship by (days since 1970-01-01).
    pub day: i64,
    /// Its orders, oldest ship-by first.
    pub lines: Vec<ManifestLine>,
}

/// A dispatch manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// Its groups, by day, then city.
    pub groups: Vec<ManifestGroup>,
}

impl Manifest {
    /// Every order on it.
    pub fn len(&self) -> usize {
        self.groups.iter().map(|g| g.lines.len()).sum()
    }

    /// True with no order.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One row per order, for the carrier's system.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "day,city,carrier,order,title,quantity,unit,non_contact,recipient,address,tracking\n",
        );
        for g in &self.groups {
            for l in &g.lines {
                let fields = [
                    civil_date(g.day),
                    g.city.clone(),
                    g.carrier.clone(),
                    l.order.clone(),
                    l.title.clone(),
                    l.quantity.to_string(),
                    l.unit.clone(),
                    l.non_contact.to_string(),
                    l.recipient.clone(),
                    l.address.clone(),
                    String::new(),
                ];
                let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                out.push_str(&row.join(","));
                out.push('\n');
            }
        }
        out
    }

    /// A printable page (HTML, A4, labels in a grid, one per order), in
    /// `lang`.
    pub fn to_html(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let mut out = String::from(
            "<!doctype html><meta charset=utf-8><title>FarmLive manifest</title><style>\
             @page{size:A4;margin:10mm}body{font-family:sans-serif}\
             .labels{display:grid;grid-template-columns:1fr 1fr;gap:4mm}\
             .label{border:1px solid #000;padding:3mm;break-inside:avoid;display:flex;gap:3mm}\
             .label svg{width:30mm;height:30mm;flex:none}.city{font-size:18pt;font-weight:bold}\
             .nc{font-weight:bold;border:2px solid #000;padding:0 2mm}\
             .track{margin-top:2mm;border-bottom:1px solid #000;height:8mm}h2{break-before:auto}\
             </style>",
        );
        for g in &self.groups {
            let city_name = city(&g.city).map_or(g.city.as_str(), |c| c.name(lang));
            let _ = write!(
                out,
                "<h2>{} · {} · {} ({})</h2><div class=labels>",
                html(&civil_date(g.day)),
                html(city_name),
                html(&g.carrier),
                g.lines.len()
            );
            for l in &g.lines {
                let _ = write!(
                    out,
                    "<div class=label>{}<div><div class=city>{}</div><div>{} × {} {}</div>\
                     <div>{}<br>{}</div>{}<div>{}</div><div class=track></div></div></div>",
                    qr_svg(&l.order),
                    html(city_name),
                    html(&l.title),
                    l.quantity,
                    html(&l.unit),
                    html(&l.recipient),
                    html(&l.address),
                    if l.non_contact {
                        format!(
                            "<div><span class=nc>{}</span></div>",
                            if zh { "无接触配送" } else { "NON-CONTACT" }
                        )
                    } else {
                        String::new()
                    },
                    if zh { "运单号：" } else { "Tracking:" },
                );
            }
            out.push_str("</div>");
        }
        out
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `text` as a QR code's modules (error correction M) and their width.
///
/// One fixed mask pattern, not the best of eight: the search for the mask
/// with the lowest penalty (what `QrCode::new` does) is 98% of the cost of a
/// code (750 µs of 765 in a debug build) and made 2,000 labels take seconds;
/// any of the eight masks reads back, as the label test checks with a real
/// decoder, and a printed label at 30 mm is far from the marginal case the
/// penalty guards against.
fn qr_modules(text: &str) -> Option<(usize, Vec<qrcode::Color>)> {
    use qrcode::canvas::{Canvas, MaskPattern};
    let ec_level = qrcode::EcLevel::M;
    let bits = qrcode::bits::encode_auto(text.as_bytes(), ec_level).ok()?;
    let version = bits.version();
    let data = bits.into_bytes();
    let (encoded, ec) = qrcode::ec::construct_codewords(&data, version, ec_level).ok()?;
    let mut canvas = Canvas::new(version, ec_level);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&encoded, &ec);
    canvas.apply_mask(MaskPattern::Checkerboard);
    Some((usize::try_from(version.width()).ok()?, canvas.into_colors()))
}

/// `text` as a QR code in SVG (one path of dark modules, quiet zone of 4).
fn qr_svg(text: &str) -> String {
    let Some((width, colors)) = qr_modules(text) else {
        return String::new();
    };
    // One rectangle per horizontal run of dark modules: a third of the
    // path of one square per module.
    let mut path = String::new();
    for (y, row) in colors.chunks(width).enumerate() {
        let mut x = 0;
        while x < width {
            if row[x] != qrcode::Color::Dark {
                x += 1;
                continue;
            }
            let run = row[x..]
                .iter()
                .take_while(|c| **c == qrcode::Color::Dark)
                .count();
            let _ = write!(path, "M{} {}h{run}v1h-{run}z", x + 4, y + 4);
            x += run;
        }
    }
    let size = width + 8;
    format!(
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {size} {size}' shape-rendering='crispEdges'>\
         <rect width='{size}' height='{size}' fill='#fff'/><path d='{path}' fill='#000'/></svg>"
    )
}

/// Groups `orders` (those still to ship) into a manifest.
pub fn build(orders: &[Order], filter: &ManifestFilter) -> Manifest {
    let want_city = filter
        .city
        .as_deref()
        .map(|c| farmlive_protocol::cities::find_city(c).map_or(c.to_owned(), |c| c.id.to_owned()));
    let offset = i64::from(filter.utc_offset_minutes) * 60_000;
    let mut groups: BTreeMap<(i64, String, String), Vec<ManifestLine>> = BTreeMap::new();
    for o in orders {
        let s = &o.state;
        if !s.status.awaits_shipping() {
            continue;
        }
        let (city, carrier) = match &s.route {
            Some(r) => (r.city.clone(), r.carrier.clone()),
            None => (NO_ROUTE.to_owned(), String::new()),
        };
        if want_city.as_ref().is_some_and(|w| *w != city) {
            continue;
        }
        let day = (o.ship_by + offset).div_euclid(DAY_MS);
        if filter.day.is_some_and(|d| d != day) {
            continue;
        }
        groups
            .entry((day, city, carrier))
            .or_default()
            .push(ManifestLine {
                order: s.id.to_string(),
                title: s.title.clone(),
                quantity: s.quantity,
                unit: s.unit.as_str().to_owned(),
                non_contact: s.delivery == Delivery::NonContact,
                recipient: format!("{} {}", s.contact.name, s.contact.phone),
                address: s.contact.address.clone(),
                ship_by: o.ship_by,
            });
    }
    Manifest {
        groups: groups
            .into_iter()
            .map(|((day, city, carrier), mut lines)| {
                lines.sort_by(|a, b| (a.ship_by, &a.order).cmp(&(b.ship_by, &b.order)));
                ManifestGroup {
                    city,
                    carrier,
                    day,
                    lines,
                }
            })
            .collect(),
    }
}

impl Core {
    /// The dispatch manifest of the orders still to ship, offline.
    pub fn manifest(&self, filter: &ManifestFilter) -> Result<Manifest> {
        let orders = self.orders(&OrderFilter::default())?;
        Ok(build(&orders, filter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dark modules an SVG of [`qr_svg`] draws, as a luma image.
    fn rasterise(svg: &str) -> (usize, Vec<u8>) {
        let size: usize = svg
            .split("viewBox='0 0 ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        const SCALE: usize = 4;
        let side = size * SCALE;
        let mut pixels = vec![255u8; side * side];
        let path = svg.split("d='").nth(1).unwrap().split('\'').next().unwrap();
        for cell in path.split('M').filter(|c| !c.is_empty()) {
            // "X Yh{run}v1h-{run}z": a run of dark modules.
            let (xy, rest) = cell.split_once('h').unwrap();
            let run: usize = rest.split('v').next().unwrap().parse().unwrap();
            let (x, y) = xy.split_once(' ').unwrap();
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            for dy in 0..SCALE {
                for dx in 0..SCALE * run {
                    pixels[(y * SCALE + dy) * side + x * SCALE + dx] = 0;
                }
            }
        }
        (side, pixels)
    }

    #[test]
    fn a_label_s_qr_code_reads_back_as_the_order_id() {
        // The fixed mask reads back whatever the id (fresh ids, and one
        // much longer than an order id).
        let ids: Vec<String> = std::iter::once("01a230de-2896-760c-b2bf-c45677721e05".to_owned())
            .chain((0..20).map(|_| farmlive_protocol::OrderId::new().to_string()))
            .chain(std::iter::once("x".repeat(120)))
            .collect();
        for id in &ids {
            let (side, pixels) = rasterise(&qr_svg(id));
            let mut img = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
                pixels[y * side + x]
            });
            let grids = img.detect_grids();
            assert_eq!(grids.len(), 1, "{id}");
            let (_, text) = grids[0].decode().unwrap();
            assert_eq!(&text, id);
        }
    }

    #[test]
    fn csv_fields_and_html_are_escaped_and_days_are_civil_dates() {
        assert_eq!(csv_field("Li, \"Orchard\""), "\"Li, \"\"Orchard\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(html("<b>&"), "&lt;b&gt;&amp;");
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_789), "2026-12-02");
    }
}
