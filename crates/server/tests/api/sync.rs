//! `POST /api/v1/sync`: exactly-once push, ordering, conflicts, refusals that
//! write nothing, and the pull.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sothon_domain::protocol::{receipt_code, MAX_PUSH};

async fn nothing_written(app: &TestApp) {
    assert_eq!(app.count("SELECT COUNT(*) FROM records").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM mutations").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM record_seq").await, 0);
}

#[tokio::test]
async fn a_replayed_push_gets_the_same_answer_and_is_stored_once() {
    let app = spawn().await;
    let token = app.login("truongthon1").await;
    let req = request(PHONE_A, vec![mutation(PHONE_A, 1, 0, report("pq-t01", 512.0, 500.0))], None);
    let first = app.sync_ok(&token, &req).await;
    let r = &first["results"][0];
    assert_eq!(r["id"], format!("{PHONE_A}:1"));
    assert_eq!(r["record"], REC_T01);
    assert_eq!(r["status"], "applied");
    assert_eq!(r["rev"], 1);
    assert_eq!(r["receipt"], receipt_code(REC_T01, 1));
    assert_eq!(first["cursor"], 0, "no cursor asked, none given");
    assert!(first["changes"].as_array().unwrap().is_empty());

    // The answer was lost; the phone sends the same push again, later, and
    // again from another phone after a backup import.
    let second = app.sync_ok(&token, &req).await;
    assert_eq!(second["results"], first["results"]);
    let third = app.sync_ok(&token, &request(PHONE_B, req.push.clone(), None)).await;
    assert_eq!(third["results"], first["results"]);

    assert_eq!(app.count("SELECT COUNT(*) FROM records").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM mutations").await, 1);
    assert_eq!(app.count("SELECT rev FROM records").await, 1);
    // The server measured the phone's clock.
    let skew = app.count("SELECT skew_ms FROM mutations").await;
    assert_eq!(skew, r["received"].as_i64().unwrap() - req.now);

    // The same mutation twice in one push: applied once, answered twice.
    let m2 = mutation(PHONE_A, 2, 1, report("pq-t01", 520.0, 500.0));
    let v = app.sync_ok(&token, &request(PHONE_A, vec![m2.clone(), m2], None)).await;
    assert_eq!(v["results"][0], v["results"][1]);
    assert_eq!(v["results"][0]["rev"], 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM mutations").await, 2);
}

/// A push is applied in the order sent, each mutation over the record as the
/// ones before it in the same push left it (the server reads the push's
/// records once and writes its rows several to a statement).
#[tokio::test]
async fn one_push_that_creates_edits_reorders_and_repeats_is_applied_in_order() {
    let app = spawn().await;
    let token = app.login("truongthon1").await;
    let create = mutation(PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0));
    let edit = mutation(PHONE_A, 3, 1, report("pq-t01", 130.0, 90.0));
    let late = mutation(PHONE_A, 2, 0, report("pq-t01", 120.0, 90.0));
    let reused = mutation(PHONE_A, 3, 1, report("pq-t01", 999.0, 90.0));
    let req = request(PHONE_A, vec![create, edit.clone(), late, edit, reused], None);
    let v = app.sync_ok(&token, &req).await;
    let r = v["results"].as_array().unwrap();
    let got: Vec<(&str, i64)> = r.iter().map(|x| (x["status"].as_str().unwrap(), x["rev"].as_i64().unwrap())).collect();
    assert_eq!(got, [("applied", 1), ("applied", 2), ("superseded", 2), ("applied", 2), ("refused", 0)]);
    assert_eq!(r[3], r[1], "the same mutation again in the push: the same answer");
    assert_eq!(r[4]["error"]["error"], "id_reused");
    // Each applied mutation took a version of its own, in order; the
    // superseded one answers with the record's.
    let vers: Vec<i64> = r.iter().map(|x| x["ver"].as_i64().unwrap()).collect();
    assert!(vers[0] < vers[1], "{vers:?}");
    assert_eq!(vers[2], vers[1]);
    assert_eq!(app.record_body(REC_T01).await["values"]["pop"], 130.0);
    assert_eq!(app.count("SELECT rev FROM records").await, 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM mutations").await, 3);
    assert_eq!(app.count("SELECT seq FROM record_seq").await, 3);
    assert_eq!(app.count("SELECT COUNT(DISTINCT pos) FROM mutations").await, 3, "one place in the log each");
    // All of it again (the answer was lost): the same answers, nothing new.
    let again = app.sync_ok(&token, &req).await;
    assert_eq!(again["results"], v["results"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM mutations").await, 3);
}

#[tokio::test]
async fn an_older_edit_arriving_after_a_newer_one_is_superseded() {
    let app = spawn().await;
    let token = app.login("truongthon1").await;
    let older = mutation(PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0));
    let newer = mutation(PHONE_A, 2, 0, report("pq-t01", 200.0, 190.0));
    let v = app.sync_ok(&token, &request(PHONE_A, vec![newer], None)).await;
    assert_eq!(v["results"][0]["status"], "applied");
    let v = app.sync_ok(&token, &request(PHONE_A, vec![older], None)).await;
    let r = &v["results"][0];
    assert_eq!(r["status"], "superseded");
    assert_eq!(r["rev"], 1);
    assert_eq!(r["receipt"], receipt_code(REC_T01, 1));
    assert_eq!(app.record_body(REC_T01).await["values"]["pop"], 200.0);
    assert_eq!(app.count("SELECT seq FROM record_seq").await, 2);
}

#[tokio::test]
async fn the_same_device_may_edit_on_top_of_its_own_unacknowledged_edit() {
    let app = spawn().await;
    let token = app.login("truongthon1").await;
    app.sync_ok(&token, &request(PHONE_A, vec![mutation(PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0))], None)).await;
    // The phone never saw rev 1, so its next edit is still based on 0.
    let v = app
        .sync_ok(&token, &request(PHONE_A, vec![mutation(PHONE_A, 2, 0, report("pq-t01", 110.0, 90.0))], None))
        .await;
    assert_eq!(v["results"][0]["status"], "applied");
    assert_eq!(v["results"][0]["rev"], 2);
    assert_eq!(app.record_body(REC_T01).await["values"]["pop"], 110.0);
}

#[tokio::test]
async fn a_stale_edit_from_another_device_is_a_conflict_kept_aside() {
    let app = spawn().await;
    let head = app.login("truongthon1").await;
    let team = app.login("congnghe1").await;
    app.sync_ok(&head, &request(PHONE_A, vec![mutation(PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0))], None)).await;
    app.sync_ok(&head, &request(PHONE_A, vec![mutation(PHONE_A, 2, 1, report("pq-t01", 101.0, 90.0))], None)).await;
    // The digital team's phone edited rev 1 meanwhile.
    let v = app
        .sync_ok(&team, &request(PHONE_B, vec![mutation(PHONE_B, 1, 1, report("pq-t01", 999.0, 90.0))], Some(0)))
        .await;
    let r = &v["results"][0];
    assert_eq!(r["status"], "conflict");
    assert_eq!(r["rev"], 2);
    assert_eq!(app.record_body(REC_T01).await["values"]["pop"], 101.0, "the body is untouched");
    let (base, device, body): (i64, String, String) =
        sothon_server::with_pool!(&app.db, p => sqlx::query_as("SELECT base, device, body FROM conflicts WHERE mutation_id = $1")
            .bind(format!("{PHONE_B}:1"))
            .fetch_one(p)
            .await)
            .unwrap();
    assert_eq!((base, device.as_str()), (1, PHONE_B));
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["values"]["pop"], 999.0);
    // The pull shows the record in conflict, at its unchanged revision.
    let ch = &v["changes"][0];
    assert_eq!((ch["record"].as_str(), &ch["rev"], &ch["state"]), (Some(REC_T01), &json!(2), &json!("conflict")));

    // Replaying the conflicting mutation does not store a second conflict.
    let again =
        app.sync_ok(&team, &request(PHONE_B, vec![mutation(PHONE_B, 1, 1, report("pq-t01", 999.0, 90.0))], None)).await;
    assert_eq!(again["results"], v["results"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM conflicts").await, 1);

    // An edit based on the current revision settles it.
    let v =
        app.sync_ok(&team, &request(PHONE_B, vec![mutation(PHONE_B, 2, 2, report("pq-t01", 102.0, 90.0))], None)).await;
    assert_eq!(v["results"][0]["status"], "applied");
    assert_eq!(v["results"][0]["rev"], 3);
    let state: String =
        sothon_server::with_pool!(&app.db, p => sqlx::query_scalar("SELECT state FROM records").fetch_one(p).await)
            .unwrap();
    assert_eq!(state, "received");
}

#[tokio::test]
async fn an_approved_record_is_locked() {
    let app = spawn().await;
    let token = app.login("truongthon1").await;
    app.sync_ok(&token, &request(PHONE_A, vec![mutation(PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0))], None)).await;
    sothon_server::with_pool!(&app.db, p => sqlx::query("UPDATE records SET state = 'approved'").execute(p).await.map(drop)).unwrap();
    let v = app
        .sync_ok(&token, &request(PHONE_A, vec![mutation(PHONE_A, 2, 1, report("pq-t01", 120.0, 90.0))], None))
        .await;
    assert_eq!(v["results"][0]["status"], "conflict");
    assert_eq!(app.record_body(REC_T01).await["values"]["pop"], 100.0);
    let state: String =
        sothon_server::with_pool!(&app.db, p => sqlx::query_scalar("SELECT state FROM records").fetch_one(p).await)
            .unwrap();
    assert_eq!(state, "approved");
    assert_eq!(app.count("SELECT COUNT(*) FROM conflicts").await, 1);
}

#[tokio::test]
async fn invalid_values_are_422_per_field_and_nothing_is_written() {
    let app = spawn().await;
    let token = app.login("truongthon1").await;
    let ok = mutation(PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0));
    let mut bad = mutation(PHONE_A, 2, 0, report("pq-t01", 100.0, 101.0));
    bad.id = format!("{PHONE_A}:3"); // does not match seq 2
    let res = app.sync(&token, &request(PHONE_A, vec![ok, bad], None)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"], "invalid");
    let fields: Vec<(&str, &str)> = e["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert!(fields.contains(&("push.1.bhyt", "le")), "{fields:?}");
    assert!(fields.contains(&("push.1.id", "invalid")), "{fields:?}");
    assert!(fields.iter().all(|(f, _)| f.starts_with("push.1.")), "{fields:?}");
    let bhyt = e["fields"].as_array().unwrap().iter().find(|f| f["field"] == "push.1.bhyt").unwrap();
    assert_eq!(bhyt["other"], "pop");
    assert_eq!(bhyt["limit"], 100.0);
    nothing_written(&app).await;
}

#[tokio::test]
async fn bad_versions_devices_and_sizes_are_refused() {
    let app = spawn().await;
    let token = app.login("truongthon1").await;
    let m = || mutation(PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0));

    let mut req = request(PHONE_A, vec![m()], None);
    req.v = 2;
    let res = app.sync(&token, &req).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "protocol");

    let res = app.sync(&token, &request("short", vec![m()], None)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "device");

    let many = (1..=MAX_PUSH as u64 + 1).map(|s| mutation(PHONE_A, s, 0, report("pq-t01", 1.0, 1.0))).collect();
    let res = app.sync(&token, &request(PHONE_A, many, None)).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "too_large");

    let mut huge = report("pq-t01", 100.0, 90.0);
    huge.difficulties = "x".repeat(1024 * 1024 + 1);
    let res = app.sync(&token, &request(PHONE_A, vec![mutation(PHONE_A, 1, 0, huge)], None)).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "too_large");
    nothing_written(&app).await;
}

