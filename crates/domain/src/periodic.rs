//! The printable periodic report to the commune leadership (Nghị định
//! 30/2020/NĐ-CP layout): what the server sends for it ([`PrintData`],
//! `GET /api/v1/print`) and the report's content assembled from it
//! ([`compose`]: sections, sentences with figures, comparisons to the last
//! period and to the year's targets). The page layout is the PWA's print
//! CSS; the clerk's parts (number, tasks for next period, recipients,
//! signer) stay editable there. No I/O.

use crate::api::CommuneFigures;
use crate::catalogue::{Catalogue, Kind};
use crate::event::{IncidentKind, Severity};
use crate::figures::{Progress, Verdict};
use crate::format::{date_vi, number_vi, vn_date};
use crate::period::{Period, PeriodKind};
use crate::protocol::RecordState;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// One incident of the period, for the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentLine {
    pub village: String,
    pub name: String,
    pub kind: IncidentKind,
    /// When it happened, ms.
    pub at: i64,
    pub severity: Severity,
    pub people: Option<u32>,
    pub households: Option<u32>,
    pub description: String,
    pub state: RecordState,
}

/// A village's own words for the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VillageNotes {
    pub village: String,
    pub name: String,
    pub difficulties: String,
    pub proposals: String,
}

/// `GET /api/v1/print`: everything the periodic report of a period is made
/// of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrintData {
    /// "Xã Phong Quang".
    pub commune_name: String,
    pub period: Period,
    pub figures: CommuneFigures,
    /// The same figures for the period before (same kind).
    pub previous: CommuneFigures,
    /// Progress toward the targets of the period's year (if any are set).
    pub progress: Vec<Progress>,
    /// Incidents dated in the period, oldest first.
    pub incidents: Vec<IncidentLine>,
    /// Villages that wrote difficulties or proposals, by village.
    pub notes: Vec<VillageNotes>,
}

/// Who signs: the chairman for the committee, or a vice-chairman for him.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signer {
    #[default]
    Chairman,
    ViceChairman,
}

impl Signer {
    /// The two lines above the signature.
    pub fn lines(self) -> [&'static str; 2] {
        match self {
            Signer::Chairman => ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
            Signer::ViceChairman => ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
        }
    }
}

/// One task group's results.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// The plan's heading ("1. Cải cách thể chế…").
    pub heading: String,
    /// One sentence per figure that some village gave.
    pub lines: Vec<String>,
}

/// A village's words, quoted.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    pub village: String,
    pub text: String,
}

/// The report's content, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// "UBND XÃ PHONG QUANG" block, upper case: ["ỦY BAN NHÂN DÂN", "XÃ PHONG QUANG"].
    pub issuer: [String; 2],
    /// "Phong Quang, ngày 02 tháng 12 năm 2026".
    pub place_date: String,
    /// "Kết quả thực hiện Kế hoạch hành động giai đoạn 2026 – 2030 tháng 11 năm 2026".
    pub subject: String,
    /// The opening paragraph (how many villages reported).
    pub intro: String,
    pub sections: Vec<Section>,
    /// One sentence per incident; empty: none.
    pub incidents: Vec<String>,
    pub difficulties: Vec<Quote>,
    pub proposals: Vec<Quote>,
    /// Default recipients, each a line starting with "- ".
    pub recipients: Vec<String>,
}

