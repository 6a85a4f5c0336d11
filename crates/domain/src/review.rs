//! Reviewing a village's report field by field: the wire types of the
//! review sheet (`GET /api/v1/review/{village}/{period}`) and of a return
//! with per-field comments, and the rules the office screen and the server
//! share (re-exported from [`crate::api`]).
//!
//! Rules, each a plain function with its tests below:
//! * [`large_change`] — which changes from last period the officer should
//!   look at twice: a number that moved by at least [`LARGE_RELATIVE`] of its
//!   old value *and* at least [`LARGE_ABSOLUTE`] units, or a yes/no that
//!   flipped;
//! * [`resubmitted`] — a report is "resubmitted" when it is received again
//!   after a return (its history's last decision is a return);
//! * [`check_return`] — a return needs a reason, and its field comments may
//!   name only fields of that report's catalogue (indicators it asks or
//!   holds, and its two free-text fields), once each;
//! * [`changes`] — what differs between two revisions, in catalogue order,
//!   which is also "exactly what changed since the return".

use crate::api::{Decision, FieldDiff, ReviewEntry};
use crate::catalogue::{Catalogue, MAX_TEXT};
use crate::protocol::{Body, RecordState};
use crate::record::{FieldError, Value};
use crate::{Period, Report};
use serde::{Deserialize, Serialize};

/// A change from last period is large when it is at least this share of the
/// old value…
pub const LARGE_RELATIVE: f64 = 0.5;
/// …and at least this many units (a village of 40 households going from 2
/// to 4 poor households is not news; from 20 to 40 is).
pub const LARGE_ABSOLUTE: f64 = 5.0;
/// Most field comments in one return (a report has fewer fields).
pub const MAX_FIELD_COMMENTS: usize = 200;

/// The report's free-text fields, which may be commented on too.
pub const TEXT_FIELDS: [&str; 2] = ["difficulties", "proposals"];

/// The officer's comment on one field of a returned report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldComment {
    /// An indicator key, or `difficulties` / `proposals`.
    pub field: String,
    pub comment: String,
}

/// The last return of a report: its reason and field comments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnNote {
    /// The revision that was returned.
    pub rev: u32,
    pub reason: String,
    #[serde(default)]
    pub fields: Vec<FieldComment>,
    /// Who returned it (display name) and when (server ms).
    pub by: String,
    pub at: i64,
}

/// `GET /api/v1/review/{village}/{period}`: everything the officer needs to
/// decide on a village's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewSheet {
    pub record: String,
    pub village: String,
    /// The village's name.
    pub village_name: String,
    pub period: Period,
    /// The current revision: a decision must name it.
    pub rev: u32,
    pub state: RecordState,
    /// Received again after a return ([`resubmitted`]).
    pub resubmitted: bool,
    pub receipt: String,
    /// Server time the current revision arrived, ms.
    pub updated_at: i64,
    /// The officer who entered the current revision on the village's behalf.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_by: Option<String>,
    /// The current report.
    pub body: Report,
    /// The period before, and the village's report for it when there is one.
    pub previous_period: Period,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Report>,
    /// The last return, if the report was ever returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned: Option<ReturnNote>,
    /// What changed between the returned revision and the current one
    /// (empty unless resubmitted).
    #[serde(default)]
    pub changed_since_return: Vec<FieldDiff>,
    /// Every decision on the record, oldest first.
    #[serde(default)]
    pub history: Vec<ReviewEntry>,
}

/// Whether the move from `before` to `after` is large (see the module doc).
/// A value that appears or disappears is not judged here: the sheet shows
/// it as new or missing.
pub fn large_change(before: Option<&Value>, after: Option<&Value>) -> bool {
    match (before, after) {
        (Some(Value::Num(a)), Some(Value::Num(b))) => {
            let d = (b - a).abs();
            d >= LARGE_ABSOLUTE && d >= LARGE_RELATIVE * a.abs()
        }
        (Some(Value::Bool(a)), Some(Value::Bool(b))) => a != b,
        _ => false,
    }
}

