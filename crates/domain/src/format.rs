//! Vietnamese formats: `1.234,5` for numbers and `30/11/2026 14:05` for dates,
//! always in Asia/Ho_Chi_Minh (UTC+7 all year: Vietnam keeps no summer time,
//! so a fixed offset is exact and needs no time-zone database in the bundle).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Timelike, Utc};

/// Asia/Ho_Chi_Minh.
pub fn vn_offset() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7")
}

/// A UTC instant in milliseconds since the epoch, seen in Vietnam.
pub fn to_vn(ms: i64) -> DateTime<FixedOffset> {
    let utc = Utc.timestamp_millis_opt(ms).single().unwrap_or_default();
    utc.with_timezone(&vn_offset())
}

/// Today's date in Vietnam for a UTC instant.
pub fn vn_date(ms: i64) -> NaiveDate {
    to_vn(ms).date_naive()
}

// Written out by hand rather than with chrono's strftime `format`, whose
// parser and formatter add tens of kilobytes to the phone's download.

/// `30/11/2026`.
pub fn date_vi(d: NaiveDate) -> String {
    format!("{:02}/{:02}/{}", d.day(), d.month(), d.year())
}

/// `20261130`, for file names.
pub fn date_compact(d: NaiveDate) -> String {
    format!("{}{:02}{:02}", d.year(), d.month(), d.day())
}

/// `30/11/2026 14:05` in Asia/Ho_Chi_Minh.
pub fn datetime_vi(ms: i64) -> String {
    let t = to_vn(ms);
    format!("{} {:02}:{:02}", date_vi(t.date_naive()), t.hour(), t.minute())
}

/// `2026-11-30 14:05` in Asia/Ho_Chi_Minh (the English UI).
pub fn datetime_en(ms: i64) -> String {
    let t = to_vn(ms);
    format!("{}-{:02}-{:02} {:02}:{:02}", t.year(), t.month(), t.day(), t.hour(), t.minute())
}

/// `2026-11-30` (ISO, for `<input type="date">`).
pub fn date_iso(d: NaiveDate) -> String {
    format!("{}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// Reads `2026-11-30`.
pub fn parse_date_iso(s: &str) -> Option<NaiveDate> {
    let mut it = s.trim().splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

/// A date in JSON as `2026-11-30`, what chrono writes, read back without
/// chrono's strftime parser (12 KB of the phone's WASM for this alone):
/// `#[serde(with = "crate::format::iso_date")]` on every date field.
/// Reads what chrono reads for the years the app knows: a four-digit year,
/// a one- or two-digit month and day, nothing around them.
pub mod iso_date {
    use chrono::NaiveDate;
    use serde::{de, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).ok_or_else(|| de::Error::invalid_value(de::Unexpected::Str(&s), &"a date (YYYY-MM-DD)"))
    }

    /// `2026-11-30` (also `2026-1-5`), a real date, or `None`.
    pub fn parse(s: &str) -> Option<NaiveDate> {
        let mut it = s.split('-');
        let mut part = |digits: std::ops::RangeInclusive<usize>| {
            let p = it.next()?;
            (digits.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse::<u32>().ok())?
        };
        let (y, m, d) = (part(4..=4)?, part(1..=2)?, part(1..=2)?);
        if it.next().is_some() {
            return None;
        }
        NaiveDate::from_ymd_opt(y as i32, m, d)
    }
}

/// `2026-11-30T14:05` in Asia/Ho_Chi_Minh, for `<input type="datetime-local">`.
pub fn local_input(ms: i64) -> String {
    let t = to_vn(ms);
    format!("{}T{:02}:{:02}", date_iso(t.date_naive()), t.hour(), t.minute())
}

/// Reads [`local_input`]'s format as a time in Vietnam; ms since the epoch.
pub fn parse_local_input(s: &str) -> Option<i64> {
    let (date, time) = s.trim().split_once('T')?;
    let d = parse_date_iso(date)?;
    let (h, m) = time.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.get(..2)?.parse().ok()?);
    let t = d.and_hms_opt(h, m, 0)?;
    Some(t.and_utc().timestamp_millis() - 7 * 3600 * 1000)
}

/// Reads a date typed the Vietnamese way, day first: `2/12/2026`,
/// `02-12-2026`, `2.12.2026` (the form shows dd/mm/yyyy whatever the
/// phone's language, so a date is never read month first).
pub fn parse_date_vi(s: &str) -> Option<NaiveDate> {
    let parts: Vec<&str> = s.trim().split(['/', '-', '.']).map(str::trim).collect();
    let [d, m, y] = parts.as_slice() else { return None };
    let y: i32 = y.parse().ok()?;
    if !(1000..=9999).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m.parse().ok()?, d.parse().ok()?)
}

