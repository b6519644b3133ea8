//! A farm's sales from its orders: totals for today, the last seven days
//! and the season, week by week, the best-selling listings, and on-air
//! against off-air sales. Pure: the device reads its synced orders and
//! asks [`sales_report`]; the same orders give the same figures anywhere.
//!
//! What counts:
//! - every order not cancelled is a sale (placed, accepted, packed,
//!   shipped, delivered): the farmer has sold it, whether or not it has
//!   left the farm yet;
//! - revenue is each order's total, summed per currency;
//! - quantity sold is weighed where the unit allows (kg, g, 斤 = 500 g) and
//!   counted otherwise (pieces, boxes, bunches, dozens stay counts);
//! - on air means the listing was on the shelf of one of the farm's live
//!   rooms when the order was placed ([`OrderState::room`]).
//!
//! Days and weeks are the farm's local ones: the caller gives its offset
//! from UTC. Weeks start on Monday, as in China.

use crate::{ListingId, Money, OrderState, OrderStatus, Unit};
use serde::Serialize;
use std::collections::BTreeMap;

const DAY_MS: i64 = 86_400_000;
/// Weeks in a season, when the caller does not say.
pub const SEASON_WEEKS: u32 = 13;
/// Best-selling listings shown, when the caller does not say.
pub const TOP_LISTINGS: u32 = 5;

/// Which sales to add up, and where the farm's days begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SalesWindow {
    /// Now (UTC ms).
    pub now_ms: i64,
    /// The farm's offset from UTC, in minutes (480 for China).
    pub utc_offset_minutes: i32,
    /// Weeks in the season, counting this one (at least 1).
    pub weeks: u32,
    /// How many best-selling listings to list.
    pub top: u32,
}

impl SalesWindow {
    /// A season of [`SEASON_WEEKS`] and the top [`TOP_LISTINGS`], at `now_ms`
    /// in a zone `utc_offset_minutes` from UTC.
    pub fn new(now_ms: i64, utc_offset_minutes: i32) -> SalesWindow {
        SalesWindow {
            now_ms,
            utc_offset_minutes,
            weeks: SEASON_WEEKS,
            top: TOP_LISTINGS,
        }
    }

    /// The local day number (days since 1970-01-01, local) of `ms`.
    fn day(&self, ms: i64) -> i64 {
        (ms + i64::from(self.utc_offset_minutes) * 60_000).div_euclid(DAY_MS)
    }

    /// The local week number (Monday-start) of a local day number.
    fn week_of_day(day: i64) -> i64 {
        // 1970-01-01 was a Thursday: day 4 (1970-01-05) is a Monday.
        (day - 4).div_euclid(7)
    }
}

/// Orders, money and quantity of a set of sales.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SalesTotals {
    /// Orders.
    pub orders: u64,
    /// Revenue, one sum per currency, by currency code.
    pub revenue: Vec<Money>,
    /// Grams sold, of listings sold by mass.
    pub grams: u64,
    /// Quantities of listings sold by count, per unit (pieces, boxes…).
    pub counted: Vec<(Unit, i64)>,
}

impl SalesTotals {
    fn add(&mut self, order: &OrderState) {
        self.orders += 1;
        match self
            .revenue
            .iter_mut()
            .find(|m| m.currency == order.total.currency)
        {
            Some(sum) => sum.minor = sum.minor.saturating_add(order.total.minor),
            None => {
                self.revenue.push(order.total);
                self.revenue.sort_by_key(|m| m.currency.code());
            }
        }
        match order.unit.grams() {
            Some(g) => {
                let grams = u64::try_from(order.quantity).unwrap_or(0) * u64::from(g);
                self.grams = self.grams.saturating_add(grams);
            }
            None => match self.counted.iter_mut().find(|(u, _)| *u == order.unit) {
                Some((_, n)) => *n = n.saturating_add(order.quantity),
                None => {
                    self.counted.push((order.unit, order.quantity));
                    self.counted.sort_by_key(|(u, _)| u.as_str());
                }
            },
        }
    }

    /// Kilograms sold (of listings sold by mass).
    pub fn kg(&self) -> f64 {
        self.grams as f64 / 1_000.0
    }

    /// Tonnes sold (of listings sold by mass).
    pub fn tonnes(&self) -> f64 {
        self.grams as f64 / 1_000_000.0
    }

    /// The revenue in `currency`'s minor units (0 if none).
    pub fn revenue_minor(&self, currency: crate::Currency) -> i64 {
        self.revenue
            .iter()
            .find(|m| m.currency == currency)
            .map_or(0, |m| m.minor)
    }
}

/// One week's sales.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeekSales {
    /// Its Monday, as a local day number (days since 1970-01-01).
    pub monday: i64,
    /// What sold in it.
    pub totals: SalesTotals,
}

