//! "What do I owe?" as plain data: the periodic reports a village owes on a
//! given day, in the order home lists them under "Việc cần làm". No browser,
//! no signals, so it is tested natively (`cargo test -p sothon --lib`).
//!
//! A report is owed for the period of each kind (month, quarter, half-year,
//! year) containing today and the one before it — and for any period whose
//! report on the phone is not done — until it is **done**: received or
//! approved by the commune, with nothing left unsent. A report saved on the
//! phone but not sent is still listed (it has not reached the commune).
//! Periods that ended before the plan began (2026) are never owed.
//!
//! Order: overdue first (due date passed), then by due date, then month,
//! quarter, half-year, year.

use sothon_domain::chrono_date::NaiveDate;
use sothon_domain::protocol::Body;
use sothon_domain::{Period, PeriodKind};
use sothon_sync::{LocalRecord, LocalState};
use std::collections::BTreeMap;

/// The plan's first year: nothing before it is owed.
pub const PLAN_FIRST_YEAR: i32 = 2026;

/// One report owed.
#[derive(Debug, Clone, PartialEq)]
pub struct Owed {
    pub period: Period,
    pub due: NaiveDate,
    /// The record on the phone, if the report was started.
    pub state: Option<LocalState>,
    /// Saved but not yet on the server.
    pub unsent: bool,
    /// The due date has passed.
    pub overdue: bool,
    /// A returned report: the commune's reason and its comments on fields.
    pub reason: String,
    pub flagged: Vec<sothon_domain::review::FieldComment>,
}

fn done(r: &LocalRecord) -> bool {
    !r.unsent() && matches!(r.state, LocalState::Received | LocalState::Approved)
}

