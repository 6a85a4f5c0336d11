//! How the commune office handles an incident: three steps, in order, each
//! with a note, who took it and when —
//!
//! ```text
//! (filed) → acknowledged → handling → handled
//! ```
//!
//! A step may only follow the one before it: skipping one ("handled" on an
//! incident nobody acknowledged) or taking one again is refused and nothing
//! is written ([`check_step`]). The steps travel to the village's phone with
//! the record ([`crate::protocol::Change::steps`]), so the village head reads
//! the office's latest note offline.
//!
//! The desk lists incidents open first, then most severe, then newest
//! ([`desk_order`]).

use crate::event::{Incident, Severity};
use crate::protocol::RecordState;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// One step of the office's handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// "Đã tiếp nhận": the office has seen it.
    Acknowledged,
    /// "Đang xử lý": someone is on it.
    Handling,
    /// "Đã xử lý xong": closed.
    Handled,
}

impl Step {
    pub const ALL: [Step; 3] = [Self::Acknowledged, Self::Handling, Self::Handled];

    /// How it is spelled on the wire and in `incident_steps.step`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acknowledged => "acknowledged",
            Self::Handling => "handling",
            Self::Handled => "handled",
        }
    }

    /// Parses [`Step::as_str`]'s spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Acknowledged => "Xã đã tiếp nhận",
            Self::Handling => "Xã đang xử lý",
            Self::Handled => "Xã đã xử lý xong",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Acknowledged => "Acknowledged by the commune",
            Self::Handling => "Being handled by the commune",
            Self::Handled => "Handled by the commune",
        }
    }

    /// The step that may follow `last` (`None`: none taken yet); `None`
    /// once handled.
    pub fn next(last: Option<Step>) -> Option<Step> {
        match last {
            None => Some(Self::Acknowledged),
            Some(Self::Acknowledged) => Some(Self::Handling),
            Some(Self::Handling) => Some(Self::Handled),
            Some(Self::Handled) => None,
        }
    }
}

/// One step taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentStep {
    pub step: Step,
    /// What the office says (required).
    pub note: String,
    /// The officer's display name.
    pub by: String,
    /// Server time, ms.
    pub at: i64,
}

/// Why a step was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepRefusal {
    /// A step before it has not been taken; `expected` is the one due.
    Skipped { expected: Step },
    /// This step (or a later one) was already taken.
    Repeated,
    /// The incident is handled: nothing follows.
    Closed,
}

impl StepRefusal {
    /// For people, in Vietnamese.
    pub fn message(self) -> String {
        match self {
            Self::Skipped { expected } => {
                format!("Chưa thể làm bước này: bước tiếp theo là \"{}\"", expected.label_vi())
            }
            Self::Repeated => "Bước này đã làm rồi".to_string(),
            Self::Closed => "Sự cố đã xử lý xong, không còn bước nào".to_string(),
        }
    }
}

/// Whether `step` may be taken after `done` (oldest first).
pub fn check_step(done: &[IncidentStep], step: Step) -> Result<(), StepRefusal> {
    let last = done.last().map(|s| s.step);
    match Step::next(last) {
        None => Err(StepRefusal::Closed),
        Some(expected) if expected == step => Ok(()),
        Some(expected) if step < expected => Err(StepRefusal::Repeated),
        Some(expected) => Err(StepRefusal::Skipped { expected }),
    }
}

/// Longest note, in characters.
pub const MAX_NOTE: usize = 1000;

/// `POST /api/v1/incidents/{id}/steps` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRequest {
    /// `acknowledged`, `handling` or `handled` ([`Step::as_str`]); a string
    /// so that another word gets a field error, not a parse error.
    pub step: String,
    /// Required, at most [`MAX_NOTE`] characters.
    pub note: String,
}

/// An incident as the desk lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeskIncident {
    pub record: String,
    pub village: String,
    pub village_name: String,
    pub state: RecordState,
    pub rev: i64,
    pub receipt: String,
    /// Server time it first arrived, ms.
    pub received_at: i64,
    pub incident: Incident,
    /// Oldest first.
    #[serde(default)]
    pub steps: Vec<IncidentStep>,
}

impl DeskIncident {
    /// The latest step taken.
    pub fn last_step(&self) -> Option<&IncidentStep> {
        self.steps.last()
    }

