//! The office's figures beyond one period's aggregate: the breakdown by
//! village, the trend over the last periods, the commune's 2026–2030 targets
//! and the progress toward them. Wire types (re-exported from [`crate::api`])
//! and the rules that compute them; no I/O.
//!
//! Rules decided here once:
//!
//! * **Coverage.** Every figure says on how many villages it rests
//!   ([`coverage_vi`]: "3/5 thôn"). A target is judged only when every
//!   expected village gave its part ([`Verdict::Incomplete`] otherwise:
//!   "chưa đủ số liệu") — one village's fibre is not the commune's.
//! * **A year's figure so far** ([`year_to_date`]): a village's year report
//!   if it filed one, else its shorter reports of the year carried as a year
//!   report would carry them (`crate::derive`: flows summed, stocks from the
//!   latest report). Targets are yearly, so progress compares this to them.
//! * **A village's part of a target** ([`village_target`]): for a figure the
//!   commune adds up from its villages (sums, stocks) an even share of the
//!   commune target; for rates and yes/no the target itself, since each
//!   village's rate can be held to it. "Furthest behind" is the shortfall
//!   relative to that part ([`behind`]); villages that gave nothing come
//!   first, as the least known.

use crate::aggregate::{aggregate, aggregate_period, Aggregate, VillageValues};
use crate::catalogue::{Agg, Catalogue, Indicator, Kind};
use crate::derive::{derive, Filed};
use crate::period::{Period, PeriodKind};
use crate::protocol::RecordState;
use crate::record::{FieldError, Report, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The years the plan's targets cover.
pub const TARGET_YEARS: std::ops::RangeInclusive<i32> = 2026..=2030;

/// How a figure meets its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetOp {
    /// At least (sessions held, insured people…).
    Ge,
    /// At most (dropouts, households falling back into poverty…).
    Le,
    /// Exactly (yes/no targets: 1 = every village yes).
    Eq,
}

impl TargetOp {
    /// Whether `x` meets `target`.
    pub fn met(self, x: f64, target: f64) -> bool {
        match self {
            TargetOp::Ge => x >= target - 1e-9,
            TargetOp::Le => x <= target + 1e-9,
            TargetOp::Eq => (x - target).abs() < 1e-9,
        }
    }

    /// "≥", "≤", "=".
    pub fn symbol(self) -> &'static str {
        match self {
            TargetOp::Ge => "≥",
            TargetOp::Le => "≤",
            TargetOp::Eq => "=",
        }
    }

    /// The catalogue's spelling (`ge`, `le`, `eq`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ge" => Some(TargetOp::Ge),
            "le" => Some(TargetOp::Le),
            "eq" => Some(TargetOp::Eq),
            _ => None,
        }
    }
}

/// The op a target of `ind` takes when the admin does not say: the plan's
/// (catalogue) target's, else "at least".
pub fn default_op(ind: &Indicator) -> TargetOp {
    ind.target.as_ref().and_then(|t| TargetOp::parse(&t.op)).unwrap_or(TargetOp::Ge)
}

/// One of the commune's targets, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetEntry {
    pub indicator: String,
    pub year: i32,
    pub value: f64,
    pub op: TargetOp,
    /// Who set it (the account's full name).
    pub set_by: String,
    /// Server ms.
    pub set_at: i64,
}

/// `POST /api/v1/targets`: set (or change) one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetRequest {
    pub indicator: String,
    pub year: i32,
    pub value: f64,
    /// Absent: [`default_op`].
    #[serde(default)]
    pub op: Option<TargetOp>,
}

/// The bounds a target of `ind` must lie in: the catalogue's range; rates
/// 0–100 %; yes/no 0 or 1.
pub fn target_range(ind: &Indicator) -> (f64, f64) {
    match ind.kind {
        Kind::Rate => (0.0, 100.0),
        Kind::Bool => (0.0, 1.0),
        _ => (ind.min.unwrap_or(0.0), ind.max.unwrap_or(f64::MAX)),
    }
}

