//! Commune figures from village reports: every indicator combined across the
//! villages by its `agg` rule. No I/O.
//!
//! * [`aggregate`] / [`aggregate_period`] — one period, across villages:
//!   * `sum`: the villages' values added up;
//!   * `latest`: a stock figure (population, households…); across villages in
//!     one period it adds up like `sum`, over several periods of one village
//!     only the most recent value counts (see [`latest_values`]);
//!   * `ratio`: sum of numerators over sum of denominators × 100 — never an
//!     average of the villages' rates — from the villages that gave both parts;
//!   * `any` / `all`: yes/no answers combined;
//!   * `list`: each village's answer (text), or how many villages chose each
//!     choice (choice indicators).
//! * [`latest_values`] / [`aggregate_latest`] — the most recent known value of
//!   every stock figure of each village, whatever the period it was reported
//!   in: the commune's "current state".
//! * [`check_targets`] — whether each commune figure meets the plan's target.
//!
//! A village that left an indicator empty (or gave a value of the wrong type)
//! did not report it: it is not counted as zero, and `villages_reporting`
//! says how many villages the figure rests on.

use crate::catalogue::{Agg, Catalogue, Indicator, Kind, Target};
use crate::period::{Period, PeriodKind};
use crate::record::{Report, Value};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One village's values for the period being aggregated.
#[derive(Debug, Clone, Copy)]
pub struct VillageValues<'a> {
    pub village: &'a str,
    pub values: &'a BTreeMap<String, Value>,
}

impl<'a> From<&'a Report> for VillageValues<'a> {
    fn from(r: &'a Report) -> Self {
        Self { village: &r.village, values: &r.values }
    }
}

/// The commune figure of one indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Figure {
    /// `sum` and `latest`: the total over the villages that gave a number;
    /// `None` if none did.
    Number(Option<f64>),
    /// `ratio`: the summed numerators and denominators of the villages that
    /// gave both parts, and `num / den × 100` (`None` if `den` is 0).
    Ratio { num: f64, den: f64, value: Option<f64> },
    /// `any` / `all` over the villages that answered; `None` if none did.
    Flag(Option<bool>),
    /// A `list` choice indicator: how many villages chose each choice (every
    /// choice, in catalogue order, zeros included) and who chose what.
    Choices { counts: Vec<(String, usize)>, by_village: Vec<(String, String)> },
    /// Other `list` indicators (text): each village's value, in input order.
    List(Vec<(String, Value)>),
}

/// One indicator's commune figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    pub key: String,
    pub figure: Figure,
    /// Villages whose value went into the figure (for a ratio: that gave both
    /// parts).
    pub villages_reporting: usize,
    /// Villages expected to report.
    pub villages_total: usize,
}

impl Aggregate {
    /// The figure as a number, for targets and charts: a total, a rate, or a
    /// yes/no as 1/0. `None` for lists and for figures no village gave.
    pub fn number(&self) -> Option<f64> {
        match &self.figure {
            Figure::Number(x) => *x,
            Figure::Ratio { value, .. } => *value,
            Figure::Flag(b) => b.map(|b| if b { 1.0 } else { 0.0 }),
            Figure::Choices { .. } | Figure::List(_) => None,
        }
    }

    /// Whether every expected village contributed.
    pub fn complete(&self) -> bool {
        self.villages_reporting >= self.villages_total
    }
}

