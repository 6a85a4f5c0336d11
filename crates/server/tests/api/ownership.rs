//! Protocol rules 4 and 5 on the server: a mutation id belongs to its device
//! and a device to one account; refusals are per mutation and write nothing;
//! office entries are marked and need a second person to approve; every
//! change has a version and the pull cursor follows it.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sothon_domain::protocol::Mutation;

fn statuses(v: &Value) -> Vec<(String, String)> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["status"].as_str().unwrap().to_string(), r["error"]["error"].as_str().unwrap_or("").to_string()))
        .collect()
}

fn pair(s: &str, e: &str) -> (String, String) {
    (s.to_string(), e.to_string())
}

#[tokio::test]
async fn a_mutation_the_account_may_not_send_is_refused_alone() {
    let app = spawn().await;
    add_commune(&app).await;
    let head1 = app.login("truongthon1").await;
    let ok = mutation(PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0));
    let push = vec![
        ok.clone(),
        mutation(PHONE_A, 2, 0, report("pq-t02", 100.0, 90.0)),
        mutation(PHONE_A, 3, 0, report("xk-t01", 1.0, 1.0)),
        mutation(PHONE_A, 4, 0, report("pq-t99", 1.0, 1.0)),
    ];
    let v = app.sync_ok(&head1, &request(PHONE_A, push, Some(0))).await;
    assert_eq!(
        statuses(&v),
        [pair("applied", ""), pair("refused", "forbidden"), pair("refused", "forbidden"), pair("refused", "forbidden")]
    );
    assert!(v["results"][1]["error"]["message"].as_str().unwrap().contains("giữ trên máy"));
    assert_eq!(v["results"][1]["receipt"], "", "a refusal tells nothing about the other village");
    assert_eq!(app.count("SELECT COUNT(*) FROM records").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM mutations").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM record_seq").await, 1);
    // The pull still answers, with this account's own village only.
    let pulled: Vec<&str> = v["changes"].as_array().unwrap().iter().map(|c| c["record"].as_str().unwrap()).collect();
    assert_eq!(pulled, [REC_T01]);
    // The commune office may write any village of its commune (as "nhập hộ").
    let officer = app.login("canbo").await;
    let v =
        app.sync_ok(&officer, &request(PHONE_B, vec![mutation(PHONE_B, 1, 0, report("pq-t04", 5.0, 5.0))], None)).await;
    assert_eq!(statuses(&v), [pair("applied", "")]);
}

async fn add_commune(app: &TestApp) {
    sothon_server::db::accounts::add_commune(&app.db, "xa-khac", "Xã Khác").await.unwrap();
    sothon_server::db::accounts::add_village(&app.db, "xk-t01", Some("xa-khac"), "Thôn Xa").await.unwrap();
}

/// The reproduction in issue 7: another account of the commune pushes its
/// own record under a phone's next ids first.
#[tokio::test]
async fn another_account_cannot_squat_a_phones_next_ids() {
    let app = spawn().await;
    let head1 = app.login("truongthon1").await;
    let head2 = app.login("truongthon2").await;
    assert_eq!(app.push(&head1, PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0)).await["status"], "applied");
    // head2 pushes its own village's record as PHONE_A's seq 2 and 3.
    let squat = vec![
        mutation(PHONE_A, 2, 0, report("pq-t02", 7.0, 7.0)),
        mutation(PHONE_A, 3, 0, report_for("pq-t02", "2026-10", 7.0, 7.0)),
    ];
    let v = app.sync_ok(&head2, &request(PHONE_B, squat, None)).await;
    assert_eq!(statuses(&v), [pair("refused", "device_owner"), pair("refused", "device_owner")]);
    assert_eq!(app.count("SELECT COUNT(*) FROM mutations").await, 1, "nothing of the squatter's stored");
    // The phone's own seq 2 lands as its own record, with its own receipt.
    let mine = report_for("pq-t01", "2026-10", 200.0, 150.0);
    let r = app.push(&head1, PHONE_A, 2, 0, mine.clone()).await;
    assert_eq!((r["status"].as_str(), r["record"].as_str()), (Some("applied"), Some("r.pq-t01.2026-10")));
    assert_eq!(app.record_body("r.pq-t01.2026-10").await["values"]["pop"], 200.0);
    // A device nobody used yet belongs to whoever uses it first; the phone
    // that comes second is told, and makes itself a new id (engine tests).
    let fresh = "phone-new-00000009";
    assert_eq!(app.push(&head2, fresh, 1, 0, report("pq-t02", 8.0, 8.0)).await["status"], "applied");
    let r = app.push(&head1, fresh, 1, 0, report("pq-t01", 1.0, 1.0)).await;
    assert_eq!((r["status"].as_str(), r["error"]["error"].as_str()), (Some("refused"), Some("device_owner")));
    assert_eq!(r["rev"], 0);
}