/// Checks a target request against the catalogue; returns the op to store,
/// or every problem, one per field, in Vietnamese.
pub fn validate_target(cat: &Catalogue, req: &TargetRequest) -> Result<TargetOp, Vec<FieldError>> {
    let mut errs = Vec::new();
    let ind = cat.indicator(&req.indicator).filter(|i| !i.retired);
    match ind {
        None => errs.push(FieldError::new("indicator", "unknown", "Chỉ tiêu không có trong danh mục")),
        Some(i) if matches!(i.kind, Kind::Text | Kind::Choice) => errs.push(FieldError::new(
            "indicator",
            "not_numeric",
            "Chỉ tiêu này không phải là số, không đặt mục tiêu được",
        )),
        Some(_) => {}
    }
    if !TARGET_YEARS.contains(&req.year) {
        errs.push(FieldError::new("year", "range", "Năm của mục tiêu phải từ 2026 đến 2030 (theo Kế hoạch)"));
    }
    if let Some(i) = ind.filter(|i| !matches!(i.kind, Kind::Text | Kind::Choice)) {
        let (lo, hi) = target_range(i);
        let x = req.value;
        if !x.is_finite() {
            errs.push(FieldError::new("value", "type", "Mục tiêu phải là một số"));
        } else if x < lo {
            errs.push(FieldError::limit("value", "min", lo, "Mục tiêu không được nhỏ hơn"));
        } else if x > hi {
            errs.push(FieldError::limit("value", "max", hi, "Mục tiêu không được lớn hơn"));
        } else if matches!(i.kind, Kind::Count | Kind::Bool) && x.fract() != 0.0 {
            errs.push(FieldError::new("value", "integer", "Mục tiêu của chỉ tiêu này phải là số nguyên"));
        }
    }
    match ind {
        Some(i) if errs.is_empty() => Ok(req.op.unwrap_or_else(|| default_op(i))),
        _ => Err(errs),
    }
}

/// "3/5 thôn": how many villages a figure rests on.
pub fn coverage_vi(reporting: usize, total: usize) -> String {
    format!("{reporting}/{total} thôn")
}

/// One village's value of `ind` as a number: a count or decimal, a rate
/// computed from its parts, yes/no as 1/0. `None` for lists and for values
/// the village did not give.
pub fn village_number(cat: &Catalogue, ind: &Indicator, values: &BTreeMap<String, Value>) -> Option<f64> {
    match ind.kind {
        Kind::Rate => cat.rate(ind, values),
        Kind::Bool => match values.get(&ind.key) {
            Some(Value::Bool(b)) => Some(if *b { 1.0 } else { 0.0 }),
            _ => None,
        },
        Kind::Count | Kind::Decimal => values.get(&ind.key).and_then(Value::as_num).filter(|x| x.is_finite()),
        Kind::Choice | Kind::Text => None,
    }
}

/// Whether an indicator gives a number per village (charts, breakdowns,
/// targets): every kind but lists.
pub fn is_numeric(ind: &Indicator) -> bool {
    ind.agg != Agg::List
}

/// A village as a column of the breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VillageColumn {
    pub village: String,
    pub name: String,
    /// Its report's state for the period; `None`: not reported (or, with
    /// approved reports only, not approved).
    pub state: Option<RecordState>,
}

/// One indicator across the villages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorRow {
    pub key: String,
    /// The commune figure (with its coverage).
    pub commune: Aggregate,
    /// Each village's number, in the order of [`ByVillage::villages`].
    pub values: Vec<Option<f64>>,
}

/// `GET /api/v1/aggregate/villages`: every numeric indicator of a period by
/// village.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ByVillage {
    pub period: Period,
    pub label: String,
    pub approved_only: bool,
    pub villages: Vec<VillageColumn>,
    /// Catalogue order, the period's numeric indicators only.
    pub rows: Vec<IndicatorRow>,
}

/// The breakdown of `period`: `villages` are every village of the commune
/// (their `state` already set), `reports` those counted (one per village).
pub fn by_village(
    cat: &Catalogue,
    period: Period,
    approved_only: bool,
    villages: Vec<VillageColumn>,
    reports: &[Report],
) -> Result<ByVillage, String> {
    let aggs = aggregate_period(cat, period, reports, villages.len())?;
    let values_of = |v: &str| reports.iter().find(|r| r.village == v && r.period == period).map(|r| &r.values);
    let rows = aggs
        .into_iter()
        .filter_map(|a| {
            let ind = cat.indicator(&a.key).filter(|i| is_numeric(i))?;
            let values = villages
                .iter()
                .map(|v| values_of(&v.village).and_then(|vals| village_number(cat, ind, vals)))
                .collect();
            Some(IndicatorRow { key: a.key.clone(), commune: a, values })
        })
        .collect();
    Ok(ByVillage { period, label: period.label_vi(), approved_only, villages, rows })
}

