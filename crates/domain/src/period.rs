//! Report periods. A period is chosen explicitly by the user (never derived from
//! a phone clock that may be wrong) and travels as a short string:
//! `2026-11` (month), `2026-Q4` (quarter), `2026-H2` (half-year), `2026` (year).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// How often a report is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PeriodKind {
    Month,
    Quarter,
    Half,
    Year,
}

impl PeriodKind {
    pub const ALL: [PeriodKind; 4] = [Self::Month, Self::Quarter, Self::Half, Self::Year];

    /// How many periods of this kind a year has.
    fn per_year(self) -> u8 {
        match self {
            Self::Month => 12,
            Self::Quarter => 4,
            Self::Half => 2,
            Self::Year => 1,
        }
    }

    fn months(self) -> u32 {
        12 / self.per_year() as u32
    }
}

/// One reporting period, e.g. November 2026 or the fourth quarter of 2026.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    kind: PeriodKind,
    year: i32,
    n: u8,
}

/// Why a period string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodError(pub String);

impl fmt::Display for PeriodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "kỳ báo cáo không hợp lệ: {}", self.0)
    }
}

impl std::error::Error for PeriodError {}

impl Period {
    /// The plan runs 2026–2030; a little slack either side for late reports.
    pub const FIRST_YEAR: i32 = 2020;
    pub const LAST_YEAR: i32 = 2040;

    pub fn new(kind: PeriodKind, year: i32, n: u8) -> Result<Self, PeriodError> {
        if !(Self::FIRST_YEAR..=Self::LAST_YEAR).contains(&year) {
            return Err(PeriodError(format!("năm {year}")));
        }
        if n == 0 || n > kind.per_year() {
            return Err(PeriodError(format!("số kỳ {n}")));
        }
        Ok(Self { kind, year, n })
    }

    /// Parses `2026-11`, `2026-Q4`, `2026-H2` or `2026`.
    pub fn parse(s: &str) -> Result<Self, PeriodError> {
        let err = || PeriodError(s.to_string());
        let (year, rest) = match s.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (s, None),
        };
        // Digits only, and exactly as many as the canonical spelling has:
        // `str::parse` alone would also take "+1" or "Q04", which then name
        // the same period as "01" or "Q4" under another string.
        let digits = |d: &str, len: usize| -> Result<u32, PeriodError> {
            if d.len() == len && d.bytes().all(|b| b.is_ascii_digit()) {
                d.parse().map_err(|_| err())
            } else {
                Err(err())
            }
        };
        let year = digits(year, 4)? as i32;
        let (kind, n) = match rest {
            None => (PeriodKind::Year, 1),
            Some(r) if r.starts_with('Q') => (PeriodKind::Quarter, digits(&r[1..], 1)?),
            Some(r) if r.starts_with('H') => (PeriodKind::Half, digits(&r[1..], 1)?),
            Some(r) => (PeriodKind::Month, digits(r, 2)?),
        };
        let n = u8::try_from(n).map_err(|_| err())?;
        Self::new(kind, year, n)
    }

    /// The period of `kind` that contains `date`.
    pub fn containing(kind: PeriodKind, date: NaiveDate) -> Self {
        let n = (date.month0() / kind.months()) as u8 + 1;
        let year = date.year().clamp(Self::FIRST_YEAR, Self::LAST_YEAR);
        Self { kind, year, n }
    }

    pub fn kind(&self) -> PeriodKind {
        self.kind
    }
    pub fn year(&self) -> i32 {
        self.year
    }
    pub fn number(&self) -> u8 {
        self.n
    }

    /// First day of the period.
    pub fn start(&self) -> NaiveDate {
        let month = (self.n as u32 - 1) * self.kind.months() + 1;
        NaiveDate::from_ymd_opt(self.year, month, 1).expect("valid period start")
    }

    /// Last day of the period.
    pub fn end(&self) -> NaiveDate {
        self.next().start().pred_opt().expect("valid period end")
    }

    /// The period right after this one.
    pub fn next(&self) -> Self {
        if self.n == self.kind.per_year() {
            Self { kind: self.kind, year: self.year + 1, n: 1 }
        } else {
            Self { n: self.n + 1, ..*self }
        }
    }

    /// The period right before this one.
    pub fn prev(&self) -> Self {
        if self.n == 1 {
            Self { kind: self.kind, year: self.year - 1, n: self.kind.per_year() }
        } else {
            Self { n: self.n - 1, ..*self }
        }
    }

    /// The periods of `kind` inside this one, in order (the months of a
    /// quarter, the quarters of a year…). Empty if `kind` is longer than this
    /// period's kind.
    pub fn parts(&self, kind: PeriodKind) -> Vec<Period> {
        if kind > self.kind {
            return Vec::new();
        }
        let first = Period::containing(kind, self.start());
        let mut out = vec![first];
        while out.last().expect("one").end() < self.end() {
            let next = out.last().expect("one").next();
            out.push(next);
        }
        out
    }

    /// Whether `other` lies inside this period.
    pub fn contains(&self, other: &Period) -> bool {
        other.start() >= self.start() && other.end() <= self.end()
    }

    /// Default due date: the 5th day after the period ends (the commune can set
    /// its own per period on the server).
    pub fn default_due(&self) -> NaiveDate {
        self.end() + chrono::Days::new(5)
    }

    /// "Tháng 11/2026", "Quý IV/2026", "6 tháng cuối năm 2026", "Năm 2026".
    pub fn label_vi(&self) -> String {
        match self.kind {
            PeriodKind::Month => format!("Tháng {}/{}", self.n, self.year),
            PeriodKind::Quarter => format!("Quý {}/{}", roman(self.n), self.year),
            PeriodKind::Half if self.n == 1 => format!("6 tháng đầu năm {}", self.year),
            PeriodKind::Half => format!("6 tháng cuối năm {}", self.year),
            PeriodKind::Year => format!("Năm {}", self.year),
        }
    }

    /// "November 2026", "Q4 2026", "H2 2026", "Year 2026".
    pub fn label_en(&self) -> String {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        match self.kind {
            PeriodKind::Month => format!("{} {}", MONTHS[self.n as usize - 1], self.year),
            PeriodKind::Quarter => format!("Q{} {}", self.n, self.year),
            PeriodKind::Half => format!("H{} {}", self.n, self.year),
            PeriodKind::Year => format!("Year {}", self.year),
        }
    }
}

