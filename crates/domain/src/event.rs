//! Incident reports (báo cáo đột xuất) and the digital team's activity log
//! (nhật ký Tổ công nghệ số cộng đồng). Both are small, append-mostly
//! records with a client-made id, so they can be filed offline in seconds.

use crate::catalogue::MAX_TEXT;
use crate::period::Period;
use crate::record::FieldError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    Landslide,
    FlashFlood,
    Flooding,
    DamCanal,
    IllegalConstruction,
    CorridorEncroachment,
    ResourceExploitation,
    Environment,
    Security,
    Other,
}

impl IncidentKind {
    pub const ALL: [IncidentKind; 10] = [
        Self::Landslide,
        Self::FlashFlood,
        Self::Flooding,
        Self::DamCanal,
        Self::IllegalConstruction,
        Self::CorridorEncroachment,
        Self::ResourceExploitation,
        Self::Environment,
        Self::Security,
        Self::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Landslide => "landslide",
            Self::FlashFlood => "flash_flood",
            Self::Flooding => "flooding",
            Self::DamCanal => "dam_canal",
            Self::IllegalConstruction => "illegal_construction",
            Self::CorridorEncroachment => "corridor_encroachment",
            Self::ResourceExploitation => "resource_exploitation",
            Self::Environment => "environment",
            Self::Security => "security",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Landslide => "Sạt lở đất",
            Self::FlashFlood => "Lũ quét",
            Self::Flooding => "Ngập lụt",
            Self::DamCanal => "Sự cố đập, kênh mương",
            Self::IllegalConstruction => "Xây dựng trái phép",
            Self::CorridorEncroachment => "Lấn chiếm hành lang an toàn giao thông, lưới điện",
            Self::ResourceExploitation => "Khai thác tài nguyên trái phép",
            Self::Environment => "Vi phạm môi trường",
            Self::Security => "Vụ việc an ninh, trật tự",
            Self::Other => "Khác",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Landslide => "Landslide",
            Self::FlashFlood => "Flash flood",
            Self::Flooding => "Flooding",
            Self::DamCanal => "Dam or canal incident",
            Self::IllegalConstruction => "Illegal construction",
            Self::CorridorEncroachment => "Road or power-line corridor encroachment",
            Self::ResourceExploitation => "Illegal resource exploitation",
            Self::Environment => "Environmental violation",
            Self::Security => "Security incident",
            Self::Other => "Other",
        }
    }
}

/// How bad it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Self::Low, Self::Medium, Self::High];

    /// The severity a new incident of `kind` starts with: landslides, flash
    /// floods and dam or canal failures endanger lives, so they start high.
    pub fn default_for(kind: IncidentKind) -> Self {
        match kind {
            IncidentKind::Landslide | IncidentKind::FlashFlood | IncidentKind::DamCanal => Self::High,
            IncidentKind::Flooding | IncidentKind::Security | IncidentKind::Other => Self::Medium,
            IncidentKind::IllegalConstruction
            | IncidentKind::CorridorEncroachment
            | IncidentKind::ResourceExploitation
            | IncidentKind::Environment => Self::Low,
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Low => "Nhẹ",
            Self::Medium => "Trung bình",
            Self::High => "Nghiêm trọng",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Low => "Minor",
            Self::Medium => "Moderate",
            Self::High => "Severe",
        }
    }
}

/// A position from the phone's GPS, with its accuracy in metres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Gps {
    pub lat: f64,
    pub lon: f64,
    /// Accuracy radius, metres.
    pub acc: f64,
}

/// Most people or households one record may count (a plausibility bound).
pub const MAX_COUNT: u32 = 100_000;

/// A client-made id: 6–40 characters of `[0-9a-z-]`.
pub fn valid_local_id(id: &str) -> bool {
    (6..=40).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase() || b == b'-')
}

/// An urgent incident report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Made on the phone ([`valid_local_id`]).
    pub id: String,
    pub village: String,
    pub kind: IncidentKind,
    /// When it happened, ms since the epoch (defaults to the moment of filing).
    pub at: i64,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gps: Option<Gps>,
    /// People affected; `None`: not known yet (never read as "nobody").
    /// Records from before version 3 always carried a number and still parse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people: Option<u32>,
    /// Households affected; `None`: not known yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub households: Option<u32>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// What the village added after filing, oldest first. Each follow-up is
    /// sent as a new revision of the same record, until the commune office
    /// closes the incident (for now: approves it, which locks the record).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub followups: Vec<FollowUp>,
}

/// Most follow-ups one incident may carry.
pub const MAX_FOLLOWUPS: usize = 50;