/// One period of a trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub period: Period,
    pub label: String,
    /// The commune figure; `None` if no village gave it.
    pub value: Option<f64>,
    pub villages_reporting: usize,
    pub villages_total: usize,
}

/// `GET /api/v1/aggregate/trend`: one indicator over the last periods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    pub indicator: String,
    pub kind: PeriodKind,
    pub approved_only: bool,
    /// Oldest first, ending with the period asked for.
    pub points: Vec<TrendPoint>,
}

/// Most periods one trend spans.
pub const MAX_TREND: u32 = 60;

/// The `count` periods ending with `end`, oldest first.
pub fn last_periods(end: Period, count: u32) -> Vec<Period> {
    let mut out = vec![end];
    let mut p = end;
    for _ in 1..count {
        p = p.prev();
        out.push(p);
    }
    out.reverse();
    out
}

/// The commune figure of `ind` in each of `periods` over `reports` (of any
/// periods; one per village and period).
pub fn trend(
    cat: &Catalogue,
    ind: &Indicator,
    periods: &[Period],
    reports: &[Report],
    villages_total: usize,
) -> Result<Vec<TrendPoint>, String> {
    periods
        .iter()
        .map(|p| {
            let aggs = aggregate_period(cat, *p, reports, villages_total)?;
            let a = aggs.iter().find(|a| a.key == ind.key);
            Ok(TrendPoint {
                period: *p,
                label: p.label_vi(),
                value: a.and_then(Aggregate::number),
                villages_reporting: a.map_or(0, |a| a.villages_reporting),
                villages_total: a.map_or(villages_total, |a| a.villages_total),
            })
        })
        .collect()
}

/// Each village's values for `year` so far (see the module doc), from its
/// `reports` of any periods (others than the year's are ignored). Villages
/// with no report in the year are absent.
pub fn year_to_date(cat: &Catalogue, year: i32, reports: &[Report]) -> BTreeMap<String, BTreeMap<String, Value>> {
    let Ok(y) = Period::new(PeriodKind::Year, year, 1) else { return BTreeMap::new() };
    let mut by_village: BTreeMap<&str, Vec<&Report>> = BTreeMap::new();
    for r in reports.iter().filter(|r| y.contains(&r.period)) {
        by_village.entry(r.village.as_str()).or_default().push(r);
    }
    by_village
        .into_iter()
        .map(|(village, rs)| {
            let values = match rs.iter().find(|r| r.period == y) {
                Some(year_report) => year_report.values.clone(),
                None => {
                    let filed: Vec<Filed<'_>> = rs.iter().map(|r| Filed { report: r, returned: false }).collect();
                    derive(cat, village, y, &filed).values
                }
            };
            (village.to_string(), values)
        })
        .collect()
}

/// Where a figure stands against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Met,
    NotMet,
    /// Some villages have not given the figure: not judged.
    Incomplete,
    /// No village has.
    NoData,
}

impl Verdict {
    pub fn label_vi(self) -> &'static str {
        match self {
            Verdict::Met => "Đạt",
            Verdict::NotMet => "Chưa đạt",
            Verdict::Incomplete => "Chưa đủ số liệu",
            Verdict::NoData => "Chưa có số liệu",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Verdict::Met => "Met",
            Verdict::NotMet => "Not met",
            Verdict::Incomplete => "Not enough data",
            Verdict::NoData => "No data",
        }
    }
}

/// One village's standing on a target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VillageProgress {
    pub village: String,
    pub name: String,
    /// Its figure for the year so far; `None`: not given.
    pub value: Option<f64>,
    /// Its part of the commune target ([`village_target`]).
    pub target: f64,
    /// Its shortfall relative to that part ([`behind`]); 0 or less: on track.
    pub behind: Option<f64>,
}

/// Progress toward one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub indicator: String,
    pub year: i32,
    pub op: TargetOp,
    pub target: f64,
    /// The commune figure of the year so far.
    pub value: Option<f64>,
    pub villages_reporting: usize,
    pub villages_total: usize,
    pub verdict: Verdict,
    /// Furthest behind first.
    pub villages: Vec<VillageProgress>,
}

/// `GET /api/v1/targets`: every target of the commune and, for `year`, the
/// progress toward each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Targets {
    pub year: i32,
    pub approved_only: bool,
    /// Every year's targets, by indicator (catalogue order) then year.
    pub targets: Vec<TargetEntry>,
    /// The year's targets, in catalogue order.
    pub progress: Vec<Progress>,
}