/// The reports `village` owes on `today`, given the phone's records and each
/// period's due date.
pub fn owed(village: &str, today: NaiveDate, records: &[LocalRecord], due: impl Fn(&Period) -> NaiveDate) -> Vec<Owed> {
    let reports: BTreeMap<Period, &LocalRecord> = records
        .iter()
        .filter_map(|r| match &r.body {
            Body::Report(rep) if rep.village == village => Some((rep.period, r)),
            _ => None,
        })
        .collect();
    let mut periods: Vec<Period> = Vec::new();
    for kind in PeriodKind::ALL {
        let now = Period::containing(kind, today);
        periods.extend([now.prev(), now]);
    }
    // A report started for any other period and not done is owed too.
    periods.extend(reports.iter().filter(|(_, r)| !done(r)).map(|(p, _)| *p));
    periods.retain(|p| p.year() >= PLAN_FIRST_YEAR);
    sothon_domain::sort::sort(&mut periods);
    periods.dedup();
    let mut out: Vec<Owed> = periods
        .into_iter()
        .filter_map(|period| {
            let rec = reports.get(&period);
            if rec.is_some_and(|r| done(r)) {
                return None;
            }
            let due = due(&period);
            let returned = rec.filter(|r| r.state == LocalState::Returned);
            Some(Owed {
                period,
                due,
                state: rec.map(|r| r.state),
                unsent: rec.is_some_and(|r| r.unsent()),
                overdue: due < today,
                reason: returned.map(|r| r.comment.clone()).unwrap_or_default(),
                flagged: returned.map(|r| r.return_fields.clone()).unwrap_or_default(),
            })
        })
        .collect();
    sothon_domain::sort::sort_by_key(&mut out, |o| (!o.overdue, o.due, o.period.kind(), o.period));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sothon_domain::Report;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    fn rec(period: &str, state: LocalState, pending: bool) -> LocalRecord {
        let r = Report::new("pq-t01", p(period), 3);
        LocalRecord {
            id: r.id(),
            body: Body::Report(r),
            state,
            rev: 1,
            base: 1,
            receipt: String::new(),
            comment: String::new(),
            return_fields: Vec::new(),
            saved: 0,
            received: None,
            pending: pending.then(|| "dev:1".to_string()),
            errors: Vec::new(),
            ver: 1,
            entered_by: None,
            heard: None,
            steps: Vec::new(),
        }
    }

    fn list(today: NaiveDate, records: &[LocalRecord]) -> Vec<String> {
        owed("pq-t01", today, records, Period::default_due).iter().map(|o| o.period.to_string()).collect()
    }

    #[test]
    fn early_december_with_nothing_filed_lists_overdue_first_then_by_due_date() {
        let today = d(2026, 12, 2);
        let all = owed("pq-t01", today, &[], Period::default_due);
        let periods: Vec<String> = all.iter().map(|o| o.period.to_string()).collect();
        // H1 (due 05/07) and Q3 (due 05/10) are overdue; November is due 05/12;
        // December, Q4, H2 and the year are all due 05/01/2027. 2025 is before the plan.
        assert_eq!(periods, ["2026-H1", "2026-Q3", "2026-11", "2026-12", "2026-Q4", "2026-H2", "2026"]);
        assert!(all[0].overdue && all[1].overdue && !all[2].overdue);
        assert_eq!(all[2].due, d(2026, 12, 5));
        assert!(all.iter().all(|o| o.state.is_none() && !o.unsent));
    }

    #[test]
    fn done_reports_drop_off_and_unsent_ones_stay() {
        let today = d(2026, 12, 2);
        let records = [
            rec("2026-H1", LocalState::Approved, false),
            rec("2026-Q3", LocalState::Received, false),
            rec("2026-11", LocalState::Queued, true),
            rec("2026-12", LocalState::Draft, false),
        ];
        let all = owed("pq-t01", today, &records, Period::default_due);
        let periods: Vec<String> = all.iter().map(|o| o.period.to_string()).collect();
        assert_eq!(periods, ["2026-11", "2026-12", "2026-Q4", "2026-H2", "2026"]);
        assert_eq!((all[0].state, all[0].unsent), (Some(LocalState::Queued), true));
        assert_eq!(all[1].state, Some(LocalState::Draft));
    }

    #[test]
    fn a_returned_report_of_an_older_period_is_owed_again() {
        let today = d(2026, 12, 2);
        let mut records: Vec<LocalRecord> = ["2026-H1", "2026-Q3", "2026-11", "2026-12", "2026-Q4", "2026-H2", "2026"]
            .iter()
            .map(|s| rec(s, LocalState::Received, false))
            .collect();
        assert!(list(today, &records).is_empty(), "everything received: nothing owed");
        records.push(rec("2026-08", LocalState::Returned, false));
        records.push(rec("2026-09", LocalState::Conflict, false));
        assert_eq!(list(today, &records), ["2026-08", "2026-09"]);
        // Another village's records are not this one's.
        let mut other = rec("2026-07", LocalState::Draft, false);
        if let Body::Report(r) = &mut other.body {
            r.village = "pq-t02".into();
        }
        records.push(other);
        assert_eq!(list(today, &records), ["2026-08", "2026-09"]);
    }

    #[test]
    fn a_returned_report_carries_its_reason_and_flagged_fields_to_the_list() {
        use sothon_domain::review::FieldComment;
        let today = d(2026, 12, 2);
        let mut returned = rec("2026-11", LocalState::Returned, false);
        returned.comment = "Số thẻ BHYT chưa khớp".into();
        returned.return_fields = vec![FieldComment { field: "bhyt".into(), comment: "Thiếu 12 thẻ".into() }];
        // A draft made after the return (the head is fixing it) says nothing more.
        let mut draft = rec("2026-12", LocalState::Draft, false);
        draft.comment = "old".into();
        let all = owed("pq-t01", today, &[returned, draft], Period::default_due);
        let nov = all.iter().find(|o| o.period.to_string() == "2026-11").unwrap();
        assert_eq!(nov.reason, "Số thẻ BHYT chưa khớp");
        assert_eq!(nov.flagged[0].field, "bhyt");
        let dec = all.iter().find(|o| o.period.to_string() == "2026-12").unwrap();
        assert!(dec.reason.is_empty() && dec.flagged.is_empty());
    }

    #[test]
    fn the_communes_due_dates_decide_overdue() {
        let today = d(2026, 12, 6);
        let due = |p: &Period| if *p == p_nov() { d(2026, 12, 7) } else { p.default_due() };
        fn p_nov() -> Period {
            Period::parse("2026-11").unwrap()
        }
        let all = owed("pq-t01", today, &[], due);
        let nov = all.iter().find(|o| o.period == p_nov()).unwrap();
        assert!(!nov.overdue, "the commune gave until 07/12");
        let all = owed("pq-t01", today, &[], Period::default_due);
        assert!(all.iter().find(|o| o.period == p_nov()).unwrap().overdue);
        assert_eq!(all.iter().position(|o| o.period == p_nov()), Some(2), "after H1 and Q3");
    }

    #[test]
    fn january_owes_last_years_december_quarter_half_and_year_first() {
        assert_eq!(
            list(d(2027, 1, 3), &[]),
            ["2026-12", "2026-Q4", "2026-H2", "2026", "2027-01", "2027-Q1", "2027-H1", "2027"]
        );
    }
}