/// News about an incident, added by the village after filing it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUp {
    /// When it was written, ms since the epoch (phone clock).
    pub at: i64,
    /// People affected, as now known (replaces the earlier count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people: Option<u32>,
    /// Households affected, as now known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub households: Option<u32>,
    /// "Đã xử lý tại chỗ": dealt with on the spot by the village.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub handled: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl Incident {
    pub fn record_id(&self) -> String {
        format!("i.{}.{}", self.village, self.id)
    }

    /// People affected as last known (the latest follow-up that says, else the filing).
    pub fn people_now(&self) -> Option<u32> {
        self.followups.iter().rev().find_map(|f| f.people).or(self.people)
    }

    /// Households affected as last known.
    pub fn households_now(&self) -> Option<u32> {
        self.followups.iter().rev().find_map(|f| f.households).or(self.households)
    }

    /// Whether a follow-up says it was dealt with on the spot.
    pub fn handled(&self) -> bool {
        self.followups.iter().any(|f| f.handled)
    }

    /// Every problem; empty means it can be sent.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        if !valid_local_id(&self.id) {
            e.push(FieldError::new("id", "invalid", "Mã bản ghi không hợp lệ"));
        }
        // 2020-01-01 .. 2041-01-01: a wrong phone clock may be off, but not by decades.
        let plausible = |t: i64| (1_577_836_800_000..=2_240_611_200_000).contains(&t);
        if !plausible(self.at) {
            e.push(FieldError::new("at", "invalid", "Thời gian xảy ra không hợp lệ"));
        }
        if self.followups.len() > MAX_FOLLOWUPS {
            e.push(FieldError::limit("followups", "max", MAX_FOLLOWUPS as f64, "Không được nhiều hơn"));
        }
        for (i, f) in self.followups.iter().enumerate() {
            if !plausible(f.at) {
                e.push(FieldError::new(&format!("followups.{i}.at"), "invalid", "Thời gian không hợp lệ"));
            }
            for (name, n) in [("people", f.people), ("households", f.households)] {
                if n.is_some_and(|n| n > MAX_COUNT) {
                    e.push(FieldError::limit(
                        &format!("followups.{i}.{name}"),
                        "max",
                        MAX_COUNT as f64,
                        "Không được lớn hơn",
                    ));
                }
            }
            if f.note.chars().count() > MAX_TEXT {
                e.push(FieldError::limit(
                    &format!("followups.{i}.note"),
                    "too_long",
                    MAX_TEXT as f64,
                    "Quá dài, tối đa số ký tự là",
                ));
            }
        }
        if let Some(g) = self.gps {
            let ok = (-90.0..=90.0).contains(&g.lat) && (-180.0..=180.0).contains(&g.lon) && g.acc >= 0.0;
            if !(ok && g.lat.is_finite() && g.lon.is_finite() && g.acc.is_finite()) {
                e.push(FieldError::new("gps", "invalid", "Vị trí GPS không hợp lệ"));
            }
        }
        for (f, n) in [("people", self.people), ("households", self.households)] {
            if n.is_some_and(|n| n > MAX_COUNT) {
                e.push(FieldError::limit(f, "max", MAX_COUNT as f64, "Không được lớn hơn"));
            }
        }
        if self.description.chars().count() > MAX_TEXT {
            e.push(FieldError::limit("description", "too_long", MAX_TEXT as f64, "Quá dài, tối đa số ký tự là"));
        }
        e
    }
}

/// Topics of the digital team's guidance sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Online public services (dịch vụ công trực tuyến).
    PublicServices,
    /// Cashless payment.
    Cashless,
    /// Digital skills.
    DigitalSkills,
    /// Cyber safety.
    CyberSafety,
    /// E-commerce and promotion on social media.
    Ecommerce,
    Other,
}

impl Topic {
    pub const ALL: [Topic; 6] =
        [Self::PublicServices, Self::Cashless, Self::DigitalSkills, Self::CyberSafety, Self::Ecommerce, Self::Other];

    pub fn key(self) -> &'static str {
        match self {
            Self::PublicServices => "public_services",
            Self::Cashless => "cashless",
            Self::DigitalSkills => "digital_skills",
            Self::CyberSafety => "cyber_safety",
            Self::Ecommerce => "ecommerce",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::PublicServices => "Dịch vụ công trực tuyến",
            Self::Cashless => "Thanh toán không dùng tiền mặt",
            Self::DigitalSkills => "Kỹ năng số",
            Self::CyberSafety => "An toàn trên không gian mạng",
            Self::Ecommerce => "Thương mại điện tử, quảng bá sản phẩm",
            Self::Other => "Khác",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::PublicServices => "Online public services",
            Self::Cashless => "Cashless payment",
            Self::DigitalSkills => "Digital skills",
            Self::CyberSafety => "Cyber safety",
            Self::Ecommerce => "E-commerce and promotion",
            Self::Other => "Other",
        }
    }

    /// The catalogue indicator counting sessions of this topic, if any.
    pub fn sessions_indicator(self) -> Option<&'static str> {
        match self {
            Self::PublicServices => Some("ds_dvc_sessions"),
            Self::Cashless => Some("ds_cashless_sessions"),
            Self::DigitalSkills => Some("ds_skills_sessions"),
            Self::CyberSafety => Some("ds_cyber_sessions"),
            Self::Ecommerce => Some("ds_ecommerce_sessions"),
            Self::Other => None,
        }
    }
}

