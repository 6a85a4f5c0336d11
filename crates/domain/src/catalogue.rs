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
//! * derived rates (`"kind": "rate"`) are computed from `num`/`den`, never typed.

use crate::period::PeriodKind;
use crate::record::{FieldError, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The catalogue file, embedded in both the PWA and the server.
pub const CATALOGUE_JSON: &str = include_str!("../data/catalogue.json");

/// The catalogue this build ships with (parsed once).
pub fn current() -> &'static Catalogue {
    static CAT: OnceLock<Catalogue> = OnceLock::new();
    CAT.get_or_init(|| Catalogue::from_json(CATALOGUE_JSON).expect("embedded catalogue is valid"))
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
    pub vi: String,
    pub en: String,
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
        let cat: Catalogue = serde_json::from_str(json).map_err(|e| e.to_string())?;
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
            if (i.kind == Kind::Choice) != !i.choices.is_empty() {
                return Err(format!("{}: choices belong to choice indicators only", i.key));
            }
            if i.kind == Kind::Rate && (i.num.is_none() || i.den.is_none() || i.agg != Agg::Ratio) {
                return Err(format!("{}: a rate needs num, den and agg ratio", i.key));
            }
            if i.kind != Kind::Rate && (i.num.is_some() || i.den.is_some()) {
                return Err(format!("{}: num/den belong to rates", i.key));
            }
        }
        let numeric = |k: &str| {
            self.indicator(k)
                .is_some_and(|o| matches!(o.kind, Kind::Count | Kind::Decimal))
        };
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
                            let mut e = FieldError::new(k, "le", &format!("Không được lớn hơn “{o}” ({})", crate::format::number_vi(y, 2)));
                            e.other = Some(other.clone());
                            e.limit = Some(y);
                            return Some(e);
                        }
                    }
                }
                None
            }
            (Kind::Bool, Value::Bool(_)) => None,
            (Kind::Choice, Value::Text(s)) => {
                (!ind.choices.iter().any(|c| &c.key == s)).then(|| FieldError::new(k, "choice", "Lựa chọn không hợp lệ"))
            }
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
}
