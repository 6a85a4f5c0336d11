//! The commune office: review decisions and their trip back to the phone,
//! the overview of a period, and the commune figures.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sothon_domain::protocol::{receipt_code, Body, Mutation, SyncRequest};
use sothon_domain::Value as V;

const REVIEW_T01: &str = "/api/v1/records/r.pq-t01.2026-11/review";

#[tokio::test]
async fn a_returned_report_reaches_the_village_heads_phone_with_its_comment() {
    let app = spawn().await;
    let head = app.login("truongthon1").await;
    let officer = app.login("canbo").await;
    let v = app
        .sync_ok(&head, &request(PHONE_A, vec![mutation(PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0))], Some(0)))
        .await;
    let cursor = v["cursor"].as_i64().unwrap();

    let comment = "Số người có BHYT chưa khớp với danh sách, đề nghị kiểm tra lại";
    let (status, r) =
        app.post_json(&officer, REVIEW_T01, &json!({"decision": "return", "comment": comment, "rev": 1})).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["state"], "returned");
    assert_eq!(r["rev"], 1);
    assert_eq!(r["comment"], comment);
    assert_eq!(r["receipt"], receipt_code(REC_T01, 1));
    assert!(r["updated_at"].as_i64().unwrap() > 0);

    // The phone's next pull brings the decision and the comment.
    let v = app.sync_ok(&head, &request(PHONE_A, vec![], Some(cursor))).await;
    let changes = v["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{v}");
    let ch = &changes[0];
    assert_eq!(ch["record"], REC_T01);
    assert_eq!(ch["rev"], 1);
    assert_eq!(ch["state"], "returned");
    assert_eq!(ch["comment"], comment);
    assert_eq!(ch["body"]["values"]["pop"], 100.0);
    // It parses as the protocol's Change, as the phone reads it.
    let parsed: sothon_domain::protocol::SyncResponse = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(parsed.changes[0].state, sothon_domain::protocol::RecordState::Returned);
    assert_eq!(parsed.changes[0].comment, comment);

    // The village corrects and sends again on top of rev 1: received again,
    // rev 2, the comment (about rev 1) cleared; the history keeps it.
    let res = app.push(&head, PHONE_A, 2, 1, report("pq-t01", 100.0, 95.0)).await;
    assert_eq!((res["status"].as_str(), res["rev"].as_i64()), (Some("applied"), Some(2)));
    let (state, kept): (String, String) =
        sothon_server::with_pool!(&app.db, p => sqlx::query_as("SELECT state, comment FROM records").fetch_one(p).await).unwrap();
    assert_eq!((state.as_str(), kept.as_str()), ("received", ""));

    // Approving rev 2 locks it; the phone sees `approved`.
    let (status, r) = app.post_json(&officer, REVIEW_T01, &json!({"decision": "approve", "rev": 2})).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["state"], "approved");
    let v = app.sync_ok(&head, &request(PHONE_A, vec![], Some(r["updated_at"].as_i64().unwrap()))).await;
    assert_eq!(v["changes"][0]["state"], "approved");
    let late = app.push(&head, PHONE_A, 3, 2, report("pq-t01", 1.0, 1.0)).await;
    assert_eq!(late["status"], "conflict", "an approved record is locked");

    let history = app.get_ok(&head, "/api/v1/records/r.pq-t01.2026-11/reviews").await;
    let h: Vec<(&str, i64, &str)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["decision"].as_str().unwrap(), r["rev"].as_i64().unwrap(), r["username"].as_str().unwrap()))
        .collect();
    assert_eq!(h, [("return", 1, "canbo"), ("approve", 2, "canbo")]);
    assert_eq!(history[0]["comment"], comment);
    assert_eq!(history[0]["name"], "Lục Thị Dung");
    assert!(history[0]["at"].as_i64().unwrap() < history[1]["at"].as_i64().unwrap());
    assert_eq!(app.count("SELECT COUNT(*) FROM reviews").await, 2);
}