/// Commune figures for a report of `kind`: one [`Aggregate`] per indicator the
/// report asks for, in catalogue order. `villages` holds one entry per village
/// that reported; `villages_total` is how many villages should have (raised to
/// `villages.len()` if smaller).
pub fn aggregate(
    cat: &Catalogue,
    kind: PeriodKind,
    villages: &[VillageValues<'_>],
    villages_total: usize,
) -> Vec<Aggregate> {
    let total = villages_total.max(villages.len());
    cat.asked(kind).map(|ind| aggregate_one(ind, villages, total)).collect()
}

/// [`aggregate`] over the reports of `period` among `reports` (reports of
/// other periods are left out). Two reports of one village for the period are
/// an error: the caller mixed up versions of a record.
pub fn aggregate_period(
    cat: &Catalogue,
    period: Period,
    reports: &[Report],
    villages_total: usize,
) -> Result<Vec<Aggregate>, String> {
    let mut seen = BTreeSet::new();
    let mut villages = Vec::new();
    for r in reports.iter().filter(|r| r.period == period) {
        if !seen.insert(r.village.as_str()) {
            return Err(format!("{}: two reports for {period}", r.village));
        }
        villages.push(VillageValues::from(r));
    }
    Ok(aggregate(cat, period.kind(), &villages, villages_total))
}

/// Whether values of `ind` carry over time as a state (a stock figure): its
/// rule is `latest`, or it is prefilled from the previous report.
pub fn is_stock(ind: &Indicator) -> bool {
    ind.agg == Agg::Latest || ind.prefill
}

/// For each village (in village order), the most recent value of every stock
/// indicator ([`is_stock`]) found in `reports`, which may be of any periods
/// and kinds. "Most recent" is the report whose period ends last; of periods
/// ending on the same day (December, Q4, H2 and the year), the longer one
/// wins, as the more carefully reviewed report. A report that left an
/// indicator empty does not hide an older value of it.
pub fn latest_values(cat: &Catalogue, reports: &[Report]) -> BTreeMap<String, BTreeMap<String, Value>> {
    let mut sorted: Vec<&Report> = reports.iter().collect();
    // Oldest first, so that later reports overwrite.
    sorted.sort_by_key(|r| (r.period.end(), r.period.kind()));
    let mut out: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for r in sorted {
        let village = out.entry(r.village.clone()).or_default();
        for (k, v) in &r.values {
            if cat.indicator(k).is_some_and(|i| !i.retired && is_stock(i)) {
                village.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

/// The commune's current state: every stock indicator (and every rate whose
/// two parts are stock figures) aggregated over the villages' latest values
/// ([`latest_values`]), in catalogue order. A village with reports but none
/// of a given figure does not count as reporting it.
pub fn aggregate_latest(cat: &Catalogue, reports: &[Report], villages_total: usize) -> Vec<Aggregate> {
    let latest = latest_values(cat, reports);
    let villages: Vec<VillageValues<'_>> =
        latest.iter().map(|(village, values)| VillageValues { village, values }).collect();
    let total = villages_total.max(villages.len());
    let stock = |k: &Option<String>| k.as_deref().and_then(|k| cat.indicator(k)).is_some_and(is_stock);
    cat.indicators
        .iter()
        .filter(|i| !i.retired)
        .filter(|i| if i.kind == Kind::Rate { stock(&i.num) && stock(&i.den) } else { is_stock(i) })
        .map(|ind| aggregate_one(ind, &villages, total))
        .collect()
}

fn num(values: &BTreeMap<String, Value>, key: &str) -> Option<f64> {
    values.get(key).and_then(Value::as_num).filter(|x| x.is_finite())
}

fn aggregate_one(ind: &Indicator, villages: &[VillageValues<'_>], total: usize) -> Aggregate {
    let (figure, reporting) = figure(ind, villages);
    Aggregate { key: ind.key.clone(), figure, villages_reporting: reporting, villages_total: total }
}

/// One indicator's figure and how many villages it rests on.
fn figure(ind: &Indicator, villages: &[VillageValues<'_>]) -> (Figure, usize) {
    let key = ind.key.as_str();
    match ind.agg {
        Agg::Sum | Agg::Latest => {
            let xs: Vec<f64> = villages.iter().filter_map(|v| num(v.values, key)).collect();
            let sum = (!xs.is_empty()).then(|| xs.iter().sum());
            (Figure::Number(sum), xs.len())
        }
        Agg::Ratio => {
            let (n, d) = (ind.num.as_deref().unwrap_or_default(), ind.den.as_deref().unwrap_or_default());
            let parts: Vec<(f64, f64)> =
                villages.iter().filter_map(|v| Some((num(v.values, n)?, num(v.values, d)?))).collect();
            let (num, den) = parts.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
            let value = (den > 0.0).then(|| num / den * 100.0);
            (Figure::Ratio { num, den, value }, parts.len())
        }
        Agg::Any | Agg::All => {
            let bs: Vec<bool> = villages
                .iter()
                .filter_map(|v| match v.values.get(key) {
                    Some(Value::Bool(b)) => Some(*b),
                    _ => None,
                })
                .collect();
            let flag = match ind.agg {
                _ if bs.is_empty() => None,
                Agg::Any => Some(bs.contains(&true)),
                _ => Some(!bs.contains(&false)),
            };
            (Figure::Flag(flag), bs.len())
        }
        Agg::List if ind.kind == Kind::Choice => {
            let mut counts: Vec<(String, usize)> = ind.choices.iter().map(|c| (c.key.clone(), 0)).collect();
            let mut by_village = Vec::new();
            for v in villages {
                let Some(Value::Text(s)) = v.values.get(key) else { continue };
                // Keys not in the catalogue (refused by validation) are not answers.
                if let Some(c) = counts.iter_mut().find(|(k, _)| k == s) {
                    c.1 += 1;
                    by_village.push((v.village.to_string(), s.clone()));
                }
            }
            let n = by_village.len();
            (Figure::Choices { counts, by_village }, n)
        }
        Agg::List => {
            let items: Vec<(String, Value)> = villages
                .iter()
                .filter_map(|v| match v.values.get(key)? {
                    Value::Text(s) if s.trim().is_empty() => None,
                    x => Some((v.village.to_string(), x.clone())),
                })
                .collect();
            let n = items.len();
            (Figure::List(items), n)
        }
    }
}

/// Whether one commune figure meets its indicator's target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetCheck {
    pub key: String,
    pub target: Target,
    /// The commune figure as a number (yes/no as 1/0); `None` if no village
    /// gave it, or a ratio's denominator is 0.
    pub value: Option<f64>,
    /// `None` when there is no figure to judge.
    pub met: Option<bool>,
    /// Whether every expected village contributed; when not, `met` speaks
    /// only for the villages that did (e.g. "every village has fibre" is not
    /// proven while some have not reported).
    pub complete: bool,
}

/// For each aggregate whose indicator has a target, whether it is met, in the
/// order of `aggs`.
pub fn check_targets(cat: &Catalogue, aggs: &[Aggregate]) -> Vec<TargetCheck> {
    aggs.iter()
        .filter_map(|a| {
            let target = cat.indicator(&a.key)?.target.clone()?;
            let value = a.number();
            Some(TargetCheck {
                key: a.key.clone(),
                met: value.map(|x| target.met(x)),
                target,
                value,
                complete: a.complete(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small catalogue of its own, so that these tests do not move with the
    /// real one.
    fn cat() -> Catalogue {
        Catalogue::from_json(
            r#"{"version":1,"groups":[{"key":"g1","vi":"1","en":"1"}],"indicators":[
{"key":"pop","group":"g1","vi":"Dân số","en":"Population","kind":"count","agg":"latest","prefill":true},
{"key":"ins","group":"g1","vi":"BHYT","en":"Insured","kind":"count","le":"pop","agg":"latest"},
{"key":"ins_rate","group":"g1","vi":"Tỷ lệ","en":"Rate","kind":"rate","unit":"%","agg":"ratio","num":"ins","den":"pop","target":{"op":"ge","value":100,"source":"KH II.6"}},
{"key":"sessions","group":"g1","vi":"Buổi","en":"Sessions","kind":"count","agg":"sum"},
{"key":"dropouts","group":"g1","vi":"Bỏ học","en":"Dropouts","kind":"count","agg":"sum","target":{"op":"le","value":0,"source":"KH II.3"}},
{"key":"fibre","group":"g1","vi":"Cáp quang","en":"Fibre","kind":"bool","agg":"all","prefill":true,"target":{"op":"eq","value":1,"source":"KH II.5"}},
{"key":"hit","group":"g1","vi":"Thiên tai","en":"Disaster","kind":"bool","agg":"any"},
{"key":"signal","group":"g1","vi":"Sóng","en":"Signal","kind":"choice","choices":[{"key":"tot","vi":"Tốt","en":"Good"},{"key":"yeu","vi":"Yếu","en":"Weak"},{"key":"khong","vi":"Không","en":"None"}],"agg":"list","prefill":true},
{"key":"notes","group":"g1","vi":"Ghi chú","en":"Notes","kind":"text","agg":"list"},
{"key":"yearly","group":"g1","vi":"Năm","en":"Yearly","kind":"count","periods":["year"],"agg":"sum"},
{"key":"old","group":"g1","vi":"Cũ","en":"Old","kind":"count","agg":"sum","retired":true}
]}"#,
        )
        .unwrap()
    }

    fn vals(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    fn n(x: f64) -> Value {
        Value::Num(x)
    }

    fn get<'a>(aggs: &'a [Aggregate], key: &str) -> &'a Aggregate {
        aggs.iter().find(|a| a.key == key).unwrap_or_else(|| panic!("no aggregate {key}"))
    }

    fn month(cat: &Catalogue, villages: &[(&str, BTreeMap<String, Value>)], total: usize) -> Vec<Aggregate> {
        let vv: Vec<VillageValues<'_>> =
            villages.iter().map(|(village, values)| VillageValues { village, values }).collect();
        aggregate(cat, PeriodKind::Month, &vv, total)
    }

    fn report(village: &str, period: &str, pairs: &[(&str, Value)]) -> Report {
        let mut r = Report::new(village, Period::parse(period).unwrap(), 1);
        r.values = vals(pairs);
        r
    }

    #[test]
    fn one_aggregate_per_asked_indicator_in_catalogue_order() {
        let c = cat();
        let aggs = month(&c, &[], 3);
        let keys: Vec<_> = aggs.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(keys, ["pop", "ins", "ins_rate", "sessions", "dropouts", "fibre", "hit", "signal", "notes"]);
        let vv: Vec<VillageValues<'_>> = Vec::new();
        let year = aggregate(&c, PeriodKind::Year, &vv, 3);
        assert!(year.iter().any(|a| a.key == "yearly"), "asked in year reports only");
        assert!(!year.iter().any(|a| a.key == "old"), "retired indicators are not aggregated");
    }

    #[test]
    fn sum_ignores_villages_that_did_not_report() {
        let c = cat();
        let v = [
            ("t01", vals(&[("sessions", n(3.0))])),
            ("t02", vals(&[])),
            ("t03", vals(&[("sessions", n(0.0))])),
            ("t04", vals(&[("sessions", Value::Text("4".into()))])),
        ];
        let a = get(&month(&c, &v, 6), "sessions").clone();
        assert_eq!(a.figure, Figure::Number(Some(3.0)));
        assert_eq!(a.villages_reporting, 2, "a reported zero counts, a missing or mistyped value does not");
        assert_eq!(a.villages_total, 6);
        assert!(!a.complete());
        assert_eq!(a.number(), Some(3.0));
    }

    #[test]
    fn nothing_reported_is_none_not_zero() {
        let c = cat();
        let aggs = month(&c, &[("t01", vals(&[]))], 1);
        assert_eq!(get(&aggs, "sessions").figure, Figure::Number(None));
        assert_eq!(get(&aggs, "sessions").villages_reporting, 0);
        assert_eq!(get(&aggs, "ins_rate").figure, Figure::Ratio { num: 0.0, den: 0.0, value: None });
        assert_eq!(get(&aggs, "fibre").figure, Figure::Flag(None));
        assert_eq!(get(&aggs, "notes").figure, Figure::List(vec![]));
        assert_eq!(get(&aggs, "sessions").number(), None);
        // No villages at all.
        let aggs = month(&c, &[], 0);
        assert_eq!(get(&aggs, "pop").figure, Figure::Number(None));
        assert!(get(&aggs, "pop").complete(), "nothing expected, nothing missing");
    }

    #[test]
    fn villages_total_is_at_least_the_villages_given() {
        let c = cat();
        let aggs = month(&c, &[("t01", vals(&[("pop", n(10.0))])), ("t02", vals(&[("pop", n(20.0))]))], 0);
        assert_eq!(get(&aggs, "pop").villages_total, 2);
        assert!(get(&aggs, "pop").complete());
    }

    #[test]
    fn latest_adds_up_across_villages_in_one_period() {
        let c = cat();
        let aggs = month(&c, &[("t01", vals(&[("pop", n(400.0))])), ("t02", vals(&[("pop", n(250.0))]))], 2);
        assert_eq!(get(&aggs, "pop").figure, Figure::Number(Some(650.0)));
    }

    #[test]
    fn ratio_is_sum_over_sum_not_an_average_of_rates() {
        let c = cat();
        let v = [
            ("t01", vals(&[("pop", n(2.0)), ("ins", n(1.0))])),    // 50 %
            ("t02", vals(&[("pop", n(100.0)), ("ins", n(99.0))])), // 99 %
        ];
        let a = get(&month(&c, &v, 2), "ins_rate").clone();
        let Figure::Ratio { num, den, value } = a.figure else { panic!("{a:?}") };
        assert_eq!((num, den), (100.0, 102.0));
        assert!((value.unwrap() - 100.0 / 102.0 * 100.0).abs() < 1e-9, "not (50 + 99) / 2");
        assert_eq!(a.villages_reporting, 2);
    }

    #[test]
    fn ratio_leaves_out_a_village_giving_one_part_only() {
        let c = cat();
        let v = [
            ("t01", vals(&[("pop", n(100.0)), ("ins", n(90.0))])),
            ("t02", vals(&[("ins", n(500.0))])), // numerator only
            ("t03", vals(&[("pop", n(300.0))])), // denominator only
        ];
        let aggs = month(&c, &v, 3);
        let a = get(&aggs, "ins_rate");
        assert_eq!(a.figure, Figure::Ratio { num: 90.0, den: 100.0, value: Some(90.0) });
        assert_eq!(a.villages_reporting, 1);
        // The parts themselves still add up on their own.
        assert_eq!(get(&aggs, "ins").figure, Figure::Number(Some(590.0)));
        assert_eq!(get(&aggs, "pop").figure, Figure::Number(Some(400.0)));
    }

    #[test]
    fn ratio_with_zero_denominator_has_no_value() {
        let c = cat();
        let v =
            [("t01", vals(&[("pop", n(0.0)), ("ins", n(0.0))])), ("t02", vals(&[("pop", n(0.0)), ("ins", n(0.0))]))];
        let a = get(&month(&c, &v, 2), "ins_rate").clone();
        assert_eq!(a.figure, Figure::Ratio { num: 0.0, den: 0.0, value: None });
        assert_eq!(a.villages_reporting, 2, "they did report, the rate is just undefined");
        assert_eq!(a.number(), None);
        // One village with a zero denominator does not poison the others.
        let v =
            [("t01", vals(&[("pop", n(0.0)), ("ins", n(0.0))])), ("t02", vals(&[("pop", n(50.0)), ("ins", n(50.0))]))];
        assert_eq!(get(&month(&c, &v, 2), "ins_rate").number(), Some(100.0));
    }

    #[test]
    fn any_and_all_with_mixed_answers() {
        let c = cat();
        let v = [
            ("t01", vals(&[("fibre", Value::Bool(true)), ("hit", Value::Bool(false))])),
            ("t02", vals(&[("fibre", Value::Bool(false)), ("hit", Value::Bool(true))])),
            ("t03", vals(&[])),
        ];
        let aggs = month(&c, &v, 3);
        assert_eq!(get(&aggs, "fibre").figure, Figure::Flag(Some(false)), "all: one no makes it no");
        assert_eq!(get(&aggs, "hit").figure, Figure::Flag(Some(true)), "any: one yes makes it yes");
        assert_eq!(get(&aggs, "fibre").villages_reporting, 2);
        assert_eq!(get(&aggs, "fibre").number(), Some(0.0));
        assert_eq!(get(&aggs, "hit").number(), Some(1.0));
    }

    #[test]
    fn any_and_all_when_everyone_agrees() {
        let c = cat();
        let yes = [("t01", vals(&[("fibre", Value::Bool(true))])), ("t02", vals(&[("fibre", Value::Bool(true))]))];
        assert_eq!(get(&month(&c, &yes, 2), "fibre").figure, Figure::Flag(Some(true)));
        let no = [("t01", vals(&[("hit", Value::Bool(false))])), ("t02", vals(&[("hit", Value::Bool(false))]))];
        assert_eq!(get(&month(&c, &no, 2), "hit").figure, Figure::Flag(Some(false)));
        // A non-bool value is no answer.
        let odd = [("t01", vals(&[("hit", n(1.0))]))];
        assert_eq!(get(&month(&c, &odd, 1), "hit").figure, Figure::Flag(None));
    }

    #[test]
    fn text_is_listed_per_village_skipping_blanks() {
        let c = cat();
        let v = [
            ("t01", vals(&[("notes", Value::Text("Lễ hội chùa".into()))])),
            ("t02", vals(&[("notes", Value::Text("   ".into()))])),
            ("t03", vals(&[])),
            ("t04", vals(&[("notes", Value::Text("Nhà thờ sửa mái".into()))])),
        ];
        let a = get(&month(&c, &v, 4), "notes").clone();
        assert_eq!(
            a.figure,
            Figure::List(vec![
                ("t01".into(), Value::Text("Lễ hội chùa".into())),
                ("t04".into(), Value::Text("Nhà thờ sửa mái".into())),
            ])
        );
        assert_eq!(a.villages_reporting, 2);
        assert_eq!(a.number(), None);
    }

    #[test]
    fn choices_are_counted_per_key() {
        let c = cat();
        let v = [
            ("t01", vals(&[("signal", Value::Text("tot".into()))])),
            ("t02", vals(&[("signal", Value::Text("yeu".into()))])),
            ("t03", vals(&[("signal", Value::Text("tot".into()))])),
            ("t04", vals(&[("signal", Value::Text("no_such".into()))])),
            ("t05", vals(&[])),
        ];
        let a = get(&month(&c, &v, 5), "signal").clone();
        assert_eq!(
            a.figure,
            Figure::Choices {
                counts: vec![("tot".into(), 2), ("yeu".into(), 1), ("khong".into(), 0)],
                by_village: vec![
                    ("t01".into(), "tot".into()),
                    ("t02".into(), "yeu".into()),
                    ("t03".into(), "tot".into())
                ],
            }
        );
        assert_eq!(a.villages_reporting, 3, "an unknown key is not an answer");
    }

    #[test]
    fn aggregate_period_takes_that_period_only_and_refuses_duplicates() {
        let c = cat();
        let p = Period::parse("2026-11").unwrap();
        let reports = [
            report("t01", "2026-11", &[("sessions", n(2.0))]),
            report("t02", "2026-11", &[("sessions", n(5.0))]),
            report("t01", "2026-10", &[("sessions", n(100.0))]),
            report("t03", "2026-Q4", &[("sessions", n(100.0))]),
        ];
        let aggs = aggregate_period(&c, p, &reports, 4).unwrap();
        assert_eq!(get(&aggs, "sessions").figure, Figure::Number(Some(7.0)));
        assert_eq!(get(&aggs, "sessions").villages_reporting, 2);
        assert_eq!(get(&aggs, "sessions").villages_total, 4);
        let dup = [report("t01", "2026-11", &[]), report("t01", "2026-11", &[])];
        assert!(aggregate_period(&c, p, &dup, 4).unwrap_err().contains("t01"));
        // A quarter's aggregation asks the quarter's indicators.
        let q = aggregate_period(&c, Period::parse("2026-Q4").unwrap(), &reports, 4).unwrap();
        assert_eq!(get(&q, "sessions").figure, Figure::Number(Some(100.0)));
    }

    #[test]
    fn latest_over_periods_takes_the_most_recent_value_per_village() {
        let c = cat();
        let reports = [
            report("t01", "2026-11", &[("pop", n(110.0)), ("sessions", n(4.0))]),
            report("t01", "2026-09", &[("pop", n(100.0)), ("ins", n(90.0)), ("fibre", Value::Bool(false))]),
            report("t01", "2026-10", &[("pop", n(105.0)), ("fibre", Value::Bool(true))]),
            report("t02", "2026-Q3", &[("pop", n(300.0)), ("ins", n(300.0))]),
            report("t02", "2026-08", &[("pop", n(290.0))]),
        ];
        let latest = latest_values(&c, &reports);
        let t01 = &latest["t01"];
        assert_eq!(t01["pop"], n(110.0), "November is the latest");
        assert_eq!(t01["ins"], n(90.0), "not given since September: September's value stands");
        assert_eq!(t01["fibre"], Value::Bool(true), "a prefilled yes/no is a stock figure too");
        assert!(!t01.contains_key("sessions"), "flows do not carry over");
        assert_eq!(latest["t02"]["pop"], n(300.0), "Q3 ends after August");

        let aggs = aggregate_latest(&c, &reports, 3);
        let keys: Vec<_> = aggs.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(keys, ["pop", "ins", "ins_rate", "fibre", "signal"]);
        assert_eq!(get(&aggs, "pop").figure, Figure::Number(Some(410.0)));
        let Figure::Ratio { num, den, value } = get(&aggs, "ins_rate").figure else { panic!() };
        assert_eq!((num, den), (390.0, 410.0));
        assert!((value.unwrap() - 95.121_951).abs() < 1e-5);
        assert_eq!(get(&aggs, "pop").villages_total, 3);
        assert_eq!(get(&aggs, "signal").villages_reporting, 0);
    }

    #[test]
    fn latest_same_end_day_prefers_the_longer_period() {
        let c = cat();
        let reports = [
            report("t01", "2026", &[("pop", n(120.0))]),
            report("t01", "2026-12", &[("pop", n(119.0))]),
            report("t01", "2026-Q4", &[("pop", n(118.0))]),
            report("t01", "2027-01", &[("ins", n(100.0))]),
        ];
        let latest = latest_values(&c, &reports);
        assert_eq!(latest["t01"]["pop"], n(120.0));
        assert_eq!(latest["t01"]["ins"], n(100.0));
        assert!(latest_values(&c, &[]).is_empty());
    }

    #[test]
    fn targets_are_checked_on_commune_figures() {
        let c = cat();
        let v = [
            ("t01", vals(&[("pop", n(100.0)), ("ins", n(100.0)), ("fibre", Value::Bool(true)), ("dropouts", n(0.0))])),
            ("t02", vals(&[("pop", n(100.0)), ("ins", n(98.0)), ("fibre", Value::Bool(true))])),
        ];
        let aggs = month(&c, &v, 3);
        let checks = check_targets(&c, &aggs);
        let keys: Vec<_> = checks.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(keys, ["ins_rate", "dropouts", "fibre"]);
        let t = |k: &str| checks.iter().find(|t| t.key == k).unwrap().clone();
        assert_eq!(t("ins_rate").value, Some(99.0));
        assert_eq!(t("ins_rate").met, Some(false), "ge 100");
        assert_eq!(t("dropouts").met, Some(true), "le 0");
        assert_eq!(t("fibre").met, Some(true), "eq 1: every reporting village says yes");
        assert!(!t("fibre").complete, "but one village has not reported");
        assert_eq!(t("fibre").target.source, "KH II.5");

        let v = [("t01", vals(&[("dropouts", n(1.0)), ("fibre", Value::Bool(false))]))];
        let checks = check_targets(&c, &month(&c, &v, 1));
        let t = |k: &str| checks.iter().find(|t| t.key == k).unwrap().clone();
        assert_eq!(t("dropouts").met, Some(false));
        assert_eq!(t("fibre").met, Some(false));
        assert_eq!(t("ins_rate").met, None, "no figure, no verdict");
        assert!(t("fibre").complete);
    }

    #[test]
    fn real_catalogue_commune_figures() {
        let c = crate::catalogue::current();
        let v = [
            (
                "t01",
                vals(&[
                    ("pop", n(500.0)),
                    ("bhyt", n(500.0)),
                    ("hh", n(120.0)),
                    ("poor_hh", n(12.0)),
                    ("fibre", Value::Bool(true)),
                ]),
            ),
            ("t02", vals(&[("pop", n(300.0)), ("bhyt", n(290.0)), ("hh", n(80.0)), ("poor_hh", n(8.0))])),
        ];
        let aggs = month(c, &v, 2);
        assert_eq!(aggs.len(), c.asked(PeriodKind::Month).count());
        assert_eq!(get(&aggs, "poor_rate").number(), Some(10.0));
        let checks = check_targets(c, &aggs);
        let bhyt = checks.iter().find(|t| t.key == "bhyt_rate").unwrap();
        assert_eq!(bhyt.value, Some(98.75));
        assert_eq!(bhyt.met, Some(false));
        let fibre = checks.iter().find(|t| t.key == "fibre").unwrap();
        assert_eq!((fibre.met, fibre.complete), (Some(true), false));
    }

    #[test]
    fn aggregates_travel_as_json() {
        let c = cat();
        let v = [(
            "t01",
            vals(&[
                ("pop", n(10.0)),
                ("ins", n(9.0)),
                ("signal", Value::Text("tot".into())),
                ("notes", Value::Text("x".into())),
            ]),
        )];
        let aggs = month(&c, &v, 1);
        let json = serde_json::to_string(&aggs).unwrap();
        assert_eq!(serde_json::from_str::<Vec<Aggregate>>(&json).unwrap(), aggs);
        let pop = serde_json::to_string(get(&aggs, "pop")).unwrap();
        assert_eq!(pop, r#"{"key":"pop","figure":{"number":10.0},"villages_reporting":1,"villages_total":1}"#);
    }
}
