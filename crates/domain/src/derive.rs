//! A longer report built from the shorter ones a village already filed, so a
//! village head types each figure once. No I/O.
//!
//! For a quarter, half-year or year report, every typed indicator with a
//! [`Carry`] rule is prefilled from the village's reports of the shortest
//! period kind that asks for it (the months for most; the quarters for
//! "converted this quarter" figures asked only from the quarter up; the
//! half-years for figures asked only twice a year):
//!
//! * `sum` — flows are added up over those reports (yes/no "in the period":
//!   yes if any says yes);
//! * `latest` — stocks and states come from the latest report that gave one;
//! * `none` — asked fresh (free text).
//!
//! Rates are never carried: the form recomputes them from their carried
//! numerator and denominator, so a quarter's rate is the latest month's
//! households over the latest month's households, never an average of rates.
//!
//! Which reports count, decided here once:
//!
//! * a **draft** does not count: it is not filed, and may be half typed;
//! * a report **saved, sent, received or approved** counts;
//! * a report **returned for correction** still counts — its figures are the
//!   best the village has said — but [`Derived::returned`] names it, so the
//!   form can say the sum may still change;
//! * a shorter period with **no filed report** leaves the figure partial:
//!   [`Derived::missing`] names it, and the sum covers the reports there are.
//!   A report that left a field empty gave nothing for it (not zero).

use crate::catalogue::{round6, Carry, Catalogue, Indicator};
use crate::period::{Period, PeriodKind};
use crate::record::{Report, Value};
use std::collections::{BTreeMap, BTreeSet};

/// One report of the village on the phone, as derivation sees it.
#[derive(Debug, Clone, Copy)]
pub struct Filed<'a> {
    pub report: &'a Report,
    /// Returned for correction by the commune office.
    pub returned: bool,
}

/// What a longer report starts from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Derived {
    /// Prefilled values, by indicator key (rates excluded: they are computed).
    pub values: BTreeMap<String, Value>,
    /// For each prefilled key, the kind of report it came from.
    pub from: BTreeMap<String, PeriodKind>,
    /// Shorter periods some figure needed that have no filed report, in order.
    pub missing: Vec<Period>,
    /// Filed reports used that are returned for correction, in order.
    pub returned: Vec<Period>,
}

impl Derived {
    /// Some figure rests on fewer reports than the period has.
    pub fn partial(&self) -> bool {
        !self.missing.is_empty()
    }
}

/// The shortest period kind, shorter than `target`, whose reports ask for
/// `ind` (the reports its value is carried from), if any.
pub fn source_kind(ind: &Indicator, target: PeriodKind) -> Option<PeriodKind> {
    if ind.carry == Carry::None || !ind.is_input() {
        return None;
    }
    PeriodKind::ALL.into_iter().filter(|k| *k < target).find(|k| ind.asked_in(*k))
}

