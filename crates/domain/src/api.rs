//! The commune office's API answers, one definition for the server (which
//! serialises them) and the PWA (which reads them through a typed client).
//! States are [`RecordState`], bodies [`Body`], periods [`Period`]: no raw
//! JSON and no state strings on either side.

use crate::aggregate::{Aggregate, TargetCheck};
use crate::protocol::{Body, RecordState};
use crate::Period;
use serde::{Deserialize, Serialize};

pub use crate::accounts::{EditUserRequest, PasswordRequest, ResetPasswordRequest};
pub use crate::completeness::{CellState, Column, Completeness, GridCell, GridRow, Owing, Reminder};
pub use crate::figures::{
    ByVillage, IndicatorRow, Progress, TargetEntry, TargetOp, TargetRequest, Targets, Trend, TrendPoint, Verdict,
    VillageColumn, VillageProgress,
};
pub use crate::handling::{DeskIncident, IncidentStep, Step, StepRequest};
pub use crate::periodic::{IncidentLine, PrintData, Signer, VillageNotes};
pub use crate::review::{FieldComment, ReturnNote, ReviewSheet};

/// What the office decided about one revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Approve,
    Return,
}

impl Decision {
    /// How it is spelled on the wire and in `reviews.decision`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Return => "return",
        }
    }

    /// Parses [`Decision::as_str`]'s spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "approve" => Some(Decision::Approve),
            "return" => Some(Decision::Return),
            _ => None,
        }
    }

    /// The record state the decision leads to.
    pub fn state(self) -> RecordState {
        match self {
            Decision::Approve => RecordState::Approved,
            Decision::Return => RecordState::Returned,
        }
    }
}

/// How `records.state` is spelled in the database and on the wire.
pub fn state_str(s: RecordState) -> &'static str {
    match s {
        RecordState::Received => "received",
        RecordState::Conflict => "conflict",
        RecordState::Returned => "returned",
        RecordState::Approved => "approved",
    }
}

/// Parses [`state_str`]'s spelling.
pub fn parse_state(s: &str) -> Option<RecordState> {
    Some(match s {
        "received" => RecordState::Received,
        "conflict" => RecordState::Conflict,
        "returned" => RecordState::Returned,
        "approved" => RecordState::Approved,
        _ => return None,
    })
}

/// `POST /api/v1/records/{id}/review` answer: the record after a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reviewed {
    /// The review's id in the history.
    pub id: String,
    pub record: String,
    pub village: String,
    pub rev: i64,
    pub state: RecordState,
    pub receipt: String,
    pub comment: String,
    /// Server time of the decision, ms.
    pub updated_at: i64,
}

/// One entry of a record's review history (`GET …/reviews`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewEntry {
    pub id: String,
    pub rev: i64,
    pub decision: Decision,
    pub comment: String,
    /// Who decided: username and full name.
    pub username: String,
    pub name: String,
    /// Server ms.
    pub at: i64,
    /// A return's comments on individual fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldComment>,
}

/// A village's report for a period, as it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportStatus {
    pub record: String,
    pub state: RecordState,
    pub rev: i64,
    pub receipt: String,
    pub comment: String,
    /// Server time the report first arrived, ms.
    pub received_at: i64,
    /// Server time of its last change, ms.
    pub updated_at: i64,
    /// Device clock when the current revision was saved, ms.
    pub device_at: i64,
    /// Server minus device clock when that revision was pushed, ms.
    pub skew_ms: i64,
}

/// One village's line of the overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VillageLine {
    pub village: String,
    pub name: String,
    pub sample: bool,
    /// `None` when the village has not reported for the period.
    pub report: Option<ReportStatus>,
    /// Incident reports and activity-log entries dated in the period.
    pub incidents: i64,
    pub activities: i64,
    /// Edits of the village's records waiting in conflict (any period).
    pub conflicts: i64,
}

/// Counts over the villages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub villages: usize,
    pub reported: usize,
    pub missing: usize,
    pub received: usize,
    pub returned: usize,
    pub approved: usize,
    pub conflict: usize,
    pub incidents: i64,
    pub activities: i64,
}

