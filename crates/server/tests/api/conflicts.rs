//! `GET /api/v1/conflicts` and `POST /api/v1/conflicts/{mutation_id}/resolve`.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sothon_domain::protocol::receipt_code;
use sothon_server::db::conflicts::public_id;

const CONFLICT_B1: &str = "phone-bbbb-0002:1";

/// The resolve URL of the conflict kept for `mutation` (named by its public id).
fn resolve_path(mutation: &str) -> String {
    format!("/api/v1/conflicts/{}/resolve", public_id(mutation))
}

/// Village head on phone A makes rev 2; the digital team's phone B edited
/// rev 1 meanwhile, which is kept as a conflict. Returns the tokens of the
/// head, the team member and the officer.
async fn with_a_conflict(app: &TestApp) -> (String, String, String) {
    let head = app.login("truongthon1").await;
    let team = app.login("congnghe1").await;
    let officer = app.login("canbo").await;
    app.push(&head, PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0)).await;
    app.push(&head, PHONE_A, 2, 1, report("pq-t01", 101.0, 90.0)).await;
    let r = app.push(&team, PHONE_B, 1, 1, report("pq-t01", 999.0, 90.0)).await;
    assert_eq!(r["status"], "conflict");
    (head, team, officer)
}

#[tokio::test]
async fn conflicts_are_listed_with_both_versions_within_the_users_scope() {
    let app = spawn().await;
    let (head, team, officer) = with_a_conflict(&app).await;
    let list = app.get_ok(&officer, "/api/v1/conflicts").await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    let c = &list[0];
    assert_eq!(c["mutation"], public_id(CONFLICT_B1));
    assert!(c["current"].get("device").is_none() && c["incoming"].get("device").is_none(), "no device ids shown");
    assert_eq!(c["record"], REC_T01);
    assert_eq!(c["village"], "pq-t01");
    assert_eq!(c["kind"], "report");
    assert_eq!(c["period"], "2026-11");
    assert_eq!(c["current"]["rev"], 2);
    assert_eq!(c["current"]["state"], "conflict");
    assert_eq!(c["current"]["body"]["values"]["pop"], 101.0);
    assert_eq!(c["incoming"]["base"], 1);
    assert_eq!(c["incoming"]["username"], "congnghe1");
    assert_eq!(c["incoming"]["name"], "Nông Văn Chiến");
    assert_eq!(c["incoming"]["device_at"], 1_700_000_000_000i64);
    assert!(c["incoming"]["received_at"].as_i64().unwrap() > 1_700_000_000_000);
    assert_eq!(c["incoming"]["body"]["values"]["pop"], 999.0);

    // The village's own accounts see it; another village's head does not.
    assert_eq!(app.get_ok(&head, "/api/v1/conflicts").await.as_array().unwrap().len(), 1);
    assert_eq!(app.get_ok(&team, "/api/v1/conflicts?village=pq-t01").await.as_array().unwrap().len(), 1);
    let other = app.login("truongthon2").await;
    assert_eq!(app.get_ok(&other, "/api/v1/conflicts").await, json!([]));
    let res = app.get(&other, "/api/v1/conflicts?village=pq-t01").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get_ok(&officer, "/api/v1/conflicts?village=pq-t02").await, json!([]));
    let res = app.get(&officer, "/api/v1/conflicts?village=pq-t99").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn keeping_the_incoming_edit_makes_it_the_next_revision() {
    let app = spawn().await;
    let (head, team, officer) = with_a_conflict(&app).await;
    let cursor = app.count("SELECT MAX(ver) FROM records").await;
    let (status, r) = app.post_json(&officer, &resolve_path(CONFLICT_B1), &json!({"keep": "incoming", "rev": 2})).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["keep"], "incoming");
    assert_eq!(r["rev"], 3);
    assert_eq!(r["state"], "received");
    assert_eq!(r["receipt"], receipt_code(REC_T01, 3));
    assert_eq!(r["remaining"], 0);
    assert_eq!(app.record_body(REC_T01).await["values"]["pop"], 999.0);
    let (last_device, device_at): (String, i64) =
        sothon_server::with_pool!(&app.db, p => sqlx::query_as("SELECT last_device, device_at FROM records").fetch_one(p).await).unwrap();
    assert_eq!((last_device.as_str(), device_at), (PHONE_B, 1_700_000_000_000));
    let (resolved, how, by_rev): (bool, String, i64) =
        sothon_server::with_pool!(&app.db, p => sqlx::query_as("SELECT resolved, resolution, resolved_rev FROM conflicts").fetch_one(p).await).unwrap();
    assert_eq!((resolved, how.as_str(), by_rev), (true, "incoming", 3));
    assert_eq!(app.get_ok(&officer, "/api/v1/conflicts").await, json!([]));

    // The phones pull the outcome.
    let v = app.sync_ok(&head, &request(PHONE_A, vec![], Some(cursor))).await;
    let ch = &v["changes"][0];
    assert_eq!((ch["rev"].as_i64(), ch["state"].as_str()), (Some(3), Some("received")), "{v}");
    assert_eq!(ch["body"]["values"]["pop"], 999.0);

    // The conflicting mutation's stored answer does not change on replay.
    let replay = request(PHONE_B, vec![mutation(PHONE_B, 1, 1, report("pq-t01", 999.0, 90.0))], None);
    assert_eq!(app.sync_ok(&team, &replay).await["results"][0]["status"], "conflict");
    assert_eq!(app.count("SELECT rev FROM records").await, 3);

    // Settled once only.
    let (status, e) = app.post_json(&officer, &resolve_path(CONFLICT_B1), &json!({"keep": "current", "rev": 3})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(e["error"], "resolved");
}

