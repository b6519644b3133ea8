//! The pages' templates (hub/templates/, HTML-escaped by askama) and the
//! plain values they show, made from the store's types. Everything a farmer
//! or buyer typed reaches a page only through these fields, so it is
//! escaped; templates wrap it in `<bdi>` so right-to-left text cannot
//! reorder the page around it.

use super::assets;
use super::i18n::{Lang, Strings};
use askama::Template;
use farmlive_protocol::api::{PublicListing, blobs, pages};
use farmlive_protocol::{Delivery, Money, OrderState, OrderStatus, UnixMillis};

/// What every page shows around its content.
pub struct Chrome {
    /// The words.
    pub t: &'static Strings,
    /// `<html lang>`.
    pub lang_tag: &'static str,
    /// The stylesheet's address.
    pub css: String,
    /// The home page.
    pub home: &'static str,
    /// The language switch's link (back to this page).
    pub switch_href: String,
    /// The language it switches to.
    pub switch_lang: &'static str,
    /// This page's path.
    pub here: String,
}

impl Chrome {
    /// The frame for a page at `here` (a path) in `lang`.
    pub fn new(lang: Lang, here: &str) -> Chrome {
        let other = lang.other();
        Chrome {
            t: lang.strings(),
            lang_tag: lang.tag(),
            css: assets::url("app.css"),
            home: pages::HOME.path,
            switch_href: format!(
                "{}?back={}",
                pages::LANG.path_for(other.code()),
                query_escape(here)
            ),
            switch_lang: other.tag(),
            here: here.to_owned(),
        }
    }
}

/// `s` for a query string: unreserved characters stay, the rest is %XX.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A price as buyers read it: `¥12.50` for yuan, else `12.50 USD`.
pub fn price(m: Money) -> String {
    match m.currency.code() {
        "CNY" => format!("¥{}", m.amount_string()),
        _ => m.to_string(),
    }
}

/// The address of a listing's first photo as cards show it, if it has
/// one: its thumbnail (a few tens of kilobytes, where the listing-size image
/// weighs hundreds), or the listing-size image if none is listed.
pub fn photo(l: &PublicListing) -> Option<String> {
    let thumb = l.thumbnails.first().map(|t| t.sha256.as_str());
    thumb
        .or_else(|| l.photos.first().map(String::as_str))
        .map(|sha| blobs::GET.path_for(sha))
}

/// A room on the home page.
pub struct RoomCard {
    /// Its page.
    pub href: String,
    /// Title.
    pub title: String,
    /// Farm name.
    pub farm: String,
    /// Viewers now.
    pub viewers: u32,
}

/// A listing on the home page.
pub struct ListingCard {
    /// Its id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Farm name.
    pub farm: String,
    /// Price per unit.
    pub price: String,
    /// Unit name.
    pub unit: &'static str,
    /// Units in stock.
    pub stock: i64,
    /// First photo's thumbnail's address.
    pub photo: Option<String>,
}

impl ListingCard {
    /// The card of `l` in `lang`.
    pub fn new(l: &PublicListing, lang: Lang) -> Self {
        ListingCard {
            id: l.id.to_string(),
            title: l.title.clone(),
            farm: l.farm.name.clone(),
            price: price(l.price),
            unit: lang.unit(l.unit),
            stock: l.stock,
            photo: photo(l),
        }
    }
}

/// `/`.
#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    /// Frame.
    pub c: Chrome,
    /// Live rooms.
    pub rooms: Vec<RoomCard>,
    /// Active listings.
    pub listings: Vec<ListingCard>,
}

/// The pinned product on a room page.
pub struct PinnedCard {
    /// Listing id.
    pub id: String,
    /// Title.
    pub title: String,
    /// The price now (live while pinned).
    pub price: String,
    /// The usual price, when a live price differs from it.
    pub usual: Option<String>,
    /// Unit name.
    pub unit: &'static str,
    /// Photo.
    pub photo: Option<String>,
}

/// A listing of the room's shelf, in the order form.
pub struct ShelfItem {
    /// Listing id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Price now.
    pub price: String,
    /// Unit name.
    pub unit: &'static str,
    /// Chosen in the form.
    pub selected: bool,
}

/// What the order form held, to show again after an error.
#[derive(Debug, Default, Clone)]
pub struct OrderFormValues {
    /// Quantity.
    pub quantity: i64,
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// Address.
    pub address: String,
    /// Non-contact delivery.
    pub non_contact: bool,
    /// The destination city's id, when the farm delivers over routes.
    pub city: String,
}

/// A destination city the room's farm serves, as the order form offers it.
pub struct CityChoice {
    /// The city's id.
    pub id: String,
    /// `北京 · 预计送达 2026-12-06` / `Beijing · arrives by 2026-12-06`.
    pub label: String,
    /// Chosen in the form.
    pub selected: bool,
}

