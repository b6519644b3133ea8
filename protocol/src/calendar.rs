//! Calendar days without a date crate: the civil date of a day number, and
//! the day a moment falls on in a zone a fixed offset from UTC (China keeps
//! one zone all year, with no daylight saving, so a constant is exact).

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// China's offset from UTC, in minutes (Beijing time, all year).
pub const CHINA_UTC_OFFSET_MINUTES: i32 = 480;

/// Year, month (1–12) and day (1–31) of `day`, counted in days since
/// 1970-01-01 (Howard Hinnant's civil-from-days).
pub fn civil(day: i64) -> (i64, u32, u32) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `day` (days since 1970-01-01) as `YYYY-MM-DD`.
pub fn civil_date(day: i64) -> String {
    let (y, m, d) = civil(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The day number (days since 1970-01-01 there) that the moment `ms`
/// (UTC ms) falls on in a zone `utc_offset_minutes` from UTC.
pub fn local_day(ms: i64, utc_offset_minutes: i32) -> i64 {
    (ms + i64::from(utc_offset_minutes) * 60_000).div_euclid(DAY_MS)
}

/// The date (`YYYY-MM-DD`) in China of the moment `ms` (UTC ms).
pub fn china_date(ms: i64) -> String {
    civil_date(local_day(ms, CHINA_UTC_OFFSET_MINUTES))
}

/// The minute in China of the moment `ms` (UTC ms): `2026-12-04 19:40`.
pub fn china_minutes(ms: i64) -> String {
    let local = ms.saturating_add(i64::from(CHINA_UTC_OFFSET_MINUTES) * 60_000);
    let minute = local.rem_euclid(DAY_MS) / 60_000;
    format!(
        "{} {:02}:{:02}",
        civil_date(local.div_euclid(DAY_MS)),
        minute / 60,
        minute % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_civil_dates_and_china_is_eight_hours_ahead() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(-1), "1969-12-31");
        assert_eq!(civil_date(20_789), "2026-12-02");
        assert_eq!(civil_date(11_016), "2000-02-29");
        // 2026-12-02 17:00 UTC is already 12-03 01:00 in Beijing.
        let evening = 20_789 * DAY_MS + 17 * 3_600_000;
        assert_eq!(china_date(evening), "2026-12-03");
        assert_eq!(local_day(evening, 0), 20_789);
        assert_eq!(china_minutes(evening + 40 * 60_000), "2026-12-03 01:40");
    }
}
