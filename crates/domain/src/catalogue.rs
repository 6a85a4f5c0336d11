//! The report catalogue: the indicators a village reports, grouped by the ten
//! task groups of section II of the Phong Quang action plan 2026–2030.
//!
//! The catalogue is data (`data/catalogue.json`), not code: the phone and the
//! server parse the same file, and the server publishes it at
//! `GET /api/v1/catalogue`. Rules for changing it:
//!
//! * bump `version` on every change;
//! * never delete or re-key an indicator: mark it `"retired": true`, so drafts
//!   and reports made with an older version stay valid and keep their meaning;
//! * derived rates (`"kind": "rate"`) are computed from `num`/`den`, never typed;
//! * every typed indicator says how it carries into longer reports (`carry`,
//!   see [`Carry`]), so a quarter, half-year or year report is built from the
//!   months already filed (`crate::derive`) and each figure is typed once.

use crate::period::PeriodKind;
use crate::record::{FieldError, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The catalogue file, embedded in the server, the office's bundle and the
/// tests. The village head's bundle fetches it instead (feature
/// `embedded-catalogue` off): 29 KB of text that the first download does not
/// need, since home shows no indicator (issue #10).
#[cfg(any(test, feature = "embedded-catalogue"))]
pub const CATALOGUE_JSON: &str = include_str!("../data/catalogue.json");

/// The catalogue this build ships with (parsed once).
#[cfg(any(test, feature = "embedded-catalogue"))]
pub fn current() -> &'static Catalogue {
    INSTALLED.get_or_init(|| Catalogue::from_json(CATALOGUE_JSON).expect("embedded catalogue is valid"))
}

/// The catalogue [`install`]ed: a screen that reads it must have awaited its
/// installation first (the PWA's `on_demand` screens do).
#[cfg(not(any(test, feature = "embedded-catalogue")))]
pub fn current() -> &'static Catalogue {
    INSTALLED.get().expect("the catalogue is installed before a screen reads it")
}

static INSTALLED: OnceLock<Catalogue> = OnceLock::new();

/// The catalogue if it is here already (always, when embedded).
pub fn loaded() -> Option<&'static Catalogue> {
    #[cfg(any(test, feature = "embedded-catalogue"))]
    current();
    INSTALLED.get()
}

/// Installs the catalogue fetched as `json` (the same file the server embeds).
/// Text that is not a catalogue is an error and installs nothing; once one is
/// installed, later calls keep it.
pub fn install(json: &str) -> Result<&'static Catalogue, String> {
    install_into(&INSTALLED, json)
}

fn install_into<'a>(cell: &'a OnceLock<Catalogue>, json: &str) -> Result<&'a Catalogue, String> {
    if let Some(c) = cell.get() {
        return Ok(c);
    }
    let c = Catalogue::from_json(json)?;
    Ok(cell.get_or_init(|| c))
}

/// What kind of value an indicator takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A whole number ≥ 0 (people, households, sessions…).
    Count,
    /// A decimal number with a unit (km, ha, m²…).
    Decimal,
    /// Yes / no.
    Bool,
    /// One of `choices`.
    Choice,
    /// Free text.
    Text,
    /// Computed percentage `num / den × 100`; never typed.
    Rate,
}

/// How values of one indicator combine across villages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Agg {
    /// Add the villages' values.
    Sum,
    /// A rate: sum of numerators over sum of denominators (never an average of rates).
    Ratio,
    /// The most recent value (for stock figures over time within one village).
    Latest,
    /// True if any village says yes.
    Any,
    /// True only if every village says yes.
    All,
    /// Not aggregated (free text, choices): listed per village.
    List,
}

/// How a village's value of one indicator carries from shorter reports into a
/// longer one (months → quarter → half-year → year). Beside [`Agg`], which
/// combines villages, this combines periods of one village.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Carry {
    /// A flow (sessions, people helped, km, cases): added up over the
    /// shorter periods. For yes/no "in the period" questions: yes if any
    /// shorter period says yes.
    Sum,
    /// A stock or a state (population, households, signal quality): the
    /// value of the latest shorter period that gave one.
    Latest,
    /// Asked fresh in every report (free text, rates — rates are recomputed
    /// from their carried parts).
    #[default]
    None,
}

/// An indicator typed in another unit than it is stored in, e.g. road length
/// typed in metres and stored in km, so old reports keep their meaning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The unit the person types (`m`).
    pub unit: String,
    /// Typed units per stored unit (1000 m per km).
    pub per: f64,
}

/// A target the plan states for an indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// `ge` (at least), `le` (at most) or `eq`.
    pub op: String,
    pub value: f64,
    /// Where the plan says so, e.g. "KH II.6".
    #[serde(default)]
    pub source: String,
}