impl CityChoice {
    /// The choices of `quotes` in `lang`, `chosen` selected (else the first).
    pub fn all(
        quotes: &[farmlive_protocol::api::DeliveryQuote],
        lang: Lang,
        chosen: &str,
    ) -> Vec<CityChoice> {
        let t = lang.strings();
        let chosen = if quotes.iter().any(|q| q.city == chosen) {
            chosen
        } else {
            quotes.first().map_or("", |q| q.city.as_str())
        };
        quotes
            .iter()
            .filter_map(|q| {
                let city = farmlive_protocol::cities::city(&q.city)?;
                Some(CityChoice {
                    id: q.city.clone(),
                    label: format!(
                        "{} · {} {}",
                        city.name(lang.protocol()),
                        t.arrives_by,
                        beijing_day(q.promised_by)
                    ),
                    selected: q.city == chosen,
                })
            })
            .collect()
    }
}

/// A comment as the room page lists it.
pub struct CommentLine {
    /// The buyer's display name.
    pub author: String,
    /// The comment.
    pub text: String,
}

/// An order as the room's ticker lists it.
pub struct TickerLine {
    /// The buyer's display name.
    pub buyer: String,
    /// Units.
    pub quantity: i64,
    /// Listing title.
    pub title: String,
    /// Unit price paid.
    pub price: String,
}

/// `/r/{room}`.
#[derive(Template)]
#[template(path = "room.html")]
pub struct RoomPage {
    /// Frame.
    pub c: Chrome,
    /// The page script's address.
    pub js: String,
    /// The player script's address.
    pub player_js: String,
    /// mpegts.js's address (HTTP-FLV through MSE), if the hub has it.
    pub mpegts_js: Option<String>,
    /// hls.js's address (an ES module), if the hub has it.
    pub hls_js: Option<String>,
    /// Room id.
    pub room_id: String,
    /// Title.
    pub title: String,
    /// Farm name.
    pub farm: String,
    /// On air.
    pub live: bool,
    /// Viewers now.
    pub viewers: u32,
    /// Where the video is.
    pub player: super::media::PlayerSources,
    /// The pinned product.
    pub pinned: Option<PinnedCard>,
    /// The shelf.
    pub shelf: Vec<ShelfItem>,
    /// The browser holds a guest buyer.
    pub guest: bool,
    /// A message about the last form post.
    pub error: Option<String>,
    /// The order form's address.
    pub order_action: String,
    /// The comment form's address.
    pub comment_action: String,
    /// The forget-guest form's address.
    pub forget_action: &'static str,
    /// The page's event stream.
    pub events_url: String,
    /// The room's public event stream (the script follows it when the
    /// browser holds no guest buyer).
    pub public_events_url: String,
    /// A fresh key, so a form posted twice orders once.
    pub idempotency_key: String,
    /// Recent comments, newest first.
    pub comments: Vec<CommentLine>,
    /// Recent orders, newest first.
    pub ticker: Vec<TickerLine>,
    /// The last event the page shows: the script follows from here.
    pub last_event: u64,
    /// The form's values.
    pub form: OrderFormValues,
    /// The cities the farm delivers to (none: an address alone).
    pub cities: Vec<CityChoice>,
}

