//! `GET /api/v1/records`.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn records_list_what_arrived_within_the_users_scope() {
    let app = spawn().await;
    let head1 = app.login("truongthon1").await;
    let head2 = app.login("truongthon2").await;
    let officer = app.login("canbo").await;
    let mut m = mutation(PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0));
    m.at = 1_699_999_000_000;
    app.sync_ok(&head1, &request(PHONE_A, vec![m.clone()], None)).await;
    app.sync_ok(&head1, &request(PHONE_A, vec![m], None)).await; // a replay
    app.sync_ok(&head2, &request(PHONE_B, vec![mutation(PHONE_B, 1, 0, report("pq-t02", 50.0, 40.0))], None)).await;

    let list: Vec<Value> = app.get(&head1, "/api/v1/records").await.json().await.unwrap();
    assert_eq!(list.len(), 1, "a village head's default is the own village");
    let r = &list[0];
    assert_eq!(r["id"], REC_T01);
    assert_eq!(r["village"], "pq-t01");
    assert_eq!(r["kind"], "report");
    assert_eq!(r["period"], "2026-11");
    assert_eq!(r["rev"], 1);
    assert_eq!(r["state"], "received");
    assert_eq!(r["mutations"], 1, "exactly once");
    assert_eq!(r["device_at"], 1_699_999_000_000i64);
    assert_eq!(r["body"]["values"]["bhyt"], 90.0);
    assert!(r["received_at"].as_i64().unwrap() <= r["updated_at"].as_i64().unwrap());
    assert_eq!(r["skew_ms"], r["received_at"].as_i64().unwrap() - 1_700_000_000_500);

    let res = app.get(&head1, "/api/v1/records?village=pq-t02").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "forbidden");
    let res = app.get(&officer, "/api/v1/records?village=pq-t99").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "not_found");
    let res = app.get(&officer, "/api/v1/records?period=2026-13").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "bad_request");
    assert_eq!(app.client.get(app.url("/api/v1/records")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);

    let all: Vec<Value> = app.get(&officer, "/api/v1/records").await.json().await.unwrap();
    assert_eq!(all.len(), 2);
    let one: Vec<Value> =
        app.get(&officer, "/api/v1/records?village=pq-t02&period=2026-11").await.json().await.unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["village"], "pq-t02");
    let none: Vec<Value> = app.get(&officer, "/api/v1/records?period=2026-10").await.json().await.unwrap();
    assert!(none.is_empty());
}