impl Target {
    /// Whether `x` meets the target.
    pub fn met(&self, x: f64) -> bool {
        match self.op.as_str() {
            "ge" => x >= self.value,
            "le" => x <= self.value,
            _ => (x - self.value).abs() < 1e-9,
        }
    }
}

/// One of an indicator's choices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub key: String,
    pub vi: String,
    pub en: String,
}

/// A task group of section II (II.1 … II.10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub key: String,
    /// The plan's heading, e.g. "1. Cải cách thể chế…".
    pub vi: String,
    pub en: String,
    /// The same in a village head's words, shown under the heading.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sub_vi: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sub_en: String,
}

fn is_none_carry(c: &Carry) -> bool {
    *c == Carry::None
}

fn all_periods() -> Vec<PeriodKind> {
    PeriodKind::ALL.to_vec()
}

/// One thing a village reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    /// Stable key; never reused.
    pub key: String,
    /// Task group key (`g1` … `g10`).
    pub group: String,
    pub vi: String,
    pub en: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub help_vi: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub help_en: String,
    pub kind: Kind,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit_en: String,
    /// Period kinds whose report asks for this indicator.
    #[serde(default = "all_periods")]
    pub periods: Vec<PeriodKind>,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// "Not more than" another indicator (e.g. insured ≤ population).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub le: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    pub agg: Agg,
    /// How the value carries into longer reports (absent: asked fresh).
    #[serde(default, skip_serializing_if = "is_none_carry")]
    pub carry: Carry,
    /// Typed in another unit than stored (absent: typed as stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<Entry>,
    /// For rates: numerator and denominator indicator keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub den: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// Slowly changing figure: prefilled from the village's previous report.
    #[serde(default)]
    pub prefill: bool,
    /// Kept for old reports, no longer asked.
    #[serde(default)]
    pub retired: bool,
}

impl Indicator {
    /// Whether a report of `kind` asks for this indicator.
    pub fn asked_in(&self, kind: PeriodKind) -> bool {
        !self.retired && self.periods.contains(&kind)
    }

    /// Whether the value is typed by a person (rates are computed).
    pub fn is_input(&self) -> bool {
        self.kind != Kind::Rate
    }

    /// Unit in the UI language.
    pub fn unit_for(&self, en: bool) -> &str {
        if en && !self.unit_en.is_empty() {
            &self.unit_en
        } else {
            &self.unit
        }
    }

    /// The unit the person types in (the entry unit, else the stored one).
    pub fn typed_unit(&self, en: bool) -> &str {
        match &self.entry {
            Some(e) => &e.unit,
            None => self.unit_for(en),
        }
    }

    /// A stored value as the person types it (× the entry factor).
    pub fn to_typed(&self, stored: f64) -> f64 {
        self.entry.as_ref().map_or(stored, |e| round6(stored * e.per))
    }

    /// A typed number as stored (÷ the entry factor).
    pub fn from_typed(&self, typed: f64) -> f64 {
        self.entry.as_ref().map_or(typed, |e| round6(typed / e.per))
    }
}

/// Rounds to six decimals: sums and unit conversions of decimals stay tidy
/// (0,1 + 0,2 is 0,3, 400 m is 0,4 km).
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The whole catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    pub version: u32,
    pub groups: Vec<Group>,
    pub indicators: Vec<Indicator>,
}

/// Longest free text accepted in one field.
pub const MAX_TEXT: usize = 4000;

impl Catalogue {
    /// Parses and checks a catalogue.
    pub fn from_json(json: &str) -> Result<Self, String> {
        let cat: Catalogue = crate::json::from_str(json).map_err(|e| e.to_string())?;
        cat.check()?;
        Ok(cat)
    }