    /// Not handled yet.
    pub fn open(&self) -> bool {
        self.last_step().is_none_or(|s| s.step != Step::Handled)
    }

    /// Open and severe: shown on the office home at a glance.
    pub fn urgent(&self) -> bool {
        self.open() && self.incident.severity == Severity::High
    }
}

/// The desk's order: open first, then most severe, then newest (by when it
/// happened), then by record id so the order is total.
pub fn desk_order(a: &DeskIncident, b: &DeskIncident) -> Ordering {
    b.open()
        .cmp(&a.open())
        .then_with(|| b.incident.severity.cmp(&a.incident.severity))
        .then_with(|| b.incident.at.cmp(&a.incident.at))
        .then_with(|| a.record.cmp(&b.record))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::IncidentKind;

    fn step(s: Step) -> IncidentStep {
        IncidentStep { step: s, note: "ghi chú".into(), by: "Lục Thị Dung".into(), at: 1 }
    }

    #[test]
    fn steps_go_in_order_and_only_once() {
        use Step::*;
        assert_eq!(check_step(&[], Acknowledged), Ok(()));
        assert_eq!(check_step(&[], Handling), Err(StepRefusal::Skipped { expected: Acknowledged }));
        assert_eq!(check_step(&[], Handled), Err(StepRefusal::Skipped { expected: Acknowledged }));
        let ack = [step(Acknowledged)];
        assert_eq!(check_step(&ack, Acknowledged), Err(StepRefusal::Repeated));
        assert_eq!(check_step(&ack, Handling), Ok(()));
        assert_eq!(check_step(&ack, Handled), Err(StepRefusal::Skipped { expected: Handling }));
        let two = [step(Acknowledged), step(Handling)];
        assert_eq!(check_step(&two, Acknowledged), Err(StepRefusal::Repeated));
        assert_eq!(check_step(&two, Handling), Err(StepRefusal::Repeated));
        assert_eq!(check_step(&two, Handled), Ok(()));
        let all = [step(Acknowledged), step(Handling), step(Handled)];
        for s in Step::ALL {
            assert_eq!(check_step(&all, s), Err(StepRefusal::Closed));
        }
        assert!(StepRefusal::Skipped { expected: Handling }.message().contains("Xã đang xử lý"));
    }

    #[test]
    fn steps_spell_as_stored() {
        for s in Step::ALL {
            assert_eq!(Step::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert!(!s.label_vi().is_empty() && !s.label_en().is_empty());
        }
        assert_eq!(Step::parse("closed"), None);
    }

    fn desk(id: &str, severity: Severity, at: i64, steps: &[Step]) -> DeskIncident {
        DeskIncident {
            record: format!("i.t1.{id}"),
            village: "t1".into(),
            village_name: "Bản Chang".into(),
            state: RecordState::Received,
            rev: 1,
            receipt: "PQ-1".into(),
            received_at: at,
            incident: Incident {
                id: id.into(),
                village: "t1".into(),
                kind: IncidentKind::Landslide,
                at,
                severity,
                gps: None,
                people: None,
                households: None,
                description: String::new(),
                followups: Vec::new(),
            },
            steps: steps.iter().map(|s| step(*s)).collect(),
        }
    }

    #[test]
    fn the_desk_lists_open_then_severe_then_newest() {
        use Severity::*;
        let mut list = [
            desk("a", High, 10, &[Step::Acknowledged, Step::Handling, Step::Handled]),
            desk("b", Low, 50, &[]),
            desk("c", High, 20, &[Step::Acknowledged]),
            desk("d", Medium, 40, &[]),
            desk("e", High, 30, &[]),
            desk("f", Low, 60, &[Step::Acknowledged, Step::Handling, Step::Handled]),
        ];
        list.sort_by(desk_order);
        let ids: Vec<&str> = list.iter().map(|d| d.incident.id.as_str()).collect();
        assert_eq!(ids, ["e", "c", "d", "b", "a", "f"]);
        let urgent: Vec<&str> = list.iter().filter(|d| d.urgent()).map(|d| d.incident.id.as_str()).collect();
        assert_eq!(urgent, ["e", "c"]);
        assert!(!list[4].open());
        assert_eq!(list[1].last_step().map(|s| s.step), Some(Step::Acknowledged));
    }
}