impl Summary {
    /// Counts one village's report (or its absence).
    pub fn count(&mut self, report: Option<RecordState>) {
        match report {
            None => self.missing += 1,
            Some(state) => {
                self.reported += 1;
                match state {
                    RecordState::Returned => self.returned += 1,
                    RecordState::Approved => self.approved += 1,
                    RecordState::Conflict => self.conflict += 1,
                    RecordState::Received => self.received += 1,
                }
            }
        }
    }
}

/// `GET /api/v1/overview`: who has reported for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub period: Period,
    /// "Tháng 11/2026".
    pub label: String,
    /// The commune's due date, else five days after the period ends.
    #[serde(with = "crate::format::iso_date")]
    pub due: chrono::NaiveDate,
    pub summary: Summary,
    /// Every village of the commune, by id.
    pub villages: Vec<VillageLine>,
}

/// `GET /api/v1/aggregate`: the commune figures of a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommuneFigures {
    pub period: Period,
    pub label: String,
    /// The catalogue version the figures follow.
    pub catalogue: u32,
    /// Only approved reports were counted.
    pub approved_only: bool,
    /// Villages of the commune (expected to report).
    pub villages_total: usize,
    /// Villages whose report went into the figures, by id.
    pub villages_reported: Vec<String>,
    /// One per indicator the period's report asks for, in catalogue order.
    pub aggregates: Vec<Aggregate>,
    /// Figures that have a plan target, and whether it is met.
    pub targets: Vec<TargetCheck>,
}

/// `GET /api/v1/province/overview`: how a province's communes stand for a
/// period — each commune's counts over its villages, and the province's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvinceOverview {
    pub province: String,
    pub name: String,
    pub period: Period,
    pub label: String,
    /// Summed over the communes.
    pub summary: Summary,
    /// Every commune of the province, by id.
    pub communes: Vec<ProvinceCommune>,
}

/// One commune in [`ProvinceOverview`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvinceCommune {
    pub commune: String,
    pub name: String,
    /// The commune's due date for the period.
    #[serde(with = "crate::format::iso_date")]
    pub due: chrono::NaiveDate,
    pub summary: Summary,
}

impl Summary {
    /// Adds another unit's counts (a province over its communes).
    pub fn add(&mut self, o: &Summary) {
        self.villages += o.villages;
        self.reported += o.reported;
        self.missing += o.missing;
        self.received += o.received;
        self.returned += o.returned;
        self.approved += o.approved;
        self.conflict += o.conflict;
        self.incidents += o.incidents;
        self.activities += o.activities;
    }
}

/// The record as it stands, beside a conflicting edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentSide {
    pub rev: i64,
    pub state: RecordState,
    pub receipt: String,
    pub comment: String,
    /// Device clock when the current revision was saved, ms.
    pub device_at: i64,
    /// Server time of the record's last change, ms.
    pub updated_at: i64,
    pub body: Body,
}

/// The edit that waits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncomingSide {
    /// The revision the edit was based on.
    pub base: i64,
    /// Who pushed it (username and full name).
    pub username: String,
    pub name: String,
    /// Server time it was received, ms.
    pub received_at: i64,
    /// Device clock when it was saved, ms.
    pub device_at: i64,
    pub body: Body,
}

/// One unresolved conflict (`GET /api/v1/conflicts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// The conflict's public id (no device id in it): the resolve URL's name.
    pub mutation: String,
    pub record: String,
    pub village: String,
    pub kind: String,
    pub period: Option<Period>,
    pub current: CurrentSide,
    pub incoming: IncomingSide,
}

/// Which side of a conflict to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Keep {
    Current,
    Incoming,
}

impl Keep {
    pub fn as_str(self) -> &'static str {
        match self {
            Keep::Current => "current",
            Keep::Incoming => "incoming",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "current" => Some(Keep::Current),
            "incoming" => Some(Keep::Incoming),
            _ => None,
        }
    }
}