#[tokio::test]
async fn keeping_the_current_revision_restores_the_records_state() {
    let app = spawn().await;
    let (head, _team, _officer) = with_a_conflict(&app).await;
    // The village's own head may resolve; the old name (the mutation id,
    // which shows a device id) is not a conflict's name any more.
    let old = "/api/v1/conflicts/phone-bbbb-0002%3A1/resolve";
    let (status, _) = app.post_json(&head, old, &json!({"keep": "current", "rev": 2})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, r) = app.post_json(&head, &resolve_path(CONFLICT_B1), &json!({"keep": "current", "rev": 2})).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!((r["rev"].as_i64(), r["state"].as_str()), (Some(2), Some("received")));
    assert_eq!(app.record_body(REC_T01).await["values"]["pop"], 101.0);
    let (resolution, by): (String, String) =
        sothon_server::with_pool!(&app.db, p => sqlx::query_as("SELECT c.resolution, u.username FROM conflicts c JOIN users u ON u.id = c.resolved_by")
            .fetch_one(p)
            .await)
            .unwrap();
    assert_eq!((resolution.as_str(), by.as_str()), ("current", "truongthon1"));
}

#[tokio::test]
async fn a_returned_record_stays_returned_and_an_approved_one_approved() {
    let app = spawn().await;
    let head = app.login("truongthon1").await;
    let team = app.login("congnghe1").await;
    let officer = app.login("canbo").await;
    app.push(&head, PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0)).await;
    let review = "/api/v1/records/r.pq-t01.2026-11/review";
    app.post_json(&officer, review, &json!({"decision": "return", "comment": "Sửa lại", "rev": 1})).await;
    // Two stale edits from two other phones wait.
    app.push(&head, PHONE_A, 2, 1, report("pq-t01", 101.0, 90.0)).await;
    app.post_json(&officer, review, &json!({"decision": "return", "comment": "Vẫn chưa đúng", "rev": 2})).await;
    app.push(&team, PHONE_B, 1, 1, report("pq-t01", 5.0, 5.0)).await;
    app.push(&team, "phone-cccc-0003", 1, 1, report("pq-t01", 6.0, 6.0)).await;
    assert_eq!(app.get_ok(&officer, "/api/v1/conflicts").await.as_array().unwrap().len(), 2);

    let (_, r) = app.post_json(&officer, &resolve_path(CONFLICT_B1), &json!({"keep": "current", "rev": 2})).await;
    assert_eq!((r["state"].as_str(), r["remaining"].as_i64()), (Some("conflict"), Some(1)), "one still waits");
    let (_, r) =
        app.post_json(&officer, &resolve_path("phone-cccc-0003:1"), &json!({"keep": "current", "rev": 2})).await;
    assert_eq!((r["state"].as_str(), r["remaining"].as_i64()), (Some("returned"), Some(0)), "{r}");
    let comment: String =
        sothon_server::with_pool!(&app.db, p => sqlx::query_scalar("SELECT comment FROM records").fetch_one(p).await)
            .unwrap();
    assert_eq!(comment, "Vẫn chưa đúng");

    // Approved: a late edit waits beside it; keeping the current leaves it approved.
    app.push(&head, PHONE_A, 3, 2, report("pq-t01", 102.0, 90.0)).await;
    app.post_json(&officer, review, &json!({"decision": "approve", "rev": 3})).await;
    assert_eq!(app.push(&head, PHONE_A, 4, 3, report("pq-t01", 103.0, 90.0)).await["status"], "conflict");
    let (_, r) =
        app.post_json(&officer, &resolve_path("phone-aaaa-0001:4"), &json!({"keep": "current", "rev": 3})).await;
    assert_eq!((r["state"].as_str(), r["rev"].as_i64()), (Some("approved"), Some(3)));
}

#[tokio::test]
async fn only_the_office_or_the_villages_head_resolves_and_stale_revisions_are_409() {
    let app = spawn().await;
    let (_head, team, officer) = with_a_conflict(&app).await;
    let other = app.login("truongthon2").await;
    let before = app.table_counts().await;
    let body = json!({"keep": "incoming", "rev": 2});
    let cases: [(&str, String, Value, StatusCode, &str); 7] = [
        (&team, resolve_path(CONFLICT_B1), body.clone(), StatusCode::FORBIDDEN, "forbidden"),
        (&other, resolve_path(CONFLICT_B1), body.clone(), StatusCode::FORBIDDEN, "forbidden"),
        (&officer, resolve_path("phone-zzzz-0009:1"), body.clone(), StatusCode::NOT_FOUND, "not_found"),
        (&officer, resolve_path(CONFLICT_B1), json!({"keep": "incoming", "rev": 1}), StatusCode::CONFLICT, "stale"),
        (
            &officer,
            resolve_path(CONFLICT_B1),
            json!({"keep": "both", "rev": 2}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (&officer, resolve_path(CONFLICT_B1), json!({"keep": "current"}), StatusCode::BAD_REQUEST, "bad_json"),
        (&officer, resolve_path(CONFLICT_B1), json!({"keep": 1, "rev": 2}), StatusCode::BAD_REQUEST, "bad_json"),
    ];
    for (token, path, body, status, code) in cases {
        let (got, e) = app.post_json(token, &path, &body).await;
        assert_eq!((got, e["error"].as_str()), (status, Some(code)), "{path} {body}: {e}");
    }
    assert_eq!(app.table_counts().await, before, "refusals write nothing");
}
