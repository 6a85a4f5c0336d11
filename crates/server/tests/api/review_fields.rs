//! Reviewing a report field by field: the review sheet, a return with
//! comments on single fields and its trip to the phone, the resubmission
//! with exactly what changed since the return, and who may see and decide.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sothon_domain::api::ReviewSheet;
use sothon_domain::protocol::{RecordState, SyncResponse};
use sothon_domain::Value as V;

const REVIEW: &str = "/api/v1/records/r.pq-t01.2026-11/review";
const SHEET: &str = "/api/v1/review/pq-t01/2026-11";

/// A return of rev 1 with a reason and one field comment.
fn return_bhyt(rev: u32) -> Value {
    json!({"decision": "return", "comment": "Số thẻ BHYT chưa khớp", "rev": rev,
           "fields": [{"field": "bhyt", "comment": "Danh sách của xã có 95 thẻ"}]})
}

#[tokio::test]
async fn a_field_comment_travels_to_the_phone_and_the_resubmission_shows_exactly_what_changed() {
    let app = spawn().await;
    let head = app.login("truongthon1").await;
    let officer = app.login("canbo").await;
    // Last period's report, then this period's.
    app.push(&head, PHONE_A, 1, 0, report_for("pq-t01", "2026-10", 100.0, 40.0)).await;
    let v = app
        .sync_ok(&head, &request(PHONE_A, vec![mutation(PHONE_A, 2, 0, report("pq-t01", 101.0, 90.0))], Some(0)))
        .await;
    let cursor = v["cursor"].as_i64().unwrap();

    // The sheet: the report beside last period's, nothing returned yet.
    let sheet: ReviewSheet = serde_json::from_value(app.get_ok(&officer, SHEET).await).unwrap();
    assert_eq!((sheet.rev, sheet.state, sheet.resubmitted), (1, RecordState::Received, false));
    assert_eq!(sheet.village_name, "Thôn Bản Chang (mẫu)");
    assert_eq!(sheet.previous_period.to_string(), "2026-10");
    assert_eq!(sheet.previous.as_ref().unwrap().values["bhyt"], V::Num(40.0));
    assert!(sheet.returned.is_none() && sheet.changed_since_return.is_empty() && sheet.history.is_empty());
    // 40 → 90 is large by the shared rule; 100 → 101 is not.
    let prev = sheet.previous.as_ref().unwrap();
    assert!(sothon_domain::review::large_change(prev.values.get("bhyt"), sheet.body.values.get("bhyt")));
    assert!(!sothon_domain::review::large_change(prev.values.get("pop"), sheet.body.values.get("pop")));

    // Return with one field comment: stored, audited with the field named.
    let (status, r) = app.post_json(&officer, REVIEW, &return_bhyt(1)).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["state"], "returned");
    assert_eq!(app.count("SELECT COUNT(*) FROM review_fields").await, 1);
    let detail: String =
        sothon_server::with_pool!(&app.db, p => sqlx::query_scalar("SELECT detail FROM audit WHERE action = 'return'").fetch_one(p).await).unwrap();
    assert!(detail.contains("Số thẻ BHYT chưa khớp") && detail.contains("Danh sách của xã có 95 thẻ"), "{detail}");

    // The phone's pull brings the reason and the field comment.
    let v = app.sync_ok(&head, &request(PHONE_A, vec![], Some(cursor))).await;
    let pulled: SyncResponse = serde_json::from_value(v.clone()).unwrap();
    let ch = pulled.changes.iter().find(|c| c.record == "r.pq-t01.2026-11").expect("the returned report");
    assert_eq!(ch.state, RecordState::Returned);
    assert_eq!(ch.comment, "Số thẻ BHYT chưa khớp");
    assert_eq!(ch.return_fields.len(), 1);
    assert_eq!(
        (ch.return_fields[0].field.as_str(), ch.return_fields[0].comment.as_str()),
        ("bhyt", "Danh sách của xã có 95 thẻ")
    );
    // A record that was not returned carries no field comments on the wire.
    let other = v["changes"].as_array().unwrap().iter().find(|c| c["record"] == "r.pq-t01.2026-10");
    assert!(other.is_none_or(|c| c.get("return_fields").is_none()), "{v}");

    // The village fixes the flagged field and sends again on rev 1.
    let mut fixed = report("pq-t01", 101.0, 95.0);
    fixed.proposals = "Xin thêm thẻ BHYT cho hộ mới".into();
    let res = app.push(&head, PHONE_A, 3, 1, fixed).await;
    assert_eq!((res["status"].as_str(), res["rev"].as_i64()), (Some("applied"), Some(2)));

    // Resubmitted, with exactly the changes since the return.
    let sheet: ReviewSheet = serde_json::from_value(app.get_ok(&officer, SHEET).await).unwrap();
    assert_eq!((sheet.rev, sheet.state, sheet.resubmitted), (2, RecordState::Received, true));
    let changed: Vec<(&str, Option<&str>, Option<&str>)> =
        sheet.changed_since_return.iter().map(|d| (d.key.as_str(), d.before.as_deref(), d.after.as_deref())).collect();
    assert_eq!(changed, [("bhyt", Some("90"), Some("95")), ("proposals", None, Some("Xin thêm thẻ BHYT cho hộ mới"))]);
    let note = sheet.returned.as_ref().unwrap();
    assert_eq!((note.rev, note.reason.as_str(), note.by.as_str()), (1, "Số thẻ BHYT chưa khớp", "Lục Thị Dung"));
    assert_eq!(note.fields[0].field, "bhyt");
    assert_eq!(sheet.history.len(), 1);
    assert_eq!(sheet.history[0].fields.len(), 1);
    // A resubmitted record pulled again carries no stale field comments.
    let v = app.sync_ok(&head, &request(PHONE_A, vec![], Some(0))).await;
    let pulled: SyncResponse = serde_json::from_value(v).unwrap();
    let ch = pulled.changes.iter().find(|c| c.record == "r.pq-t01.2026-11").unwrap();
    assert!(ch.return_fields.is_empty() && ch.comment.is_empty());

    // Approve rev 2: locked, and no longer "resubmitted".
    let (status, r) = app.post_json(&officer, REVIEW, &json!({"decision": "approve", "rev": 2})).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let sheet: ReviewSheet = serde_json::from_value(app.get_ok(&officer, SHEET).await).unwrap();
    assert_eq!((sheet.state, sheet.resubmitted), (RecordState::Approved, false));
    let late = app.push(&head, PHONE_A, 4, 2, report("pq-t01", 1.0, 1.0)).await;
    assert_eq!(late["status"], "conflict", "an approved record is locked");
}

