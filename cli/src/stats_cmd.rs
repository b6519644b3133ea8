//! `farmlive stats`: the farm's sales from the synced orders, offline — a
//! compact table (today, the last seven days, the season, on air and off
//! air), a sparkline per week, and the season's best sellers.

use crate::args::StatsArgs;
use crate::output::{Output, table};
use crate::{CmdResult, Failure};
use farmlive_core::Core;
use farmlive_core::protocol::messages::{Lang, counted_text, money_text, weight_text};
use farmlive_core::protocol::sales::{SalesReport, SalesTotals};
use farmlive_core::protocol::{Currency, MsgCode};

/// China Standard Time, when the system's zone cannot be read.
const CHINA_MINUTES: i32 = 480;

/// `+08:00`, `-0530`, `+8` or `0` as minutes east of UTC.
pub fn parse_offset(text: &str) -> Result<i32, String> {
    let t = text.trim();
    let bad = || format!("{text:?} is not a UTC offset like +08:00");
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'+') => (1, &t[1..]),
        Some(b'-') => (-1, &t[1..]),
        _ => (1, t),
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "0"),
    };
    let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(0..=14).contains(&h) || !(0..60).contains(&m) {
        return Err(bad());
    }
    Ok(sign * (h * 60 + m))
}

/// The local date of a UTC ms time, e.g. `2026-12-05`.
pub fn local_date(ms: i64) -> String {
    crate::hub_cmd::date(ms + i64::from(local_offset()) * 60_000)
}

/// `YYYY-MM-DD` as days since 1970-01-01.
fn parse_day(text: &str) -> Result<i64, String> {
    let bad = || format!("{text:?} is not a day like 2026-12-05");
    let mut parts = text.trim().splitn(3, '-').map(str::parse::<i64>);
    let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let day = era * 146_097 + doe - 719_468;
    if farmlive_core::manifest::civil_date(day) != text.trim() {
        return Err(bad());
    }
    Ok(day)
}

/// `farmlive orders manifest`
pub fn manifest(
    core: &Core,
    out: &Output,
    route: Option<String>,
    day: Option<String>,
    csv: Option<std::path::PathBuf>,
    html: Option<std::path::PathBuf>,
    utc_offset: Option<String>,
) -> CmdResult {
    let utc_offset_minutes = match &utc_offset {
        Some(t) => parse_offset(t).map_err(Failure::input)?,
        None => local_offset(),
    };
    let day = day
        .as_deref()
        .map(parse_day)
        .transpose()
        .map_err(Failure::input)?;
    let filter = farmlive_core::manifest::ManifestFilter {
        city: route,
        day,
        utc_offset_minutes,
    };
    let m = core.manifest(&filter)?;
    let write = |path: &std::path::Path, text: String| {
        std::fs::write(path, text)
            .map_err(|e| Failure::input(format!("cannot write {}: {e}", path.display())))
    };
    if let Some(path) = &csv {
        write(path, m.to_csv())?;
    }
    if let Some(path) = &html {
        write(path, m.to_html(out.lang))?;
    }
    if out.json {
        out.print_json(&m);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = m
        .groups
        .iter()
        .map(|g| {
            let non_contact = g.lines.iter().filter(|l| l.non_contact).count();
            vec![
                farmlive_core::manifest::civil_date(g.day),
                g.city.clone(),
                g.carrier.clone(),
                g.lines.len().to_string(),
                non_contact.to_string(),
            ]
        })
        .collect();
    println!(
        "{}",
        table(
            &["SHIP BY", "CITY", "CARRIER", "ORDERS", "NON-CONTACT"],
            &rows
        )
    );
    println!("{} orders", m.len());
    Ok(())
}

/// This machine's offset from UTC now, as `date +%z` says (it follows `TZ`
/// and /etc/localtime); China's if it cannot say.
fn local_offset() -> i32 {
    std::process::Command::new("date")
        .arg("+%z")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| parse_offset(String::from_utf8_lossy(&o.stdout).trim()).ok())
        .unwrap_or(CHINA_MINUTES)
}

/// Eight levels of a sparkline, lowest first.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One bar per value, scaled to the largest (a week with none is the
/// lowest bar; all zero is all lowest).
pub fn sparkline(values: &[u64]) -> String {
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|&v| {
            if max == 0 || v == 0 {
                BARS[0]
            } else {
                let level = (v * 7).div_ceil(max).clamp(1, 7);
                BARS[level as usize]
            }
        })
        .collect()
}

fn revenue(t: &SalesTotals, lang: Lang) -> String {
    if t.revenue.is_empty() {
        return "-".into();
    }
    let parts: Vec<String> = t.revenue.iter().map(|m| money_text(m, lang)).collect();
    parts.join(" + ")
}

