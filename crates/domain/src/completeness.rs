//! The completeness grid: villages × periods, each cell saying where the
//! village's report for the period stands, and per period the two rates
//! DHIS2 defines —
//!
//! * **reporting rate** = reports received ÷ reports expected;
//! * **on-time rate** = reports first received by the due date ÷ expected.
//!
//! Expected reports are one per village of the commune (every village is
//! active: the schema has no way to retire one yet). "Received" counts any
//! report the server holds, whatever its review state; "on time" compares the
//! server's first receipt (`records.created_at`, in Asia/Ho_Chi_Minh) with the
//! period's due date, so a report returned and sent again keeps the day it
//! first arrived.
//!
//! A period whose due date has not passed is **open**: a village that has not
//! reported yet is [`CellState::NotDue`] ("Chưa đến hạn"), not missing, and
//! the period's rates are marked as still moving.
//!
//! [`build`] is pure: the server reads the rows, this decides. The reminder
//! text a person sends to the villages still owing is [`reminder_text`].

use crate::protocol::{RecordState, Village};
use crate::{Period, PeriodKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What one cell of the grid says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellState {
    /// No report yet, and the due date has not passed.
    NotDue,
    /// Received (not yet reviewed) by the due date.
    OnTime,
    /// Received (not yet reviewed) after the due date.
    Late,
    /// No report, and the due date has passed.
    Missing,
    /// Sent back by the office; the village owes a corrected revision.
    Returned,
    /// Returned once, then sent again: waiting for review.
    Resubmitted,
    /// Approved (locked).
    Approved,
    /// An edit waits in conflict beside the report.
    Conflict,
}

impl CellState {
    pub const ALL: [CellState; 8] = [
        Self::NotDue,
        Self::OnTime,
        Self::Late,
        Self::Missing,
        Self::Returned,
        Self::Resubmitted,
        Self::Approved,
        Self::Conflict,
    ];

    /// How it is spelled on the wire (and in `data-state` on screen).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotDue => "not_due",
            Self::OnTime => "on_time",
            Self::Late => "late",
            Self::Missing => "missing",
            Self::Returned => "returned",
            Self::Resubmitted => "resubmitted",
            Self::Approved => "approved",
            Self::Conflict => "conflict",
        }
    }

    /// Whether the village still owes the office a report for the period.
    pub fn owing(self) -> bool {
        matches!(self, Self::NotDue | Self::Missing | Self::Returned)
    }
}

/// What the server knows about one village's report for one period.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFacts {
    pub village: String,
    pub period: Period,
    pub record: String,
    pub state: RecordState,
    /// Server time the report first arrived, ms.
    pub received_at: i64,
    /// The office returned an earlier revision of it.
    pub returned_before: bool,
}

/// The state of one cell, from the report (if any), the due date and today
/// (all in Vietnam).
pub fn cell_state(report: Option<&ReportFacts>, due: NaiveDate, today: NaiveDate) -> CellState {
    let Some(r) = report else {
        return if today <= due { CellState::NotDue } else { CellState::Missing };
    };
    match r.state {
        RecordState::Conflict => CellState::Conflict,
        RecordState::Approved => CellState::Approved,
        RecordState::Returned => CellState::Returned,
        RecordState::Received if r.returned_before => CellState::Resubmitted,
        RecordState::Received if on_time(r, due) => CellState::OnTime,
        RecordState::Received => CellState::Late,
    }
}

/// Whether a report first arrived by the due date (its Vietnamese day).
fn on_time(r: &ReportFacts, due: NaiveDate) -> bool {
    crate::format::vn_date(r.received_at) <= due
}

/// One cell of the grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridCell {
    pub state: CellState,
    /// The report's record id, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// Whether the report first arrived by the due date (`None`: no report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_time: Option<bool>,
}

/// One period of the grid and its rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub period: Period,
    /// "Tháng 11/2026".
    pub label: String,
    #[serde(with = "crate::format::iso_date")]
    pub due: NaiveDate,
    /// The due date has not passed: figures still moving.
    pub open: bool,
    /// Reports expected: the villages of the commune.
    pub expected: usize,
    /// Reports received, any state.
    pub received: usize,
    /// Reports first received by the due date.
    pub on_time: usize,
}

