//! What the office's review screen shows, computed from a
//! [`ReviewSheet`]: the report's values in catalogue order under the task
//! groups' headings, each beside last period's value, large changes
//! marked (`sothon_domain::review::large_change`), the fields changed since
//! the last return and the ones it commented on. Plain functions with
//! native tests; `office/review.rs` only draws them.

use crate::i18n::Lang;
use sothon_domain::api::ReviewSheet;
use sothon_domain::catalogue::Catalogue;
use sothon_domain::review::{large_change, TEXT_FIELDS};

/// One line of the sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub key: String,
    pub label: String,
    /// This period's value as shown ("512 người", "Có"); `—` when empty.
    pub now: String,
    /// Last period's value as shown; `—` when none.
    pub before: String,
    /// A large change from last period.
    pub large: bool,
    /// Changed since the last return (a resubmission).
    pub changed: bool,
    /// The last return's comment on this field.
    pub flagged: Option<String>,
}

/// A task group's heading and its lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub key: String,
    pub title: String,
    pub lines: Vec<Line>,
}

const NONE: &str = "—";

/// The sheet's sections: every task group with an indicator the period asks
/// for or the report holds, computed rates included; then the free-text
/// fields as a last section.
pub fn sections(cat: &Catalogue, lang: Lang, sheet: &ReviewSheet) -> Vec<Section> {
    let kind = sheet.period.kind();
    let now = &sheet.body.values;
    let prev = sheet.previous.as_ref().map(|p| &p.values);
    let changed = |k: &str| sheet.changed_since_return.iter().any(|d| d.key == k);
    let flagged = |k: &str| {
        sheet.returned.as_ref().and_then(|r| r.fields.iter().find(|f| f.field == k)).map(|f| f.comment.clone())
    };
    let en = lang == Lang::En;
    let mut out: Vec<Section> = cat
        .groups
        .iter()
        .map(|g| {
            let lines = cat
                .indicators
                .iter()
                .filter(|i| i.group == g.key && (i.asked_in(kind) || now.contains_key(&i.key)))
                .map(|i| {
                    let show = |vals: Option<&std::collections::BTreeMap<String, sothon_domain::Value>>| {
                        if !i.is_input() {
                            let r = vals.and_then(|v| cat.rate(i, v))?;
                            return Some(format!("{} %", sothon_domain::format::number_vi(r, 1)));
                        }
                        vals.and_then(|v| v.get(&i.key)).map(|v| super::report::shown(lang, i, v))
                    };
                    let (a, b) = (show(Some(now)), show(prev));
                    let large = i.is_input() && large_change(prev.and_then(|p| p.get(&i.key)), now.get(&i.key));
                    Line {
                        key: i.key.clone(),
                        label: if en { i.en.clone() } else { i.vi.clone() },
                        now: a.unwrap_or_else(|| NONE.into()),
                        before: b.unwrap_or_else(|| NONE.into()),
                        large,
                        changed: changed(&i.key),
                        flagged: flagged(&i.key),
                    }
                })
                .collect();
            Section { key: g.key.clone(), title: if en { g.en.clone() } else { g.vi.clone() }, lines }
        })
        .filter(|s| !s.lines.is_empty())
        .collect();
    let text = |k: &str| match k {
        "difficulties" => (&sheet.body.difficulties, sheet.previous.as_ref().map(|p| &p.difficulties)),
        _ => (&sheet.body.proposals, sheet.previous.as_ref().map(|p| &p.proposals)),
    };
    let lines = TEXT_FIELDS
        .iter()
        .map(|k| {
            let (a, b) = text(k);
            let or_none = |s: &str| if s.trim().is_empty() { NONE.to_string() } else { s.to_string() };
            Line {
                key: k.to_string(),
                label: if *k == "difficulties" { lang.rv().difficulties } else { lang.rv().proposals }.to_string(),
                now: or_none(a),
                before: b.map(|b| or_none(b)).unwrap_or_else(|| NONE.into()),
                large: false,
                changed: changed(k),
                flagged: flagged(k),
            }
        })
        .collect();
    out.push(Section { key: "text".into(), title: lang.rv().texts.to_string(), lines });
    out
}

/// `GET /api/v1/audit` with the trail's filters (each segment escaped).
pub fn audit_path(
    record: Option<&str>,
    village: Option<&str>,
    action: Option<sothon_domain::api::AuditAction>,
    before: Option<i64>,
    limit: i64,
) -> String {
    use crate::app::routes::seg;
    let mut q = vec![format!("limit={limit}")];
    if let Some(r) = record {
        q.push(format!("record={}", seg(r)));
    }
    if let Some(v) = village {
        q.push(format!("village={}", seg(v)));
    }
    if let Some(a) = action {
        q.push(format!("action={}", a.as_str()));
    }
    if let Some(b) = before {
        q.push(format!("before={b}"));
    }
    format!("/api/v1/audit?{}", q.join("&"))
}