/// `/o/{order}`.
#[derive(Template)]
#[template(path = "order.html")]
pub struct OrderPage {
    /// Frame.
    pub c: Chrome,
    /// A success note.
    pub notice: Option<&'static str>,
    /// A message about the last form post.
    pub error: Option<String>,
    /// Listing title when ordered.
    pub title: String,
    /// Status in words.
    pub status: &'static str,
    /// Status wire name (for styling).
    pub status_code: &'static str,
    /// Units.
    pub quantity: i64,
    /// Unit name.
    pub unit: &'static str,
    /// Unit price.
    pub unit_price: String,
    /// Total.
    pub total: String,
    /// Delivery in words.
    pub delivery: &'static str,
    /// Still to ship.
    pub awaits_shipping: bool,
    /// Ship-by, readable, in Beijing time with the zone named.
    pub ship_by: String,
    /// Ship-by, readable, in UTC (the element's title, for buyers abroad).
    pub ship_by_utc: String,
    /// Ship-by, ISO 8601.
    pub ship_by_iso: String,
    /// The destination city and the promised delivery day (Beijing time),
    /// when ordered to a city over a route.
    pub route: Option<(&'static str, String)>,
    /// Carrier and tracking number, once shipped.
    pub shipment: Option<(String, String)>,
    /// Why it was cancelled.
    pub cancelled_reason: Option<String>,
    /// Cancelling is allowed now (the order state machine says).
    pub can_cancel: bool,
    /// The cancel form's address.
    pub cancel_action: String,
    /// The delivery photo's address (for this browser's guest only), once
    /// delivered with one.
    pub delivery_photo: Option<String>,
}

impl OrderPage {
    /// The page for `o` in `lang`.
    pub fn new(
        c: Chrome,
        lang: Lang,
        o: &OrderState,
        notice: Option<&'static str>,
        error: Option<String>,
    ) -> Self {
        let t = c.t;
        let status_index = OrderStatus::ALL
            .iter()
            .position(|s| *s == o.status)
            .unwrap_or(0);
        let can_cancel = o
            .status
            .apply(&farmlive_protocol::order::OrderAction::Cancel {
                by: farmlive_protocol::order::CancelledBy::Buyer,
                reason: t.cancel_reason.to_owned(),
            })
            .is_ok();
        OrderPage {
            notice,
            error,
            title: o.title.clone(),
            status: t.statuses[status_index],
            status_code: o.status.as_str(),
            quantity: o.quantity,
            unit: lang.unit(o.unit),
            unit_price: price(o.unit_price),
            total: price(o.total),
            delivery: match o.delivery {
                Delivery::Standard => t.deliveries[0],
                Delivery::NonContact => t.deliveries[1],
            },
            awaits_shipping: o.status.awaits_shipping(),
            ship_by: beijing_minutes(o.ship_by(), t.zone),
            ship_by_utc: utc_minutes(o.ship_by()),
            ship_by_iso: iso(o.ship_by()),
            route: o.route.as_ref().and_then(|r| {
                let city = farmlive_protocol::cities::city(&r.city)?;
                Some((city.name(lang.protocol()), beijing_day(r.promised_by)))
            }),
            shipment: o
                .shipment
                .as_ref()
                .map(|s| (s.carrier.clone(), s.tracking.clone())),
            cancelled_reason: o.cancellation.as_ref().map(|c| c.reason.clone()),
            can_cancel,
            cancel_action: pages::ORDER_CANCEL.path_for(o.id),
            delivery_photo: o
                .delivery_photo
                .as_ref()
                .map(|_| pages::ORDER_PHOTO.path_for(o.id)),
            c,
        }
    }
}

/// An error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// Frame.
    pub c: Chrome,
    /// What went wrong, for people.
    pub message: String,
}

fn parts(ms: UnixMillis) -> (i64, u32, u32, i64, i64) {
    let secs = ms.div_euclid(1000);
    let (y, m, d) = farmlive_protocol::calendar::civil(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    (y, m, d, sod / 3600, sod % 3600 / 60)
}

/// `2026-12-04 11:40 UTC`.
pub fn utc_minutes(ms: UnixMillis) -> String {
    let (y, m, d, h, min) = parts(ms);
    format!("{y:04}-{m:02}-{d:02} {h:02}:{min:02} UTC")
}

/// `2026-12-04 19:40 北京时间`: the minute in Beijing time, then `zone`,
/// the zone's name in the page's language.
pub fn beijing_minutes(ms: UnixMillis, zone: &str) -> String {
    format!("{} {zone}", farmlive_protocol::calendar::china_minutes(ms))
}

/// `2026-12-04`: the day in Beijing time.
pub fn beijing_day(ms: UnixMillis) -> String {
    farmlive_protocol::calendar::china_date(ms)
}

/// `2026-12-04T11:40Z`.
fn iso(ms: UnixMillis) -> String {
    let (y, m, d, h, min) = parts(ms);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(utc_minutes(0), "1970-01-01 00:00 UTC");
        // 2024-02-29 12:34 UTC, a leap day.
        assert_eq!(utc_minutes(1_709_210_040_000), "2024-02-29 12:34 UTC");
        assert_eq!(iso(1_709_210_040_000), "2024-02-29T12:34Z");
    }

    #[test]
    fn order_times_read_in_beijing_time_across_the_date_line() {
        // 2024-02-29 12:34 UTC is 20:34 in Beijing; 20:00 UTC is the next
        // day there, and the last evening of February rolls into March.
        assert_eq!(
            beijing_minutes(1_709_210_040_000, "北京时间"),
            "2024-02-29 20:34 北京时间"
        );
        assert_eq!(
            beijing_minutes(1_709_236_800_000, "Beijing time"),
            "2024-03-01 04:00 Beijing time"
        );
    }

    #[test]
    fn the_switch_link_keeps_the_page() {
        let c = Chrome::new(Lang::En, "/r/a b");
        assert_eq!(c.switch_href, "/lang/zh?back=/r/a%20b");
    }
}
