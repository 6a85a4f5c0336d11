//! The audit trail: every office decision leaves one line, with who, when
//! and what, readable per record and commune-wide; a village head reads none.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;
use sothon_domain::api::{AuditAction, AuditEntry};

async fn trail(app: &TestApp, token: &str, query: &str) -> Vec<AuditEntry> {
    let v = app.get_ok(token, &format!("/api/v1/audit{query}")).await;
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
async fn every_office_decision_is_in_the_trail_with_who_when_and_what() {
    let app = spawn().await;
    let head = app.login("truongthon1").await;
    let officer = app.login("canbo").await;
    let admin = app.login("quantri").await;
    app.sync_ok(&head, &request(PHONE_A, vec![mutation(PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0))], Some(0))).await;
    let review = "/api/v1/records/r.pq-t01.2026-11/review";
    let reason = "Số hộ nghèo chưa khớp";
    let (s, r) = app.post_json(&officer, review, &json!({"decision": "return", "comment": reason, "rev": 1})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    app.push(&head, PHONE_A, 2, 1, report("pq-t01", 100.0, 95.0)).await;
    let (s, r) = app.post_json(&officer, review, &json!({"decision": "approve", "rev": 2})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, r) = app.post_json(&officer, "/api/v1/due", &json!({"period": "2026-11", "due": "2026-12-07"})).await;
    assert_eq!(s.as_u16() / 100, 2, "{r}");
    let (s, r) = app.post_json(&admin, "/api/v1/villages", &json!({"id": "pq-t06", "name": "Thôn Nà Lẹng"})).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");

    let all = trail(&app, &officer, "").await;
    let actions: Vec<AuditAction> = all.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [AuditAction::Village, AuditAction::DueDate, AuditAction::Approve, AuditAction::Return],
        "newest first"
    );
    assert!(all.windows(2).all(|w| w[0].at >= w[1].at));
    let ret = &all[3];
    assert_eq!((ret.username.as_str(), ret.name.as_str()), ("canbo", "Lục Thị Dung"));
    assert_eq!(ret.record.as_deref(), Some(REC_T01));
    assert_eq!(ret.village.as_deref(), Some("pq-t01"));
    assert!(ret.detail.contains(reason), "{}", ret.detail);
    assert!(all[1].detail.contains("07/12/2026"), "{}", all[1].detail);
    assert_eq!(all[0].username, "quantri");

    // Per record, and by kind.
    let one = trail(&app, &officer, &format!("?record={REC_T01}")).await;
    assert_eq!(one.len(), 2);
    let approvals = trail(&app, &admin, "?action=approve").await;
    assert_eq!(approvals.len(), 1);
    assert_eq!(trail(&app, &admin, "?limit=1").await.len(), 1);
    let older = trail(&app, &admin, &format!("?before={}", all[1].at)).await;
    assert!(older.iter().all(|e| e.at < all[1].at) && older.len() >= 2);

    // A village head reads no trail.
    assert_eq!(app.get(&head, "/api/v1/audit").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_refused_decision_leaves_no_line() {
    let app = spawn().await;
    let head = app.login("truongthon1").await;
    let officer = app.login("canbo").await;
    app.push(&head, PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0)).await;
    let review = "/api/v1/records/r.pq-t01.2026-11/review";
    let (s, _) = app.post_json(&officer, review, &json!({"decision": "approve", "rev": 7})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = app.post_json(&officer, review, &json!({"decision": "return", "comment": " ", "rev": 1})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit").await, 0);
}