/// `14:05` in Asia/Ho_Chi_Minh.
pub fn time_vi(ms: i64) -> String {
    let t = to_vn(ms);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// A date (dd/mm/yyyy) and a time (`14:05`, `14h05`, `14`) typed in
/// Vietnam, as ms since the epoch.
pub fn parse_datetime_vi(date: &str, time: &str) -> Option<i64> {
    let d = parse_date_vi(date)?;
    // ASCII lower-casing is enough for `14H05` (no other letter lowers to
    // an `h` or a digit) and keeps Unicode's case tables off the phone.
    let time = time.trim().to_ascii_lowercase();
    let (h, m) = match time.split_once([':', 'h']) {
        Some((h, m)) => (h.trim().parse().ok()?, if m.trim().is_empty() { 0 } else { m.trim().parse().ok()? }),
        None => (time.parse().ok()?, 0),
    };
    let t = d.and_hms_opt(h, m, 0)?;
    Some(t.and_utc().timestamp_millis() - 7 * 3600 * 1000)
}

/// Formats a number the Vietnamese way: `.` groups thousands, `,` marks
/// decimals; at most `decimals` decimals, trailing zeros dropped.
pub fn number_vi(x: f64, decimals: usize) -> String {
    number_with(x, decimals, '.', ',')
}

/// English number format: `1,234.5`.
pub fn number_en(x: f64, decimals: usize) -> String {
    number_with(x, decimals, ',', '.')
}

fn number_with(x: f64, decimals: usize, group: char, point: char) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    // Integer arithmetic instead of `{:.*}`: float formatting would pull
    // core's flt2dec (Grisu and Dragon) into the WASM bundle.
    let decimals = decimals.min(9);
    let scale = 10u128.pow(decimals as u32);
    let scaled = (x.abs() * scale as f64).round();
    if scaled >= 1e30 {
        return "—".into();
    }
    let scaled = scaled as u128;
    let (int, mut frac) = (scaled / scale, scaled % scale);
    let mut out = String::new();
    if x < 0.0 && scaled > 0 {
        out.push('-');
    }
    let digits = int.to_string();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    if frac > 0 {
        let mut width = decimals;
        while frac % 10 == 0 {
            frac /= 10;
            width -= 1;
        }
        out.push(point);
        out.push_str(&format!("{frac:0width$}"));
    }
    out
}

/// Reads a number typed by a person in either format. A comma is a decimal
/// mark (Vietnamese keyboards); dots are thousands separators unless the
/// number has exactly one dot followed by other than three digits
/// (`2.5` is two and a half, `1.234` is one thousand two hundred thirty-four).
pub fn parse_number(input: &str) -> Option<f64> {
    let s: String = input.trim().chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return None;
    }
    let normalized = if s.contains(',') {
        s.replace('.', "").replace(',', ".")
    } else {
        let dots = s.matches('.').count();
        let after = s.rsplit('.').next().unwrap_or("");
        if dots > 1 || (dots == 1 && after.len() == 3) {
            s.replace('.', "")
        } else {
            s
        }
    };
    if normalized.chars().any(|c| !(c.is_ascii_digit() || c == '.' || c == '-')) {
        return None;
    }
    // The JSON reader's number parser (the browser's, in the PWA) is there
    // already; str::parse::<f64> would add core's dec2flt beside it.
    let normalized = normalized.strip_suffix('.').unwrap_or(&normalized);
    if normalized.starts_with('.')
        || normalized.contains("-.")
        || normalized.matches('-').count() > usize::from(normalized.starts_with('-'))
    {
        return None;
    }
    let trimmed = normalized.trim_start_matches('-');
    let trimmed = trimmed.trim_start_matches('0');
    let lead = if trimmed.is_empty() || trimmed.starts_with('.') { "0" } else { "" };
    let sign = if normalized.starts_with('-') { "-" } else { "" };
    crate::json::from_str::<f64>(&format!("{sign}{lead}{trimmed}")).ok().filter(|x| x.is_finite())
}

