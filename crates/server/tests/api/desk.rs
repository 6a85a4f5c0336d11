//! The office's desk: the completeness grid, the incidents desk's steps
//! (and their arrival on the phone with the next pull), the admin's account
//! changes with the next-login password change, and who may use them.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sothon_domain::event::{Incident, IncidentKind, Severity};
use sothon_domain::format::vn_date;
use sothon_domain::protocol::{Body, Mutation};
use sothon_domain::{Period, PeriodKind};

/// An incident of `village` (high severity, now), as a mutation of `device`.
fn incident(village: &str, id: &str, device: &str, seq: u64) -> Mutation {
    let inc = Incident {
        id: id.into(),
        village: village.into(),
        kind: IncidentKind::Landslide,
        at: chrono::Utc::now().timestamp_millis() - 3_600_000,
        severity: Severity::High,
        gps: None,
        people: Some(4),
        households: Some(1),
        description: "Sạt taluy dương trên đường trục thôn".into(),
        followups: Vec::new(),
    };
    Mutation {
        id: Mutation::make_id(device, seq),
        seq,
        record: inc.record_id(),
        base: 0,
        at: inc.at,
        body: Body::Incident(inc),
    }
}

async fn review(app: &TestApp, officer: &str, record: &str, decision: &str, rev: u32) {
    let body = json!({"decision": decision, "comment": "Kiểm tra lại số liệu BHYT", "rev": rev});
    let (status, v) = app.post_json(officer, &format!("/api/v1/records/{record}/review"), &body).await;
    assert_eq!(status, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn the_grid_says_each_villages_state_and_the_rates_per_period() {
    let app = spawn().await;
    let (officer, admin) = (app.login("canbo").await, app.login("quantri").await);
    let (head1, head2, team1) =
        (app.login("truongthon1").await, app.login("truongthon2").await, app.login("congnghe1").await);
    let today = vn_date(chrono::Utc::now().timestamp_millis());
    let p2 = Period::containing(PeriodKind::Month, today);
    let (p1, p0) = (p2.prev(), p2.prev().prev());
    // Two months ago: due on its first day, long past (every report late).
    // Last month: due in ten days (open; every report so far on time).
    for (p, due) in [(p0, p0.start()), (p1, today + chrono::Days::new(10))] {
        let (s, v) =
            app.post_json(&officer, "/api/v1/due", &json!({"period": p.to_string(), "due": due.to_string()})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s0, s1) = (p0.to_string(), p1.to_string());
    // pq-t01: p0 late then approved; p1 in conflict (two devices).
    app.push(&head1, PHONE_A, 1, 0, report_for("pq-t01", &s0, 100.0, 90.0)).await;
    review(&app, &officer, &format!("r.pq-t01.{s0}"), "approve", 1).await;
    app.push(&head1, PHONE_A, 2, 0, report_for("pq-t01", &s1, 100.0, 90.0)).await;
    app.push(&head1, PHONE_A, 3, 1, report_for("pq-t01", &s1, 101.0, 90.0)).await;
    assert_eq!(app.push(&team1, PHONE_B, 1, 1, report_for("pq-t01", &s1, 99.0, 90.0)).await["status"], "conflict");
    // pq-t02: p1 returned, then sent again.
    app.push(&head2, "phone-cccc-0003", 1, 0, report_for("pq-t02", &s1, 50.0, 40.0)).await;
    review(&app, &officer, &format!("r.pq-t02.{s1}"), "return", 1).await;
    app.push(&head2, "phone-cccc-0003", 2, 1, report_for("pq-t02", &s1, 51.0, 40.0)).await;
    // pq-t03: p1 entered by the office on the village's behalf, then returned.
    app.push(&officer, "phone-dddd-0004", 1, 0, report_for("pq-t03", &s1, 70.0, 60.0)).await;
    review(&app, &admin, &format!("r.pq-t03.{s1}"), "return", 1).await;
    // pq-t05: p1 received. pq-t04: nothing at all; its new head has a phone.
    app.push(&officer, "phone-dddd-0004", 2, 0, report_for("pq-t05", &s1, 30.0, 30.0)).await;
    let new = json!({"username": "truongthon4", "password": "mat-khau-2026", "name": "Lý Văn Tư",
                     "role": "village_head", "village": "pq-t04"});
    assert_eq!(app.post_json(&admin, "/api/v1/users", &new).await.0, StatusCode::CREATED);
    let edit = json!({"name": "Lý Văn Tư", "role": "village_head", "village": "pq-t04", "phone": "0912 345 678"});
    let (s, v) = put_json(&app, &admin, "/api/v1/users/truongthon4", &edit).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let g = app.get_ok(&officer, "/api/v1/completeness?kind=month&count=3").await;
    let cols: Vec<&str> = g["columns"].as_array().unwrap().iter().map(|c| c["period"].as_str().unwrap()).collect();
    assert_eq!(cols, [s0.as_str(), s1.as_str(), p2.to_string().as_str()]);
    let states: Vec<Vec<&str>> = g["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cells"].as_array().unwrap().iter().map(|c| c["state"].as_str().unwrap()).collect())
        .collect();
    assert_eq!(
        states,
        [
            ["approved", "conflict", "not_due"],
            ["missing", "resubmitted", "not_due"],
            ["missing", "returned", "not_due"],
            ["missing", "not_due", "not_due"],
            ["missing", "on_time", "not_due"],
        ]
    );
    assert_eq!(g["rows"][0]["cells"][0]["on_time"], false, "approved, but it came late");
    // Rates by hand: p0 1 of 5 received, none in time; p1 4 of 5, all in time.
    let rate = |i: usize| {
        let c = &g["columns"][i];
        (
            c["expected"].as_u64().unwrap(),
            c["received"].as_u64().unwrap(),
            c["on_time"].as_u64().unwrap(),
            c["open"].as_bool().unwrap(),
        )
    };
    assert_eq!(rate(0), (5, 1, 0, false));
    assert_eq!(rate(1), (5, 4, 4, true));
    assert_eq!(rate(2), (5, 0, 0, true));
    // The reminder is for last month: a returned report and a missing one.
    assert_eq!(g["reminder"]["period"], s1.as_str());
    let owing: Vec<(&str, &str)> = g["reminder"]["owing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["village"].as_str().unwrap(), o["state"].as_str().unwrap()))
        .collect();
    assert_eq!(owing, [("pq-t03", "returned"), ("pq-t04", "not_due")]);
    assert_eq!(g["reminder"]["owing"][1]["phones"], json!(["0912345678"]));

    // Quarters by default count four; a bad kind or count is a 400.
    let q = app.get_ok(&officer, "/api/v1/completeness?kind=quarter").await;
    assert_eq!(q["columns"].as_array().unwrap().len(), 4);
    for bad in ["kind=week", "count=0", "count=25", "count=x"] {
        let res = app.get(&officer, &format!("/api/v1/completeness?{bad}")).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    // A village head may not look; another commune's officer sees only its own village.
    assert_eq!(app.get(&head1, "/api/v1/completeness").await.status(), StatusCode::FORBIDDEN);
    let xk = other_commune_officer(&app).await;
    let other = app.get_ok(&xk, "/api/v1/completeness?count=3").await;
    let villages: Vec<&str> =
        other["rows"].as_array().unwrap().iter().map(|r| r["village"].as_str().unwrap()).collect();
    assert_eq!(villages, ["xk-t01"]);
    assert_eq!(other["columns"][1]["received"], 0);
}

async fn put_json(app: &TestApp, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    let res = app.client.put(app.url(path)).bearer_auth(token).json(body).send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn incident_steps_go_in_order_reach_the_phone_and_are_audited() {
    let app = spawn().await;
    let (officer, head1, head2) =
        (app.login("canbo").await, app.login("truongthon1").await, app.login("truongthon2").await);
    let m = incident("pq-t01", "slide-0001", PHONE_A, 1);
    let rec = m.record.clone();
    let v = app.sync_ok(&head1, &request(PHONE_A, vec![m], Some(0))).await;
    assert_eq!(v["results"][0]["status"], "applied");
    let cursor = v["cursor"].as_i64().unwrap();
    // A low-severity one of another village, handled long ago, lists after.
    let mut low = incident("pq-t02", "drain-0001", "phone-cccc-0003", 1);
    if let Body::Incident(i) = &mut low.body {
        i.severity = Severity::Low;
    }
    app.sync_ok(&head2, &request("phone-cccc-0003", vec![low], None)).await;

    let desk = app.get_ok(&officer, "/api/v1/incidents").await;
    let order: Vec<&str> = desk.as_array().unwrap().iter().map(|d| d["record"].as_str().unwrap()).collect();
    assert_eq!(order, [rec.as_str(), "i.pq-t02.drain-0001"]);
    assert_eq!(desk[0]["village_name"], "Thôn Bản Chang (mẫu)");
    assert_eq!(desk[0]["steps"], json!([]));

    let path = format!("/api/v1/incidents/{rec}/steps");
    let step = |s: &str, note: &str| json!({"step": s, "note": note});
    // Skipping a step, or a note left empty: refused, nothing written.
    for (body, status, code) in [
        (step("handled", "Xong"), StatusCode::CONFLICT, "step_order"),
        (step("handling", "Đang đến"), StatusCode::CONFLICT, "step_order"),
        (step("acknowledged", "   "), StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        (step("closed", "Xong"), StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
    ] {
        let before = app.table_counts().await;
        let (s, v) = app.post_json(&officer, &path, &body).await;
        assert_eq!((s, v["error"].as_str().unwrap()), (status, code), "{body}: {v}");
        assert_eq!(app.table_counts().await, before, "{body}: something was written");
    }
    let (s, v) = app.post_json(&officer, &path, &step("acknowledged", "Đã nhận tin, báo đội xung kích")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["steps"][0]["by"], "Lục Thị Dung");
    // Taking it again is refused.
    let before = app.table_counts().await;
    let (s, v) = app.post_json(&officer, &path, &step("acknowledged", "Lần nữa")).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (StatusCode::CONFLICT, "step_order"));
    assert_eq!(app.table_counts().await, before);

    // The village's next pull brings the step and its note with the record.
    let pulled = app.sync_ok(&head1, &request(PHONE_A, vec![], Some(cursor))).await;
    let change = pulled["changes"].as_array().unwrap().iter().find(|c| c["record"] == rec.as_str()).unwrap().clone();
    assert_eq!(change["steps"][0]["step"], "acknowledged");
    assert_eq!(change["steps"][0]["note"], "Đã nhận tin, báo đội xung kích");
    let cursor = pulled["cursor"].as_i64().unwrap();

    for (s, note) in [("handling", "Đội xung kích đang dọn đất đá"), ("handled", "Đã thông đường, không ai bị thương")]
    {
        let (st, v) = app.post_json(&officer, &path, &step(s, note)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
    let (s, v) = app.post_json(&officer, &path, &step("handled", "Lại")).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (StatusCode::CONFLICT, "step_order"));
    let pulled = app.sync_ok(&head1, &request(PHONE_A, vec![], Some(cursor))).await;
    let steps = &pulled["changes"][0]["steps"];
    assert_eq!(steps.as_array().unwrap().len(), 3);
    assert_eq!(steps[2]["note"], "Đã thông đường, không ai bị thương");
    // Handled: it drops below the open ones.
    let one = app.get_ok(&officer, &format!("/api/v1/incidents/{rec}")).await;
    assert_eq!(one["steps"][2]["step"], "handled");
    let desk = app.get_ok(&officer, "/api/v1/incidents").await;
    assert_eq!(desk[1]["record"], rec.as_str());

    // One audit line per step, about the record.
    let trail = app.get_ok(&officer, &format!("/api/v1/audit?record={rec}")).await;
    let lines: Vec<&str> = trail.as_array().unwrap().iter().map(|a| a["detail"].as_str().unwrap()).collect();
    assert_eq!(
        lines,
        [
            "Xã đã xử lý xong: Đã thông đường, không ai bị thương",
            "Xã đang xử lý: Đội xung kích đang dọn đất đá",
            "Xã đã tiếp nhận: Đã nhận tin, báo đội xung kích",
        ]
    );
    assert!(trail.as_array().unwrap().iter().all(|a| a["action"] == "incident_step"));

    // Role limits: a village head cannot take steps or read the desk; another
    // commune's officer sees nothing and cannot find the incident.
    assert_eq!(app.get(&head1, "/api/v1/incidents").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.post_json(&head1, &path, &step("acknowledged", "x")).await.0, StatusCode::FORBIDDEN);
    let xk = other_commune_officer(&app).await;
    assert_eq!(app.get_ok(&xk, "/api/v1/incidents").await, json!([]));
    assert_eq!(app.get(&xk, &format!("/api/v1/incidents/{rec}")).await.status(), StatusCode::NOT_FOUND);
    let other = "/api/v1/incidents/i.pq-t02.drain-0001/steps";
    assert_eq!(app.post_json(&xk, other, &step("acknowledged", "x")).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_admin_edits_disables_re_enables_and_resets_an_account() {
    let app = spawn().await;
    let admin = app.login("quantri").await;
    let head2 = app.login("truongthon2").await;
    // Edit: name, village, phone; the answer and the list say so.
    let edit =
        json!({"name": "Hoàng Thị Bình", "role": "village_head", "village": "pq-t03", "phone": "+84 912 000 111"});
    let (s, v) = put_json(&app, &admin, "/api/v1/users/truongthon2", &edit).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["village"].as_str(), v["phone"].as_str()), (Some("pq-t03"), Some("+84912000111")));
    // Bad edits: 422 per field, nothing written.
    for (body, field) in [
        (json!({"name": "A", "role": "officer", "village": "pq-t01"}), "village"),
        (json!({"name": "A", "role": "village_head"}), "village"),
        (json!({"name": "A", "role": "king"}), "role"),
        (json!({"name": "\u{200b}", "role": "officer"}), "name"),
        (json!({"name": "A", "role": "officer", "phone": "12ab"}), "phone"),
        (json!({"name": "A", "role": "village_head", "village": "pq-t99"}), "village"),
    ] {
        let before = app.table_counts().await;
        let (s, v) = put_json(&app, &admin, "/api/v1/users/truongthon2", &body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert_eq!(v["fields"][0]["field"], field, "{body}: {v}");
        assert_eq!(app.table_counts().await, before, "{body}");
    }
    // Disable: the token in use stops at once, the right password is told so.
    let (s, v) = app.post_json(&admin, "/api/v1/users/truongthon2/disable", &json!({})).await;
    assert_eq!((s, v["disabled"].as_bool()), (StatusCode::OK, Some(true)), "{v}");
    assert_eq!(app.get(&head2, "/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
    let res = app.login_raw("truongthon2", sothon_server::DEMO_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "disabled");
    assert_eq!(app.login_raw("truongthon2", "sai-mat-khau").await.status(), StatusCode::UNAUTHORIZED);
    let (s, v) = app.post_json(&admin, "/api/v1/users/truongthon2/disable", &json!({})).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (StatusCode::CONFLICT, "unchanged"));
    // Re-enable: logs in again.
    let (s, _) = app.post_json(&admin, "/api/v1/users/truongthon2/enable", &json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let head2 = app.login("truongthon2").await;
    // Reset: the session ends; the temporary password logs in, but only to
    // set a new one.
    let (s, v) =
        app.post_json(&admin, "/api/v1/users/truongthon2/reset-password", &json!({"password": "tam-thoi-2026"})).await;
    assert_eq!((s, v["must_change_password"].as_bool()), (StatusCode::OK, Some(true)), "{v}");
    assert_eq!(app.get(&head2, "/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login_raw("truongthon2", sothon_server::DEMO_PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    let res = app.login_raw("truongthon2", "tam-thoi-2026").await;
    assert_eq!(res.status(), StatusCode::OK);
    let session: Value = res.json().await.unwrap();
    assert_eq!(session["must_change_password"], true);
    let temp = session["token"].as_str().unwrap().to_string();
    let res = app.get(&temp, "/api/v1/records").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "password_change");
    let push = app.sync(&temp, &request(PHONE_B, vec![], Some(0))).await;
    assert_eq!(push.status(), StatusCode::FORBIDDEN, "no sync before the new password");
    assert_eq!(app.get(&temp, "/api/v1/me").await.status(), StatusCode::OK);
    for (body, field) in [
        (json!({"current": "sai-roi-2026", "new": "moi-that-2026"}), "current"),
        (json!({"current": "tam-thoi-2026", "new": "ngan"}), "new"),
        (json!({"current": "tam-thoi-2026", "new": "tam-thoi-2026"}), "new"),
    ] {
        let before = app.table_counts().await;
        let (s, v) = app.post_json(&temp, "/api/v1/password", &body).await;
        assert_eq!((s, v["fields"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{v}");
        assert_eq!(app.table_counts().await, before);
    }
    let res = app.post(&temp, "/api/v1/password", &json!({"current": "tam-thoi-2026", "new": "moi-that-2026"})).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&temp, "/api/v1/records").await.status(), StatusCode::OK, "the session goes on");
    let res = app.login_raw("truongthon2", "moi-that-2026").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.json::<Value>().await.unwrap().get("must_change_password").is_none());

    // The admin may not lock themselves out.
    let (s, v) = app.post_json(&admin, "/api/v1/users/quantri/disable", &json!({})).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (StatusCode::CONFLICT, "own_account"));
    let (s, v) =
        put_json(&app, &admin, "/api/v1/users/quantri", &json!({"name": "Trần Minh Đức", "role": "officer"})).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (StatusCode::CONFLICT, "own_account"));
    // Every change is in the trail.
    let trail = app.get_ok(&admin, "/api/v1/audit?action=account").await;
    let lines: Vec<&str> = trail.as_array().unwrap().iter().map(|a| a["detail"].as_str().unwrap()).collect();
    assert_eq!(
        lines,
        [
            "Tự đổi mật khẩu",
            "Đặt lại mật khẩu (người dùng phải đổi khi đăng nhập)",
            "Mở khóa tài khoản",
            "Khóa tài khoản",
            "Sửa tài khoản: thôn pq-t02 → pq-t03; số điện thoại",
        ]
    );
    // Roles: an officer or a village head may not; another commune's account is not found.
    let officer = app.login("canbo").await;
    for token in [&officer, &app.login("truongthon1").await] {
        let (s, _) = app.post_json(token, "/api/v1/users/truongthon2/disable", &json!({})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    other_commune_officer(&app).await;
    let (s, _) = app.post_json(&admin, "/api/v1/users/canboxk/disable", &json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let list = app.get_ok(&admin, "/api/v1/users").await;
    assert!(list.as_array().unwrap().iter().all(|u| u["username"] != "canboxk"));
}

#[tokio::test]
async fn the_demo_history_gives_every_desk_screen_something_to_show() {
    let dir = tempfile::tempdir().unwrap();
    let testdb = crate::helpers::TestDb::new(dir.path(), "demo.db");
    let config = sothon_server::Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        database_url: testdb.url.clone(),
        web_dir: None,
        demo: true,
        demo_history: true,
        token_ttl_days: 30,
    };
    let started = std::time::Instant::now();
    let server = sothon_server::build(config.clone()).await.unwrap();
    let seeded_in = started.elapsed();
    let base = format!("http://{}", server.addr());
    let db = server.db();
    tokio::spawn(server.run());
    let app = TestApp { base, db, client: reqwest::Client::new(), dir, testdb };
    // Argon2 for the sample accounts dominates; the history itself is small.
    assert!(seeded_in < std::time::Duration::from_secs(3), "{seeded_in:?}");
    let officer = app.login("canbo").await;
    let g = app.get_ok(&officer, "/api/v1/completeness").await;
    let states: std::collections::BTreeSet<&str> = g["rows"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["cells"].as_array().unwrap().iter().map(|c| c["state"].as_str().unwrap()))
        .collect();
    for s in ["approved", "missing", "returned", "resubmitted", "not_due"] {
        assert!(states.contains(s), "no {s} cell in {states:?}");
    }
    assert!(g["rows"][0]["sample"].as_bool().unwrap());
    assert!(g["columns"][0]["received"].as_u64().unwrap() >= 3);
    let late = g["rows"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["cells"].as_array().unwrap().iter())
        .any(|c| c["on_time"] == false);
    assert!(late, "some report came late");
    assert!(!g["reminder"]["owing"].as_array().unwrap().is_empty());
    let desk = app.get_ok(&officer, "/api/v1/incidents").await;
    assert_eq!(desk.as_array().unwrap().len(), 4);
    assert_eq!(desk[0]["steps"], json!([]), "the newest severe one waits for the office");
    assert!(desk.as_array().unwrap().iter().any(|d| d["steps"].as_array().unwrap().len() == 3));
    // Every seeded report passes the rules a phone's would, and the phone pulls them.
    let head = app.login("truongthon1").await;
    let pulled = app.sync_ok(&head, &request(PHONE_A, vec![], Some(0))).await;
    assert!(pulled["changes"].as_array().unwrap().len() >= 10);
    // A second start on the same file seeds nothing more.
    let again =
        sothon_server::build(sothon_server::Config { bind: "127.0.0.1:0".parse().unwrap(), ..config }).await.unwrap();
    let n: i64 = sothon_server::with_pool!(&again.db(), p => sqlx::query_scalar("SELECT COUNT(*) FROM records").fetch_one(p).await).unwrap();
    assert!(n > 40 && n < 70, "{n}");
}