#[tokio::test]
async fn a_decision_on_a_stale_revision_is_409_and_changes_nothing() {
    let app = spawn().await;
    let head = app.login("truongthon1").await;
    let admin = app.login("quantri").await;
    app.push(&head, PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0)).await;
    app.push(&head, PHONE_A, 2, 1, report("pq-t01", 101.0, 90.0)).await;
    let before = app.table_counts().await;
    for rev in [1, 3] {
        let (status, e) = app.post_json(&admin, REVIEW_T01, &json!({"decision": "approve", "rev": rev})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(e["error"], "stale");
        assert!(e["message"].as_str().unwrap().contains("(2)"), "{e}");
    }
    assert_eq!(app.table_counts().await, before);
    // The admin may review too, at the current revision.
    let (status, _) = app.post_json(&admin, REVIEW_T01, &json!({"decision": "approve", "rev": 2})).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn review_input_is_checked_per_field_and_village_accounts_get_403() {
    let app = spawn().await;
    let head = app.login("truongthon1").await;
    let team = app.login("congnghe1").await;
    let officer = app.login("canbo").await;
    app.push(&head, PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0)).await;
    let before = app.table_counts().await;

    let cases = [
        (json!({"decision": "return", "rev": 1}), vec![("comment", "required")]),
        (json!({"decision": "return", "comment": "   ", "rev": 1}), vec![("comment", "required")]),
        (json!({"decision": "maybe", "rev": 1}), vec![("decision", "choice")]),
        (json!({"decision": "approve", "comment": "x".repeat(4001), "rev": 1}), vec![("comment", "too_long")]),
    ];
    for (body, want) in cases {
        let (status, e) = app.post_json(&officer, REVIEW_T01, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(e["error"], "invalid");
        let got: Vec<(&str, &str)> = e["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["field"].as_str().unwrap(), f["code"].as_str().unwrap()))
            .collect();
        assert_eq!(got, want, "{body}");
    }
    for token in [&head, &team] {
        let (status, e) =
            app.post_json(token, REVIEW_T01, &json!({"decision": "approve", "comment": "", "rev": 1})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(e["error"], "forbidden");
    }
    let (status, e) = app
        .post_json(&officer, "/api/v1/records/r.pq-t02.2026-11/review", &json!({"decision": "approve", "rev": 1}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(e["error"], "not_found");
    assert_eq!(app.table_counts().await, before);

    // The history is the village's to read too, not another village's.
    let other = app.login("truongthon2").await;
    assert_eq!(app.get(&other, "/api/v1/records/r.pq-t01.2026-11/reviews").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get_ok(&team, "/api/v1/records/r.pq-t01.2026-11/reviews").await, json!([]));
}

#[tokio::test]
async fn a_record_in_conflict_is_resolved_before_it_is_reviewed() {
    let app = spawn().await;
    let head = app.login("truongthon1").await;
    let team = app.login("congnghe1").await;
    let officer = app.login("canbo").await;
    app.push(&head, PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0)).await;
    app.push(&head, PHONE_A, 2, 1, report("pq-t01", 101.0, 90.0)).await;
    assert_eq!(app.push(&team, PHONE_B, 1, 1, report("pq-t01", 99.0, 90.0)).await["status"], "conflict");
    let (status, e) = app.post_json(&officer, REVIEW_T01, &json!({"decision": "approve", "rev": 2})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(e["error"], "conflict_pending");
    assert_eq!(app.count("SELECT COUNT(*) FROM reviews").await, 0);
}

/// An incident report of `village` on 15 November 2026.
fn incident(village: &str, id: &str) -> Body {
    serde_json::from_value(json!({
        "t": "incident", "id": id, "village": village, "kind": "landslide",
        "at": 1_795_200_000_000i64, "severity": "high", "people": 3, "households": 1
    }))
    .unwrap()
}

/// An activity-log entry of `village` on `date`.
fn activity(village: &str, id: &str, date: &str) -> Body {
    serde_json::from_value(json!({
        "t": "activity", "id": id, "village": village, "date": date, "topic": "cashless", "participants": 12
    }))
    .unwrap()
}

fn body_mutation(device: &str, seq: u64, body: Body) -> Mutation {
    Mutation { id: Mutation::make_id(device, seq), seq, record: body.record_id(), base: 0, at: 1_700_000_000_000, body }
}

#[tokio::test]
async fn the_overview_shows_every_village_for_the_period() {
    let app = spawn().await;
    let head1 = app.login("truongthon1").await;
    let head2 = app.login("truongthon2").await;
    let officer = app.login("canbo").await;
    app.push(&head1, PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0)).await;
    app.push(&head2, PHONE_B, 1, 0, report("pq-t02", 50.0, 50.0)).await;
    app.push(&head2, PHONE_B, 2, 0, report_for("pq-t02", "2026-10", 50.0, 50.0)).await;
    let push = vec![
        body_mutation(PHONE_A, 2, incident("pq-t01", "inc-000001")),
        body_mutation(PHONE_A, 3, incident("pq-t01", "inc-000002")),
        body_mutation(PHONE_A, 4, activity("pq-t01", "act-000001", "2026-11-03")),
        body_mutation(PHONE_A, 5, activity("pq-t01", "act-000002", "2026-10-30")),
    ];
    app.sync_ok(&head1, &request(PHONE_A, push, None)).await;
    app.post_json(
        &officer,
        "/api/v1/records/r.pq-t02.2026-11/review",
        &json!({"decision": "return", "comment": "Thiếu số liệu", "rev": 1}),
    )
    .await;

    let o = app.get_ok(&officer, "/api/v1/overview?period=2026-11").await;
    assert_eq!(o["period"], "2026-11");
    assert_eq!(o["label"], "Tháng 11/2026");
    assert_eq!(o["due"], "2026-12-05");
    let villages = o["villages"].as_array().unwrap();
    let ids: Vec<&str> = villages.iter().map(|v| v["village"].as_str().unwrap()).collect();
    assert_eq!(ids, ["pq-t01", "pq-t02", "pq-t03", "pq-t04", "pq-t05"], "every village, reported or not");
    let t01 = &villages[0];
    assert_eq!(t01["name"], "Thôn Bản Chang (mẫu)");
    assert_eq!(t01["report"]["record"], REC_T01);
    assert_eq!(t01["report"]["state"], "received");
    assert_eq!(t01["report"]["rev"], 1);
    assert_eq!(t01["report"]["receipt"], receipt_code(REC_T01, 1));
    let received = t01["report"]["received_at"].as_i64().unwrap();
    assert_eq!(t01["report"]["skew_ms"], received - 1_700_000_000_500);
    assert_eq!(t01["report"]["device_at"], 1_700_000_000_000i64);
    assert_eq!((t01["incidents"].as_i64(), t01["activities"].as_i64()), (Some(2), Some(1)), "October's is left out");
    assert_eq!(villages[1]["report"]["state"], "returned");
    assert_eq!(villages[1]["report"]["comment"], "Thiếu số liệu");
    assert_eq!(villages[2]["report"], Value::Null);
    assert_eq!(villages[2]["incidents"], 0);
    assert_eq!(
        o["summary"],
        json!({"villages": 5, "reported": 2, "missing": 3, "received": 1, "returned": 1, "approved": 0,
               "conflict": 0, "incidents": 2, "activities": 1})
    );

    // A quarter counts the incidents and activities of its three months.
    let q = app.get_ok(&officer, "/api/v1/overview?period=2026-Q4").await;
    assert_eq!(q["villages"][0]["report"], Value::Null);
    assert_eq!((q["villages"][0]["incidents"].as_i64(), q["villages"][0]["activities"].as_i64()), (Some(2), Some(2)));

    // Only the commune office; the period is required and checked.
    for (token, path, want) in [
        (&head1, "/api/v1/overview?period=2026-11", StatusCode::FORBIDDEN),
        (&officer, "/api/v1/overview", StatusCode::BAD_REQUEST),
        (&officer, "/api/v1/overview?period=2026-13", StatusCode::BAD_REQUEST),
        (&head1, "/api/v1/aggregate?period=2026-11", StatusCode::FORBIDDEN),
        (&officer, "/api/v1/aggregate?period=tháng-11", StatusCode::BAD_REQUEST),
        (&officer, "/api/v1/aggregate?period=2026-11&approved_only=maybe", StatusCode::BAD_REQUEST),
    ] {
        let res = app.get(token, path).await;
        assert_eq!(res.status(), want, "{path}");
        let e: Value = res.json().await.unwrap();
        assert!(e["error"].is_string() && e["message"].is_string(), "{path}: {e}");
    }
}

#[tokio::test]
async fn the_aggregate_gives_the_commune_figures_of_the_period() {
    let app = spawn().await;
    let head1 = app.login("truongthon1").await;
    let head2 = app.login("truongthon2").await;
    let admin = app.login("quantri").await;
    let mut r1 = report("pq-t01", 500.0, 500.0);
    r1.values.insert("fibre".into(), V::Bool(true));
    let mut r2 = report("pq-t02", 300.0, 290.0);
    r2.values.insert("fibre".into(), V::Bool(false));
    app.push(&head1, PHONE_A, 1, 0, r1).await;
    app.push(&head2, PHONE_B, 1, 0, r2).await;
    app.push(&head2, PHONE_B, 2, 0, report_for("pq-t02", "2026-10", 9999.0, 1.0)).await;

    let a = app.get_ok(&admin, "/api/v1/aggregate?period=2026-11").await;
    assert_eq!(a["period"], "2026-11");
    assert_eq!(a["catalogue"], sothon_domain::catalogue::current().version);
    assert_eq!(a["villages_total"], 5);
    assert_eq!(a["villages_reported"], json!(["pq-t01", "pq-t02"]));
    assert_eq!(a["approved_only"], false);
    let get = |key: &str| a["aggregates"].as_array().unwrap().iter().find(|x| x["key"] == key).unwrap().clone();
    assert_eq!(get("pop")["figure"], json!({"number": 800.0}), "October's report is left out");
    assert_eq!(get("pop")["villages_reporting"], 2);
    assert_eq!(get("pop")["villages_total"], 5);
    assert_eq!(get("bhyt_rate")["figure"]["ratio"]["value"], 98.75, "sum over sum, not a mean of rates");
    assert_eq!(get("fibre")["figure"], json!({"flag": false}));
    let n = a["aggregates"].as_array().unwrap().len();
    assert_eq!(n, sothon_domain::catalogue::current().asked(sothon_domain::PeriodKind::Month).count());
    // The same figures as the domain function gives over the stored reports.
    let mut reports = Vec::new();
    for id in [REC_T01, "r.pq-t02.2026-11"] {
        match serde_json::from_value::<Body>(app.record_body(id).await).unwrap() {
            Body::Report(r) => reports.push(r),
            other => panic!("{other:?}"),
        }
    }
    let period = sothon_domain::Period::parse("2026-11").unwrap();
    let want =
        sothon_domain::aggregate::aggregate_period(sothon_domain::catalogue::current(), period, &reports, 5).unwrap();
    assert_eq!(a["aggregates"], serde_json::to_value(&want).unwrap());
    let target = a["targets"].as_array().unwrap().iter().find(|t| t["key"] == "bhyt_rate").unwrap();
    assert_eq!(target["met"], false);
    assert_eq!(target["complete"], false);

    // Only approved reports, when asked.
    app.post_json(&admin, REVIEW_T01, &json!({"decision": "approve", "rev": 1})).await;
    let a = app.get_ok(&admin, "/api/v1/aggregate?period=2026-11&approved_only=true").await;
    assert_eq!(a["villages_reported"], json!(["pq-t01"]));
    let pop = a["aggregates"].as_array().unwrap().iter().find(|x| x["key"] == "pop").unwrap().clone();
    assert_eq!(pop["figure"], json!({"number": 500.0}));

    // A period nobody reported: figures with nothing in them, not an error.
    let a = app.get_ok(&admin, "/api/v1/aggregate?period=2027").await;
    assert_eq!(a["villages_reported"], json!([]));
    assert!(a["aggregates"].as_array().unwrap().iter().all(|x| x["villages_reporting"] == 0));
}

#[tokio::test]
async fn a_due_date_set_by_the_office_reaches_phones_and_the_overview() {
    let app = spawn().await;
    let head = app.login("truongthon1").await;
    let officer = app.login("canbo").await;
    // Before: no due dates in the pull; the overview shows the default.
    let v = app.sync_ok(&head, &request(PHONE_A, vec![], Some(0))).await;
    assert!(v.get("due").is_none(), "{v}");
    assert_eq!(app.get_ok(&officer, "/api/v1/overview?period=2026-11").await["due"], "2026-12-05");

    let (status, r) = app.post_json(&officer, "/api/v1/due", &json!({"period": "2026-11", "due": "2026-12-10"})).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    // Moving it again replaces it.
    let (status, _) = app.post_json(&officer, "/api/v1/due", &json!({"period": "2026-11", "due": "2026-12-08"})).await;
    assert_eq!(status, StatusCode::OK);
    let v = app.sync_ok(&head, &request(PHONE_A, vec![], Some(0))).await;
    assert_eq!(v["due"], json!([{"period": "2026-11", "due": "2026-12-08"}]));
    assert_eq!(app.get_ok(&officer, "/api/v1/overview?period=2026-11").await["due"], "2026-12-08");

    // A village head may not set it, and a bad date changes nothing.
    let (status, _) = app.post_json(&head, "/api/v1/due", &json!({"period": "2026-11", "due": "2026-12-20"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, e) = app.post_json(&officer, "/api/v1/due", &json!({"period": "2026-11", "due": "30/12/2026"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["fields"][0]["field"], "due");
    assert_eq!(app.count("SELECT count(*) FROM due_dates").await, 1);
    assert_eq!(app.get_ok(&officer, "/api/v1/overview?period=2026-11").await["due"], "2026-12-08");
    // A push gets them too (read with the push's own checks), in order of
    // period, with or without a pull; and so does its replay.
    let (status, _) = app.post_json(&officer, "/api/v1/due", &json!({"period": "2026-10", "due": "2026-11-09"})).await;
    assert_eq!(status, StatusCode::OK);
    let both = json!([{"period": "2026-10", "due": "2026-11-09"}, {"period": "2026-11", "due": "2026-12-08"}]);
    let push = request(PHONE_A, vec![mutation(PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0))], Some(0));
    let v = app.sync_ok(&head, &push).await;
    assert_eq!(v["results"][0]["status"], "applied", "{v}");
    assert_eq!(v["due"], both, "{v}");
    let replay = SyncRequest { cursor: None, ..push };
    let v = app.sync_ok(&head, &replay).await;
    assert_eq!(v["results"][0]["status"], "applied", "{v}");
    assert_eq!(v["due"], both, "{v}");
}