#[tokio::test]
async fn the_same_id_with_other_content_is_refused_and_the_first_stands() {
    let app = spawn().await;
    let head1 = app.login("truongthon1").await;
    let first = mutation(PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0));
    let answer = app.sync_ok(&head1, &request(PHONE_A, vec![first.clone()], None)).await["results"][0].clone();
    // Same id, another body; same id, another record.
    let other_body = Mutation { body: mutation(PHONE_A, 1, 0, report("pq-t01", 999.0, 90.0)).body, ..first.clone() };
    let other_record = mutation(PHONE_A, 1, 0, report_for("pq-t01", "2026-10", 100.0, 90.0));
    let other_clock = Mutation { at: first.at + 1, ..first.clone() };
    for m in [other_body, other_record, other_clock] {
        let v = app.sync_ok(&head1, &request(PHONE_A, vec![m], None)).await;
        assert_eq!(statuses(&v), [pair("refused", "id_reused")]);
    }
    assert_eq!(app.record_body(REC_T01).await["values"]["pop"], 100.0);
    assert_eq!(app.count("SELECT COUNT(*) FROM records").await, 1);
    // The same mutation again is a replay: the stored answer, verbatim.
    let again = app.sync_ok(&head1, &request(PHONE_A, vec![first], None)).await["results"][0].clone();
    assert_eq!(again, answer);
}