fn roman(n: u8) -> &'static str {
    ["I", "II", "III", "IV"][n as usize - 1]
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::Month => write!(f, "{}-{:02}", self.year, self.n),
            PeriodKind::Quarter => write!(f, "{}-Q{}", self.year, self.n),
            PeriodKind::Half => write!(f, "{}-H{}", self.year, self.n),
            PeriodKind::Year => write!(f, "{}", self.year),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Period::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn parses_and_prints_every_kind() {
        for s in ["2026-11", "2026-01", "2026-Q4", "2026-H1", "2030"] {
            assert_eq!(Period::parse(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn refuses_garbage() {
        for s in ["", "2026-13", "2026-00", "2026-Q5", "2026-H3", "26-11", "2026-1", "abcd", "1999", "2026-Qx"] {
            assert!(Period::parse(s).is_err(), "{s} should be refused");
        }
    }

    #[test]
    fn only_the_canonical_spelling_parses() {
        // Each of these once parsed as a period printed differently, so one
        // period had two strings (and a report two record ids).
        for s in
            ["2026-+1", "2026-Q+4", "2026-Q04", "2026-H+2", "2026-H02", "+202", "2026-Q", "2026-", " 2026", "２０２６"]
        {
            assert!(Period::parse(s).is_err(), "{s} should be refused");
        }
    }

    #[test]
    fn containing_and_bounds() {
        let q = Period::containing(PeriodKind::Quarter, d(2026, 11, 30));
        assert_eq!(q.to_string(), "2026-Q4");
        assert_eq!(q.start(), d(2026, 10, 1));
        assert_eq!(q.end(), d(2026, 12, 31));
        let m = Period::containing(PeriodKind::Month, d(2028, 2, 10));
        assert_eq!(m.end(), d(2028, 2, 29));
        assert_eq!(m.default_due(), d(2028, 3, 5));
        let h = Period::containing(PeriodKind::Half, d(2026, 6, 30));
        assert_eq!(h.to_string(), "2026-H1");
        assert_eq!(Period::containing(PeriodKind::Year, d(2027, 5, 5)).end(), d(2027, 12, 31));
    }

    #[test]
    fn next_and_prev_roll_over_years() {
        let dec = Period::parse("2026-12").unwrap();
        assert_eq!(dec.next().to_string(), "2027-01");
        assert_eq!(dec.next().prev(), dec);
        assert_eq!(Period::parse("2027-Q1").unwrap().prev().to_string(), "2026-Q4");
    }

    #[test]
    fn parts_of_longer_periods() {
        let p = |s| Period::parse(s).unwrap();
        let q4: Vec<String> = p("2026-Q4").parts(PeriodKind::Month).iter().map(|m| m.to_string()).collect();
        assert_eq!(q4, ["2026-10", "2026-11", "2026-12"]);
        assert_eq!(p("2026").parts(PeriodKind::Quarter).len(), 4);
        assert_eq!(p("2026-H2").parts(PeriodKind::Quarter), [p("2026-Q3"), p("2026-Q4")]);
        assert_eq!(p("2026").parts(PeriodKind::Month).last(), Some(&p("2026-12")));
        assert_eq!(p("2026-11").parts(PeriodKind::Month), [p("2026-11")]);
        assert!(p("2026-11").parts(PeriodKind::Year).is_empty());
        assert!(p("2026-H2").contains(&p("2026-09")) && !p("2026-H2").contains(&p("2026-06")));
    }

    #[test]
    fn labels() {
        assert_eq!(Period::parse("2026-11").unwrap().label_vi(), "Tháng 11/2026");
        assert_eq!(Period::parse("2026-Q4").unwrap().label_vi(), "Quý IV/2026");
        assert_eq!(Period::parse("2026-H2").unwrap().label_vi(), "6 tháng cuối năm 2026");
        assert_eq!(Period::parse("2026-11").unwrap().label_en(), "November 2026");
    }

    #[test]
    fn serde_as_string() {
        let p = Period::parse("2026-Q3").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"2026-Q3\"");
        assert_eq!(serde_json::from_str::<Period>("\"2026-Q3\"").unwrap(), p);
        assert!(serde_json::from_str::<Period>("\"2026-Q9\"").is_err());
    }
}