impl Column {
    /// Reports received ÷ expected (`None` with no village).
    pub fn reporting_rate(&self) -> Option<f64> {
        (self.expected > 0).then(|| self.received as f64 / self.expected as f64)
    }

    /// Reports received by the due date ÷ expected.
    pub fn on_time_rate(&self) -> Option<f64> {
        (self.expected > 0).then(|| self.on_time as f64 / self.expected as f64)
    }
}

/// One village's row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridRow {
    pub village: String,
    pub name: String,
    pub sample: bool,
    /// One per [`Completeness::columns`], in the same order.
    pub cells: Vec<GridCell>,
}

/// A village that still owes the reminder's period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Owing {
    pub village: String,
    pub name: String,
    /// [`CellState::NotDue`], [`CellState::Missing`] or [`CellState::Returned`].
    pub state: CellState,
    /// Phone numbers of the village's heads (for the `sms:` link).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
}

/// Who to remind, for which period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reminder {
    pub period: Period,
    pub label: String,
    #[serde(with = "crate::format::iso_date")]
    pub due: NaiveDate,
    /// The due date has passed.
    pub overdue: bool,
    pub owing: Vec<Owing>,
}

/// `GET /api/v1/completeness` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Completeness {
    pub kind: PeriodKind,
    /// Today in Vietnam, as the server saw it.
    #[serde(with = "crate::format::iso_date")]
    pub today: NaiveDate,
    /// Oldest first; the last one is the period containing today.
    pub columns: Vec<Column>,
    /// Every village of the commune, by id.
    pub rows: Vec<GridRow>,
    /// The villages still owing the latest period that has ended.
    pub reminder: Reminder,
}

/// How many periods the grid shows when not told: a year of months, four
/// quarters, two half-years, two years.
pub fn default_count(kind: PeriodKind) -> usize {
    match kind {
        PeriodKind::Month => 12,
        PeriodKind::Quarter => 4,
        PeriodKind::Half | PeriodKind::Year => 2,
    }
}

/// Most periods one grid shows.
pub const MAX_COUNT: usize = 24;

/// The last `count` periods of `kind`, oldest first, ending with the one
/// containing `today`.
pub fn periods(kind: PeriodKind, count: usize, today: NaiveDate) -> Vec<Period> {
    let mut p = Period::containing(kind, today);
    let mut out = vec![p];
    while out.len() < count.max(1) && p.year() > Period::FIRST_YEAR {
        p = p.prev();
        out.push(p);
    }
    out.reverse();
    out
}

/// Builds the grid from the villages, their reports, the periods with their
/// due dates (oldest first), and the phones of each village's heads.
pub fn build(
    kind: PeriodKind,
    columns: &[(Period, NaiveDate)],
    villages: &[Village],
    reports: &[ReportFacts],
    phones: &HashMap<String, Vec<String>>,
    today: NaiveDate,
) -> Completeness {
    let by_key: HashMap<(&str, Period), &ReportFacts> =
        reports.iter().map(|r| ((r.village.as_str(), r.period), r)).collect();
    let mut cols: Vec<Column> = columns
        .iter()
        .map(|(p, due)| Column {
            period: *p,
            label: p.label_vi(),
            due: *due,
            open: today <= *due,
            expected: villages.len(),
            received: 0,
            on_time: 0,
        })
        .collect();
    let mut rows = Vec::with_capacity(villages.len());
    for v in villages {
        let mut cells = Vec::with_capacity(columns.len());
        for (i, (p, due)) in columns.iter().enumerate() {
            let r = by_key.get(&(v.id.as_str(), *p)).copied();
            let timely = r.map(|r| on_time(r, *due));
            if let Some(t) = timely {
                cols[i].received += 1;
                cols[i].on_time += usize::from(t);
            }
            cells.push(GridCell {
                state: cell_state(r, *due, today),
                record: r.map(|r| r.record.clone()),
                on_time: timely,
            });
        }
        rows.push(GridRow { village: v.id.clone(), name: v.name.clone(), sample: v.sample, cells });
    }
    // The period villages owe now: the latest that has ended (in a grid of
    // one period, that one).
    let at = columns.iter().rposition(|(p, _)| p.end() < today).unwrap_or(columns.len().saturating_sub(1));
    let reminder = match columns.get(at) {
        Some((p, due)) => Reminder {
            period: *p,
            label: p.label_vi(),
            due: *due,
            overdue: today > *due,
            owing: rows
                .iter()
                .filter(|r| r.cells[at].state.owing())
                .map(|r| Owing {
                    village: r.village.clone(),
                    name: r.name.clone(),
                    state: r.cells[at].state,
                    phones: phones.get(&r.village).cloned().unwrap_or_default(),
                })
                .collect(),
        },
        None => {
            let p = Period::containing(kind, today);
            Reminder { period: p, label: p.label_vi(), due: p.default_due(), overdue: false, owing: Vec::new() }
        }
    };
    Completeness { kind, today, columns: cols, rows, reminder }
}