/// One listing's sales over the season.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListingSales {
    /// The listing.
    pub listing: ListingId,
    /// Its title on its latest order.
    pub title: String,
    /// What sold of it.
    pub totals: SalesTotals,
}

/// A farm's sales.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SalesReport {
    /// Today (local).
    pub today: SalesTotals,
    /// The last seven days, today included.
    pub last_7_days: SalesTotals,
    /// The season: the last [`SalesWindow::weeks`] weeks, this one included.
    pub season: SalesTotals,
    /// The season week by week, oldest first (every week, sold or not).
    pub weekly: Vec<WeekSales>,
    /// The season's best-selling listings, by revenue (then orders).
    pub top: Vec<ListingSales>,
    /// The season's sales made on air.
    pub on_air: SalesTotals,
    /// The season's sales made off air.
    pub off_air: SalesTotals,
}

/// True if an order in `status` counts as sold.
pub fn counts_as_sale(status: OrderStatus) -> bool {
    status != OrderStatus::Cancelled
}

/// The sales in `orders` (a farm's, or several farms' for an agent).
pub fn sales_report<'a>(
    orders: impl IntoIterator<Item = &'a OrderState>,
    window: &SalesWindow,
) -> SalesReport {
    let weeks = i64::from(window.weeks.max(1));
    let today = window.day(window.now_ms);
    let this_week = SalesWindow::week_of_day(today);
    let first_week = this_week - (weeks - 1);
    let mut weekly: Vec<WeekSales> = (first_week..=this_week)
        .map(|w| WeekSales {
            monday: w * 7 + 4,
            totals: SalesTotals::default(),
        })
        .collect();
    let mut report = SalesReport {
        today: SalesTotals::default(),
        last_7_days: SalesTotals::default(),
        season: SalesTotals::default(),
        weekly: Vec::new(),
        top: Vec::new(),
        on_air: SalesTotals::default(),
        off_air: SalesTotals::default(),
    };
    let mut by_listing: BTreeMap<ListingId, ListingSales> = BTreeMap::new();
    let mut latest: BTreeMap<ListingId, i64> = BTreeMap::new();
    for order in orders {
        if !counts_as_sale(order.status) {
            continue;
        }
        let day = window.day(order.placed_at);
        if day > today {
            continue; // placed "tomorrow": a clock set ahead; not yet a sale
        }
        if day == today {
            report.today.add(order);
        }
        if day > today - 7 {
            report.last_7_days.add(order);
        }
        let week = SalesWindow::week_of_day(day);
        if week < first_week {
            continue;
        }
        report.season.add(order);
        weekly[usize::try_from(week - first_week).unwrap_or(0)]
            .totals
            .add(order);
        if order.room.is_some() {
            report.on_air.add(order);
        } else {
            report.off_air.add(order);
        }
        let entry = by_listing
            .entry(order.listing)
            .or_insert_with(|| ListingSales {
                listing: order.listing,
                title: order.title.clone(),
                totals: SalesTotals::default(),
            });
        entry.totals.add(order);
        let seen = latest.entry(order.listing).or_insert(i64::MIN);
        if order.placed_at >= *seen {
            *seen = order.placed_at;
            entry.title.clone_from(&order.title);
        }
    }
    let mut top: Vec<ListingSales> = by_listing.into_values().collect();
    top.sort_by(|a, b| {
        let rank = |l: &ListingSales| {
            let revenue: i64 = l.totals.revenue.iter().map(|m| m.minor).sum();
            (revenue, l.totals.orders)
        };
        rank(b).cmp(&rank(a)).then(a.title.cmp(&b.title))
    });
    top.truncate(window.top as usize);
    report.top = top;
    report.weekly = weekly;
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BuyerContact, BuyerId, Currency, Delivery, FarmId, OrderId, RoomId};

    const HOUR: i64 = 3_600_000;
    /// 2026-12-02 12:00 in China (04:00 UTC): a Wednesday.
    const NOW: i64 = 1_796_184_000_000;

    fn order(listing: ListingId, qty: i64, unit: Unit, yuan: i64, at: i64) -> OrderState {
        let price = Money::from_minor(yuan * 100, Currency::CNY);
        OrderState {
            id: OrderId::new(),
            listing,
            farm: FarmId::new(),
            buyer: BuyerId::new(),
            title: "Mangoes".into(),
            quantity: qty,
            unit,
            unit_price: price,
            total: price.checked_mul(qty).unwrap(),
            delivery: Delivery::Standard,
            status: OrderStatus::Placed,
            placed_at: at,
            updated_at: at,
            shipment: None,
            cancellation: None,
            contact: BuyerContact::default(),
            delivery_photo: None,
            room: None,
            route: None,
        }
    }

    fn china(now: i64) -> SalesWindow {
        SalesWindow::new(now, 480)
    }

    #[test]
    fn the_test_clock_is_a_wednesday_noon_in_china() {
        let w = china(NOW);
        let day = w.day(NOW);
        assert_eq!((day - 4).rem_euclid(7), 2, "Monday is 0: Wednesday is 2");
        assert_eq!(
            w.day(NOW - 12 * HOUR),
            day,
            "midnight local is the same day"
        );
        assert_eq!(
            w.day(NOW - 12 * HOUR - 1),
            day - 1,
            "a ms before is yesterday"
        );
    }

    #[test]
    fn jin_and_kg_are_weighed_boxes_are_counted_and_cancelled_orders_are_not_sales() {
        let (a, b, c) = (ListingId::new(), ListingId::new(), ListingId::new());
        let mut cancelled = order(a, 100, Unit::Kg, 10, NOW);
        cancelled.status = OrderStatus::Cancelled;
        let orders = [
            order(a, 4, Unit::Jin, 8, NOW),        // 2 kg, ¥32
            order(b, 3, Unit::Kg, 20, NOW - HOUR), // 3 kg, ¥60
            order(c, 2, Unit::Box, 50, NOW),       // 2 boxes, ¥100
            order(c, 1, Unit::Box, 50, NOW - 2 * HOUR),
            cancelled,
        ];
        let r = sales_report(&orders, &china(NOW));
        assert_eq!(r.today.orders, 4);
        assert_eq!(r.today.grams, 5_000);
        assert_eq!(r.today.kg(), 5.0);
        assert_eq!(r.today.counted, vec![(Unit::Box, 3)]);
        assert_eq!(r.today.revenue_minor(Currency::CNY), (32 + 60 + 150) * 100);
        assert_eq!(r.top[0].listing, c, "boxes earned most");
        assert_eq!(r.top.len(), 3);
    }

    #[test]
    fn days_weeks_and_the_season_follow_the_local_calendar() {
        let l = ListingId::new();
        let window = china(NOW);
        let today_start = NOW - 12 * HOUR;
        let orders = [
            order(l, 1, Unit::Kg, 1, today_start),                 // today
            order(l, 1, Unit::Kg, 1, today_start - 1),             // yesterday (Tuesday)
            order(l, 1, Unit::Kg, 1, today_start - 6 * 24 * HOUR), // 6 days ago: last 7 days
            order(l, 1, Unit::Kg, 1, today_start - 7 * 24 * HOUR), // 7 days ago: not
            order(l, 1, Unit::Kg, 1, today_start - 20 * 7 * 24 * HOUR), // before the season
            order(l, 1, Unit::Kg, 1, NOW + 24 * HOUR),             // tomorrow: not yet
        ];
        let r = sales_report(&orders, &window);
        assert_eq!(r.today.orders, 1);
        assert_eq!(r.last_7_days.orders, 3);
        assert_eq!(r.season.orders, 4);
        assert_eq!(r.weekly.len(), SEASON_WEEKS as usize);
        // This week (Mon–Wed): today and yesterday; last week: 6 and 7 days ago.
        let last = &r.weekly[r.weekly.len() - 1];
        assert_eq!(last.totals.orders, 2);
        assert_eq!(r.weekly[r.weekly.len() - 2].totals.orders, 2);
        assert_eq!((last.monday - 4).rem_euclid(7), 0, "weeks start on Monday");
        assert_eq!(window.day(today_start) - last.monday, 2);
    }

    #[test]
    fn on_air_sales_are_those_placed_while_the_listing_was_on_a_live_shelf() {
        let l = ListingId::new();
        let mut live = order(l, 2, Unit::Kg, 10, NOW);
        live.room = Some(RoomId::new());
        let orders = [live, order(l, 1, Unit::Kg, 10, NOW)];
        let r = sales_report(&orders, &china(NOW));
        assert_eq!((r.on_air.orders, r.on_air.grams), (1, 2_000));
        assert_eq!((r.off_air.orders, r.off_air.grams), (1, 1_000));
    }

    #[test]
    fn revenue_is_summed_per_currency() {
        let l = ListingId::new();
        let mut usd = order(l, 1, Unit::Kg, 3, NOW);
        let dollars = Currency::from_code("USD").unwrap();
        usd.total = Money::from_minor(300, dollars);
        let orders = [usd, order(l, 1, Unit::Kg, 10, NOW)];
        let r = sales_report(&orders, &china(NOW));
        assert_eq!(r.today.revenue.len(), 2);
        assert_eq!(r.today.revenue_minor(Currency::CNY), 1_000);
        assert_eq!(r.today.revenue_minor(dollars), 300);
    }
}