/// One guidance session of the digital team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub id: String,
    pub village: String,
    #[serde(with = "crate::format::iso_date")]
    pub date: NaiveDate,
    pub topic: Topic,
    /// People who took part.
    pub participants: u32,
    /// People helped to complete an online public service.
    #[serde(default)]
    pub helped: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl Activity {
    pub fn record_id(&self) -> String {
        format!("a.{}.{}", self.village, self.id)
    }

    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        if !valid_local_id(&self.id) {
            e.push(FieldError::new("id", "invalid", "Mã bản ghi không hợp lệ"));
        }
        let year = chrono::Datelike::year(&self.date);
        if !(Period::FIRST_YEAR..=Period::LAST_YEAR).contains(&year) {
            e.push(FieldError::new("date", "invalid", "Ngày không hợp lệ"));
        }
        if self.participants == 0 {
            e.push(FieldError::new("participants", "min", "Cần ít nhất 1 người tham gia"));
        }
        if self.participants > MAX_COUNT {
            e.push(FieldError::limit("participants", "max", MAX_COUNT as f64, "Không được lớn hơn"));
        }
        if self.helped > self.participants {
            e.push(FieldError::limit("helped", "le", self.participants as f64, "Không được lớn hơn số người tham gia"));
        }
        if self.note.chars().count() > MAX_TEXT {
            e.push(FieldError::limit("note", "too_long", MAX_TEXT as f64, "Quá dài, tối đa số ký tự là"));
        }
        e
    }
}