/// Derives the prefill of `target`'s report of `village` from its `filed`
/// reports (any periods; others are ignored). A month derives nothing.
pub fn derive(cat: &Catalogue, village: &str, target: Period, filed: &[Filed<'_>]) -> Derived {
    let by_period: BTreeMap<Period, Filed<'_>> = filed
        .iter()
        .filter(|f| f.report.village == village && target.contains(&f.report.period))
        .map(|f| (f.report.period, *f))
        .collect();
    let mut out = Derived::default();
    let (mut missing, mut returned) = (BTreeSet::new(), BTreeSet::new());
    for ind in cat.asked(target.kind()) {
        let Some(kind) = source_kind(ind, target.kind()) else { continue };
        let mut given: Vec<&Value> = Vec::new();
        for part in target.parts(kind) {
            let Some(f) = by_period.get(&part) else {
                missing.insert(part);
                continue;
            };
            if let Some(v) = f.report.values.get(&ind.key) {
                given.push(v);
                if f.returned {
                    returned.insert(part);
                }
            }
        }
        if let Some(v) = carry(ind.carry, &given) {
            out.values.insert(ind.key.clone(), v);
            out.from.insert(ind.key.clone(), kind);
        }
    }
    out.missing = missing.into_iter().collect();
    out.returned = returned.into_iter().collect();
    out
}

/// One indicator's carried value from the values given, oldest first.
fn carry(rule: Carry, given: &[&Value]) -> Option<Value> {
    match rule {
        Carry::None => None,
        Carry::Latest => given.last().map(|v| (*v).clone()),
        Carry::Sum => {
            let nums: Vec<f64> = given.iter().filter_map(|v| v.as_num()).collect();
            let bools: Vec<bool> = given
                .iter()
                .filter_map(|v| match v {
                    Value::Bool(b) => Some(*b),
                    _ => None,
                })
                .collect();
            if !nums.is_empty() {
                Some(Value::Num(round6(nums.iter().sum())))
            } else if !bools.is_empty() {
                Some(Value::Bool(bools.contains(&true)))
            } else {
                None
            }
        }
    }
}

/// How many inputs a report of `kind` leaves to type when `derived` prefills
/// it: every typed indicator it asks for, less those prefilled.
pub fn inputs_to_type(cat: &Catalogue, kind: PeriodKind, derived: &Derived) -> usize {
    cat.asked(kind).filter(|i| i.is_input() && !derived.values.contains_key(&i.key)).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{current, Kind};

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    fn report(period: &str, pairs: &[(&str, Value)]) -> Report {
        let mut r = Report::new("pq-t01", p(period), current().version);
        r.values = pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        r
    }

    fn filed(reports: &[Report]) -> Vec<Filed<'_>> {
        reports.iter().map(|report| Filed { report, returned: false }).collect()
    }

    fn n(x: f64) -> Value {
        Value::Num(x)
    }

    #[test]
    fn every_typed_indicator_has_a_carry_rule_that_fits() {
        let c = current();
        for i in c.indicators.iter().filter(|i| !i.retired) {
            let want = match i.kind {
                Kind::Rate | Kind::Text => Carry::None,
                Kind::Count | Kind::Decimal if i.agg == crate::catalogue::Agg::Sum => Carry::Sum,
                Kind::Count | Kind::Decimal => Carry::Latest,
                // "… trong kỳ" (in the period) questions are flows; the rest are states.
                Kind::Bool if i.vi.contains("trong kỳ") => Carry::Sum,
                Kind::Bool | Kind::Choice => Carry::Latest,
            };
            assert_eq!(i.carry, want, "{}", i.key);
        }
        // Stock figures prefilled from last period are carried as stocks.
        for i in c.indicators.iter().filter(|i| i.prefill) {
            assert_eq!(i.carry, Carry::Latest, "{}", i.key);
        }
    }

    #[test]
    fn a_quarter_sums_flows_takes_the_latest_stock_and_recomputes_rates() {
        let c = current();
        let months = [
            report("2026-10", &[("ds_sessions", n(2.0)), ("road_km", n(0.1)), ("hh", n(120.0)), ("poor_hh", n(12.0))]),
            report("2026-11", &[("ds_sessions", n(3.0)), ("road_km", n(0.2)), ("hh", n(121.0)), ("poor_hh", n(11.0))]),
            report(
                "2026-12",
                &[
                    ("ds_sessions", n(1.0)),
                    ("hh", n(121.0)),
                    ("poor_hh", n(10.0)),
                    ("fibre", Value::Bool(true)),
                    ("disaster_hit", Value::Bool(false)),
                ],
            ),
        ];
        let mut with_flag = months.to_vec();
        with_flag[0].values.insert("disaster_hit".into(), Value::Bool(true));
        let d = derive(c, "pq-t01", p("2026-Q4"), &filed(&with_flag));
        assert!(!d.partial() && d.returned.is_empty(), "{d:?}");
        assert_eq!(d.values["ds_sessions"], n(6.0));
        assert_eq!(d.values["road_km"], n(0.3), "decimals summed without float noise");
        assert_eq!(d.values["hh"], n(121.0));
        assert_eq!(d.values["poor_hh"], n(10.0), "a stock is the latest month's, not a sum");
        assert_eq!(d.values["fibre"], Value::Bool(true));
        assert_eq!(d.values["disaster_hit"], Value::Bool(true), "hit in October: hit this quarter");
        assert_eq!(d.from["ds_sessions"], PeriodKind::Month);
        // The rate is December's 10 of 121, not the mean of the three months' rates.
        let rate = c.rate(c.indicator("poor_rate").unwrap(), &d.values).unwrap();
        assert!((rate - 10.0 / 121.0 * 100.0).abs() < 1e-9, "{rate}");
        assert!(!d.values.contains_key("poor_rate"), "rates are computed, never prefilled");
        // Nobody reported a figure: it is not made up as zero.
        assert!(!d.values.contains_key("workdays"));
        // Free text is asked fresh.
        let mut m = months.to_vec();
        m[2].values.insert("religion_notes".into(), Value::Text("Không".into()));
        assert!(!derive(c, "pq-t01", p("2026-Q4"), &filed(&m)).values.contains_key("religion_notes"));
    }

    #[test]
    fn a_missing_month_makes_it_partial_and_says_which() {
        let c = current();
        let months = [
            report("2026-10", &[("ds_sessions", n(2.0)), ("pop", n(500.0))]),
            report("2026-12", &[("ds_sessions", n(1.0))]),
        ];
        let d = derive(c, "pq-t01", p("2026-Q4"), &filed(&months));
        assert!(d.partial());
        assert_eq!(d.missing, [p("2026-11")]);
        assert_eq!(d.values["ds_sessions"], n(3.0), "the months there are");
        assert_eq!(d.values["pop"], n(500.0), "December left it empty: October's stands");
        // No month at all: nothing prefilled, every month missing.
        let d = derive(c, "pq-t01", p("2026-Q4"), &[]);
        assert!(d.values.is_empty());
        assert_eq!(d.missing.len(), 3);
    }

    #[test]
    fn a_returned_month_still_counts_but_is_named() {
        let c = current();
        let months = [
            report("2026-10", &[("legal_sessions", n(1.0))]),
            report("2026-11", &[("legal_sessions", n(2.0))]),
            report("2026-12", &[("legal_sessions", n(4.0))]),
        ];
        let mut f = filed(&months);
        f[1].returned = true;
        let d = derive(c, "pq-t01", p("2026-Q4"), &f);
        assert_eq!(d.values["legal_sessions"], n(7.0));
        assert_eq!(d.returned, [p("2026-11")]);
        assert!(!d.partial());
    }

    #[test]
    fn other_villages_and_periods_are_ignored_and_a_month_derives_nothing() {
        let c = current();
        let mut other = report("2026-11", &[("ds_sessions", n(50.0))]);
        other.village = "pq-t02".into();
        let mut reports = vec![other, report("2026-09", &[("ds_sessions", n(9.0))])];
        reports.push(report("2026-11", &[("ds_sessions", n(1.0))]));
        let d = derive(c, "pq-t01", p("2026-Q4"), &filed(&reports));
        assert_eq!(d.values["ds_sessions"], n(1.0));
        assert!(derive(c, "pq-t01", p("2026-11"), &filed(&reports)).values.is_empty());
    }

    #[test]
    fn figures_asked_only_from_the_quarter_up_carry_from_the_quarters() {
        let c = current();
        let reports = [
            report("2026-Q3", &[("crop_conv_ha", n(1.5))]),
            report("2026-Q4", &[("crop_conv_ha", n(0.5))]),
            report("2026-H1", &[("coop_models", n(3.0)), ("study_support", n(4.0))]),
            report("2026-H2", &[("coop_models", n(4.0)), ("study_support", n(2.0))]),
        ];
        let h2 = derive(c, "pq-t01", p("2026-H2"), &filed(&reports));
        assert_eq!(h2.values["crop_conv_ha"], n(2.0));
        assert_eq!(h2.from["crop_conv_ha"], PeriodKind::Quarter);
        assert!(!h2.values.contains_key("coop_models"), "asked first in the half-year: typed there");
        let year = derive(c, "pq-t01", p("2026"), &filed(&reports));
        assert_eq!(year.values["coop_models"], n(4.0));
        assert_eq!(year.values["study_support"], n(6.0));
        assert_eq!(year.from["coop_models"], PeriodKind::Half);
    }

    /// Plausible values for every typed indicator a report of `kind` asks
    /// for, as a village that fills everything would give.
    fn full(kind: PeriodKind, period: &str) -> Report {
        let c = current();
        let mut r = report(period, &[]);
        for i in c.asked(kind).filter(|i| i.is_input()) {
            let v = match i.kind {
                // Flows small, stocks large, so the summed flows stay within the stocks.
                Kind::Count | Kind::Decimal if i.carry == Carry::Sum => n(1.0),
                Kind::Count | Kind::Decimal if i.key == "pop" => n(1000.0),
                Kind::Count | Kind::Decimal => n(i.max.unwrap_or(100.0).min(100.0)),
                Kind::Bool => Value::Bool(false),
                Kind::Choice => Value::Text(i.choices[0].key.clone()),
                Kind::Text => Value::Text("Không có".into()),
                Kind::Rate => continue,
            };
            r.values.insert(i.key.clone(), v);
        }
        r
    }

    /// The measure: in December a village head owes four reports.
    /// Before carrying, 65 + 67 + 75 + 81 = 288 inputs; now each figure is
    /// typed once. The month is counted whole (its prefilled stocks too).
    #[test]
    fn december_four_reports_take_at_most_100_typed_inputs() {
        let c = current();
        let mut reports: Vec<Report> = (1..=12).map(|m| full(PeriodKind::Month, &format!("2026-{m:02}"))).collect();
        reports.extend((1..=3).map(|q| full(PeriodKind::Quarter, &format!("2026-Q{q}"))));
        reports.push(full(PeriodKind::Half, "2026-H1"));
        let month = inputs_to_type(c, PeriodKind::Month, &Derived::default());
        let mut counts = vec![month];
        // Filed in the order home lists them: the quarter, then the half-year, then the year.
        for (kind, period) in
            [(PeriodKind::Quarter, "2026-Q4"), (PeriodKind::Half, "2026-H2"), (PeriodKind::Year, "2026")]
        {
            let d = derive(c, "pq-t01", p(period), &filed(&reports));
            assert!(!d.partial(), "{period}: {:?}", d.missing);
            counts.push(inputs_to_type(c, kind, &d));
            reports.push(full(kind, period));
        }
        let total: usize = counts.iter().sum();
        let before: usize = PeriodKind::ALL.iter().map(|k| inputs_to_type(c, *k, &Derived::default())).sum();
        assert_eq!(before, 288, "the issue's count before carrying");
        assert!(total <= 100, "December: {counts:?} = {total} inputs");
        eprintln!("December's inputs: {counts:?} = {total} (before: {before})");
        // Derived values from valid months are themselves valid (sums stay within bounds and rules).
        for (kind, period) in
            [(PeriodKind::Quarter, "2026-Q4"), (PeriodKind::Half, "2026-H2"), (PeriodKind::Year, "2026")]
        {
            let d = derive(c, "pq-t01", p(period), &filed(&reports));
            let errs: Vec<_> = c.validate(kind, &d.values).into_iter().filter(|e| e.code != "required").collect();
            assert!(errs.is_empty(), "{period}: {errs:?}");
        }
    }
}
