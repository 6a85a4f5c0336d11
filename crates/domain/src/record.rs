//! What a village sends: periodic reports (and, through the same protocol,
//! incidents and activity logs). Records are validated by the same code on the
//! phone before saving and on the server before storing.

use crate::catalogue::Catalogue;
use crate::period::Period;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One indicator value as typed (numbers, yes/no, a choice key or text).
/// In JSON it is the bare value: `true`, `12`, `"co"`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Num(f64),
    Text(String),
}

/// By the JSON value's own type, in one pass. (`#[serde(untagged)]` would
/// buffer each value and try the variants in turn, building and formatting
/// an error for every number — a tenth of a batched push's time on the
/// server.)
impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Value;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number, true/false or text")
            }
            fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
                Ok(Value::Bool(b))
            }
            fn visit_i64<E>(self, x: i64) -> Result<Value, E> {
                Ok(Value::Num(x as f64))
            }
            fn visit_u64<E>(self, x: u64) -> Result<Value, E> {
                Ok(Value::Num(x as f64))
            }
            fn visit_f64<E>(self, x: f64) -> Result<Value, E> {
                Ok(Value::Num(x))
            }
            fn visit_str<E>(self, s: &str) -> Result<Value, E> {
                Ok(Value::Text(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Value, E> {
                Ok(Value::Text(s))
            }
        }
        d.deserialize_any(V)
    }
}

impl Value {
    pub fn as_num(&self) -> Option<f64> {
        match self {
            Value::Num(x) => Some(*x),
            _ => None,
        }
    }
}

/// A problem with one field, for the UI (Vietnamese `message`) and for the API
/// (the same JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field's key (an indicator key, or a record field like `period`).
    pub field: String,
    /// Machine-readable reason: `required`, `min`, `max`, `le`, `integer`,
    /// `type`, `choice`, `too_long`, `unknown`, `computed`, `invalid`.
    pub code: String,
    /// The message shown to a village head, in Vietnamese.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
}

impl FieldError {
    pub fn new(field: &str, code: &str, message: &str) -> Self {
        Self { field: field.into(), code: code.into(), message: message.into(), limit: None, other: None }
    }

    /// An error about a numeric limit: "`prefix` `limit`".
    pub fn limit(field: &str, code: &str, limit: f64, prefix: &str) -> Self {
        let mut e = Self::new(field, code, &format!("{prefix} {}", crate::format::number_vi(limit, 2)));
        e.limit = Some(limit);
        e
    }

    /// The same message in English.
    pub fn message_en(&self) -> String {
        let n = self.limit.map(|x| crate::format::number_en(x, 2)).unwrap_or_default();
        match self.code.as_str() {
            "required" => "Required".into(),
            "min" => format!("Must not be less than {n}"),
            "max" => format!("Must not be more than {n}"),
            "le" => format!("Must not be more than “{}” ({n})", self.other.as_deref().unwrap_or("")),
            "integer" => "Must be a whole number".into(),
            "type" => "Wrong type of value".into(),
            "choice" => "Not one of the choices".into(),
            "too_long" => format!("Too long (at most {n} characters)"),
            "unknown" => "Not in the catalogue".into(),
            "computed" => "Computed, not typed".into(),
            _ => self.message.clone(),
        }
    }
}

/// The periodic report of one village for one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Village id.
    pub village: String,
    pub period: Period,
    /// Catalogue version the report was made with.
    pub cv: u32,
    #[serde(default, deserialize_with = "values_in_order")]
    pub values: BTreeMap<String, Value>,
    /// Difficulties (khó khăn, vướng mắc).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub difficulties: String,
    /// Proposals (kiến nghị, đề xuất).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub proposals: String,
}

/// A report's values, built in one pass from the pairs as read rather
/// than inserted one at a time: every writer sends them in key order (a
/// `BTreeMap` serialised), so the sort finds one run and the tree is built
/// bottom-up, without a search from the root and its string comparisons for
/// each of a report's ~60 values. A key given twice keeps its last value,
/// as inserting would.
fn values_in_order<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Value>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = BTreeMap<String, Value>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a map")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
            while let Some(kv) = map.next_entry::<String, Value>()? {
                pairs.push(kv);
            }
            Ok(pairs.into_iter().collect())
        }
    }
    d.deserialize_map(V)
}

impl Report {
    pub fn new(village: &str, period: Period, cv: u32) -> Self {
        Self {
            village: village.into(),
            period,
            cv,
            values: BTreeMap::new(),
            difficulties: String::new(),
            proposals: String::new(),
        }
    }

    /// One report per village and period, whichever phone makes it: the record
    /// id is derived, so two phones editing the same report meet on one record.
    pub fn record_id(village: &str, period: &Period) -> String {
        format!("r.{village}.{period}")
    }

    pub fn id(&self) -> String {
        Self::record_id(&self.village, &self.period)
    }