/// The place without the unit: "Xã Phong Quang" → "Phong Quang".
pub fn place_of(commune_name: &str) -> String {
    let n = commune_name.trim();
    for prefix in ["Xã ", "xã ", "Phường ", "phường ", "Thị trấn ", "thị trấn "] {
        if let Some(rest) = n.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    n.to_string()
}

/// "Phong Quang, ngày 02 tháng 12 năm 2026". NĐ 30/2020 (appendix I, II.5):
/// a day below 10 and the months 1 and 2 take a leading zero.
pub fn place_date(place: &str, d: NaiveDate) -> String {
    let month = if d.month() < 3 { format!("{:02}", d.month()) } else { d.month().to_string() };
    format!("{place}, ngày {:02} tháng {month} năm {}", d.day(), d.year())
}

/// The period as the subject line says it: "tháng 11 năm 2026", "quý IV năm
/// 2026", "6 tháng đầu năm 2026", "năm 2026".
pub fn period_phrase(p: Period) -> String {
    match p.kind() {
        PeriodKind::Month => format!("tháng {} năm {}", p.number(), p.year()),
        PeriodKind::Quarter => {
            format!("quý {} năm {}", ["I", "II", "III", "IV"][usize::from(p.number() - 1)], p.year())
        }
        PeriodKind::Half if p.number() == 1 => format!("6 tháng đầu năm {}", p.year()),
        PeriodKind::Half => format!("6 tháng cuối năm {}", p.year()),
        PeriodKind::Year => format!("năm {}", p.year()),
    }
}

fn shown(kind: Kind, x: f64, unit: &str) -> String {
    match kind {
        Kind::Bool => if x >= 1.0 { "có" } else { "không" }.to_string(),
        Kind::Rate => format!("{}%", number_vi(x, 1)),
        _ if unit.is_empty() => number_vi(x, 2),
        _ => format!("{} {unit}", number_vi(x, 2)),
    }
}

/// "tăng 3 so với kỳ trước", "giảm 1,5", "bằng kỳ trước".
fn compare(kind: Kind, now: f64, before: f64, unit: &str) -> String {
    let d = now - before;
    if kind == Kind::Bool {
        return if d.abs() < 1e-9 {
            "như kỳ trước".into()
        } else {
            format!("kỳ trước: {}", shown(kind, before, unit))
        };
    }
    if d.abs() < 1e-9 {
        return "bằng kỳ trước".into();
    }
    let (word, by) = (if d > 0.0 { "tăng" } else { "giảm" }, d.abs());
    match kind {
        Kind::Rate => format!("{word} {} điểm phần trăm so với kỳ trước", number_vi(by, 1)),
        _ => format!("{word} {} so với kỳ trước", shown(kind, by, unit)),
    }
}

/// Assembles the report of `d`, dated `today`.
pub fn compose(cat: &Catalogue, d: &PrintData, today: NaiveDate) -> Document {
    let f = &d.figures;
    let place = place_of(&d.commune_name);
    let mut sections = Vec::new();
    for g in &cat.groups {
        let mut lines = Vec::new();
        for a in f.aggregates.iter() {
            let Some(ind) = cat.indicator(&a.key).filter(|i| i.group == g.key) else { continue };
            let Some(x) = a.number() else { continue };
            let unit = ind.unit.as_str();
            let mut s = format!("{}: {}", ind.vi, shown(ind.kind, x, unit));
            let mut notes = vec![format!("{}/{} thôn báo cáo", a.villages_reporting, a.villages_total)];
            if let Some(before) = d.previous.aggregates.iter().find(|b| b.key == a.key).and_then(|b| b.number()) {
                notes.push(compare(ind.kind, x, before, unit));
            }
            if let Some(p) = d.progress.iter().find(|p| p.indicator == a.key) {
                let verdict = match p.verdict {
                    Verdict::Met => "đạt".to_string(),
                    Verdict::NotMet => "chưa đạt".to_string(),
                    Verdict::Incomplete => "chưa đủ số liệu để đánh giá".to_string(),
                    Verdict::NoData => "chưa có số liệu".to_string(),
                };
                notes.push(format!(
                    "mục tiêu năm {}: {} {} — {verdict}",
                    p.year,
                    p.op.symbol(),
                    shown(ind.kind, p.target, unit)
                ));
            }
            s.push_str(&format!(" ({}).", notes.join("; ")));
            lines.push(s);
        }
        sections.push(Section { heading: g.vi.clone(), lines });
    }
    let reported = f.villages_reported.len();
    let intro = format!(
        "Thực hiện Kế hoạch hành động giai đoạn 2026 – 2030 của UBND xã, trong {} đã có {}/{} thôn gửi báo cáo{}. \
         Ủy ban nhân dân xã {} báo cáo kết quả thực hiện như sau:",
        period_phrase(d.period),
        reported,
        f.villages_total,
        if f.approved_only { " được Văn phòng duyệt" } else { "" },
        place,
    );
    let incidents = d
        .incidents
        .iter()
        .map(|i| {
            let mut s = format!(
                "{} ({}), {}, ngày {}: {}",
                i.kind.label_vi(),
                i.severity.label_vi().to_lowercase(),
                i.name,
                date_vi(vn_date(i.at)),
                i.description.trim()
            );
            let mut hit = Vec::new();
            if let Some(p) = i.people {
                hit.push(format!("{} người", number_vi(f64::from(p), 0)));
            }
            if let Some(h) = i.households {
                hit.push(format!("{} hộ", number_vi(f64::from(h), 0)));
            }
            if !hit.is_empty() {
                s.push_str(&format!("; ảnh hưởng {}", hit.join(", ")));
            }
            if !s.ends_with('.') {
                s.push('.');
            }
            s
        })
        .collect();
    let quotes = |pick: fn(&VillageNotes) -> &str| -> Vec<Quote> {
        d.notes
            .iter()
            .filter(|n| !pick(n).trim().is_empty())
            .map(|n| Quote { village: n.name.clone(), text: pick(n).trim().to_string() })
            .collect()
    };
    Document {
        issuer: ["ỦY BAN NHÂN DÂN".into(), d.commune_name.trim().to_uppercase()],
        place_date: place_date(&place, today),
        subject: format!("Kết quả thực hiện Kế hoạch hành động giai đoạn 2026 – 2030 {}", period_phrase(d.period)),
        intro,
        sections,
        incidents,
        difficulties: quotes(|n| &n.difficulties),
        proposals: quotes(|n| &n.proposals),
        recipients: vec![
            "- Thường trực Đảng ủy xã;".into(),
            "- Thường trực HĐND xã;".into(),
            "- Chủ tịch, các Phó Chủ tịch UBND xã;".into(),
            "- Lưu: VT, VP.".into(),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{Aggregate, Figure};
    use crate::figures::TargetOp;

    fn cat() -> Catalogue {
        Catalogue::from_json(
            r#"{"version":1,"groups":[{"key":"g1","vi":"1. Cải cách","en":"1"},{"key":"g2","vi":"2. Hạ tầng","en":"2"}],"indicators":[
{"key":"sessions","group":"g1","vi":"Buổi hướng dẫn","en":"Sessions","kind":"count","agg":"sum"},
{"key":"km","group":"g2","vi":"Đường bê tông","en":"Road","kind":"decimal","unit":"km","agg":"sum"},
{"key":"pop","group":"g2","vi":"Dân số","en":"Pop","kind":"count","agg":"latest"},
{"key":"ins","group":"g2","vi":"BHYT","en":"Ins","kind":"count","agg":"latest"},
{"key":"rate","group":"g2","vi":"Tỷ lệ BHYT","en":"Rate","kind":"rate","unit":"%","agg":"ratio","num":"ins","den":"pop"},
{"key":"fibre","group":"g2","vi":"Cáp quang","en":"Fibre","kind":"bool","agg":"all"}
]}"#,
        )
        .unwrap()
    }

    fn agg(key: &str, figure: Figure, reporting: usize) -> Aggregate {
        Aggregate { key: key.into(), figure, villages_reporting: reporting, villages_total: 5 }
    }

    fn figures(period: &str, aggregates: Vec<Aggregate>, reported: usize) -> CommuneFigures {
        let period = Period::parse(period).unwrap();
        CommuneFigures {
            period,
            label: period.label_vi(),
            catalogue: 1,
            approved_only: false,
            villages_total: 5,
            villages_reported: (1..=reported).map(|i| format!("t0{i}")).collect(),
            aggregates,
            targets: vec![],
        }
    }

    fn data() -> PrintData {
        let now = vec![
            agg("sessions", Figure::Number(Some(12.0)), 4),
            agg("km", Figure::Number(Some(1.25)), 2),
            agg("pop", Figure::Number(None), 0),
            agg("rate", Figure::Ratio { num: 957.0, den: 1005.0, value: Some(95.223_880_597) }, 3),
            agg("fibre", Figure::Flag(Some(false)), 4),
        ];
        let before = vec![
            agg("sessions", Figure::Number(Some(3.0)), 2),
            agg("km", Figure::Number(Some(1.25)), 1),
            agg("rate", Figure::Ratio { num: 930.0, den: 1000.0, value: Some(93.0) }, 3),
            agg("fibre", Figure::Flag(Some(false)), 2),
        ];
        PrintData {
            commune_name: "Xã Phong Quang".into(),
            period: Period::parse("2026-11").unwrap(),
            figures: figures("2026-11", now, 4),
            previous: figures("2026-10", before, 3),
            progress: vec![Progress {
                indicator: "sessions".into(),
                year: 2026,
                op: TargetOp::Ge,
                target: 50.0,
                value: Some(15.0),
                villages_reporting: 4,
                villages_total: 5,
                verdict: Verdict::Incomplete,
                villages: vec![],
            }],
            incidents: vec![IncidentLine {
                village: "t02".into(),
                name: "Thôn Khuổi Ổ".into(),
                kind: IncidentKind::Landslide,
                // 2026-11-20 08:00 in Hà Nội.
                at: 1_795_136_400_000,
                severity: Severity::High,
                people: Some(12),
                households: None,
                description: "Sạt taluy dương đường liên thôn ".into(),
                state: RecordState::Received,
            }],
            notes: vec![
                VillageNotes {
                    village: "t01".into(),
                    name: "Thôn Bản Tàn".into(),
                    difficulties: " Sóng yếu ở xóm trong ".into(),
                    proposals: String::new(),
                },
                VillageNotes {
                    village: "t03".into(),
                    name: "Thôn Nà Pài".into(),
                    difficulties: String::new(),
                    proposals: "Xin hỗ trợ xi măng".into(),
                },
            ],
        }
    }

    #[test]
    fn dates_and_periods_as_the_decree_writes_them() {
        let d = |s: &str| crate::format::parse_date_iso(s).unwrap();
        assert_eq!(place_date("Phong Quang", d("2026-12-02")), "Phong Quang, ngày 02 tháng 12 năm 2026");
        assert_eq!(place_date("Phong Quang", d("2027-02-15")), "Phong Quang, ngày 15 tháng 02 năm 2027");
        assert_eq!(place_date("Phong Quang", d("2027-03-09")), "Phong Quang, ngày 09 tháng 3 năm 2027");
        assert_eq!(place_of("Xã Phong Quang"), "Phong Quang");
        assert_eq!(place_of("Phong Quang"), "Phong Quang");
        let p = |s: &str| period_phrase(Period::parse(s).unwrap());
        assert_eq!(p("2026-11"), "tháng 11 năm 2026");
        assert_eq!(p("2026-Q4"), "quý IV năm 2026");
        assert_eq!(p("2026-H1"), "6 tháng đầu năm 2026");
        assert_eq!(p("2026-H2"), "6 tháng cuối năm 2026");
        assert_eq!(p("2026"), "năm 2026");
        assert_eq!(Signer::Chairman.lines(), ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]);
        assert_eq!(Signer::ViceChairman.lines(), ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]);
    }

    #[test]
    fn the_report_says_each_figure_with_coverage_comparison_and_target() {
        let c = cat();
        let today = crate::format::parse_date_iso("2026-12-02").unwrap();
        let doc = compose(&c, &data(), today);
        assert_eq!(doc.issuer, ["ỦY BAN NHÂN DÂN".to_string(), "XÃ PHONG QUANG".to_string()]);
        assert_eq!(doc.place_date, "Phong Quang, ngày 02 tháng 12 năm 2026");
        assert_eq!(doc.subject, "Kết quả thực hiện Kế hoạch hành động giai đoạn 2026 – 2030 tháng 11 năm 2026");
        assert!(doc.intro.contains("trong tháng 11 năm 2026 đã có 4/5 thôn gửi báo cáo."), "{}", doc.intro);
        assert_eq!(doc.sections.len(), 2);
        assert_eq!(doc.sections[0].heading, "1. Cải cách");
        assert_eq!(
            doc.sections[0].lines,
            ["Buổi hướng dẫn: 12 (4/5 thôn báo cáo; tăng 9 so với kỳ trước; mục tiêu năm 2026: ≥ 50 — chưa đủ số liệu để đánh giá)."]
        );
        let g2 = &doc.sections[1].lines;
        assert_eq!(g2.len(), 3, "population has no figure: left out — {g2:?}");
        assert_eq!(g2[0], "Đường bê tông: 1,25 km (2/5 thôn báo cáo; bằng kỳ trước).");
        assert_eq!(g2[1], "Tỷ lệ BHYT: 95,2% (3/5 thôn báo cáo; tăng 2,2 điểm phần trăm so với kỳ trước).");
        assert_eq!(g2[2], "Cáp quang: không (4/5 thôn báo cáo; như kỳ trước).");
        assert_eq!(
            doc.incidents,
            ["Sạt lở đất (nghiêm trọng), Thôn Khuổi Ổ, ngày 20/11/2026: Sạt taluy dương đường liên thôn; ảnh hưởng 12 người."]
        );
        assert_eq!(doc.difficulties, [Quote { village: "Thôn Bản Tàn".into(), text: "Sóng yếu ở xóm trong".into() }]);
        assert_eq!(doc.proposals, [Quote { village: "Thôn Nà Pài".into(), text: "Xin hỗ trợ xi măng".into() }]);
        assert_eq!(doc.recipients.last().unwrap(), "- Lưu: VT, VP.");
    }

    #[test]
    fn a_period_with_nothing_reported_still_reads() {
        let c = cat();
        let mut d = data();
        d.figures = figures("2026-11", vec![], 0);
        d.incidents.clear();
        d.notes.clear();
        let doc = compose(&c, &d, crate::format::parse_date_iso("2026-12-02").unwrap());
        assert!(doc.intro.contains("0/5 thôn"));
        assert!(doc.sections.iter().all(|s| s.lines.is_empty()));
        assert!(doc.incidents.is_empty() && doc.difficulties.is_empty());
    }
}