/// `POST /api/v1/conflicts/{id}/resolve` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resolved {
    pub mutation: String,
    pub record: String,
    pub village: String,
    pub keep: Keep,
    pub rev: i64,
    pub state: RecordState,
    pub receipt: String,
    /// Server time of the resolution, ms.
    pub updated_at: i64,
    /// Other edits of the same record still waiting.
    pub remaining: i64,
}

/// `POST /api/v1/records/{id}/review` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewRequest {
    /// `approve` or `return` ([`Decision::as_str`]); a string so that
    /// another word gets a field error, not a parse error.
    pub decision: String,
    /// Required (non-blank) to return; optional to approve.
    #[serde(default)]
    pub comment: String,
    /// The revision the decision is about; must be the record's current one.
    pub rev: u32,
    /// With a return: comments on individual fields (indicator keys, or
    /// `difficulties` / `proposals`). Absent from older clients.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldComment>,
}

/// `POST /api/v1/due` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DueRequest {
    /// `2026-11`, `2026-Q4`, `2026-H2` or `2026`.
    pub period: String,
    /// `YYYY-MM-DD`, not before the period starts.
    pub due: String,
}

/// `POST /api/v1/conflicts/{id}/resolve` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolveRequest {
    /// `current` or `incoming` ([`Keep::as_str`]).
    pub keep: String,
    /// The record's current revision, as the person saw it.
    pub rev: u32,
}

/// `POST /api/v1/villages` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewVillageRequest {
    /// 1–40 characters of `a-z 0-9 -`; part of record ids, never changes.
    pub id: String,
    pub name: String,
}

/// `POST /api/v1/users` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewUserRequest {
    pub username: String,
    pub password: String,
    pub name: String,
    /// `village_head`, `digital_team`, `officer` or `admin`.
    pub role: String,
    /// Required for `village_head` and `digital_team`, refused for the others.
    #[serde(default)]
    pub village: Option<String>,
}

/// An account as `GET /api/v1/users` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub name: String,
    pub role: crate::protocol::Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village: Option<String>,
    /// Server ms.
    pub created_at: i64,
    /// For the reminder's `sms:` link; empty: none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
    /// Disabled by the admin: cannot log in, its tokens stopped working.
    #[serde(default)]
    pub disabled: bool,
    /// Its password was reset: a new one must be set at next login.
    #[serde(default)]
    pub must_change_password: bool,
}