/// A village name without the sample marker and the "Thôn " prefix, as a
/// reminder lists it ("Bản Chang").
fn short_name(name: &str) -> &str {
    let n = name.trim_end_matches(" (mẫu)");
    n.strip_prefix("Thôn ").unwrap_or(n)
}

/// The reminder a person sends to the villages still owing: which villages,
/// which period, the due date (passed or not), what to do, and the app's
/// link. Vietnamese only: it goes to village heads. Empty when nobody owes.
pub fn reminder_text(r: &Reminder, commune: &str, link: &str) -> String {
    let names = |pred: fn(CellState) -> bool| -> Vec<&str> {
        r.owing.iter().filter(|o| pred(o.state)).map(|o| short_name(&o.name)).collect()
    };
    let missing = names(|s| matches!(s, CellState::NotDue | CellState::Missing));
    let returned = names(|s| s == CellState::Returned);
    if missing.is_empty() && returned.is_empty() {
        return String::new();
    }
    let due = crate::format::date_vi(r.due);
    let mut out = format!("{commune} nhắc báo cáo {}", r.label);
    out.push_str(if r.overdue { " (đã quá hạn nộp " } else { " (hạn nộp " });
    out.push_str(&due);
    out.push_str(").");
    if !missing.is_empty() {
        out.push_str(&format!(" Thôn chưa gửi: {}.", missing.join(", ")));
    }
    if !returned.is_empty() {
        out.push_str(&format!(" Thôn cần sửa và gửi lại báo cáo bị trả lại: {}.", returned.join(", ")));
    }
    out.push_str(&format!(" Đề nghị trưởng thôn mở Sổ Thôn để gửi: {link}"));
    out
}