/// How long something has waited, in Vietnamese: "5 phút", "3 giờ", "2 ngày"
/// (under a minute: "vừa xong").
pub fn waited_vi(ms: i64) -> String {
    match waited(ms) {
        None => "vừa xong".into(),
        Some((n, Unit::Minute)) => format!("{n} phút"),
        Some((n, Unit::Hour)) => format!("{n} giờ"),
        Some((n, Unit::Day)) => format!("{n} ngày"),
    }
}

/// [`waited_vi`] in English.
pub fn waited_en(ms: i64) -> String {
    let plural = |n: i64, w: &str| if n == 1 { format!("1 {w}") } else { format!("{n} {w}s") };
    match waited(ms) {
        None => "just now".into(),
        Some((n, Unit::Minute)) => plural(n, "minute"),
        Some((n, Unit::Hour)) => plural(n, "hour"),
        Some((n, Unit::Day)) => plural(n, "day"),
    }
}

enum Unit {
    Minute,
    Hour,
    Day,
}

/// Whole minutes below an hour, whole hours below two days, else days.
fn waited(ms: i64) -> Option<(i64, Unit)> {
    let min = ms.max(0) / 60_000;
    match min {
        0 => None,
        1..=59 => Some((min, Unit::Minute)),
        60..=2879 => Some((min / 60, Unit::Hour)),
        _ => Some((min / 1440, Unit::Day)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_numbers() {
        assert_eq!(number_vi(1234.5, 1), "1.234,5");
        assert_eq!(number_vi(1234567.0, 0), "1.234.567");
        assert_eq!(number_vi(0.0, 2), "0");
        assert_eq!(number_vi(-12.25, 2), "-12,25");
        assert_eq!(number_vi(999.0, 0), "999");
        assert_eq!(number_vi(98.60, 1), "98,6");
        assert_eq!(number_en(1234.5, 1), "1,234.5");
        assert_eq!(number_vi(f64::NAN, 1), "—");
        assert_eq!(number_vi(0.004, 2), "0");
        assert_eq!(number_vi(-0.004, 2), "0");
        assert_eq!(number_vi(2.05, 2), "2,05");
        assert_eq!(number_vi(97.65625, 1), "97,7");
        assert_eq!(number_vi(1e6, 6), "1.000.000");
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!(parse_number("1.234,5"), Some(1234.5));
        assert_eq!(parse_number("1.234"), Some(1234.0));
        assert_eq!(parse_number("2,5"), Some(2.5));
        assert_eq!(parse_number("2.5"), Some(2.5));
        assert_eq!(parse_number(" 12 "), Some(12.0));
        assert_eq!(parse_number("1 234"), Some(1234.0));
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("1e5"), None);
        assert_eq!(parse_number("007"), Some(7.0));
        assert_eq!(parse_number("0,5"), Some(0.5));
        assert_eq!(parse_number("-3"), Some(-3.0));
        assert_eq!(parse_number("3-"), None);
        assert_eq!(parse_number(",5"), None);
        assert_eq!(parse_number("5,"), Some(5.0));
        assert_eq!(parse_number("0"), Some(0.0));
    }

    #[test]
    fn form_inputs_round_trip_in_vietnam_time() {
        let ms = 1_796_059_800_000; // 2026-11-30T17:30Z = 01/12 00:30 in Vietnam
        assert_eq!(local_input(ms), "2026-12-01T00:30");
        assert_eq!(parse_local_input("2026-12-01T00:30"), Some(ms));
        assert_eq!(parse_local_input("2026-12-01T00:30:00"), Some(ms));
        assert_eq!(parse_local_input("garbage"), None);
        assert_eq!(parse_local_input("2026-02-30T10:00"), None);
        let d = parse_date_iso("2026-11-30").unwrap();
        assert_eq!(date_iso(d), "2026-11-30");
        assert_eq!(parse_date_iso("2026-13-01"), None);
    }

    #[test]
    fn dates_are_typed_day_first() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        for s in ["02/12/2026", "2/12/2026", " 2-12-2026 ", "2.12.2026"] {
            assert_eq!(parse_date_vi(s), Some(d), "{s}");
        }
        for s in ["2026-12-02", "12/2026", "31/02/2026", "2/12/26", ""] {
            assert_eq!(parse_date_vi(s), None, "{s}");
        }
        let ms = parse_datetime_vi("02/12/2026", "14:05").unwrap();
        assert_eq!(datetime_vi(ms), "02/12/2026 14:05");
        assert_eq!(time_vi(ms), "14:05");
        assert_eq!(parse_datetime_vi("2/12/2026", "14h05"), Some(ms));
        assert_eq!(parse_datetime_vi("2/12/2026", "14"), parse_datetime_vi("2/12/2026", "14:00"));
        assert_eq!(parse_datetime_vi("2/12/2026", "25:00"), None);
    }

    #[test]
    fn dates_in_ho_chi_minh() {
        // 2026-11-30T17:30:00Z is already 1 December in Vietnam.
        let ms = 1_796_059_800_000;
        assert_eq!(datetime_vi(ms), "01/12/2026 00:30");
        assert_eq!(date_vi(vn_date(ms)), "01/12/2026");
        assert_eq!(datetime_en(ms), "2026-12-01 00:30");
    }

    #[test]
    fn waiting_times_read_naturally() {
        assert_eq!(waited_vi(30_000), "vừa xong");
        assert_eq!(waited_vi(-5), "vừa xong", "a phone clock ahead says nothing silly");
        assert_eq!(waited_vi(5 * 60_000), "5 phút");
        assert_eq!(waited_vi(3 * 3_600_000 + 59 * 60_000), "3 giờ");
        assert_eq!(waited_vi(47 * 3_600_000), "47 giờ");
        assert_eq!(waited_vi(3 * 86_400_000), "3 ngày");
        assert_eq!(waited_en(60_000), "1 minute");
        assert_eq!(waited_en(2 * 86_400_000), "2 days");
    }

    #[test]
    fn dates_in_json_read_as_chrono_reads_them() {
        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        struct D {
            #[serde(with = "super::iso_date")]
            d: NaiveDate,
        }
        let d = NaiveDate::from_ymd_opt(2026, 2, 7).unwrap();
        let json = serde_json::to_string(&D { d }).unwrap();
        assert_eq!(json, serde_json::to_string(&serde_json::json!({ "d": d })).unwrap());
        assert_eq!(json, r#"{"d":"2026-02-07"}"#);
        assert_eq!(serde_json::from_str::<D>(&json).unwrap(), D { d });
        for ok in ["2026-02-07", "2026-2-7", "0999-12-31", "2024-02-29"] {
            assert_eq!(super::iso_date::parse(ok), ok.parse::<NaiveDate>().ok(), "{ok}");
            assert!(super::iso_date::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "2026",
            "2026-02",
            "2026-02-30",
            "2026-13-01",
            "2026-02-07-1",
            " 2026-02-07",
            "2026-02-07 ",
            "20260207",
            "2026-+2-07",
            "2026/02/07",
            "2026-002-07",
        ] {
            assert_eq!(super::iso_date::parse(bad), None, "{bad}");
            assert!(serde_json::from_str::<D>(&format!(r#"{{"d":"{bad}"}}"#)).is_err(), "{bad}");
        }
    }
}