    /// Consistency: unique keys, every group present and used, every rule names
    /// an existing indicator of a compatible kind.
    pub fn check(&self) -> Result<(), String> {
        let mut seen = std::collections::BTreeSet::new();
        for g in &self.groups {
            if !seen.insert(g.key.as_str()) {
                return Err(format!("duplicate group {}", g.key));
            }
        }
        let mut keys = std::collections::BTreeSet::new();
        for i in &self.indicators {
            if !keys.insert(i.key.as_str()) {
                return Err(format!("duplicate indicator {}", i.key));
            }
            if !seen.contains(i.group.as_str()) {
                return Err(format!("{}: unknown group {}", i.key, i.group));
            }
            if i.periods.is_empty() {
                return Err(format!("{}: asked in no period", i.key));
            }
            if let (Some(a), Some(b)) = (i.min, i.max) {
                if a > b {
                    return Err(format!("{}: min > max", i.key));
                }
            }
            if (i.kind == Kind::Choice) == i.choices.is_empty() {
                return Err(format!("{}: choices belong to choice indicators only", i.key));
            }
            if i.kind == Kind::Rate && (i.num.is_none() || i.den.is_none() || i.agg != Agg::Ratio) {
                return Err(format!("{}: a rate needs num, den and agg ratio", i.key));
            }
            if i.kind != Kind::Rate && (i.num.is_some() || i.den.is_some()) {
                return Err(format!("{}: num/den belong to rates", i.key));
            }
            let carry_ok = match i.carry {
                Carry::Sum => matches!(i.kind, Kind::Count | Kind::Decimal | Kind::Bool),
                Carry::Latest => !matches!(i.kind, Kind::Rate | Kind::Text),
                Carry::None => true,
            };
            if !carry_ok {
                return Err(format!("{}: carry {:?} does not fit a {:?}", i.key, i.carry, i.kind));
            }
            if let Some(e) = &i.entry {
                if !(i.kind == Kind::Decimal && e.per.is_finite() && e.per > 0.0 && !e.unit.is_empty()) {
                    return Err(format!("{}: entry units belong to decimals, with a positive factor", i.key));
                }
            }
        }
        let numeric = |k: &str| self.indicator(k).is_some_and(|o| matches!(o.kind, Kind::Count | Kind::Decimal));
        for i in &self.indicators {
            for (what, other) in [("le", &i.le), ("num", &i.num), ("den", &i.den)] {
                if let Some(o) = other {
                    if !numeric(o) || o == &i.key {
                        return Err(format!("{}: {what} names {o}, not another numeric indicator", i.key));
                    }
                    let o = self.indicator(o).expect("checked");
                    // A rule must be checkable whenever the indicator is asked.
                    if i.periods.iter().any(|p| !o.periods.contains(p)) {
                        return Err(format!("{}: {what} {} is not asked in the same periods", i.key, o.key));
                    }
                }
            }
        }
        for g in &self.groups {
            if !self.indicators.iter().any(|i| i.group == g.key) {
                return Err(format!("group {} has no indicator", g.key));
            }
        }
        Ok(())
    }

    pub fn indicator(&self, key: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.key == key)
    }

    pub fn group(&self, key: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.key == key)
    }

    /// Indicators a report of `kind` asks for, in catalogue order.
    pub fn asked(&self, kind: PeriodKind) -> impl Iterator<Item = &Indicator> {
        self.indicators.iter().filter(move |i| i.asked_in(kind))
    }

    /// A rate's value from the typed values, if both parts are there and the
    /// denominator is not zero.
    pub fn rate(&self, ind: &Indicator, values: &BTreeMap<String, Value>) -> Option<f64> {
        let num = values.get(ind.num.as_deref()?)?.as_num()?;
        let den = values.get(ind.den.as_deref()?)?.as_num()?;
        (den > 0.0).then(|| num / den * 100.0)
    }

    /// Validates a report's values for a period kind. Returns every problem,
    /// one per field, in catalogue order; empty means valid.
    pub fn validate(&self, kind: PeriodKind, values: &BTreeMap<String, Value>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        for key in values.keys() {
            match self.indicator(key) {
                None => errs.push(FieldError::new(key, "unknown", "Chỉ tiêu không có trong danh mục")),
                Some(i) if !i.is_input() => {
                    errs.push(FieldError::new(key, "computed", "Chỉ tiêu này được tính tự động, không nhập"))
                }
                Some(_) => {}
            }
        }
        for ind in self.indicators.iter().filter(|i| i.is_input()) {
            let Some(v) = values.get(&ind.key) else {
                if ind.required && ind.asked_in(kind) {
                    errs.push(FieldError::new(&ind.key, "required", "Chưa nhập — mục này bắt buộc"));
                }
                continue;
            };
            if let Some(e) = self.check_value(ind, v, values) {
                errs.push(e);
            }
        }
        errs
    }

    fn check_value(&self, ind: &Indicator, v: &Value, values: &BTreeMap<String, Value>) -> Option<FieldError> {
        let k = ind.key.as_str();
        match (ind.kind, v) {
            (Kind::Count | Kind::Decimal, Value::Num(x)) => {
                let x = *x;
                if !x.is_finite() {
                    return Some(FieldError::new(k, "type", "Phải là một số"));
                }
                if ind.kind == Kind::Count && x.fract() != 0.0 {
                    return Some(FieldError::new(k, "integer", "Phải là số nguyên (không có phần thập phân)"));
                }
                let min = ind.min.unwrap_or(0.0);
                if x < min {
                    return Some(FieldError::limit(k, "min", min, "Không được nhỏ hơn"));
                }
                if let Some(max) = ind.max {
                    if x > max {
                        return Some(FieldError::limit(k, "max", max, "Không được lớn hơn"));
                    }
                }
                if let Some(other) = &ind.le {
                    if let Some(y) = values.get(other).and_then(Value::as_num) {
                        if x > y {
                            let o = self.indicator(other).map(|o| o.vi.as_str()).unwrap_or(other);
                            let mut e = FieldError::new(
                                k,
                                "le",
                                &format!("Không được lớn hơn “{o}” ({})", crate::format::number_vi(y, 2)),
                            );
                            e.other = Some(other.clone());
                            e.limit = Some(y);
                            return Some(e);
                        }
                    }
                }
                None
            }
            (Kind::Bool, Value::Bool(_)) => None,
            (Kind::Choice, Value::Text(s)) => (!ind.choices.iter().any(|c| &c.key == s))
                .then(|| FieldError::new(k, "choice", "Lựa chọn không hợp lệ")),
            (Kind::Text, Value::Text(s)) => (s.chars().count() > MAX_TEXT)
                .then(|| FieldError::limit(k, "too_long", MAX_TEXT as f64, "Quá dài, tối đa số ký tự là")),
            _ => Some(FieldError::new(k, "type", "Sai kiểu dữ liệu")),
        }
    }
}