fn sold(t: &SalesTotals, lang: Lang) -> String {
    let mut parts = Vec::new();
    if t.grams > 0 {
        parts.push(weight_text(t.grams, lang));
    }
    if !t.counted.is_empty() {
        parts.push(counted_text(&t.counted, lang));
    }
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(" + ")
    }
}

fn print_report(r: &SalesReport, weeks: u32, lang: Lang) {
    let header = [
        MsgCode::HeaderPeriod,
        MsgCode::HeaderOrders,
        MsgCode::HeaderRevenue,
        MsgCode::HeaderSold,
    ]
    .map(|c| lang.text(c));
    let season = farmlive_core::protocol::Message::new(MsgCode::SalesSeason)
        .arg("weeks", weeks)
        .render(lang);
    let rows: Vec<Vec<String>> = [
        (lang.text(MsgCode::SalesToday).to_owned(), &r.today),
        (
            lang.text(MsgCode::SalesLast7Days).to_owned(),
            &r.last_7_days,
        ),
        (season, &r.season),
        (lang.text(MsgCode::SalesOnAir).to_owned(), &r.on_air),
        (lang.text(MsgCode::SalesOffAir).to_owned(), &r.off_air),
    ]
    .into_iter()
    .map(|(name, t)| vec![name, t.orders.to_string(), revenue(t, lang), sold(t, lang)])
    .collect();
    println!("{}", table(&header, &rows));
    let yuan: Vec<u64> = r
        .weekly
        .iter()
        .map(|w| u64::try_from(w.totals.revenue_minor(Currency::CNY)).unwrap_or(0))
        .collect();
    let grams: Vec<u64> = r.weekly.iter().map(|w| w.totals.grams).collect();
    println!();
    println!(
        "{}  {}",
        lang.text(MsgCode::SalesWeeklyRevenue),
        sparkline(&yuan)
    );
    println!(
        "{}  {}",
        lang.text(MsgCode::SalesWeeklyWeight),
        sparkline(&grams)
    );
    if !r.top.is_empty() {
        println!();
        println!("{}", lang.text(MsgCode::SalesTop));
        let header = [
            MsgCode::HeaderTitle,
            MsgCode::HeaderOrders,
            MsgCode::HeaderRevenue,
            MsgCode::HeaderSold,
        ]
        .map(|c| lang.text(c));
        let rows: Vec<Vec<String>> = r
            .top
            .iter()
            .map(|l| {
                vec![
                    l.title.clone(),
                    l.totals.orders.to_string(),
                    revenue(&l.totals, lang),
                    sold(&l.totals, lang),
                ]
            })
            .collect();
        println!("{}", table(&header, &rows));
    }
}

/// `farmlive stats`
pub fn run(core: &Core, out: &Output, args: StatsArgs) -> CmdResult {
    let offset = match &args.utc_offset {
        Some(text) => parse_offset(text).map_err(Failure::input)?,
        None => local_offset(),
    };
    let farm = match &args.farm {
        Some(name) => Some(core.resolve_farm(Some(name))?.id),
        None => None,
    };
    let mut window = core.sales_window(offset);
    window.weeks = args.weeks;
    window.top = args.top;
    let report = core.sales_in(farm, &window)?;
    if out.json {
        out.print_json(&report);
        return Ok(());
    }
    if report.season.orders == 0 && report.today.orders == 0 {
        println!("{}", out.lang.text(MsgCode::SalesNone));
        return Ok(());
    }
    print_report(&report, args.weeks, out.lang);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_parse_the_ways_date_and_people_write_them() {
        assert_eq!(parse_offset("+0800"), Ok(480));
        assert_eq!(parse_offset("+08:00"), Ok(480));
        assert_eq!(parse_offset("-0530"), Ok(-330));
        assert_eq!(parse_offset("8"), Ok(480));
        assert_eq!(parse_offset("0"), Ok(0));
        assert!(parse_offset("+25:00").is_err());
        assert!(parse_offset("east").is_err());
    }

    #[test]
    fn days_parse_as_calendar_dates_only() {
        assert_eq!(parse_day("1970-01-01"), Ok(0));
        assert_eq!(parse_day("2026-12-02"), Ok(20_789));
        assert!(parse_day("2026-02-30").is_err(), "no such day");
        assert!(parse_day("tomorrow").is_err());
    }

    #[test]
    fn a_sparkline_scales_to_the_best_week() {
        assert_eq!(sparkline(&[0, 1, 4, 8]), "▁▂▅█");
        assert_eq!(sparkline(&[0, 0]), "▁▁");
        assert_eq!(sparkline(&[5]), "█");
    }
}
