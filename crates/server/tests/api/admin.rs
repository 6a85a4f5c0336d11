//! Villages, accounts and logout: `GET`/`POST /api/v1/villages`,
//! `GET`/`POST /api/v1/users`, `POST /api/v1/logout`.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn fields(e: &Value) -> Vec<(String, String)> {
    e["fields"]
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .map(|f| (f["field"].as_str().unwrap().to_string(), f["code"].as_str().unwrap().to_string()))
        .collect()
}

#[tokio::test]
async fn the_admin_adds_a_village_and_an_account_that_can_log_in_and_report() {
    let app = spawn().await;
    let admin = app.login("quantri").await;
    let (status, v) =
        app.post_json(&admin, "/api/v1/villages", &json!({"id": "pq-t06", "name": "  Thôn Nà Lẹng "})).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v, json!({"id": "pq-t06", "name": "Thôn Nà Lẹng", "sample": false}));
    let villages = app.get_ok(&admin, "/api/v1/villages").await;
    assert_eq!(villages.as_array().unwrap().len(), 6);
    assert_eq!(villages[5]["id"], "pq-t06");
    let officer = app.login("canbo").await;
    assert_eq!(app.get_ok(&officer, "/api/v1/villages").await, villages, "the office reads the list too");

    let (status, u) = app
        .post_json(
            &admin,
            "/api/v1/users",
            &json!({"username": " TruongThon6 ", "password": "mat-khau-2026", "name": "Lương Văn Sáu",
                    "role": "village_head", "village": "pq-t06"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{u}");
    assert_eq!(u["username"], "truongthon6");
    assert_eq!(u["role"], "village_head");
    assert_eq!(u["village"], "pq-t06");
    assert!(u.get("password").is_none() && u.get("password_hash").is_none());
    let hash: String = sothon_server::with_pool!(&app.db, p => sqlx::query_scalar("SELECT password_hash FROM users WHERE username = 'truongthon6'")
        .fetch_one(p)
        .await)
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");

    let res = app.login_raw("truongthon6", "mat-khau-2026").await;
    assert_eq!(res.status(), StatusCode::OK);
    let token = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    let r = app.push(&token, PHONE_A, 1, 0, report("pq-t06", 80.0, 80.0)).await;
    assert_eq!(r["status"], "applied");

    // A commune-wide account needs no village.
    let (status, u) = app
        .post_json(
            &admin,
            "/api/v1/users",
            &json!({"username": "canbo2", "password": "mat-khau-2026", "name": "Hà Thị Bảy", "role": "officer"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{u}");
    assert!(u.get("village").is_none());

    let users = app.get_ok(&admin, "/api/v1/users").await;
    let names: Vec<&str> = users.as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["canbo", "canbo2", "congnghe1", "quantri", "truongthon1", "truongthon2", "truongthon6"]);
    assert!(users.as_array().unwrap().iter().all(|u| u.get("password_hash").is_none()));
}

#[tokio::test]
async fn bad_accounts_and_villages_are_422_per_field_and_write_nothing() {
    let app = spawn().await;
    let admin = app.login("quantri").await;
    let before = app.table_counts().await;
    let user = |over: Value| {
        let mut u = json!({"username": "nguoimoi", "password": "mat-khau-2026", "name": "Người Mới",
                           "role": "village_head", "village": "pq-t03"});
        for (k, v) in over.as_object().unwrap() {
            u[k] = v.clone();
        }
        u
    };
    let cases = [
        (user(json!({"username": "ab"})), vec![("username", "invalid")]),
        (user(json!({"username": "có-dấu"})), vec![("username", "invalid")]),
        (user(json!({"username": "a".repeat(33)})), vec![("username", "invalid")]),
        (user(json!({"password": "1234567"})), vec![("password", "min")]),
        (user(json!({"password": "x".repeat(1025)})), vec![("password", "too_long")]),
        (user(json!({"name": "  "})), vec![("name", "required")]),
        (user(json!({"role": "chairman"})), vec![("role", "choice")]),
        (user(json!({"village": null})), vec![("village", "required")]),
        (user(json!({"village": "pq-t99"})), vec![("village", "unknown")]),
        (user(json!({"role": "admin"})), vec![("village", "invalid")]),
        (
            user(json!({"username": "x", "password": "short", "name": "", "village": "nowhere"})),
            vec![("username", "invalid"), ("password", "min"), ("name", "required"), ("village", "unknown")],
        ),
    ];
    for (body, want) in cases {
        let (status, e) = app.post_json(&admin, "/api/v1/users", &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(e["error"], "invalid");
        assert!(!e["message"].as_str().unwrap().is_empty());
        let want: Vec<(String, String)> = want.into_iter().map(|(f, c)| (f.into(), c.into())).collect();
        assert_eq!(fields(&e), want, "{body}");
        assert!(e["fields"].as_array().unwrap().iter().all(|f| !f["message"].as_str().unwrap().is_empty()));
    }
    let villages = [
        (json!({"id": "Thôn 6", "name": "Thôn Sáu"}), vec![("id", "invalid")]),
        (json!({"id": "", "name": "Thôn Sáu"}), vec![("id", "invalid")]),
        (json!({"id": "pq-t06", "name": " "}), vec![("name", "required")]),
        (json!({"id": "pq-t06", "name": "x".repeat(101)}), vec![("name", "too_long")]),
    ];
    for (body, want) in villages {
        let (status, e) = app.post_json(&admin, "/api/v1/villages", &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let want: Vec<(String, String)> = want.into_iter().map(|(f, c)| (f.into(), c.into())).collect();
        assert_eq!(fields(&e), want, "{body}");
    }
    // Taken: 409 duplicate, in JSON.
    for (path, body) in [
        ("/api/v1/users", user(json!({"username": "TruongThon1"}))),
        ("/api/v1/villages", json!({"id": "pq-t01", "name": "Thôn Khác"})),
    ] {
        let (status, e) = app.post_json(&admin, path, &body).await;
        assert_eq!(status, StatusCode::CONFLICT, "{path}");
        assert_eq!(e["error"], "duplicate");
        assert!(!e["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(app.table_counts().await, before);
}

#[tokio::test]
async fn only_the_admin_manages_accounts_and_villages() {
    let app = spawn().await;
    let before = app.table_counts().await;
    let new_user = json!({"username": "nguoimoi", "password": "mat-khau-2026", "name": "Người Mới", "role": "admin"});
    let new_village = json!({"id": "pq-t06", "name": "Thôn Sáu"});
    for who in ["truongthon1", "congnghe1", "canbo"] {
        let token = app.login(who).await;
        let mut answers = vec![
            app.post(&token, "/api/v1/users", &new_user).await,
            app.post(&token, "/api/v1/villages", &new_village).await,
            app.get(&token, "/api/v1/users").await,
        ];
        if who != "canbo" {
            answers.push(app.get(&token, "/api/v1/villages").await);
        }
        for res in answers {
            let url = res.url().to_string();
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who} {url}");
            let e: Value = res.json().await.unwrap();
            assert_eq!(e["error"], "forbidden");
            assert!(!e["message"].as_str().unwrap().is_empty());
        }
    }
    let after: Vec<_> = app.table_counts().await.into_iter().filter(|(t, _)| *t != "tokens").collect();
    let before: Vec<_> = before.into_iter().filter(|(t, _)| *t != "tokens").collect();
    assert_eq!(after, before, "nothing but the logins was written");
}

#[tokio::test]
async fn logout_revokes_only_that_token() {
    let app = spawn().await;
    let phone = app.login("truongthon1").await;
    let laptop = app.login("truongthon1").await;
    let res = app.client.post(app.url("/api/v1/logout")).bearer_auth(&phone).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // Replaying the revoked token is 401 everywhere, logout included.
    for res in [
        app.get(&phone, "/api/v1/me").await,
        app.sync(&phone, &request(PHONE_A, vec![], Some(0))).await,
        app.client.post(app.url("/api/v1/logout")).bearer_auth(&phone).send().await.unwrap(),
    ] {
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let e: Value = res.json().await.unwrap();
        assert_eq!(e["error"], "unauthorized");
    }
    assert_eq!(app.get(&laptop, "/api/v1/me").await.status(), StatusCode::OK, "the other session stays");
    assert_eq!(app.count("SELECT COUNT(*) FROM tokens").await, 1);
}

#[tokio::test]
async fn village_ids_belong_to_their_commune() {
    use sothon_domain::protocol::Role;
    use sothon_server::db::accounts::{add_commune, add_village};
    use sothon_server::{add_user, NewUser};
    let app = spawn().await;
    add_commune(&app.db, "xa-khac", "Xã Khác").await.unwrap();
    let account = |username: &str, role: Role, village: Option<&str>| NewUser {
        username: username.into(),
        password: "mat-khau-2026".into(),
        name: "Người Xã Khác".into(),
        role,
        commune: Some("xa-khac".into()),
        village: village.map(str::to_string),
    };
    add_user(&app.db, account("quantrixk", Role::Admin, None)).await.unwrap();
    let login = |u: &'static str| {
        let app = &app;
        async move {
            let res = app.login_raw(u, "mat-khau-2026").await;
            assert_eq!(res.status(), StatusCode::OK, "{u}");
            res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
        }
    };
    let admin_xk = login("quantrixk").await;
    // The other commune's admin adds its own pq-t02 (Phong Quang has one).
    let (status, v) =
        app.post_json(&admin_xk, "/api/v1/villages", &json!({"id": "pq-t02", "name": "Thôn Hai Xã Khác"})).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    // The command line too, once per commune.
    add_village(&app.db, "pq-t05", Some("xa-khac"), "Thôn Năm Xã Khác").await.unwrap();
    assert!(add_village(&app.db, "pq-t05", Some("xa-khac"), "Lần nữa").await.is_err(), "taken in its commune");
    let (status, e) = app.post_json(&admin_xk, "/api/v1/villages", &json!({"id": "pq-t02", "name": "Lần nữa"})).await;
    assert_eq!((status, e["error"].as_str()), (StatusCode::CONFLICT, Some("duplicate")));

    // Each admin sees its own villages only.
    let ids = |v: Value| -> Vec<(String, String)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| (x["id"].as_str().unwrap().to_string(), x["name"].as_str().unwrap().to_string()))
            .collect()
    };
    let xk = ids(app.get_ok(&admin_xk, "/api/v1/villages").await);
    assert_eq!(xk, [("pq-t02".into(), "Thôn Hai Xã Khác".into()), ("pq-t05".into(), "Thôn Năm Xã Khác".into())]);
    let admin_pq = app.login("quantri").await;
    let pq = ids(app.get_ok(&admin_pq, "/api/v1/villages").await);
    assert_eq!(pq.len(), 5);
    assert!(pq.contains(&("pq-t02".into(), "Thôn Nà Pài (mẫu)".into())));

    // A village head of each pq-t02 reports; each record stays in its commune.
    let (status, u) = app
        .post_json(
            &admin_xk,
            "/api/v1/users",
            &json!({"username": "truongthonxk2", "password": "mat-khau-2026", "name": "Hà Văn Hai",
                    "role": "village_head", "village": "pq-t02"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{u}");
    let head_xk = login("truongthonxk2").await;
    let head_pq = app.login("truongthon2").await;
    assert_eq!(app.push(&head_xk, PHONE_A, 1, 0, report("pq-t02", 300.0, 200.0)).await["status"], "applied");
    assert_eq!(app.push(&head_pq, PHONE_B, 1, 0, report("pq-t02", 50.0, 40.0)).await["status"], "applied");
    add_user(&app.db, account("canboxk", Role::Officer, None)).await.unwrap();
    let officer_xk = login("canboxk").await;
    let officer_pq = app.login("canbo").await;
    for (officer, pop) in [(&officer_xk, 300.0), (&officer_pq, 50.0)] {
        let rows = app.get_ok(officer, "/api/v1/records?village=pq-t02").await;
        let rows = rows.as_array().unwrap();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0]["body"]["values"]["pop"], pop);
    }
    let me: Value = app.get(&head_xk, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["villages"], json!([{"id": "pq-t02", "name": "Thôn Hai Xã Khác", "sample": false}]));
}