#[tokio::test]
async fn an_office_entry_is_marked_and_needs_another_person_to_approve() {
    let app = spawn().await;
    let officer = app.login("canbo").await;
    let admin = app.login("quantri").await;
    let head1 = app.login("truongthon1").await;
    // The head phoned the figures in; the officer enters them.
    assert_eq!(app.push(&officer, PHONE_B, 1, 0, report("pq-t01", 300.0, 280.0)).await["status"], "applied");
    let v = app.sync_ok(&head1, &request(PHONE_A, vec![], Some(0))).await;
    let ch = &v["changes"][0];
    assert_eq!(ch["record"], REC_T01);
    assert!(ch["entered_by"].as_str().is_some_and(|n| !n.is_empty()), "the village sees who entered it: {ch}");
    let review = "/api/v1/records/r.pq-t01.2026-11/review";
    let before = app.table_counts().await;
    let (status, e) = app.post_json(&officer, review, &json!({"decision": "approve", "rev": 1})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"], "own_entry");
    assert_eq!(app.table_counts().await, before, "nothing written");
    // Returning one's own entry is allowed (it asks the village to check).
    // Another person of the office approves.
    let (status, r) = app.post_json(&admin, review, &json!({"decision": "approve", "rev": 1})).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["state"], "approved");
    // A revision the village sends itself is no longer an office entry.
    let head2 = app.login("truongthon2").await;
    assert_eq!(app.push(&officer, PHONE_B, 2, 0, report("pq-t02", 10.0, 10.0)).await["status"], "applied");
    assert_eq!(app.push(&head2, "phone-cccc-0003", 1, 1, report("pq-t02", 11.0, 10.0)).await["status"], "applied");
    let v = app.sync_ok(&head2, &request("phone-cccc-0003", vec![], Some(0))).await;
    assert!(v["changes"][0].get("entered_by").is_none(), "{v}");
    let (status, _) = app
        .post_json(&officer, "/api/v1/records/r.pq-t02.2026-11/review", &json!({"decision": "approve", "rev": 2}))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn every_change_has_a_version_and_the_cursor_follows_it() {
    let app = spawn().await;
    let head1 = app.login("truongthon1").await;
    let officer = app.login("canbo").await;
    let v = app
        .sync_ok(&head1, &request(PHONE_A, vec![mutation(PHONE_A, 1, 0, report("pq-t01", 1.0, 1.0))], Some(0)))
        .await;
    let ver1 = v["results"][0]["ver"].as_i64().unwrap();
    assert!(ver1 > 0);
    assert_eq!(v["cursor"], ver1);
    assert_eq!(v["changes"][0]["ver"], ver1);
    // Approving changes no revision but gives a new version, which the pull brings.
    let (status, _) = app
        .post_json(
            &officer,
            "/api/v1/records/r.pq-t01.2026-11/review",
            &json!({"decision": "return", "comment": "Xem lại", "rev": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let v = app.sync_ok(&head1, &request(PHONE_A, vec![], Some(ver1))).await;
    let ch = &v["changes"][0];
    assert_eq!((ch["rev"].as_i64(), ch["state"].as_str()), (Some(1), Some("returned")));
    let ver2 = ch["ver"].as_i64().unwrap();
    assert!(ver2 > ver1);
    assert_eq!(v["cursor"], ver2);
    // Nothing new: nothing pulled, the cursor stays.
    let v = app.sync_ok(&head1, &request(PHONE_A, vec![], Some(ver2))).await;
    assert_eq!((v["changes"].as_array().unwrap().len(), v["cursor"].as_i64()), (0, Some(ver2)));
    // The stored answer of the first push keeps its old version on replay.
    let replay =
        app.sync_ok(&head1, &request(PHONE_A, vec![mutation(PHONE_A, 1, 0, report("pq-t01", 1.0, 1.0))], None)).await;
    assert_eq!(replay["results"][0]["ver"], ver1);
    // A cursor ahead of the server (an older app's time cursor, a restored
    // server) pulls everything again instead of nothing for ever.
    let v = app.sync_ok(&head1, &request(PHONE_A, vec![], Some(1_790_000_000_000))).await;
    assert_eq!(v["changes"].as_array().unwrap().len(), 1);
    assert_eq!(v["cursor"], ver2);
    // Another village's writes move the commune's counter; this village's
    // cursor moves past them without pulling them.
    let head2 = app.login("truongthon2").await;
    app.push(&head2, PHONE_B, 1, 0, report("pq-t02", 1.0, 1.0)).await;
    let v = app.sync_ok(&head1, &request(PHONE_A, vec![], Some(ver2))).await;
    assert!(v["changes"].as_array().unwrap().is_empty());
    assert!(v["cursor"].as_i64().unwrap() > ver2);
}

#[tokio::test]
async fn login_tells_an_account_what_its_devices_left_unsent() {
    let app = spawn().await;
    let head1 = app.login("truongthon1").await;
    let mut req = request(PHONE_A, vec![mutation(PHONE_A, 1, 0, report("pq-t01", 1.0, 1.0))], Some(0));
    req.unsent = Some(3);
    app.sync_ok(&head1, &req).await;
    let res = app.login_raw("truongthon1", sothon_server::DEMO_PASSWORD).await;
    let s: Value = res.json().await.unwrap();
    let devices = s["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 1, "{s}");
    assert_eq!(devices[0]["device"], PHONE_A);
    assert_eq!(devices[0]["unsent"], 3);
    assert!(devices[0]["last_sync"].as_i64().unwrap() > 1_700_000_000_000);
    // Not shown to other accounts.
    let res = app.login_raw("truongthon2", sothon_server::DEMO_PASSWORD).await;
    let s: Value = res.json().await.unwrap();
    assert!(s.get("devices").is_none_or(|d| d.as_array().unwrap().is_empty()), "{s}");
    // A pull-only sync from another account with PHONE_A's id changes nothing of it.
    let head2 = app.login("truongthon2").await;
    let mut req = request(PHONE_A, vec![], Some(0));
    req.unsent = Some(0);
    app.sync_ok(&head2, &req).await;
    assert_eq!(app.count("SELECT unsent FROM devices WHERE device = 'phone-aaaa-0001'").await, 3);
}
