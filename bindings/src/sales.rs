//! The farm's sales for the apps' sales screen: the core's report
//! (`protocol::sales`, computed offline from the synced orders) with each
//! figure also written out in the language asked for (¥, 公斤, 吨), so the
//! shells show the same words as `farmlive stats`.

use crate::error::{FarmLiveError, Result};
use crate::facade::{FarmLive, check_text};
use crate::remote::SellingUnit;
use crate::types::Money;
use farmlive_core::protocol::Lang;
use farmlive_core::protocol::messages::{counted_text, money_text, weight_text};
use farmlive_core::protocol::sales;

/// Orders, money and quantity of a set of sales.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SalesTotals {
    /// Orders (cancelled ones are not sales).
    pub orders: u64,
    /// Revenue, one sum per currency.
    pub revenue: Vec<Money>,
    /// Grams sold of listings sold by mass (kg, g, 斤).
    pub grams: u64,
    /// Quantities of listings sold by count (pieces, boxes…).
    pub counted: Vec<UnitCount>,
    /// The revenue written out, e.g. `¥1234.00` (`-` if none).
    pub revenue_text: String,
    /// The quantity written out, e.g. `1.25 吨 + 3 箱` (`-` if none).
    pub sold_text: String,
}

/// A quantity of one counted unit.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UnitCount {
    /// The unit.
    pub unit: SellingUnit,
    /// How many.
    pub quantity: i64,
}

/// One week of the season.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WeekSales {
    /// Its Monday, as days since 1970-01-01 in the farm's zone.
    pub monday: i64,
    /// What sold in it.
    pub totals: SalesTotals,
}

/// One listing's sales over the season.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ListingSales {
    /// The listing's id.
    pub listing_id: String,
    /// Its title on its latest order.
    pub title: String,
    /// What sold of it.
    pub totals: SalesTotals,
}

/// A farm's sales (see [`FarmLive::sales_report`]).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SalesReport {
    /// Today, in the farm's zone.
    pub today: SalesTotals,
    /// The last seven days, today included.
    pub last_7_days: SalesTotals,
    /// The season (13 weeks, this one included).
    pub season: SalesTotals,
    /// The season week by week, oldest first.
    pub weekly: Vec<WeekSales>,
    /// The season's best sellers, by revenue.
    pub top: Vec<ListingSales>,
    /// The season's sales made while the listing was on a live shelf.
    pub on_air: SalesTotals,
    /// The season's other sales.
    pub off_air: SalesTotals,
}

fn totals(t: &sales::SalesTotals, lang: Lang) -> SalesTotals {
    let revenue_text = if t.revenue.is_empty() {
        "-".to_owned()
    } else {
        let parts: Vec<String> = t.revenue.iter().map(|m| money_text(m, lang)).collect();
        parts.join(" + ")
    };
    let mut sold = Vec::new();
    if t.grams > 0 {
        sold.push(weight_text(t.grams, lang));
    }
    if !t.counted.is_empty() {
        sold.push(counted_text(&t.counted, lang));
    }
    SalesTotals {
        orders: t.orders,
        revenue: t.revenue.iter().copied().map(Money::from).collect(),
        grams: t.grams,
        counted: t
            .counted
            .iter()
            .map(|&(unit, quantity)| UnitCount { unit, quantity })
            .collect(),
        revenue_text,
        sold_text: if sold.is_empty() {
            "-".to_owned()
        } else {
            sold.join(" + ")
        },
    }
}

/// Offsets from UTC that exist (UTC−12:00 to UTC+14:00), in minutes.
const OFFSET_RANGE: std::ops::RangeInclusive<i32> = -720..=840;

#[uniffi::export]
impl FarmLive {
    /// The sales of `farm` (a name or id; `None`: every farm of this
    /// device) from the orders synced so far, offline: today, the last 7
    /// days, the season, week by week, best sellers, on air and off air.
    /// Days and weeks (from Monday) are those of a zone
    /// `utc_offset_minutes` east of UTC (480 for China; Kotlin:
    /// `TimeZone.getDefault().getOffset(now) / 60000`, Swift:
    /// `TimeZone.current.secondsFromGMT() / 60`). Texts are in `lang`
    /// (`zh-CN` or `en`).
    pub fn sales_report(
        &self,
        farm: Option<String>,
        utc_offset_minutes: i32,
        lang: String,
    ) -> Result<SalesReport> {
        if let Some(f) = &farm {
            check_text("farm", f)?;
        }
        check_text("language", &lang)?;
        if !OFFSET_RANGE.contains(&utc_offset_minutes) {
            return Err(FarmLiveError::bad_input(format!(
                "{utc_offset_minutes} minutes is not an offset from UTC (−720 to 840)"
            )));
        }
        let farm = match farm {
            Some(f) => Some(self.core.resolve_farm(Some(&f))?.id),
            None => None,
        };
        let r = self.core.sales(farm, utc_offset_minutes)?;
        let lang = Lang::from_tag(&lang);
        Ok(SalesReport {
            today: totals(&r.today, lang),
            last_7_days: totals(&r.last_7_days, lang),
            season: totals(&r.season, lang),
            weekly: r
                .weekly
                .iter()
                .map(|w| WeekSales {
                    monday: w.monday,
                    totals: totals(&w.totals, lang),
                })
                .collect(),
            top: r
                .top
                .iter()
                .map(|l| ListingSales {
                    listing_id: l.listing.to_string(),
                    title: l.title.clone(),
                    totals: totals(&l.totals, lang),
                })
                .collect(),
            on_air: totals(&r.on_air, lang),
            off_air: totals(&r.off_air, lang),
        })
    }
}