/// Whether a report in `state` with this review history (oldest first) is a
/// resubmission: received again after its last decision, a return.
pub fn resubmitted(state: RecordState, history: &[ReviewEntry]) -> bool {
    state == RecordState::Received && history.last().is_some_and(|e| e.decision == Decision::Return)
}

/// Whether `field` is one a comment may name on `report`: an indicator of the
/// catalogue that the report's period asks for or that the report holds (a
/// report made with an older catalogue keeps its retired figures), or a
/// free-text field.
pub fn commentable(cat: &Catalogue, report: &Report, field: &str) -> bool {
    TEXT_FIELDS.contains(&field)
        || cat.indicator(field).is_some_and(|i| report.values.contains_key(field) || i.asked_in(report.period.kind()))
}

/// Checks a decision's reason and field comments against the report:
/// a return needs a reason; field comments only with a return, on
/// [`commentable`] fields, once each, each non-blank and not too long.
/// Returns the field errors (`comment`, `fields`), empty when all is well.
pub fn check_return(
    cat: &Catalogue,
    report: &Report,
    decision: Decision,
    reason: &str,
    fields: &[FieldComment],
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if decision == Decision::Return && reason.trim().is_empty() {
        errs.push(FieldError::new("comment", "required", "Vui lòng ghi rõ lý do trả lại để thôn sửa"));
    }
    if reason.chars().count() > MAX_TEXT {
        errs.push(FieldError::limit("comment", "too_long", MAX_TEXT as f64, "Quá dài, tối đa số ký tự là"));
    }
    if decision == Decision::Approve && !fields.is_empty() {
        errs.push(FieldError::new("fields", "invalid", "Ý kiến từng mục chỉ dùng khi trả lại báo cáo"));
        return errs;
    }
    if fields.len() > MAX_FIELD_COMMENTS {
        errs.push(FieldError::limit("fields", "too_long", MAX_FIELD_COMMENTS as f64, "Quá nhiều ý kiến, tối đa là"));
        return errs;
    }
    let mut seen = std::collections::BTreeSet::new();
    for f in fields {
        let name = format!("fields.{}", f.field);
        if !commentable(cat, report, &f.field) {
            let mut e = FieldError::new(&name, "unknown", "Báo cáo này không có mục này");
            e.other = Some(f.field.clone());
            errs.push(e);
        } else if !seen.insert(f.field.as_str()) {
            errs.push(FieldError::new(&name, "invalid", "Mỗi mục chỉ ghi một ý kiến"));
        } else if f.comment.trim().is_empty() {
            errs.push(FieldError::new(&name, "required", "Ý kiến cho mục này đang để trống"));
        } else if f.comment.chars().count() > MAX_TEXT {
            errs.push(FieldError::limit(&name, "too_long", MAX_TEXT as f64, "Quá dài, tối đa số ký tự là"));
        }
    }
    errs
}

/// The field comments as they should be stored: trimmed, in catalogue
/// order (free text last).
pub fn normalise(cat: &Catalogue, fields: &[FieldComment]) -> Vec<FieldComment> {
    let order = |k: &str| {
        cat.indicators
            .iter()
            .position(|i| i.key == k)
            .unwrap_or(cat.indicators.len() + TEXT_FIELDS.iter().position(|t| *t == k).unwrap_or(0))
    };
    let mut out: Vec<FieldComment> = fields
        .iter()
        .map(|f| FieldComment { field: f.field.trim().to_string(), comment: f.comment.trim().to_string() })
        .collect();
    out.sort_by_key(|f| order(&f.field));
    out
}