#[tokio::test]
async fn the_pull_returns_what_changed_within_the_users_villages() {
    let app = spawn().await;
    let head1 = app.login("truongthon1").await;
    let head2 = app.login("truongthon2").await;
    let officer = app.login("canbo").await;
    let v = app
        .sync_ok(&head1, &request(PHONE_A, vec![mutation(PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0))], Some(0)))
        .await;
    let changes = v["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["record"], REC_T01);
    assert_eq!(changes[0]["rev"], 1);
    assert_eq!(changes[0]["state"], "received");
    assert_eq!(changes[0]["receipt"], receipt_code(REC_T01, 1));
    assert_eq!(changes[0]["body"]["t"], "report");
    assert_eq!(changes[0]["body"]["values"]["pop"], 100.0);
    let c1 = v["cursor"].as_i64().unwrap();
    assert_eq!(c1, changes[0]["ver"].as_i64().unwrap(), "the cursor is the version of the last change");

    let v = app
        .sync_ok(&head2, &request(PHONE_B, vec![mutation(PHONE_B, 1, 0, report("pq-t02", 50.0, 50.0))], Some(0)))
        .await;
    let records: Vec<&str> = v["changes"].as_array().unwrap().iter().map(|c| c["record"].as_str().unwrap()).collect();
    assert_eq!(records, ["r.pq-t02.2026-11"], "a village head sees only the own village");
    let c2 = v["cursor"].as_i64().unwrap();
    assert!(c2 > c1, "updated_at strictly increases");

    let v = app.sync_ok(&officer, &request("office-pc-0001", vec![], Some(0))).await;
    assert_eq!(v["changes"].as_array().unwrap().len(), 2, "the office sees the commune");
    assert_eq!(v["cursor"], c2);
    assert!(v["results"].as_array().unwrap().is_empty());

    // The cursor is exclusive: from just before c2, only the record changed at c2.
    let v = app.sync_ok(&officer, &request("office-pc-0001", vec![], Some(c2 - 1))).await;
    assert_eq!(v["changes"].as_array().unwrap().len(), 1);
    let v = app.sync_ok(&officer, &request("office-pc-0001", vec![], Some(c2))).await;
    assert!(v["changes"].as_array().unwrap().is_empty());
    assert_eq!(v["cursor"], c2, "an empty pull keeps the cursor");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_pushes_and_replays_each_land_once() {
    let app = spawn().await;
    let officer = app.login("canbo").await;
    let mut tasks = Vec::new();
    for v in 1..=5 {
        for month in 1..=4 {
            let device = format!("phone-{v}-{month}-xxxx");
            let m = mutation(&device, 1, 0, report_for(&format!("pq-t0{v}"), &format!("2026-0{month}"), 10.0, 5.0));
            let body = serde_json::to_value(request(&device, vec![m], Some(0))).unwrap();
            // Each push twice at once: the second must be a replay.
            for _ in 0..2 {
                let (client, url, token, body) =
                    (app.client.clone(), app.url("/api/v1/sync"), officer.clone(), body.clone());
                tasks.push(tokio::spawn(async move {
                    let res = client.post(url).bearer_auth(token).json(&body).send().await.unwrap();
                    assert_eq!(res.status(), StatusCode::OK);
                    res.json::<Value>().await.unwrap()["results"][0].clone()
                }));
            }
        }
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    for pair in results.chunks(2) {
        assert_eq!(pair[0], pair[1]);
        assert_eq!(pair[0]["status"], "applied");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM records").await, 20);
    assert_eq!(app.count("SELECT COUNT(*) FROM mutations").await, 20);
    assert_eq!(app.count("SELECT COUNT(DISTINCT updated_at) FROM records").await, 20);
}

#[tokio::test]
async fn edits_of_several_records_in_one_push_replace_each_and_keep_the_rest_of_the_row() {
    let app = spawn().await;
    let head = app.login("truongthon1").await;
    let officer = app.login("canbo").await;
    let (nov, oct) = ("r.pq-t01.2026-11", "r.pq-t01.2026-10");
    let create = vec![
        mutation(PHONE_A, 1, 0, report_for("pq-t01", "2026-11", 100.0, 90.0)),
        mutation(PHONE_A, 2, 0, report_for("pq-t01", "2026-10", 200.0, 90.0)),
    ];
    app.sync_ok(&head, &request(PHONE_A, create, None)).await;
    let comment = "Đề nghị kiểm tra lại";
    let review = format!("/api/v1/records/{nov}/review");
    let (status, r) =
        app.post_json(&officer, &review, &json!({"decision": "return", "comment": comment, "rev": 1})).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    type Row = (String, String, String, Option<String>, i64, String, String, String, i64, i64, Option<String>);
    let rows = || async {
        let rows: Vec<Row> = sothon_server::with_pool!(&app.db, p => sqlx::query_as(
            "SELECT id, village_id, kind, period, rev, state, receipt, comment, created_at, ver, entered_by
             FROM records ORDER BY id",
        )
        .fetch_all(p)
        .await)
        .unwrap();
        rows
    };
    let before = rows().await;
    assert_eq!(before[1].5, "returned");

    // Both edited, and a third created, in one push.
    let push = vec![
        mutation(PHONE_A, 3, 1, report_for("pq-t01", "2026-11", 101.0, 90.0)),
        mutation(PHONE_A, 4, 1, report_for("pq-t01", "2026-10", 201.0, 90.0)),
        mutation(PHONE_A, 5, 0, report_for("pq-t01", "2026-09", 300.0, 90.0)),
    ];
    let v = app.sync_ok(&head, &request(PHONE_A, push, None)).await;
    let got: Vec<(&str, i64)> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["status"].as_str().unwrap(), x["rev"].as_i64().unwrap()))
        .collect();
    assert_eq!(got, [("applied", 2), ("applied", 2), ("applied", 1)], "{v}");
    let after = rows().await;
    assert_eq!(after.len(), 3);
    for (b, a) in before.iter().zip(&after[1..]) {
        assert_eq!(a.0, b.0);
        // Village, kind, period and first arrival stay; the rest is the edit's.
        assert_eq!((&a.1, &a.2, &a.3, a.8), (&b.1, &b.2, &b.3, b.8));
        assert_eq!((a.4, a.5.as_str(), a.7.as_str(), &a.10), (2, "received", "", &None));
        assert_eq!(a.6, receipt_code(&a.0, 2));
        assert!(a.9 > b.9);
    }
    assert_eq!(app.record_body(nov).await["values"]["pop"], 101.0);
    assert_eq!(app.record_body(oct).await["values"]["pop"], 201.0);

    // Entered by the office on the village's behalf, then by the village
    // again: the mark comes and goes with the revision.
    let v = app
        .sync_ok(
            &officer,
            &request(PHONE_B, vec![mutation(PHONE_B, 1, 2, report_for("pq-t01", "2026-10", 202.0, 90.0))], None),
        )
        .await;
    assert_eq!(v["results"][0]["status"], "applied", "{v}");
    assert!(rows().await[1].10.is_some());
    let v = app
        .sync_ok(
            &head,
            &request(PHONE_A, vec![mutation(PHONE_A, 6, 3, report_for("pq-t01", "2026-10", 203.0, 90.0))], None),
        )
        .await;
    assert_eq!(v["results"][0]["status"], "applied", "{v}");
    let last = rows().await;
    assert_eq!((last[1].4, &last[1].10), (4, &None));
}

/// The records a push pulls back are answered from the request's own bodies
/// (not read back from their stored JSON): the answer must be what a pull of
/// the stored rows gives, to the byte — a negative zero, a float of many
/// digits (0.1 + 0.2), text, a record created and edited in the same push, a superseded
/// edit, then the same push replayed and a conflict.
#[tokio::test]
async fn a_push_pulls_back_exactly_what_a_later_pull_reads() {
    let app = spawn().await;
    // The commune office: both villages, and an "entered by" on each row.
    let head = app.login("canbo").await;
    let team = app.login("congnghe1").await;
    let mut odd = report("pq-t01", 512.0, -0.0);
    odd.difficulties = "Đường \"xấu\" \u{1F327}\n".into();
    let mut other = report_for("pq-t02", "2026-10", 300.0, 3.0);
    other.values.insert("road_km".into(), sothon_domain::Value::Num(0.1 + 0.2));
    other.proposals = "x".into();
    let first = request(
        PHONE_A,
        vec![
            mutation(PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0)),
            mutation(PHONE_A, 2, 1, odd),
            mutation(PHONE_A, 4, 0, other),
            mutation(PHONE_A, 3, 0, report_for("pq-t02", "2026-10", 5.0, 5.0)),
        ],
        Some(0),
    );
    let stale = request(PHONE_B, vec![mutation(PHONE_B, 1, 1, report("pq-t01", 999.0, 90.0))], Some(0));
    let changes = |v: &Value| serde_json::to_string(&v["changes"]).unwrap();
    for (i, (token, req)) in [(&head, &first), (&head, &first), (&team, &stale)].into_iter().enumerate() {
        let pushed = app.sync_ok(token, req).await;
        let pulled = app.sync_ok(token, &request(&req.device, vec![], Some(0))).await;
        assert_eq!(changes(&pushed), changes(&pulled), "push {i}");
        let statuses: Vec<&str> =
            pushed["results"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
        let expected: &[&str] = match i {
            0 | 1 => &["applied", "applied", "applied", "superseded"],
            _ => &["conflict"],
        };
        assert_eq!(statuses, expected, "push {i}");
        assert_eq!(pushed["changes"].as_array().unwrap().len(), if i < 2 { 2 } else { 1 }, "push {i}");
        assert!(changes(&pushed).contains("-0.0"), "{}", pushed["changes"]);
    }
}