/// Whether a new value is far enough from last period's to ask the user to
/// confirm it (more than three times larger or smaller). Never blocks saving.
pub fn far_from_previous(prev: f64, now: f64) -> bool {
    if prev <= 0.0 || now < 0.0 {
        return false;
    }
    now > prev * 3.0 || now * 3.0 < prev
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn embedded_catalogue_is_consistent() {
        let c = current();
        assert!(c.version >= 1);
        assert_eq!(c.groups.len(), 10, "the plan has ten task groups");
        for n in 1..=10 {
            assert!(c.group(&format!("g{n}")).is_some(), "group g{n}");
        }
        c.check().unwrap();
    }

    #[test]
    fn check_catches_broken_rules() {
        let base = current().clone();
        let mut c = base.clone();
        c.indicators.push(c.indicators[0].clone());
        assert!(c.check().unwrap_err().contains("duplicate"));
        let mut c = base.clone();
        c.indicators[0].le = Some("no_such".into());
        assert!(c.check().is_err());
        let mut c = base.clone();
        c.indicators[0].group = "g99".into();
        assert!(c.check().is_err());
        let mut c = base.clone();
        c.indicators.retain(|i| i.group != "g3");
        assert!(c.check().unwrap_err().contains("g3"));
    }

    #[test]
    fn le_rule_insured_not_more_than_population() {
        let c = current();
        let ok = vals(&[("pop", Value::Num(500.0)), ("bhyt", Value::Num(480.0))]);
        assert!(c.validate(PeriodKind::Month, &ok).iter().all(|e| e.field != "bhyt"));
        let bad = vals(&[("pop", Value::Num(500.0)), ("bhyt", Value::Num(501.0))]);
        let e = c.validate(PeriodKind::Month, &bad);
        let e = e.iter().find(|e| e.field == "bhyt").expect("bhyt error");
        assert_eq!(e.code, "le");
        assert_eq!(e.other.as_deref(), Some("pop"));
    }

    #[test]
    fn counts_are_whole_and_not_negative() {
        let c = current();
        let e = c.validate(PeriodKind::Month, &vals(&[("pop", Value::Num(12.5))]));
        assert!(e.iter().any(|e| e.field == "pop" && e.code == "integer"));
        let e = c.validate(PeriodKind::Month, &vals(&[("pop", Value::Num(-1.0))]));
        assert!(e.iter().any(|e| e.field == "pop" && e.code == "min"));
        let e = c.validate(PeriodKind::Month, &vals(&[("pop", Value::Text("x".into()))]));
        assert!(e.iter().any(|e| e.field == "pop" && e.code == "type"));
    }

    #[test]
    fn max_unknown_and_computed_fields_are_refused() {
        let c = current();
        let e = c.validate(PeriodKind::Month, &vals(&[("pop", Value::Num(2_000_000.0))]));
        assert!(e.iter().any(|e| e.field == "pop" && e.code == "max"));
        let e = c.validate(PeriodKind::Month, &vals(&[("nope", Value::Num(1.0))]));
        assert!(e.iter().any(|e| e.field == "nope" && e.code == "unknown"));
        let e = c.validate(PeriodKind::Month, &vals(&[("bhyt_rate", Value::Num(1.0))]));
        assert!(e.iter().any(|e| e.field == "bhyt_rate" && e.code == "computed"));
    }

    #[test]
    fn required_only_when_asked() {
        let c = current();
        let e = c.validate(PeriodKind::Month, &BTreeMap::new());
        assert!(e.iter().any(|e| e.field == "pop" && e.code == "required"));
    }

    #[test]
    fn rates_are_computed() {
        let c = current();
        let rate = c.indicator("bhyt_rate").unwrap();
        let v = vals(&[("pop", Value::Num(400.0)), ("bhyt", Value::Num(394.0))]);
        assert_eq!(c.rate(rate, &v), Some(98.5));
        let v0 = vals(&[("pop", Value::Num(0.0)), ("bhyt", Value::Num(0.0))]);
        assert_eq!(c.rate(rate, &v0), None);
        assert!(rate.target.as_ref().unwrap().met(100.0));
        assert!(!rate.target.as_ref().unwrap().met(98.5));
    }

    #[test]
    fn far_from_previous_asks_only_for_big_jumps() {
        assert!(far_from_previous(100.0, 301.0));
        assert!(far_from_previous(100.0, 33.0));
        assert!(!far_from_previous(100.0, 300.0));
        assert!(!far_from_previous(0.0, 50.0));
    }

    // ---- The catalogue's content (version 2, derived from section II of the plan) ----

    /// The fourteen indicators of version 1: their keys and meaning stay.
    const V1_KEYS: [&str; 14] = [
        "dvc_helped",
        "ds_sessions",
        "child35",
        "child35_school",
        "preschool_rate",
        "dvc_users",
        "road_km",
        "pop",
        "bhyt",
        "bhyt_rate",
        "landslide_pts",
        "security_cases",
        "foreign_res",
        "legal_sessions",
    ];

    /// Size budget of the embedded file (it ships in the WASM bundle).
    const MAX_JSON_BYTES: usize = 35 * 1024;

    fn group_number(key: &str) -> u32 {
        key.strip_prefix('g').and_then(|n| n.parse().ok()).expect("group key gN")
    }

    #[test]
    fn catalogue_size_and_groups() {
        let c = current();
        assert!(c.version >= 2);
        let n = c.indicators.iter().filter(|i| !i.retired).count();
        assert!((60..=90).contains(&n), "{n} indicators");
        for g in &c.groups {
            let k = c.indicators.iter().filter(|i| i.group == g.key && !i.retired).count();
            assert!(k >= 3, "group {} has only {k} indicators", g.key);
            assert!(!g.vi.trim().is_empty() && !g.en.trim().is_empty(), "group {} labels", g.key);
        }
        assert!(CATALOGUE_JSON.len() <= MAX_JSON_BYTES, "catalogue.json is {} bytes", CATALOGUE_JSON.len());
        // Compact: one indicator a line, so no line is an indicator fragment.
        for line in CATALOGUE_JSON.lines().filter(|l| l.contains("\"group\":\"g")) {
            assert!(line.starts_with("{\"key\":") && line.trim_end_matches(',').ends_with('}'), "{line}");
        }
    }

    #[test]
    fn version_1_keys_are_kept_with_their_rules() {
        let c = current();
        for k in V1_KEYS {
            let i = c.indicator(k).unwrap_or_else(|| panic!("{k} is gone"));
            assert!(!i.retired, "{k} retired");
        }
        let i = |k| c.indicator(k).unwrap();
        assert!(i("pop").required && i("bhyt").required);
        assert_eq!(i("pop").max, Some(1_000_000.0));
        assert!(i("pop").prefill && i("child35").prefill);
        assert_eq!(i("bhyt").le.as_deref(), Some("pop"));
        assert_eq!(i("child35_school").le.as_deref(), Some("child35"));
        for (rate, num, den) in [("bhyt_rate", "bhyt", "pop"), ("preschool_rate", "child35_school", "child35")] {
            assert_eq!((i(rate).num.as_deref(), i(rate).den.as_deref()), (Some(num), Some(den)), "{rate}");
        }
        assert_eq!(i("road_km").kind, Kind::Decimal);
        for k in V1_KEYS.iter().filter(|k| !k.ends_with("_rate") && **k != "road_km") {
            assert_eq!(i(k).kind, Kind::Count, "{k}");
        }
        let t = i("bhyt_rate").target.as_ref().unwrap();
        assert_eq!((t.op.as_str(), t.value, t.source.as_str()), ("ge", 100.0, "KH II.6"));
    }

    #[test]
    fn only_a_few_core_figures_are_required() {
        let c = current();
        let req: Vec<_> = c.indicators.iter().filter(|i| i.required).map(|i| i.key.as_str()).collect();
        assert!(req.contains(&"pop") && req.contains(&"bhyt"), "{req:?}");
        assert!(req.len() <= 5, "a monthly phone form: {req:?}");
        for i in c.indicators.iter().filter(|i| i.required) {
            assert_eq!(i.periods, PeriodKind::ALL.to_vec(), "{} required but not always asked", i.key);
            assert!(i.is_input(), "{}", i.key);
        }
        // A month report with just the required figures is complete.
        let e = c.validate(PeriodKind::Month, &vals(&[("pop", Value::Num(500.0)), ("bhyt", Value::Num(480.0))]));
        assert!(e.is_empty(), "{e:?}");
    }

    #[test]
    fn every_indicator_is_labelled_in_both_languages() {
        for i in &current().indicators {
            assert!(!i.vi.trim().is_empty() && !i.en.trim().is_empty(), "{} labels", i.key);
            assert_eq!(i.help_vi.is_empty(), i.help_en.is_empty(), "{}: help in one language only", i.key);
            assert!(
                i.key.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_'),
                "{}: key",
                i.key
            );
        }
    }

    #[test]
    fn numbers_have_units_and_plausible_bounds() {
        let c = current();
        // Symbols read the same in both languages; words need an English unit.
        let symbols = ["%", "km", "ha", "m²"];
        for i in &c.indicators {
            match i.kind {
                Kind::Count | Kind::Decimal => {
                    assert!(!i.unit.is_empty(), "{}: unit", i.key);
                    assert!(symbols.contains(&i.unit.as_str()) || !i.unit_en.is_empty(), "{}: unit_en", i.key);
                    let max = i.max.unwrap_or_else(|| panic!("{}: no max", i.key));
                    assert!(max > 0.0, "{}", i.key);
                    assert!(i.choices.is_empty(), "{}", i.key);
                }
                Kind::Bool | Kind::Text | Kind::Choice => {
                    assert!(i.unit.is_empty() && i.min.is_none() && i.max.is_none() && i.le.is_none(), "{}", i.key)
                }
                Kind::Rate => {}
            }
        }
        // A village has a few thousand people at most: only the population
        // (and the insured, bounded by it) keep the old loose bound.
        for i in c.indicators.iter().filter(|i| i.unit == "người" && !["pop", "bhyt"].contains(&i.key.as_str())) {
            assert!(i.max.unwrap() <= 10_000.0, "{}: max {:?} is not plausible for a village", i.key, i.max);
        }
        for i in c.indicators.iter().filter(|i| i.unit == "hộ") {
            assert!(i.max.unwrap() <= 5_000.0, "{}: max {:?}", i.key, i.max);
        }
    }

    #[test]
    fn rates_are_percentages_of_two_counts() {
        let c = current();
        let rates: Vec<_> = c.indicators.iter().filter(|i| i.kind == Kind::Rate).collect();
        assert!(rates.len() >= 5);
        for r in rates {
            assert_eq!(r.unit, "%", "{}", r.key);
            assert_eq!(r.agg, Agg::Ratio, "{}", r.key);
            assert!(!r.required && !r.prefill && r.le.is_none() && r.max.is_none(), "{}: rates are never typed", r.key);
            let num = c.indicator(r.num.as_deref().unwrap()).unwrap();
            let den = c.indicator(r.den.as_deref().unwrap()).unwrap();
            // The numerator is a part of the denominator, so the rate stays ≤ 100 %.
            assert_eq!(num.le.as_deref(), Some(den.key.as_str()), "{}: {} ≤ {}", r.key, num.key, den.key);
        }
        for (rate, num, den) in [
            ("poor_rate", "poor_hh", "hh"),
            ("near_poor_rate", "near_poor_hh", "hh"),
            ("waste_col_rate", "hh_waste_col", "hh"),
            ("waste_sort_rate", "hh_waste_sort", "hh"),
            ("mediation_rate", "mediation_ok", "mediation_cases"),
        ] {
            let i = c.indicator(rate).unwrap_or_else(|| panic!("{rate}"));
            assert_eq!((i.num.as_deref(), i.den.as_deref()), (Some(num), Some(den)), "{rate}");
        }
        let v = vals(&[("hh", Value::Num(200.0)), ("poor_hh", Value::Num(15.0))]);
        assert_eq!(c.rate(c.indicator("poor_rate").unwrap(), &v), Some(7.5));
    }

    #[test]
    fn rules_name_numeric_indicators_asked_in_the_same_periods() {
        let c = current();
        for i in &c.indicators {
            for o in [&i.le, &i.num, &i.den].into_iter().flatten() {
                let o = c.indicator(o).unwrap_or_else(|| panic!("{} names {o}", i.key));
                assert!(matches!(o.kind, Kind::Count | Kind::Decimal), "{} → {}", i.key, o.key);
                assert!(!o.retired, "{} → retired {}", i.key, o.key);
                for p in &i.periods {
                    assert!(o.periods.contains(p), "{} asked in {p:?}, {} not", i.key, o.key);
                }
                if i.le.as_deref() == Some(o.key.as_str()) {
                    assert_eq!(i.kind, o.kind, "{} ≤ {}: same kind of number", i.key, o.key);
                }
            }
        }
    }

    /// (indicator, not more than) — the subset rules of version 2.
    const SUBSETS: [(&str, &str); 31] = [
        ("bhyt", "pop"),
        ("hh", "pop"),
        ("child35_school", "child35"),
        ("poor_hh", "hh"),
        ("near_poor_hh", "hh"),
        ("relapse_hh", "poor_hh"),
        ("escaped_hh", "hh"),
        ("temp_house_hh", "hh"),
        ("cultural_hh", "hh"),
        ("danger_hh", "hh"),
        ("hh_waste_col", "hh"),
        ("hh_waste_sort", "hh"),
        ("hh_fibre", "hh"),
        ("hh_no_power", "hh"),
        ("hh_tech", "hh"),
        ("hh_online_sales", "hh"),
        ("crop_conv_hh", "hh"),
        ("ds_dvc_sessions", "ds_sessions"),
        ("ds_cashless_sessions", "ds_sessions"),
        ("ds_ecommerce_sessions", "ds_sessions"),
        ("ds_skills_sessions", "ds_sessions"),
        ("ds_cyber_sessions", "ds_sessions"),
        ("coop_ecommerce", "coop_models"),
        ("crime_cases", "security_cases"),
        ("drug_cases", "security_cases"),
        ("vice_cases", "security_cases"),
        ("security_solved", "security_cases"),
        ("drug_users", "pop"),
        ("ocop_outside", "ocop_products"),
        ("mediation_ok", "mediation_cases"),
        ("petitions_done", "petitions"),
    ];

    #[test]
    fn subset_rules_are_enforced() {
        let c = current();
        for (k, other) in SUBSETS {
            let i = c.indicator(k).unwrap_or_else(|| panic!("{k}"));
            assert_eq!(i.le.as_deref(), Some(other), "{k}");
            // Validate in a period that asks for it: more than the whole is refused…
            let p = i.periods[0];
            let bad = vals(&[(other, Value::Num(10.0)), (k, Value::Num(11.0))]);
            let e = c.validate(p, &bad);
            let e = e.iter().find(|e| e.field == k).unwrap_or_else(|| panic!("{k} > {other} accepted"));
            assert_eq!((e.code.as_str(), e.other.as_deref()), ("le", Some(other)), "{k}");
            // …equal is fine.
            let ok = vals(&[(other, Value::Num(10.0)), (k, Value::Num(10.0))]);
            assert!(c.validate(p, &ok).iter().all(|e| e.field != k), "{k} = {other} refused");
        }
        let ruled = c.indicators.iter().filter(|i| i.le.is_some()).count();
        assert_eq!(ruled, SUBSETS.len(), "a new le rule: add it to SUBSETS");
    }

    #[test]
    fn named_rules_of_the_plan() {
        let c = current();
        // Poor households ≤ households.
        let e = c.validate(PeriodKind::Month, &vals(&[("hh", Value::Num(100.0)), ("poor_hh", Value::Num(101.0))]));
        assert!(e.iter().any(|e| e.field == "poor_hh" && e.code == "le"));
        // Children attending ≤ children aged 3–5.
        let e = c.validate(
            PeriodKind::Quarter,
            &vals(&[("child35", Value::Num(30.0)), ("child35_school", Value::Num(31.0))]),
        );
        assert!(e.iter().any(|e| e.field == "child35_school" && e.code == "le"));
        // Households in danger zones ≤ households. Evacuations are not bounded
        // by the households in danger at the end of the period: summed over a
        // year (the same households evacuated at each storm, or relocated out
        // of the zone) they can be more (catalogue version 3).
        let e = c.validate(PeriodKind::Month, &vals(&[("hh", Value::Num(3.0)), ("danger_hh", Value::Num(4.0))]));
        assert!(e.iter().any(|e| e.field == "danger_hh" && e.other.as_deref() == Some("hh")));
        let e =
            c.validate(PeriodKind::Year, &vals(&[("danger_hh", Value::Num(4.0)), ("relocated_hh", Value::Num(9.0))]));
        assert!(e.iter().all(|e| e.field != "relocated_hh"));
        // Relapsed households are poor households now (year-end review).
        let e = c.validate(PeriodKind::Year, &vals(&[("poor_hh", Value::Num(3.0)), ("relapse_hh", Value::Num(4.0))]));
        assert!(e.iter().any(|e| e.field == "relapse_hh" && e.code == "le"));
        // A rule with one side missing cannot be checked and is not.
        let e = c.validate(PeriodKind::Month, &vals(&[("danger_hh", Value::Num(5.0))]));
        assert!(e.iter().all(|e| e.field != "danger_hh"));
    }

    #[test]
    fn choices_are_well_formed() {
        let c = current();
        let choice: Vec<_> = c.indicators.iter().filter(|i| i.kind == Kind::Choice).collect();
        assert!(choice.len() >= 2);
        for i in choice {
            assert!(i.choices.len() >= 2, "{}", i.key);
            let keys: std::collections::BTreeSet<_> = i.choices.iter().map(|ch| ch.key.as_str()).collect();
            assert_eq!(keys.len(), i.choices.len(), "{}: duplicate choice key", i.key);
            for ch in &i.choices {
                assert!(!ch.key.is_empty() && !ch.vi.trim().is_empty() && !ch.en.trim().is_empty(), "{}", i.key);
            }
            assert_eq!(i.agg, Agg::List, "{}", i.key);
        }
        let e = c.validate(PeriodKind::Month, &vals(&[("mobile_signal", Value::Text("tot".into()))]));
        assert!(e.iter().all(|e| e.field != "mobile_signal"));
        let e = c.validate(PeriodKind::Month, &vals(&[("mobile_signal", Value::Text("great".into()))]));
        assert!(e.iter().any(|e| e.field == "mobile_signal" && e.code == "choice"));
    }

    #[test]
    fn aggregation_rules_fit_the_kind() {
        let c = current();
        for i in &c.indicators {
            let ok = match i.kind {
                Kind::Count | Kind::Decimal => matches!(i.agg, Agg::Sum | Agg::Latest),
                Kind::Rate => i.agg == Agg::Ratio,
                Kind::Bool => matches!(i.agg, Agg::Any | Agg::All),
                Kind::Choice | Kind::Text => i.agg == Agg::List,
            };
            assert!(ok, "{}: {:?} with {:?}", i.key, i.kind, i.agg);
        }
        for k in ["bool", "choice", "text"] {
            let n = c.indicators.iter().filter(|i| format!("{:?}", i.kind).to_lowercase() == k).count();
            assert!(n >= 2, "{n} {k} indicators");
        }
        // Slowly changing figures are prefilled and asked in every report.
        for k in ["pop", "hh", "poor_hh", "near_poor_hh", "child35", "fibre", "mobile_signal", "cult_house"] {
            let i = c.indicator(k).unwrap();
            assert!(i.prefill && i.periods == PeriodKind::ALL.to_vec(), "{k}");
        }
        // Yearly-only items.
        for k in ["cultural_hh", "ocop_products", "escaped_hh", "relapse_hh"] {
            assert_eq!(c.indicator(k).unwrap().periods, vec![PeriodKind::Year], "{k}");
        }
    }

    #[test]
    fn targets_come_from_the_plan() {
        let c = current();
        for i in c.indicators.iter().filter(|i| i.target.is_some()) {
            let t = i.target.as_ref().unwrap();
            // The plan section is the indicator's own task group: KH II.n for gn.
            assert_eq!(t.source, format!("KH II.{}", group_number(&i.group)), "{}", i.key);
            assert!(["ge", "le", "eq"].contains(&t.op.as_str()), "{}", i.key);
            assert!(matches!(i.kind, Kind::Count | Kind::Decimal | Kind::Rate | Kind::Bool), "{}", i.key);
            if i.kind == Kind::Bool {
                assert_eq!((t.op.as_str(), t.value), ("eq", 1.0), "{}: yes is 1", i.key);
            }
            if i.kind == Kind::Rate {
                assert!((0.0..=100.0).contains(&t.value), "{}", i.key);
            }
        }
        let targets: Vec<_> = c
            .indicators
            .iter()
            .filter_map(|i| i.target.as_ref().map(|t| (i.key.as_str(), t.op.as_str(), t.value)))
            .collect();
        assert_eq!(
            targets,
            [
                ("dropout_econ", "le", 0.0),    // II.3 no pupil drops out for economic hardship
                ("mobile_good_all", "eq", 1.0), // II.5 every village: good mobile signal…
                ("fibre", "eq", 1.0),           // II.5 …and fibre internet
                ("bhyt_rate", "ge", 100.0),     // II.6 health insurance coverage 100 %
                ("relapse_hh", "le", 0.0),      // II.6 no household falls back into poverty
            ]
        );
        let fibre = c.indicator("fibre").unwrap();
        assert_eq!(fibre.agg, Agg::All, "every village");
        assert!(fibre.target.as_ref().unwrap().met(1.0) && !fibre.target.as_ref().unwrap().met(0.0));
    }

    #[test]
    fn digital_team_activity_keys() {
        // Fed later from the digital team's activity log.
        let c = current();
        for k in [
            "ds_sessions",
            "ds_people",
            "ds_dvc_sessions",
            "ds_cashless_sessions",
            "ds_skills_sessions",
            "ds_cyber_sessions",
            "ds_ecommerce_sessions",
            "dvc_helped",
        ] {
            let i = c.indicator(k).unwrap_or_else(|| panic!("{k}"));
            assert!(["g1", "g2", "g4"].contains(&i.group.as_str()), "{k}");
            assert_eq!((i.kind, i.agg, i.periods.len()), (Kind::Count, Agg::Sum, 4), "{k}");
        }
    }

    #[test]
    fn a_fetched_catalogue_installs_once_and_bad_text_installs_nothing() {
        let cell = OnceLock::new();
        assert!(install_into(&cell, "{\"version\": 3").is_err(), "cut short");
        assert!(install_into(&cell, "[]").is_err(), "not a catalogue");
        assert!(cell.get().is_none(), "nothing installed by bad text");
        let c = install_into(&cell, CATALOGUE_JSON).expect("the shipped file installs");
        assert_eq!(c.version, current().version);
        assert_eq!(c.indicators.len(), current().indicators.len());
        let again = install_into(&cell, "not json").expect("installed already: kept");
        assert!(std::ptr::eq(again, c), "the first one stays");
    }
}