/// One field that differs between two versions of a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDiff {
    /// The indicator key, or `difficulties`, `proposals`, `description`…
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What differs between two versions of a record, field by field, values as
/// a Vietnamese reader sees them ("1.234,5", "Có"): the indicators in key
/// order, then the free-text and other fields.
pub fn diff(a: &Body, b: &Body) -> Vec<FieldDiff> {
    use crate::record::Value;
    let show = |v: &Value| match v {
        Value::Num(x) => crate::format::number_vi(*x, 2),
        Value::Bool(b) => if *b { "Có" } else { "Không" }.to_string(),
        Value::Text(t) => t.clone(),
    };
    let mut out = Vec::new();
    if let (Body::Report(ra), Body::Report(rb)) = (a, b) {
        let mut keys: Vec<&String> = ra.values.keys().chain(rb.values.keys()).collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            let (x, y) = (ra.values.get(k), rb.values.get(k));
            if x != y {
                out.push(FieldDiff { key: k.clone(), before: x.map(show), after: y.map(show) });
            }
        }
    }
    // The free-text and count fields, as their JSON shows them (an empty
    // text and an unknown count are not written, so they are `None`).
    const FIELDS: [&str; 7] =
        ["difficulties", "proposals", "description", "participants", "helped", "people", "households"];
    let texts = |b: &Body| -> [Option<String>; 7] {
        let text = |t: &str| (!t.is_empty()).then(|| t.to_string());
        let count = |n: Option<u32>| n.map(|n| n.to_string());
        match b {
            Body::Report(r) => [text(&r.difficulties), text(&r.proposals), None, None, None, None, None],
            Body::Incident(i) => [None, None, text(&i.description), None, None, count(i.people), count(i.households)],
            Body::Activity(a) => [None, None, None, count(Some(a.participants)), count(Some(a.helped)), None, None],
        }
    };
    for ((f, x), y) in FIELDS.iter().zip(texts(a)).zip(texts(b)) {
        if x != y {
            out.push(FieldDiff { key: f.to_string(), before: x, after: y });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_decisions_spell_as_stored() {
        for s in [RecordState::Received, RecordState::Conflict, RecordState::Returned, RecordState::Approved] {
            assert_eq!(parse_state(state_str(s)), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), state_str(s));
        }
        assert_eq!(parse_state("draft"), None);
        for d in [Decision::Approve, Decision::Return] {
            assert_eq!(Decision::parse(d.as_str()), Some(d));
        }
        assert_eq!(Decision::Return.state(), RecordState::Returned);
    }

    #[test]
    fn summary_counts_each_state_once() {
        let mut s = Summary { villages: 5, ..Summary::default() };
        for r in [None, Some(RecordState::Received), Some(RecordState::Returned), Some(RecordState::Approved), None] {
            s.count(r);
        }
        assert_eq!((s.reported, s.missing, s.received, s.returned, s.approved, s.conflict), (3, 2, 1, 1, 1, 0));
    }

    #[test]
    fn an_overview_reads_back_as_the_server_wrote_it() {
        let json = r#"{"period":"2026-11","label":"Tháng 11/2026","due":"2026-12-05",
            "summary":{"villages":1,"reported":1,"missing":0,"received":1,"returned":0,"approved":0,"conflict":0,
                       "incidents":2,"activities":0},
            "villages":[{"village":"pq-t01","name":"Bản Chang","sample":true,"incidents":2,"activities":0,
                         "conflicts":0,"report":{"record":"r.pq-t01.2026-11","state":"received","rev":1,
                         "receipt":"PQ-1","comment":"","received_at":1,"updated_at":2,"device_at":1,"skew_ms":0}}]}"#;
        let o: Overview = serde_json::from_str(json).unwrap();
        assert_eq!(o.villages[0].report.as_ref().unwrap().state, RecordState::Received);
        assert_eq!(o.period.to_string(), "2026-11");
        let back: Overview = serde_json::from_value(serde_json::to_value(&o).unwrap()).unwrap();
        assert_eq!(back, o);
    }

    #[test]
    fn diff_lists_changed_figures_and_texts_only() {
        use crate::record::Value;
        let p = Period::parse("2026-11").unwrap();
        let mut a = crate::Report::new("pq-t01", p, 2);
        a.values.insert("pop".into(), Value::Num(512.0));
        a.values.insert("bhyt".into(), Value::Num(500.0));
        let mut b = a.clone();
        b.values.insert("pop".into(), Value::Num(1234.5));
        b.values.remove("bhyt");
        b.values.insert("fiber".into(), Value::Bool(true));
        b.proposals = "Làm đường".into();
        let d = diff(&Body::Report(a.clone()), &Body::Report(b));
        let got: Vec<_> = d.iter().map(|f| (f.key.as_str(), f.before.as_deref(), f.after.as_deref())).collect();
        assert_eq!(
            got,
            [
                ("bhyt", Some("500"), None),
                ("fiber", None, Some("Có")),
                ("pop", Some("512"), Some("1.234,5")),
                ("proposals", None, Some("Làm đường")),
            ]
        );
        assert!(diff(&Body::Report(a.clone()), &Body::Report(a)).is_empty());
    }

    /// The text fields as the JSON of a body shows them: how `diff` read
    /// them before it stopped going through serde_json's `Value`.
    fn texts_by_json(a: &Body, b: &Body) -> Vec<FieldDiff> {
        let (ja, jb) = (serde_json::to_value(a).unwrap(), serde_json::to_value(b).unwrap());
        let text = |v: &serde_json::Value, f: &str| match v.get(f) {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        };
        ["difficulties", "proposals", "description", "participants", "helped", "people", "households"]
            .into_iter()
            .filter(|f| text(&ja, f) != text(&jb, f))
            .map(|f| FieldDiff { key: f.into(), before: text(&ja, f), after: text(&jb, f) })
            .collect()
    }

    #[test]
    fn diff_reads_texts_and_counts_as_their_json_shows_them() {
        use crate::event::Topic;
        let i = crate::Incident { households: None, description: String::new(), ..crate::event::tests::incident() };
        let j = crate::Incident { people: None, households: Some(2), description: "Sạt taluy".into(), ..i.clone() };
        let act = crate::Activity {
            id: "act-1-abc".into(),
            village: "pq-t01".into(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            topic: Topic::Cashless,
            participants: 12,
            helped: 0,
            note: String::new(),
        };
        let act2 = crate::Activity { participants: 15, helped: 3, note: "x".into(), ..act.clone() };
        let p = Period::parse("2026-11").unwrap();
        let r = crate::Report::new("pq-t01", p, 2);
        let r2 = crate::Report { difficulties: "Mưa".into(), ..r.clone() };
        let pairs = [
            (Body::Incident(i.clone()), Body::Incident(j.clone())),
            (Body::Incident(j), Body::Incident(i)),
            (Body::Activity(act.clone()), Body::Activity(act2.clone())),
            (Body::Activity(act2), Body::Activity(act)),
            (Body::Report(r.clone()), Body::Report(r2.clone())),
            (Body::Report(r2), Body::Report(r)),
        ];
        for (a, b) in &pairs {
            let got = diff(a, b);
            assert!(!got.is_empty());
            assert_eq!(got, texts_by_json(a, b), "{a:?} → {b:?}");
        }
    }
}