/// What differs between two revisions of a report, field by field, in
/// catalogue order (free text last), values as a Vietnamese reader sees them.
pub fn changes(cat: &Catalogue, before: &Report, after: &Report) -> Vec<FieldDiff> {
    let mut d = crate::api::diff(&Body::Report(before.clone()), &Body::Report(after.clone()));
    let order = |k: &str| {
        cat.indicators
            .iter()
            .position(|i| i.key == k)
            .unwrap_or(cat.indicators.len() + TEXT_FIELDS.iter().position(|t| *t == k).unwrap_or(TEXT_FIELDS.len()))
    };
    d.sort_by_key(|f| order(&f.key));
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::current;

    fn num(x: f64) -> Option<Value> {
        Some(Value::Num(x))
    }

    fn entry(decision: Decision) -> ReviewEntry {
        ReviewEntry {
            id: "v".into(),
            rev: 1,
            decision,
            comment: String::new(),
            username: "canbo".into(),
            name: "Cán bộ".into(),
            at: 1,
            fields: Vec::new(),
        }
    }

    fn report() -> Report {
        let mut r = Report::new("pq-t01", Period::parse("2026-11").unwrap(), current().version);
        r.values.insert("pop".into(), Value::Num(512.0));
        r.values.insert("bhyt".into(), Value::Num(500.0));
        r
    }

    #[test]
    fn a_change_is_large_only_when_both_relatively_and_absolutely_large() {
        // +50 % and +5: large.
        assert!(large_change(num(10.0).as_ref(), num(15.0).as_ref()));
        assert!(large_change(num(10.0).as_ref(), num(5.0).as_ref()));
        // +100 % but only +2 units: not large.
        assert!(!large_change(num(2.0).as_ref(), num(4.0).as_ref()));
        // +20 units but only +4 %: not large.
        assert!(!large_change(num(500.0).as_ref(), num(520.0).as_ref()));
        // From zero, five units is large.
        assert!(large_change(num(0.0).as_ref(), num(5.0).as_ref()));
        assert!(!large_change(num(0.0).as_ref(), num(4.0).as_ref()));
        // Just below the relative threshold.
        assert!(!large_change(num(100.0).as_ref(), num(149.0).as_ref()));
        assert!(large_change(num(100.0).as_ref(), num(150.0).as_ref()));
    }

    #[test]
    fn a_yes_no_flip_is_large_and_missing_values_are_not_judged() {
        let (y, n) = (Some(Value::Bool(true)), Some(Value::Bool(false)));
        assert!(large_change(y.as_ref(), n.as_ref()));
        assert!(!large_change(y.as_ref(), y.as_ref()));
        assert!(!large_change(None, num(100.0).as_ref()));
        assert!(!large_change(num(100.0).as_ref(), None));
        let t = Some(Value::Text("a".into()));
        assert!(!large_change(t.as_ref(), Some(Value::Text("b".into())).as_ref()));
    }

    #[test]
    fn resubmitted_means_received_again_after_a_return() {
        let ret = [entry(Decision::Return)];
        assert!(resubmitted(RecordState::Received, &ret));
        assert!(!resubmitted(RecordState::Returned, &ret));
        assert!(!resubmitted(RecordState::Received, &[]));
        let approved_after = [entry(Decision::Return), entry(Decision::Approve)];
        assert!(!resubmitted(RecordState::Approved, &approved_after));
        assert!(!resubmitted(RecordState::Received, &approved_after));
    }

    #[test]
    fn a_return_needs_a_reason_and_known_fields() {
        let cat = current();
        let r = report();
        let c = |f: &str, t: &str| FieldComment { field: f.into(), comment: t.into() };
        assert!(check_return(cat, &r, Decision::Return, "Số BHYT chưa khớp", &[c("bhyt", "Xem lại")]).is_empty());
        assert!(check_return(cat, &r, Decision::Return, "x", &[c("proposals", "Ghi rõ hơn")]).is_empty());
        assert!(check_return(cat, &r, Decision::Approve, "", &[]).is_empty());

        let e = check_return(cat, &r, Decision::Return, "  ", &[]);
        assert_eq!((e[0].field.as_str(), e[0].code.as_str()), ("comment", "required"));

        let e = check_return(cat, &r, Decision::Return, "x", &[c("no_such_field", "?")]);
        assert_eq!((e[0].field.as_str(), e[0].code.as_str()), ("fields.no_such_field", "unknown"));
        assert_eq!(e[0].other.as_deref(), Some("no_such_field"));

        let e = check_return(cat, &r, Decision::Return, "x", &[c("bhyt", "a"), c("bhyt", "b")]);
        assert_eq!((e[0].field.as_str(), e[0].code.as_str()), ("fields.bhyt", "invalid"));
        let e = check_return(cat, &r, Decision::Return, "x", &[c("pop", " ")]);
        assert_eq!(e[0].code, "required");
        let e = check_return(cat, &r, Decision::Approve, "", &[c("pop", "a")]);
        assert_eq!(e[0].field, "fields");
    }

    #[test]
    fn only_fields_the_period_asks_or_the_report_holds_take_comments() {
        let cat = current();
        let r = report();
        let not_monthly = cat.indicators.iter().find(|i| !i.asked_in(r.period.kind()) && !i.retired);
        if let Some(i) = not_monthly {
            assert!(!commentable(cat, &r, &i.key), "{} is not asked monthly", i.key);
            let mut held = r.clone();
            held.values.insert(i.key.clone(), Value::Num(1.0));
            assert!(commentable(cat, &held, &i.key));
        }
        assert!(commentable(cat, &r, "pop"));
        assert!(commentable(cat, &r, "difficulties"));
        assert!(!commentable(cat, &r, "village"));
    }

    #[test]
    fn changes_follow_the_catalogue_order_with_texts_last() {
        let cat = current();
        let a = report();
        let mut b = a.clone();
        b.values.insert("bhyt".into(), Value::Num(510.0));
        b.values.insert("pop".into(), Value::Num(520.0));
        b.difficulties = "Đường sạt".into();
        let keys: Vec<String> = changes(cat, &a, &b).into_iter().map(|d| d.key).collect();
        let pos = |k: &str| cat.indicators.iter().position(|i| i.key == k).unwrap();
        let mut want = vec!["bhyt".to_string(), "pop".to_string()];
        want.sort_by_key(|k| pos(k));
        want.push("difficulties".into());
        assert_eq!(keys, want);
        assert!(changes(cat, &a, &a).is_empty());
    }

    #[test]
    fn normalised_comments_are_trimmed_and_in_catalogue_order() {
        let cat = current();
        let c = |f: &str, t: &str| FieldComment { field: f.into(), comment: t.into() };
        let n = normalise(cat, &[c("proposals", " p "), c("bhyt", " b"), c("pop", "a ")]);
        let pos = |k: &str| cat.indicators.iter().position(|i| i.key == k).unwrap();
        assert_eq!(n.last().unwrap(), &c("proposals", "p"));
        assert!(pos(&n[0].field) < pos(&n[1].field));
    }

    #[test]
    fn a_sheet_reads_back_as_written() {
        let r = report();
        let sheet = ReviewSheet {
            record: r.id(),
            village: "pq-t01".into(),
            village_name: "Thôn Bản Chang".into(),
            period: r.period,
            rev: 2,
            state: RecordState::Received,
            resubmitted: true,
            receipt: "PQ-1".into(),
            updated_at: 5,
            entered_by: None,
            body: r.clone(),
            previous_period: r.period.prev(),
            previous: None,
            returned: Some(ReturnNote {
                rev: 1,
                reason: "Sai".into(),
                fields: vec![FieldComment { field: "bhyt".into(), comment: "Xem lại".into() }],
                by: "Cán bộ".into(),
                at: 3,
            }),
            changed_since_return: vec![FieldDiff {
                key: "bhyt".into(),
                before: Some("490".into()),
                after: Some("500".into()),
            }],
            history: vec![entry(Decision::Return)],
        };
        let back: ReviewSheet = serde_json::from_str(&serde_json::to_string(&sheet).unwrap()).unwrap();
        assert_eq!(back, sheet);
    }
}
