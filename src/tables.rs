//! What the office's figures table shows, line by line: every indicator of
//! the period under its task group's heading, the commune figure in words
//! and numbers, how many villages it covers ("3/5 thôn") and, for a figure
//! with a plan target, the verdict — judged only on complete coverage.
//! Plain functions, tested natively; `app::office::figures` renders them.

use crate::i18n::Lang;
use sothon_domain::aggregate::Figure;
use sothon_domain::api::CommuneFigures;
use sothon_domain::catalogue::{Catalogue, Kind};
use sothon_domain::figures::coverage_vi;
use sothon_domain::format::{number_en, number_vi};

/// One line of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureLine {
    pub key: String,
    pub label: String,
    /// "1.005 người", "95,2 %", "Có", "—".
    pub value: String,
    /// "3/5 thôn".
    pub coverage: String,
    /// "✓ đạt", "✗ chưa đạt", "chưa đủ số liệu"; empty without a target.
    pub verdict: String,
    /// A complete figure that misses its target.
    pub unmet: bool,
}

/// A task group's heading and its lines.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupLines {
    pub heading: String,
    pub lines: Vec<FigureLine>,
}

/// The table of `f`, group by group (groups without an indicator in the
/// period are left out). Lists (free text, choices) show how many villages
/// answered.
pub fn figure_table(cat: &Catalogue, f: &CommuneFigures, lang: Lang) -> Vec<GroupLines> {
    let t = lang.reports();
    let num = |x: f64, d: usize| if lang == Lang::En { number_en(x, d) } else { number_vi(x, d) };
    cat.groups
        .iter()
        .filter_map(|g| {
            let lines: Vec<FigureLine> = f
                .aggregates
                .iter()
                .filter_map(|a| {
                    let ind = cat.indicator(&a.key).filter(|i| i.group == g.key)?;
                    let unit = ind.unit_for(lang == Lang::En);
                    let value = match (&a.figure, a.number()) {
                        (Figure::Flag(Some(b)), _) => if *b { t.yes } else { t.no }.to_string(),
                        (_, Some(x)) if ind.kind == Kind::Rate => format!("{} %", num(x, 1)),
                        (_, Some(x)) if unit.is_empty() => num(x, 2),
                        (_, Some(x)) => format!("{} {unit}", num(x, 2)),
                        (Figure::Choices { .. } | Figure::List(_), None) => "…".to_string(),
                        (_, None) => "—".to_string(),
                    };
                    let check = f.targets.iter().find(|c| c.key == a.key);
                    let verdict = match check.map(|c| (c.complete, c.met)) {
                        None | Some((true, None)) => String::new(),
                        Some((false, _)) => t.not_enough.to_string(),
                        Some((true, Some(true))) => format!("✓ {}", t.met),
                        Some((true, Some(false))) => format!("✗ {}", t.not_met),
                    };
                    let coverage = if lang == Lang::En {
                        format!("{}/{} villages", a.villages_reporting, a.villages_total)
                    } else {
                        coverage_vi(a.villages_reporting, a.villages_total)
                    };
                    Some(FigureLine {
                        key: a.key.clone(),
                        label: if lang == Lang::En { ind.en.clone() } else { ind.vi.clone() },
                        value,
                        coverage,
                        unmet: check.is_some_and(|c| c.complete && c.met == Some(false)),
                        verdict,
                    })
                })
                .collect();
            (!lines.is_empty())
                .then(|| GroupLines { heading: if lang == Lang::En { g.en.clone() } else { g.vi.clone() }, lines })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sothon_domain::aggregate::{aggregate_period, check_targets};
    use sothon_domain::{Period, Report, Value};

    #[test]
    fn lines_under_their_group_with_coverage_and_verdicts() {
        let cat = sothon_domain::catalogue::current();
        let p = Period::parse("2026-11").unwrap();
        let mut a = Report::new("t01", p, 1);
        a.values.insert("pop".into(), Value::Num(505.0));
        a.values.insert("bhyt".into(), Value::Num(500.0));
        a.values.insert("fibre".into(), Value::Bool(true));
        let mut b = Report::new("t02", p, 1);
        b.values.insert("pop".into(), Value::Num(300.0));
        b.values.insert("bhyt".into(), Value::Num(300.0));
        let reports = [a, b];
        let aggs = aggregate_period(cat, p, &reports, 5).unwrap();
        let f = CommuneFigures {
            period: p,
            label: p.label_vi(),
            catalogue: cat.version,
            approved_only: false,
            villages_total: 5,
            villages_reported: vec!["t01".into(), "t02".into()],
            targets: check_targets(cat, &aggs),
            aggregates: aggs,
        };
        let table = figure_table(cat, &f, Lang::Vi);
        assert_eq!(table.len(), cat.groups.len(), "every group asks something monthly");
        assert_eq!(table[0].heading, cat.groups[0].vi);
        let line = |k: &str| table.iter().flat_map(|g| &g.lines).find(|l| l.key == k).unwrap().clone();
        assert_eq!(line("pop").value, "805 người");
        assert_eq!(line("pop").coverage, "2/5 thôn");
        assert_eq!(line("bhyt_rate").value, "99,4 %");
        assert_eq!(line("bhyt_rate").verdict, "chưa đủ số liệu", "2 of 5 villages: not judged");
        assert!(!line("bhyt_rate").unmet);
        assert_eq!(line("fibre").value, "Có");
        assert_eq!(line("ds_sessions").value, "—");
        assert_eq!(line("ds_sessions").coverage, "0/5 thôn");
        let en = figure_table(cat, &f, Lang::En);
        let pop = en.iter().flat_map(|g| &g.lines).find(|l| l.key == "pop").unwrap();
        assert_eq!((pop.value.as_str(), pop.coverage.as_str()), ("805 people", "2/5 villages"));
    }

    #[test]
    fn a_complete_figure_is_judged() {
        let cat = sothon_domain::catalogue::current();
        let p = Period::parse("2026-11").unwrap();
        let mut a = Report::new("t01", p, 1);
        a.values.insert("pop".into(), Value::Num(100.0));
        a.values.insert("bhyt".into(), Value::Num(90.0));
        let reports = [a];
        let aggs = aggregate_period(cat, p, &reports, 1).unwrap();
        let f = CommuneFigures {
            period: p,
            label: p.label_vi(),
            catalogue: cat.version,
            approved_only: false,
            villages_total: 1,
            villages_reported: vec!["t01".into()],
            targets: check_targets(cat, &aggs),
            aggregates: aggs,
        };
        let table = figure_table(cat, &f, Lang::Vi);
        let line = table.iter().flat_map(|g| &g.lines).find(|l| l.key == "bhyt_rate").unwrap();
        assert_eq!((line.verdict.as_str(), line.unmet), ("✗ chưa đạt", true));
    }
}
