//! Vietnamese formats: `1.234,5` for numbers and `30/11/2026 14:05` for dates,
//! always in Asia/Ho_Chi_Minh (UTC+7 all year: Vietnam keeps no summer time,
//! so a fixed offset is exact and needs no time-zone database in the bundle).

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

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

/// `30/11/2026`.
pub fn date_vi(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// `30/11/2026 14:05` in Asia/Ho_Chi_Minh.
pub fn datetime_vi(ms: i64) -> String {
    to_vn(ms).format("%d/%m/%Y %H:%M").to_string()
}

/// `2026-11-30 14:05` in Asia/Ho_Chi_Minh (the English UI).
pub fn datetime_en(ms: i64) -> String {
    to_vn(ms).format("%Y-%m-%d %H:%M").to_string()
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
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), f.trim_end_matches('0').to_string()),
        None => (s, String::new()),
    };
    let mut out = String::new();
    let neg = x < 0.0 && (int.chars().any(|c| c != '0') || !frac.is_empty());
    if neg {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(point);
        out.push_str(&frac);
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
    normalized.parse::<f64>().ok().filter(|x| x.is_finite())
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
    }

    #[test]
    fn dates_in_ho_chi_minh() {
        // 2026-11-30T17:30:00Z is already 1 December in Vietnam.
        let ms = 1_796_059_800_000;
        assert_eq!(datetime_vi(ms), "01/12/2026 00:30");
        assert_eq!(date_vi(vn_date(ms)), "01/12/2026");
        assert_eq!(datetime_en(ms), "2026-12-01 00:30");
    }
}