    /// Every problem with the report; empty means it can be sent.
    pub fn validate(&self, cat: &Catalogue) -> Vec<FieldError> {
        let mut errs = cat.validate(self.period.kind(), &self.values);
        for (field, text) in [("difficulties", &self.difficulties), ("proposals", &self.proposals)] {
            if text.chars().count() > crate::catalogue::MAX_TEXT {
                errs.push(FieldError::limit(
                    field,
                    "too_long",
                    crate::catalogue::MAX_TEXT as f64,
                    "Quá dài, tối đa số ký tự là",
                ));
            }
        }
        if self.cv == 0 || self.cv > cat.version {
            errs.push(FieldError::new("cv", "invalid", "Phiên bản danh mục không hợp lệ"));
        }
        errs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::current;

    #[test]
    fn a_value_is_read_by_its_json_type() {
        let v: Vec<Value> = serde_json::from_str(r#"[true, 12, -3, 2.5, "co", 1e3]"#).unwrap();
        assert_eq!(
            v,
            [
                Value::Bool(true),
                Value::Num(12.0),
                Value::Num(-3.0),
                Value::Num(2.5),
                Value::Text("co".into()),
                Value::Num(1000.0)
            ]
        );
        assert_eq!(serde_json::to_string(&v).unwrap(), r#"[true,12.0,-3.0,2.5,"co",1000.0]"#);
        for bad in ["null", "[1]", r#"{"a":1}"#] {
            let e = serde_json::from_str::<Value>(bad).unwrap_err().to_string();
            assert!(e.contains("a number, true/false or text"), "{bad}: {e}");
        }
    }

    /// The values as a map of inserts would read them: any order, a key
    /// twice (the last wins), the same errors.
    #[test]
    fn values_read_as_inserted() {
        for values in [
            r#"{}"#,
            r#"{"pop":512,"bhyt":500}"#,
            r#"{"b":1,"a":2,"c":true,"a":"x","b":3,"d":1.5}"#,
            r#"{"a":1,"a":2,"a":3}"#,
            r#"{"a":null}"#,
            r#"[1]"#,
            r#"5"#,
        ] {
            let json = format!(r#"{{"village":"v","period":"2026-11","cv":1,"values":{values}}}"#);
            let ours = serde_json::from_str::<Report>(&json).map(|r| r.values).map_err(|e| e.to_string());
            let plain = serde_json::from_str::<BTreeMap<String, Value>>(values).map_err(|e| e.to_string());
            match (&ours, &plain) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{values}"),
                (Err(a), Err(b)) => {
                    let meaning = |s: &str| s[..s.find(" at line ").unwrap_or(s.len())].to_string();
                    assert_eq!(meaning(a), meaning(b), "{values}");
                }
                _ => panic!("{values}: {ours:?} / {plain:?}"),
            }
        }
    }

    #[test]
    fn record_id_is_per_village_and_period() {
        let p = Period::parse("2026-11").unwrap();
        assert_eq!(Report::record_id("pq-t01", &p), "r.pq-t01.2026-11");
    }

    #[test]
    fn compact_json_round_trip() {
        let mut r = Report::new("pq-t01", Period::parse("2026-11").unwrap(), 1);
        r.values.insert("pop".into(), Value::Num(512.0));
        r.values.insert("bhyt".into(), Value::Num(500.0));
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, r#"{"village":"pq-t01","period":"2026-11","cv":1,"values":{"bhyt":500.0,"pop":512.0}}"#);
        assert_eq!(serde_json::from_str::<Report>(&json).unwrap(), r);
    }

    #[test]
    fn report_validation_covers_text_and_version() {
        let cat = current();
        let mut r = Report::new("pq-t01", Period::parse("2026-11").unwrap(), cat.version);
        r.values.insert("pop".into(), Value::Num(512.0));
        r.values.insert("bhyt".into(), Value::Num(500.0));
        assert!(r.validate(cat).is_empty(), "{:?}", r.validate(cat));
        r.proposals = "x".repeat(crate::catalogue::MAX_TEXT + 1);
        r.cv = cat.version + 1;
        let codes: Vec<_> = r.validate(cat).into_iter().map(|e| (e.field, e.code)).collect();
        assert!(codes.contains(&("proposals".into(), "too_long".into())));
        assert!(codes.contains(&("cv".into(), "invalid".into())));
    }

    #[test]
    fn a_draft_made_with_catalogue_v1_still_opens_and_validates() {
        // Saved by the first release, before the catalogue grew to version 2.
        let json = r#"{"village":"pq-t01","period":"2026-09","cv":1,
            "values":{"pop":512,"bhyt":500,"child35":30,"child35_school":28,"road_km":1.5,"dvc_helped":12}}"#;
        let r: Report = serde_json::from_str(json).unwrap();
        let cat = current();
        assert!(cat.version > 1);
        assert!(r.validate(cat).is_empty(), "{:?}", r.validate(cat));
    }

    #[test]
    fn english_messages_exist_for_every_code() {
        let e = FieldError::limit("pop", "max", 1000.0, "Không được lớn hơn");
        assert_eq!(e.message, "Không được lớn hơn 1.000");
        assert_eq!(e.message_en(), "Must not be more than 1,000");
    }
}