/// The label of a field key (an indicator, or a free-text field).
pub fn field_label(cat: &Catalogue, lang: Lang, key: &str) -> String {
    match (key, cat.indicator(key)) {
        ("difficulties", _) => lang.rv().difficulties.into(),
        ("proposals", _) => lang.rv().proposals.into(),
        (_, Some(i)) if lang == Lang::En => i.en.clone(),
        (_, Some(i)) => i.vi.clone(),
        (k, None) => k.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sothon_domain::api::{FieldComment, FieldDiff, ReturnNote};
    use sothon_domain::catalogue::current;
    use sothon_domain::protocol::RecordState;
    use sothon_domain::{Period, Report, Value};

    fn sheet() -> ReviewSheet {
        let p = Period::parse("2026-11").unwrap();
        let mut now = Report::new("pq-t01", p, 3);
        now.values.insert("pop".into(), Value::Num(512.0));
        now.values.insert("bhyt".into(), Value::Num(95.0));
        now.proposals = "Làm đường".into();
        let mut before = Report::new("pq-t01", p.prev(), 3);
        before.values.insert("pop".into(), Value::Num(510.0));
        before.values.insert("bhyt".into(), Value::Num(40.0));
        ReviewSheet {
            record: now.id(),
            village: "pq-t01".into(),
            village_name: "Thôn Bản Chang".into(),
            period: p,
            rev: 2,
            state: RecordState::Received,
            resubmitted: true,
            receipt: "PQ-2".into(),
            updated_at: 1,
            entered_by: None,
            body: now,
            previous_period: p.prev(),
            previous: Some(before),
            returned: Some(ReturnNote {
                rev: 1,
                reason: "Sai".into(),
                fields: vec![FieldComment { field: "bhyt".into(), comment: "Xem lại".into() }],
                by: "Cán bộ".into(),
                at: 1,
            }),
            changed_since_return: vec![FieldDiff {
                key: "bhyt".into(),
                before: Some("90".into()),
                after: Some("95".into()),
            }],
            history: vec![],
        }
    }

    fn line<'a>(s: &'a [Section], key: &str) -> &'a Line {
        s.iter().flat_map(|s| &s.lines).find(|l| l.key == key).unwrap()
    }

    #[test]
    fn values_sit_beside_last_periods_with_large_changes_marked() {
        let cat = current();
        let s = sections(cat, Lang::Vi, &sheet());
        let bhyt = line(&s, "bhyt");
        assert!(bhyt.large, "40 → 95");
        assert!(bhyt.changed && bhyt.flagged.as_deref() == Some("Xem lại"));
        assert!(bhyt.now.starts_with("95") && bhyt.before.starts_with("40"), "{bhyt:?}");
        let pop = line(&s, "pop");
        assert!(!pop.large && !pop.changed && pop.flagged.is_none());
        assert_eq!(pop.label, cat.indicator("pop").unwrap().vi);
        // An indicator asked but not filled shows a dash on both sides.
        let unfilled =
            cat.asked(sheet().period.kind()).find(|i| i.is_input() && i.key != "pop" && i.key != "bhyt").unwrap();
        assert_eq!((line(&s, &unfilled.key).now.as_str(), line(&s, &unfilled.key).before.as_str()), ("—", "—"));
        let prop = line(&s, "proposals");
        assert_eq!((prop.now.as_str(), prop.before.as_str()), ("Làm đường", "—"));
    }

    #[test]
    fn the_audit_query_says_only_what_is_filtered() {
        use sothon_domain::api::AuditAction;
        assert_eq!(audit_path(None, None, None, None, 50), "/api/v1/audit?limit=50");
        assert_eq!(
            audit_path(Some("r.pq-t01.2026-11"), Some("pq-t01"), Some(AuditAction::Return), Some(7), 200),
            "/api/v1/audit?limit=200&record=r.pq-t01.2026-11&village=pq-t01&action=return&before=7"
        );
        assert_eq!(audit_path(None, Some("a&b"), None, None, 1), "/api/v1/audit?limit=1&village=a%26b");
    }

    #[test]
    fn sections_follow_the_catalogue_groups() {
        let cat = current();
        let s = sections(cat, Lang::En, &sheet());
        let keys: Vec<&str> = s.iter().map(|s| s.key.as_str()).collect();
        let groups: Vec<&str> = cat.groups.iter().map(|g| g.key.as_str()).filter(|k| keys.contains(k)).collect();
        assert_eq!(&keys[..keys.len() - 1], &groups[..]);
        assert_eq!(*keys.last().unwrap(), "text");
        // Within a group, the catalogue's order.
        for sec in &s[..s.len() - 1] {
            let pos: Vec<usize> =
                sec.lines.iter().map(|l| cat.indicators.iter().position(|i| i.key == l.key).unwrap()).collect();
            assert!(pos.windows(2).all(|w| w[0] < w[1]), "{}", sec.key);
        }
        assert_eq!(field_label(cat, Lang::En, "difficulties"), "Difficulties");
        assert_eq!(field_label(cat, Lang::Vi, "nope"), "nope");
    }
}