/// What a period's activity log adds up to, keyed by the catalogue
/// indicators it feeds: sessions in all and per topic, people guided, and
/// people helped to complete an online public service.
pub fn activity_totals<'a>(
    activities: impl IntoIterator<Item = &'a Activity>,
    period: &Period,
) -> BTreeMap<String, f64> {
    let mut t = BTreeMap::new();
    for a in activities.into_iter().filter(|a| a.date >= period.start() && a.date <= period.end()) {
        *t.entry("ds_sessions".to_string()).or_insert(0.0) += 1.0;
        *t.entry("ds_people".to_string()).or_insert(0.0) += a.participants as f64;
        *t.entry("dvc_helped".to_string()).or_insert(0.0) += a.helped as f64;
        if let Some(k) = a.topic.sessions_indicator() {
            *t.entry(k.to_string()).or_insert(0.0) += 1.0;
        }
    }
    t
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::catalogue::current;

    /// The tests' sample incident (also the domain's other test modules').
    pub(crate) fn incident() -> Incident {
        Incident {
            id: "k3j9x2-abc".into(),
            village: "pq-t01".into(),
            kind: IncidentKind::Landslide,
            at: 1_796_059_800_000,
            severity: Severity::High,
            gps: Some(Gps { lat: 21.93, lon: 105.71, acc: 12.0 }),
            people: Some(4),
            households: Some(2),
            description: "Sạt taluy dương đường lên Khuổi Đắng".into(),
            followups: Vec::new(),
        }
    }

    fn activity(day: u32, topic: Topic, participants: u32, helped: u32) -> Activity {
        Activity {
            id: format!("act-{day}-{}", topic.key().len()),
            village: "pq-t01".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
            topic,
            participants,
            helped,
            note: String::new(),
        }
    }

    #[test]
    fn a_good_incident_passes_and_round_trips() {
        let i = incident();
        assert!(i.validate().is_empty());
        assert_eq!(i.record_id(), "i.pq-t01.k3j9x2-abc");
        let json = serde_json::to_string(&i).unwrap();
        assert!(json.contains(r#""kind":"landslide""#), "{json}");
        assert_eq!(serde_json::from_str::<Incident>(&json).unwrap(), i);
    }

    #[test]
    fn incident_without_gps_is_fine_and_bad_gps_is_not() {
        let mut i = incident();
        i.gps = None;
        assert!(i.validate().is_empty());
        i.gps = Some(Gps { lat: 95.0, lon: 0.0, acc: 5.0 });
        assert_eq!(i.validate()[0].field, "gps");
        i.gps = Some(Gps { lat: 21.0, lon: 105.0, acc: -1.0 });
        assert_eq!(i.validate()[0].field, "gps");
    }

    #[test]
    fn incident_bounds() {
        let mut i = incident();
        i.people = Some(MAX_COUNT + 1);
        i.at = 0;
        i.id = "UPPER CASE".into();
        let fields: Vec<_> = i.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["id", "at", "people"]);
    }

    #[test]
    fn unknown_counts_stay_unknown_and_old_records_still_parse() {
        // Filed in three taps: nobody counted yet.
        let mut i = incident();
        i.people = None;
        i.households = None;
        let json = serde_json::to_string(&i).unwrap();
        assert!(!json.contains("people") && !json.contains("households"), "{json}");
        let back: Incident = serde_json::from_str(&json).unwrap();
        assert_eq!((back.people, back.households), (None, None), "not known is not zero");
        // A record saved before version 3 (counts always present, no follow-ups).
        let old = r#"{"id":"k3j9x2-abc","village":"pq-t01","kind":"flooding","at":1796059800000,
            "severity":"medium","people":0,"households":3}"#;
        let old: Incident = serde_json::from_str(old).unwrap();
        assert_eq!((old.people, old.households, old.followups.len()), (Some(0), Some(3), 0));
        assert!(old.validate().is_empty());
    }

    #[test]
    fn severity_follows_the_kind() {
        for k in [IncidentKind::Landslide, IncidentKind::FlashFlood, IncidentKind::DamCanal] {
            assert_eq!(Severity::default_for(k), Severity::High, "{k:?}");
        }
        assert_eq!(Severity::default_for(IncidentKind::Flooding), Severity::Medium);
        assert_eq!(Severity::default_for(IncidentKind::Environment), Severity::Low);
    }

    #[test]
    fn follow_ups_update_what_is_known_and_are_checked() {
        let mut i = incident();
        i.people = None;
        i.followups.push(FollowUp {
            at: i.at + 3_600_000,
            people: Some(12),
            households: None,
            handled: false,
            note: String::new(),
        });
        i.followups.push(FollowUp {
            at: i.at + 7_200_000,
            people: None,
            households: Some(5),
            handled: true,
            note: "Đã dọn đất đá, thông đường".into(),
        });
        assert!(i.validate().is_empty(), "{:?}", i.validate());
        assert_eq!((i.people_now(), i.households_now(), i.handled()), (Some(12), Some(5), true));
        let json = serde_json::to_string(&i).unwrap();
        assert_eq!(serde_json::from_str::<Incident>(&json).unwrap(), i);
        i.followups[1].people = Some(MAX_COUNT + 1);
        i.followups[0].at = 0;
        let fields: Vec<_> = i.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["followups.0.at", "followups.1.people"]);
    }

    #[test]
    fn every_kind_and_topic_parses_back() {
        for k in IncidentKind::ALL {
            assert_eq!(IncidentKind::parse(k.key()), Some(k));
            assert!(!k.label_vi().is_empty() && !k.label_en().is_empty());
        }
        for t in Topic::ALL {
            assert_eq!(Topic::parse(t.key()), Some(t));
        }
    }

    #[test]
    fn activity_rules() {
        assert!(activity(3, Topic::Cashless, 10, 0).validate().is_empty());
        assert_eq!(activity(3, Topic::Cashless, 0, 0).validate()[0].code, "min");
        assert_eq!(activity(3, Topic::PublicServices, 5, 6).validate()[0].field, "helped");
    }

    #[test]
    fn activity_topics_feed_existing_catalogue_indicators() {
        let cat = current();
        for t in Topic::ALL {
            if let Some(k) = t.sessions_indicator() {
                assert!(cat.indicator(k).is_some(), "{k}");
            }
        }
        for k in ["ds_sessions", "ds_people", "dvc_helped"] {
            assert!(cat.indicator(k).is_some(), "{k}");
        }
    }

    #[test]
    fn activity_totals_count_only_the_period() {
        let log = [
            activity(2, Topic::PublicServices, 12, 7),
            activity(9, Topic::Cashless, 20, 0),
            activity(20, Topic::PublicServices, 8, 3),
            Activity { date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), ..activity(1, Topic::Cashless, 50, 0) },
        ];
        let t = activity_totals(&log, &Period::parse("2026-11").unwrap());
        assert_eq!(t["ds_sessions"], 3.0);
        assert_eq!(t["ds_dvc_sessions"], 2.0);
        assert_eq!(t["ds_cashless_sessions"], 1.0);
        assert_eq!(t["ds_people"], 40.0);
        assert_eq!(t["dvc_helped"], 10.0);
        // And the totals pass the catalogue's own rules.
        let values = t.iter().map(|(k, v)| (k.clone(), crate::Value::Num(*v))).collect();
        let errs = current().validate(crate::PeriodKind::Month, &values);
        assert!(errs.iter().all(|e| e.code == "required"), "{errs:?}");
    }
}