/// An `sms:` link with the numbers (none: the person picks them) and the
/// text as its body (`sms:?&body=…` works on Android and iOS alike).
pub fn sms_link(phones: &[String], text: &str) -> String {
    format!("sms:{}?&body={}", phones.join(","), percent_encode(text))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        crate::format::parse_date_iso(s).unwrap()
    }

    /// Midday in Vietnam on `day`, as server ms.
    fn at(day: &str) -> i64 {
        d(day).and_hms_opt(5, 0, 0).unwrap().and_utc().timestamp_millis()
    }

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    fn village(id: &str, name: &str) -> Village {
        Village { id: id.into(), name: name.into(), sample: true }
    }

    fn facts(v: &str, period: &str, state: RecordState, day: &str, returned_before: bool) -> ReportFacts {
        ReportFacts {
            village: v.into(),
            period: p(period),
            record: format!("r.{v}.{period}"),
            state,
            received_at: at(day),
            returned_before,
        }
    }

    /// The seeded commune of the tests: five villages, three months
    /// (September and October past due, November due on 5 December and
    /// today 2 December, so still open).
    fn seeded() -> Completeness {
        let villages = [
            village("t1", "Thôn Bản Chang (mẫu)"),
            village("t2", "Thôn Nà Pài (mẫu)"),
            village("t3", "Thôn Khuổi Đắng (mẫu)"),
            village("t4", "Thôn Pác Nặm (mẫu)"),
            village("t5", "Thôn Cốc Lùng (mẫu)"),
        ];
        use RecordState::*;
        let reports = [
            // September: due 5 October.
            facts("t1", "2026-09", Approved, "2026-10-02", false),
            facts("t2", "2026-09", Approved, "2026-10-09", false), // late, then approved
            facts("t3", "2026-09", Received, "2026-10-05", false), // on the due day
            facts("t4", "2026-09", Received, "2026-10-06", false), // a day late
            // t5: missing
            // October: due 10 November (the commune moved it).
            facts("t1", "2026-10", Returned, "2026-11-03", false),
            facts("t2", "2026-10", Received, "2026-11-04", true), // returned, sent again
            facts("t3", "2026-10", Conflict, "2026-11-12", false),
            facts("t4", "2026-10", Approved, "2026-11-10", false),
            // t5: missing
            // November: due 5 December, today 2 December.
            facts("t1", "2026-11", Received, "2026-12-01", false),
        ];
        let cols = [(p("2026-09"), d("2026-10-05")), (p("2026-10"), d("2026-11-10")), (p("2026-11"), d("2026-12-05"))];
        let phones = HashMap::from([("t5".to_string(), vec!["0912345678".to_string()])]);
        build(PeriodKind::Month, &cols, &villages, &reports, &phones, d("2026-12-02"))
    }

    #[test]
    fn every_cell_state_of_the_seeded_commune() {
        let g = seeded();
        use CellState::*;
        let states: Vec<Vec<CellState>> = g.rows.iter().map(|r| r.cells.iter().map(|c| c.state).collect()).collect();
        assert_eq!(
            states,
            [
                vec![Approved, Returned, OnTime],
                vec![Approved, Resubmitted, NotDue],
                vec![OnTime, Conflict, NotDue],
                vec![Late, Approved, NotDue],
                vec![Missing, Missing, NotDue],
            ]
        );
        // The cell keeps whether it came in time, whatever its state.
        assert_eq!(g.rows[1].cells[0].on_time, Some(false));
        assert_eq!(g.rows[2].cells[1].on_time, Some(false));
        assert_eq!(g.rows[4].cells[0].on_time, None);
        assert_eq!(g.rows[0].cells[0].record.as_deref(), Some("r.t1.2026-09"));
        for s in CellState::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    #[test]
    fn rates_per_period_against_hand_counts() {
        let g = seeded();
        let got: Vec<(usize, usize, usize, bool)> =
            g.columns.iter().map(|c| (c.expected, c.received, c.on_time, c.open)).collect();
        // September: 4 of 5 received, 2 by 5 October (t1 on the 2nd, t3 on
        // the 5th itself). October: 4 received, 3 by 10 November (t3 on the
        // 12th is late). November: 1 so far, open.
        assert_eq!(got, [(5, 4, 2, false), (5, 4, 3, false), (5, 1, 1, true)]);
        assert_eq!(g.columns[0].reporting_rate(), Some(0.8));
        assert_eq!(g.columns[0].on_time_rate(), Some(0.4));
        assert_eq!(g.columns[1].on_time_rate(), Some(0.6));
        assert_eq!(g.columns[2].reporting_rate(), Some(0.2));
        let empty = Column { expected: 0, ..g.columns[0].clone() };
        assert_eq!(empty.reporting_rate(), None);
    }

    #[test]
    fn a_report_on_the_due_day_in_vietnam_is_on_time_even_late_at_night() {
        let due = d("2026-10-05");
        let mut r = facts("t1", "2026-09", RecordState::Received, "2026-10-05", false);
        // 23:30 on the 5th in Vietnam is 16:30 UTC.
        r.received_at = d("2026-10-05").and_hms_opt(16, 30, 0).unwrap().and_utc().timestamp_millis();
        assert_eq!(cell_state(Some(&r), due, d("2026-12-01")), CellState::OnTime);
        // 00:30 on the 6th in Vietnam is 17:30 UTC on the 5th.
        r.received_at = d("2026-10-05").and_hms_opt(17, 30, 0).unwrap().and_utc().timestamp_millis();
        assert_eq!(cell_state(Some(&r), due, d("2026-12-01")), CellState::Late);
        // No report: not due up to and including the due day, missing after.
        assert_eq!(cell_state(None, due, due), CellState::NotDue);
        assert_eq!(cell_state(None, due, d("2026-10-06")), CellState::Missing);
    }

    #[test]
    fn the_reminder_names_who_owes_the_latest_ended_period() {
        let g = seeded();
        let r = &g.reminder;
        assert_eq!(r.period, p("2026-11"));
        assert!(!r.overdue);
        let owing: Vec<(&str, CellState)> = r.owing.iter().map(|o| (o.village.as_str(), o.state)).collect();
        assert_eq!(
            owing,
            [
                ("t2", CellState::NotDue),
                ("t3", CellState::NotDue),
                ("t4", CellState::NotDue),
                ("t5", CellState::NotDue)
            ]
        );
        assert_eq!(r.owing[3].phones, ["0912345678"]);
        let text = reminder_text(r, "UBND xã Phong Quang", "https://so-thon.example/");
        assert_eq!(
            text,
            "UBND xã Phong Quang nhắc báo cáo Tháng 11/2026 (hạn nộp 05/12/2026). \
             Thôn chưa gửi: Nà Pài, Khuổi Đắng, Pác Nặm, Cốc Lùng. \
             Đề nghị trưởng thôn mở Sổ Thôn để gửi: https://so-thon.example/"
        );
    }

    #[test]
    fn an_overdue_reminder_says_so_and_lists_returned_reports_apart() {
        let r = Reminder {
            period: p("2026-10"),
            label: "Tháng 10/2026".into(),
            due: d("2026-11-10"),
            overdue: true,
            owing: vec![
                Owing {
                    village: "t1".into(),
                    name: "Thôn Bản Chang (mẫu)".into(),
                    state: CellState::Returned,
                    phones: vec![],
                },
                Owing { village: "t5".into(), name: "Cốc Lùng".into(), state: CellState::Missing, phones: vec![] },
            ],
        };
        assert_eq!(
            reminder_text(&r, "UBND xã", "http://x/"),
            "UBND xã nhắc báo cáo Tháng 10/2026 (đã quá hạn nộp 10/11/2026). Thôn chưa gửi: Cốc Lùng. \
             Thôn cần sửa và gửi lại báo cáo bị trả lại: Bản Chang. Đề nghị trưởng thôn mở Sổ Thôn để gửi: http://x/"
        );
        assert_eq!(reminder_text(&Reminder { owing: vec![], ..r }, "UBND xã", "http://x/"), "");
    }

    #[test]
    fn sms_links_carry_numbers_and_an_encoded_body() {
        assert_eq!(sms_link(&[], "Hạn 5/12"), "sms:?&body=H%E1%BA%A1n%205%2F12");
        assert_eq!(sms_link(&["0912".into(), "0987".into()], "a&b"), "sms:0912,0987?&body=a%26b");
    }

    #[test]
    fn periods_end_with_the_one_containing_today() {
        let got: Vec<String> =
            periods(PeriodKind::Quarter, 4, d("2026-12-02")).iter().map(ToString::to_string).collect();
        assert_eq!(got, ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]);
        assert_eq!(periods(PeriodKind::Month, 12, d("2026-12-02")).len(), 12);
        assert_eq!(periods(PeriodKind::Month, 12, d("2026-12-02"))[0], p("2026-01"));
        assert_eq!(periods(PeriodKind::Year, 2, d("2026-12-02")), [p("2025"), p("2026")]);
    }

    #[test]
    fn the_grid_reads_back_as_the_server_wrote_it() {
        let g = seeded();
        let back: Completeness = serde_json::from_str(&serde_json::to_string(&g).unwrap()).unwrap();
        assert_eq!(back, g);
    }
}