/// A village's part of a commune target of `total` over `villages`
/// villages (see the module doc).
pub fn village_target(ind: &Indicator, total: f64, villages: usize) -> f64 {
    let additive = matches!(ind.agg, Agg::Sum | Agg::Latest);
    if additive && villages > 0 {
        total / villages as f64
    } else {
        total
    }
}

/// How far `value` falls short of `target` under `op`, relative to the
/// target (0,5 = half the target still missing); 0 or less meets it.
pub fn behind(op: TargetOp, target: f64, value: f64) -> f64 {
    let scale = target.abs().max(1.0);
    match op {
        TargetOp::Ge => (target - value) / scale,
        TargetOp::Le => (value - target) / scale,
        TargetOp::Eq => (value - target).abs() / scale,
    }
}

/// Progress toward each of `targets` set for `year` (others ignored), in
/// catalogue order. `villages` are every village of the commune (id, name);
/// `values` each village's figures for the year so far ([`year_to_date`]).
pub fn progress(
    cat: &Catalogue,
    year: i32,
    targets: &[TargetEntry],
    villages: &[(String, String)],
    values: &BTreeMap<String, BTreeMap<String, Value>>,
) -> Vec<Progress> {
    let total = villages.len();
    let vv: Vec<VillageValues<'_>> = values.iter().map(|(village, values)| VillageValues { village, values }).collect();
    let aggs = aggregate(cat, PeriodKind::Year, &vv, total);
    let empty = BTreeMap::new();
    cat.indicators
        .iter()
        .filter_map(|ind| {
            let t = targets.iter().find(|t| t.year == year && t.indicator == ind.key)?;
            let a = aggs.iter().find(|a| a.key == ind.key);
            let value = a.and_then(Aggregate::number);
            let reporting = a.map_or(0, |a| a.villages_reporting);
            let total = a.map_or(total, |a| a.villages_total);
            let verdict = match value {
                None => Verdict::NoData,
                Some(_) if reporting < total => Verdict::Incomplete,
                Some(x) if t.op.met(x, t.value) => Verdict::Met,
                Some(_) => Verdict::NotMet,
            };
            let part = village_target(ind, t.value, villages.len());
            let mut vs: Vec<VillageProgress> = villages
                .iter()
                .map(|(id, name)| {
                    let v = village_number(cat, ind, values.get(id).unwrap_or(&empty));
                    VillageProgress {
                        village: id.clone(),
                        name: name.clone(),
                        value: v,
                        target: part,
                        behind: v.map(|x| behind(t.op, part, x)),
                    }
                })
                .collect();
            vs.sort_by(|a, b| {
                let key = |v: &VillageProgress| v.behind.unwrap_or(f64::INFINITY);
                key(b).total_cmp(&key(a)).then_with(|| a.village.cmp(&b.village))
            });
            Some(Progress {
                indicator: ind.key.clone(),
                year,
                op: t.op,
                target: t.value,
                value,
                villages_reporting: reporting,
                villages_total: total,
                verdict,
                villages: vs,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::Figure;

    fn cat() -> Catalogue {
        Catalogue::from_json(
            r#"{"version":1,"groups":[{"key":"g1","vi":"1. Nhóm một","en":"1"}],"indicators":[
{"key":"pop","group":"g1","vi":"Dân số","en":"Population","kind":"count","agg":"latest","carry":"latest","max":100000},
{"key":"ins","group":"g1","vi":"BHYT","en":"Insured","kind":"count","le":"pop","agg":"latest","carry":"latest","max":100000},
{"key":"ins_rate","group":"g1","vi":"Tỷ lệ BHYT","en":"Rate","kind":"rate","unit":"%","agg":"ratio","num":"ins","den":"pop","target":{"op":"ge","value":100}},
{"key":"sessions","group":"g1","vi":"Buổi","en":"Sessions","kind":"count","agg":"sum","carry":"sum","max":1000},
{"key":"km","group":"g1","vi":"Đường","en":"Road","kind":"decimal","unit":"km","agg":"sum","carry":"sum","max":100},
{"key":"dropouts","group":"g1","vi":"Bỏ học","en":"Dropouts","kind":"count","agg":"sum","carry":"sum","target":{"op":"le","value":0}},
{"key":"fibre","group":"g1","vi":"Cáp quang","en":"Fibre","kind":"bool","agg":"all","carry":"latest"},
{"key":"notes","group":"g1","vi":"Ghi chú","en":"Notes","kind":"text","agg":"list"},
{"key":"old","group":"g1","vi":"Cũ","en":"Old","kind":"count","agg":"sum","retired":true}
]}"#,
        )
        .unwrap()
    }

    fn report(village: &str, period: &str, pairs: &[(&str, Value)]) -> Report {
        let mut r = Report::new(village, Period::parse(period).unwrap(), 1);
        r.values = pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        r
    }

    fn n(x: f64) -> Value {
        Value::Num(x)
    }

    fn req(indicator: &str, year: i32, value: f64) -> TargetRequest {
        TargetRequest { indicator: indicator.into(), year, value, op: None }
    }

    fn entry(indicator: &str, year: i32, value: f64, op: TargetOp) -> TargetEntry {
        TargetEntry { indicator: indicator.into(), year, value, op, set_by: "Quản trị".into(), set_at: 1 }
    }

    fn villages(ids: &[&str]) -> Vec<(String, String)> {
        ids.iter().map(|id| (id.to_string(), format!("Thôn {id}"))).collect()
    }

    /// A seeded commune of five villages, hand-computed below: t01–t03 filed
    /// October and November 2026, t04 November only, t05 nothing.
    fn seeded() -> Vec<Report> {
        vec![
            report("t01", "2026-10", &[("pop", n(500.0)), ("ins", n(480.0)), ("sessions", n(2.0)), ("km", n(0.5))]),
            report("t01", "2026-11", &[("pop", n(505.0)), ("ins", n(500.0)), ("sessions", n(3.0)), ("km", n(0.25))]),
            report("t02", "2026-10", &[("pop", n(300.0)), ("ins", n(300.0)), ("sessions", n(1.0))]),
            report("t02", "2026-11", &[("pop", n(300.0)), ("ins", n(297.0)), ("sessions", n(0.0))]),
            report("t03", "2026-10", &[("pop", n(200.0)), ("ins", n(150.0)), ("fibre", Value::Bool(true))]),
            report("t03", "2026-11", &[("pop", n(200.0)), ("ins", n(160.0)), ("sessions", n(5.0))]),
            report("t04", "2026-11", &[("pop", n(100.0)), ("sessions", n(4.0)), ("fibre", Value::Bool(false))]),
        ]
    }

    #[test]
    fn targets_are_validated_against_the_catalogue() {
        let c = cat();
        assert_eq!(validate_target(&c, &req("ins_rate", 2026, 95.0)), Ok(TargetOp::Ge));
        assert_eq!(validate_target(&c, &req("dropouts", 2030, 0.0)), Ok(TargetOp::Le), "the plan's op");
        assert_eq!(validate_target(&c, &req("fibre", 2028, 1.0)), Ok(TargetOp::Ge));
        let op = TargetRequest { op: Some(TargetOp::Le), ..req("sessions", 2027, 40.0) };
        assert_eq!(validate_target(&c, &op), Ok(TargetOp::Le));
        let codes = |r: TargetRequest| -> Vec<(String, String)> {
            validate_target(&c, &r).unwrap_err().into_iter().map(|e| (e.field, e.code)).collect()
        };
        let one = |f: &str, c: &str| vec![(f.to_string(), c.to_string())];
        assert_eq!(codes(req("ins_rate", 2026, 101.0)), one("value", "max"));
        assert_eq!(codes(req("ins_rate", 2026, -1.0)), one("value", "min"));
        assert_eq!(codes(req("sessions", 2026, 1001.0)), one("value", "max"));
        assert_eq!(codes(req("sessions", 2026, 2.5)), one("value", "integer"));
        assert_eq!(validate_target(&c, &req("km", 2026, 2.5)), Ok(TargetOp::Ge), "decimals may have decimals");
        assert_eq!(codes(req("fibre", 2026, 2.0)), one("value", "max"));
        assert_eq!(codes(req("sessions", 2025, 10.0)), one("year", "range"));
        assert_eq!(codes(req("sessions", 2031, 10.0)), one("year", "range"));
        assert_eq!(codes(req("notes", 2026, 1.0)), one("indicator", "not_numeric"));
        assert_eq!(codes(req("old", 2026, 1.0)), one("indicator", "unknown"));
        assert_eq!(
            codes(req("nope", 2031, f64::NAN)),
            vec![("indicator".to_string(), "unknown".to_string()), ("year".to_string(), "range".to_string())]
        );
        assert_eq!(codes(req("sessions", 2026, f64::INFINITY)), one("value", "type"));
        let e = validate_target(&c, &req("ins_rate", 2026, 101.0)).unwrap_err();
        assert!(e[0].message.starts_with("Mục tiêu không được lớn hơn"), "{}", e[0].message);
        assert_eq!(e[0].limit, Some(100.0));
    }

    #[test]
    fn coverage_reads_as_villages() {
        assert_eq!(coverage_vi(3, 5), "3/5 thôn");
    }

    #[test]
    fn by_village_matches_hand_computed_figures() {
        let c = cat();
        let p = Period::parse("2026-11").unwrap();
        let cols: Vec<VillageColumn> = ["t01", "t02", "t03", "t04", "t05"]
            .iter()
            .map(|v| VillageColumn { village: v.to_string(), name: v.to_string(), state: None })
            .collect();
        let b = by_village(&c, p, false, cols, &seeded()).unwrap();
        let keys: Vec<_> = b.rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["pop", "ins", "ins_rate", "sessions", "km", "dropouts", "fibre"], "lists are left out");
        let row = |k: &str| b.rows.iter().find(|r| r.key == k).unwrap();
        assert_eq!(row("pop").values, [Some(505.0), Some(300.0), Some(200.0), Some(100.0), None]);
        assert_eq!(row("pop").commune.figure, Figure::Number(Some(1105.0)));
        assert_eq!((row("pop").commune.villages_reporting, row("pop").commune.villages_total), (4, 5));
        // Rates per village from their own parts; the commune's is the ratio of sums.
        assert_eq!(row("ins_rate").values[0], Some(500.0 / 505.0 * 100.0));
        assert_eq!(row("ins_rate").values[2], Some(80.0));
        assert_eq!(row("ins_rate").values[3], None, "t04 gave no insured count");
        assert_eq!(row("ins_rate").commune.number(), Some(957.0 / 1005.0 * 100.0));
        assert_eq!(row("ins_rate").commune.villages_reporting, 3);
        assert_eq!(row("sessions").commune.number(), Some(12.0));
        assert_eq!(row("fibre").values, [None, None, None, Some(0.0), None]);
    }

    #[test]
    fn trend_over_the_last_periods() {
        let c = cat();
        let end = Period::parse("2026-11").unwrap();
        let ps = last_periods(end, 3);
        assert_eq!(ps.iter().map(|p| p.to_string()).collect::<Vec<_>>(), ["2026-09", "2026-10", "2026-11"]);
        assert_eq!(last_periods(Period::parse("2027-Q1").unwrap(), 2)[0].to_string(), "2026-Q4");
        let t = trend(&c, c.indicator("sessions").unwrap(), &ps, &seeded(), 5).unwrap();
        let vals: Vec<_> = t.iter().map(|p| (p.value, p.villages_reporting)).collect();
        assert_eq!(vals, [(None, 0), (Some(3.0), 2), (Some(12.0), 4)]);
        assert_eq!(t[2].label, "Tháng 11/2026");
        assert!(t.iter().all(|p| p.villages_total == 5));
        let r = trend(&c, c.indicator("ins_rate").unwrap(), &ps[1..], &seeded(), 5).unwrap();
        assert_eq!(r[0].value, Some(930.0 / 1000.0 * 100.0));
    }

    #[test]
    fn year_to_date_sums_flows_and_takes_latest_stocks() {
        let c = cat();
        let mut rs = seeded();
        rs.push(report("t01", "2025-12", &[("sessions", n(100.0))]));
        // t02 filed a year report: it stands as is.
        rs.push(report("t02", "2026", &[("pop", n(301.0)), ("ins", n(301.0)), ("sessions", n(9.0))]));
        let y = year_to_date(&c, 2026, &rs);
        assert_eq!(y.keys().collect::<Vec<_>>(), ["t01", "t02", "t03", "t04"]);
        assert_eq!(y["t01"]["sessions"], n(5.0), "October + November, not 2025");
        assert_eq!(y["t01"]["km"], n(0.75));
        assert_eq!(y["t01"]["pop"], n(505.0), "November's stock");
        assert_eq!(y["t02"]["sessions"], n(9.0));
        assert_eq!(y["t03"]["fibre"], Value::Bool(true), "October's answer carries");
        assert!(year_to_date(&c, 2027, &rs).is_empty());
    }

    #[test]
    fn progress_judges_only_complete_coverage_and_ranks_villages() {
        let c = cat();
        let vs = villages(&["t01", "t02", "t03", "t04", "t05"]);
        let targets = [
            entry("sessions", 2026, 50.0, TargetOp::Ge),
            entry("ins_rate", 2026, 95.0, TargetOp::Ge),
            entry("dropouts", 2026, 0.0, TargetOp::Le),
            entry("sessions", 2027, 60.0, TargetOp::Ge),
        ];
        let values = year_to_date(&c, 2026, &seeded());
        let p = progress(&c, 2026, &targets, &vs, &values);
        assert_eq!(p.iter().map(|p| p.indicator.as_str()).collect::<Vec<_>>(), ["ins_rate", "sessions", "dropouts"]);
        let s = &p[1];
        // t01 5, t02 1, t03 5, t04 4 = 15 of 50; t05 has nothing.
        assert_eq!((s.value, s.villages_reporting, s.villages_total), (Some(15.0), 4, 5));
        assert_eq!(s.verdict, Verdict::Incomplete, "t05 has not reported: not judged");
        let order: Vec<_> = s.villages.iter().map(|v| v.village.as_str()).collect();
        assert_eq!(order, ["t05", "t02", "t04", "t01", "t03"], "nothing known first, then furthest behind");
        assert_eq!(s.villages[1].target, 10.0, "an even share of 50 over 5 villages");
        assert_eq!(s.villages[1].behind, Some(0.9));
        let r = &p[0];
        assert_eq!(r.villages[0].target, 95.0, "a rate is held to the target itself");
        let order: Vec<_> = r.villages.iter().map(|v| v.village.as_str()).collect();
        assert_eq!(order, ["t04", "t05", "t03", "t02", "t01"], "no insured count first, then 80 %, 99,0 %, 99,01 %");
        assert_eq!(p[2].verdict, Verdict::NoData);

        // Every village in: judged.
        let mut rs = seeded();
        rs.push(report("t05", "2026-11", &[("sessions", n(40.0)), ("pop", n(10.0)), ("ins", n(10.0))]));
        rs.push(report("t04", "2026-10", &[("ins", n(100.0))]));
        let values = year_to_date(&c, 2026, &rs);
        let p = progress(&c, 2026, &targets, &vs, &values);
        assert_eq!((p[1].value, p[1].verdict), (Some(55.0), Verdict::Met));
        // 500 + 297 + 160 + 100 + 10 insured of 505 + 300 + 200 + 100 + 10.
        assert_eq!(p[0].value, Some(1067.0 / 1115.0 * 100.0));
        assert_eq!(p[0].verdict, Verdict::Met);
        let strict = [entry("ins_rate", 2026, 99.0, TargetOp::Ge)];
        assert_eq!(progress(&c, 2026, &strict, &vs, &values)[0].verdict, Verdict::NotMet);
    }

    #[test]
    fn behind_under_each_op() {
        assert_eq!(behind(TargetOp::Ge, 10.0, 4.0), 0.6);
        assert!(behind(TargetOp::Ge, 10.0, 12.0) < 0.0);
        assert_eq!(behind(TargetOp::Le, 0.0, 2.0), 2.0, "a zero target scales by one");
        assert_eq!(behind(TargetOp::Eq, 1.0, 0.0), 1.0);
        assert!(TargetOp::Le.met(0.0, 0.0) && !TargetOp::Le.met(1.0, 0.0));
        assert_eq!(TargetOp::parse("ge"), Some(TargetOp::Ge));
        assert_eq!(TargetOp::parse("gt"), None);
    }

    #[test]
    fn wire_shapes() {
        let t = TargetRequest { indicator: "ins_rate".into(), year: 2026, value: 95.0, op: None };
        let j = serde_json::to_string(&t).unwrap();
        assert_eq!(j, r#"{"indicator":"ins_rate","year":2026,"value":95.0,"op":null}"#);
        let back: TargetRequest = serde_json::from_str(r#"{"indicator":"x","year":2026,"value":1,"op":"le"}"#).unwrap();
        assert_eq!(back.op, Some(TargetOp::Le));
        assert_eq!(serde_json::to_string(&Verdict::NotMet).unwrap(), r#""not_met""#);
    }
}