#[tokio::test]
async fn bad_returns_are_422_or_409_and_write_nothing() {
    let app = spawn().await;
    let head = app.login("truongthon1").await;
    let officer = app.login("canbo").await;
    app.push(&head, PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0)).await;
    let before = app.table_counts().await;

    // An unknown field: 422 naming it.
    let (status, e) = app
        .post_json(
            &officer,
            REVIEW,
            &json!({"decision": "return", "comment": "x", "rev": 1,
                    "fields": [{"field": "bhyt", "comment": "ok"}, {"field": "so_trau", "comment": "?"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["fields"].as_array().unwrap().len(), 1, "{e}");
    assert_eq!(e["fields"][0]["field"], "fields.so_trau");
    assert_eq!(e["fields"][0]["code"], "unknown");

    // A field of the catalogue that a monthly report does not ask (and
    // this one does not hold) is not the report's.
    let not_monthly = sothon_domain::catalogue::current()
        .indicators
        .iter()
        .find(|i| !i.retired && !i.asked_in(sothon_domain::PeriodKind::Month));
    if let Some(i) = not_monthly {
        let body =
            json!({"decision": "return", "comment": "x", "rev": 1, "fields": [{"field": i.key, "comment": "?"}]});
        let (status, e) = app.post_json(&officer, REVIEW, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{} {e}", i.key);
    }

    // No reason, even with field comments: 422 on `comment`.
    let (status, e) = app
        .post_json(
            &officer,
            REVIEW,
            &json!({"decision": "return", "comment": " ", "rev": 1,
                                             "fields": [{"field": "bhyt", "comment": "?"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["fields"][0]["field"], "comment");
    assert!(e["message"].is_string());

    // A stale revision: 409, even with good field comments.
    let (status, e) = app.post_json(&officer, REVIEW, &return_bhyt(7)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"], "stale");
    assert_eq!(app.table_counts().await, before, "nothing written");

    // An old client without `fields` still returns a report.
    let (status, _) =
        app.post_json(&officer, REVIEW, &json!({"decision": "return", "comment": "Thiếu số liệu", "rev": 1})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.count("SELECT COUNT(*) FROM review_fields").await, 0);
}

#[tokio::test]
async fn who_may_read_the_sheet_and_decide() {
    let app = spawn().await;
    let head1 = app.login("truongthon1").await;
    let head2 = app.login("truongthon2").await;
    app.push(&head1, PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0)).await;

    // The village's own head may read its sheet, not approve it.
    let own = app.get(&head1, SHEET).await;
    assert_eq!(own.status(), StatusCode::OK);
    let (status, e) = app.post_json(&head1, REVIEW, &json!({"decision": "approve", "rev": 1})).await;
    assert_eq!((status, e["error"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
    // Another village's head may not read it.
    let other = app.get(&head2, SHEET).await;
    assert_eq!(other.status(), StatusCode::FORBIDDEN);
    assert_eq!(other.json::<Value>().await.unwrap()["error"], "forbidden");

    // An officer of another commune sees nothing of this one.
    let stranger = other_commune_officer(&app).await;
    let res = app.get(&stranger, SHEET).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let (status, _) = app.post_json(&stranger, REVIEW, &return_bhyt(1)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let audit = app.get_ok(&stranger, "/api/v1/audit").await;
    assert_eq!(audit.as_array().map(Vec::len), Some(0), "{audit}");
    assert_eq!(app.count("SELECT COUNT(*) FROM reviews").await, 0);
}