/// What kind of decision an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A report approved (then locked).
    Approve,
    /// A report returned to the village for correction.
    Return,
    /// A conflict settled (which version was kept).
    ResolveConflict,
    /// An incident acknowledged, taken in hand or handled.
    IncidentStep,
    /// A period's due date set or moved.
    DueDate,
    /// An account created, edited, disabled, re-enabled or its password reset.
    Account,
    /// A village added or changed.
    Village,
    /// A target of the plan entered or changed.
    Target,
}

impl AuditAction {
    /// Every action, in the order the trail's filter lists them.
    pub const ALL: [AuditAction; 8] = [
        AuditAction::Approve,
        AuditAction::Return,
        AuditAction::ResolveConflict,
        AuditAction::IncidentStep,
        AuditAction::DueDate,
        AuditAction::Account,
        AuditAction::Village,
        AuditAction::Target,
    ];

    /// How it is spelled on the wire and in `audit.action`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Approve => "approve",
            AuditAction::Return => "return",
            AuditAction::ResolveConflict => "resolve_conflict",
            AuditAction::IncidentStep => "incident_step",
            AuditAction::DueDate => "due_date",
            AuditAction::Account => "account",
            AuditAction::Village => "village",
            AuditAction::Target => "target",
        }
    }

    /// Parses [`AuditAction::as_str`]'s spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// One line of the audit trail: who decided what, when, about what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    /// Server time, ms since the epoch.
    pub at: i64,
    pub action: AuditAction,
    /// The deciding account's username and display name.
    pub username: String,
    pub name: String,
    /// What it is about: a record id, a username, a period, a village id…
    pub subject: String,
    /// The record it concerns, when it concerns one (for the per-record trail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// The village it concerns, when it concerns one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village: Option<String>,
    /// What was decided, in plain Vietnamese (a return's reason, the kept
    /// version, the new due date, the account change…).
    pub detail: String,
}

#[cfg(test)]
mod audit_tests {
    use super::AuditAction;

    #[test]
    fn every_audit_action_round_trips_its_spelling() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, format!("\"{}\"", a.as_str()));
        }
        assert_eq!(AuditAction::parse("delete_everything"), None);
    }
}
