//! Health, login, tokens, throttling and the error shapes every route shares.

use crate::helpers::*;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, RETRY_AFTER};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn health_says_ok_and_is_never_cached() {
    let app = spawn().await;
    let res = app.client.get(app.url("/api/v1/health")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CACHE_CONTROL], "no-store");
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["protocol"], 1);
    assert_eq!(v["catalogue"], sothon_domain::catalogue::current().version);
    assert!(v["now"].as_i64().unwrap() > 1_600_000_000_000);
}

#[tokio::test]
async fn login_returns_a_session_and_me_reads_it() {
    let app = spawn().await;
    let res = app.login_raw("truongthon1", sothon_server::DEMO_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    let s: Value = res.json().await.unwrap();
    assert_eq!(s["token"].as_str().unwrap().len(), 43);
    assert_eq!(s["user"]["username"], "truongthon1");
    assert_eq!(s["user"]["name"], "Nguyễn Văn An");
    assert_eq!(s["user"]["role"], "village_head");
    assert_eq!(s["user"]["village"], "pq-t01");
    assert_eq!(s["user"]["commune"], "phong-quang");
    assert_eq!(s["villages"], json!([{"id": "pq-t01", "name": "Thôn Bản Chang (mẫu)", "sample": true}]));
    let days = (s["expires"].as_i64().unwrap() - sothon_server::db::now_ms()) as f64 / 86_400_000.0;
    assert!((29.9..=30.0).contains(&days), "{days}");
    // Only the hash is stored.
    let token = s["token"].as_str().unwrap();
    let stored: i64 =
        sothon_server::with_pool!(&app.db, p => sqlx::query_scalar("SELECT COUNT(*) FROM tokens WHERE token_hash = $1")
        .bind(token)
        .fetch_one(p)
        .await)
        .unwrap();
    assert_eq!(stored, 0);

    let me: Value = app.get(token, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["user"], s["user"]);
    assert_eq!(me["expires"], s["expires"]);

    let officer = app.login("canbo").await;
    let me: Value = app.get(&officer, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["user"]["role"], "officer");
    assert!(me["user"].get("village").is_none());
    assert_eq!(me["villages"].as_array().unwrap().len(), 5, "an officer sees the whole commune");
}

#[tokio::test]
async fn wrong_password_or_unknown_user_is_401() {
    let app = spawn().await;
    for (u, p) in [("truongthon1", "sai-mat-khau"), ("khongco", "phongquang2026")] {
        let res = app.login_raw(u, p).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let e: Value = res.json().await.unwrap();
        assert_eq!(e, json!({"error": "bad_credentials", "message": "Sai tên đăng nhập hoặc mật khẩu"}));
    }
}

#[tokio::test]
async fn five_failures_for_one_username_throttle_it() {
    let app = spawn().await;
    for _ in 0..5 {
        assert_eq!(app.login_raw("truongthon2", "wrong-password").await.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password waits now.
    let res = app.login_raw("TruongThon2", sothon_server::DEMO_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers()[RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=600).contains(&wait));
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"], "too_many_requests");
    // Other accounts are not affected by one username's failures.
    app.login("truongthon1").await;
}

#[tokio::test]
async fn missing_unknown_or_malformed_tokens_are_401() {
    let app = spawn().await;
    let token = app.login("truongthon1").await;
    let forged = format!("{}x", &token[..token.len() - 1]);
    let me = app.url("/api/v1/me");
    let responses = [
        app.client.get(&me).send().await.unwrap(),
        app.client.get(&me).bearer_auth(&forged).send().await.unwrap(),
        app.client.get(&me).header("Authorization", format!("Basic {token}")).send().await.unwrap(),
        app.sync(&forged, &request(PHONE_A, vec![], Some(0))).await,
    ];
    for res in responses {
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let e: Value = res.json().await.unwrap();
        assert_eq!(e["error"], "unauthorized");
        assert_eq!(e["message"], "Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại");
    }
    // An expired token is refused too.
    sothon_server::with_pool!(&app.db, p => sqlx::query("UPDATE tokens SET expires_at = 1").execute(p).await.map(drop))
        .unwrap();
    assert_eq!(app.get(&token, "/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bodies_that_are_not_the_expected_json_are_400_bad_json() {
    let app = spawn().await;
    let token = app.login("truongthon1").await;
    let sync = app.url("/api/v1/sync");
    let cases = [
        app.client.post(&sync).bearer_auth(&token).header(CONTENT_TYPE, "application/json").body("{not json").send(),
        app.client.post(&sync).bearer_auth(&token).json(&json!({"v": "one", "device": PHONE_A, "now": 1})).send(),
        app.client
            .post(&sync)
            .bearer_auth(&token)
            .json(&json!({"v": 1, "device": PHONE_A, "now": 1, "push": [{"id": 3}]}))
            .send(),
        app.client.post(&sync).bearer_auth(&token).body(r#"{"v":1,"device":"phone-aaaa-0001","now":1}"#).send(),
        app.client.post(app.url("/api/v1/login")).json(&json!({"username": ["x"], "password": 1})).send(),
    ];
    for (i, res) in one_by_one(cases).await.into_iter().enumerate() {
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "case {i}");
        assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
        let e: Value = res.json().await.unwrap();
        assert_eq!(e["error"], "bad_json", "case {i}: {e}");
        assert!(!e["message"].as_str().unwrap().is_empty());
    }
}

/// Awaits requests one after another (no extra crate for join_all).
async fn one_by_one<F: std::future::Future<Output = reqwest::Result<reqwest::Response>>>(
    fs: impl IntoIterator<Item = F>,
) -> Vec<reqwest::Response> {
    let mut out = Vec::new();
    for f in fs {
        out.push(f.await.unwrap());
    }
    out
}

#[tokio::test]
async fn unknown_api_paths_and_methods_answer_json() {
    let app = spawn().await;
    for path in ["/api/v1/nope", "/api/v2/sync", "/api", "/anything"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let e: Value = res.json().await.unwrap();
        assert_eq!(e["error"], "not_found");
    }
    let res = app.client.delete(app.url("/api/v1/login")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"], "method_not_allowed");
}

#[tokio::test]
async fn catalogue_is_public_and_revalidated_by_etag() {
    let app = spawn().await;
    let res = app.client.get(app.url("/api/v1/catalogue")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CACHE_CONTROL], "no-cache");
    let etag = res.headers()[ETAG].to_str().unwrap().to_string();
    assert_eq!(etag, format!("\"cat-v{}\"", sothon_domain::catalogue::current().version));
    let text = res.text().await.unwrap();
    assert_eq!(sothon_domain::Catalogue::from_json(&text).unwrap(), *sothon_domain::catalogue::current());
    let res = app.client.get(app.url("/api/v1/catalogue")).header(IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn an_expired_token_is_401_unauthorized_with_a_vietnamese_message() {
    let app = spawn().await;
    // A token whose expiry is already past, made directly in the database
    // (one that expired a moment ago and one long ago).
    let mut tokens = Vec::new();
    for (i, expires) in [sothon_server::db::now_ms() - 1, 1_600_000_000_000].into_iter().enumerate() {
        let token = format!("token-da-het-han-{i}-0123456789abcdefghijklmnopq");
        sothon_server::with_pool!(&app.db, p => sqlx::query(
            "INSERT INTO tokens (token_hash, user_id, created_at, expires_at)
             SELECT $1, id, $2, $3 FROM users WHERE username = 'canbo'",
        )
        .bind(sothon_server::auth::token_hash(&token))
        .bind(expires - 30 * 86_400_000)
        .bind(expires)
        .execute(p)
        .await.map(drop))
        .unwrap();
        tokens.push(token);
    }
    let valid = app.login("canbo").await;
    for token in &tokens {
        for res in [
            app.get(token, "/api/v1/me").await,
            app.get(token, "/api/v1/overview?period=2026-11").await,
            app.sync(token, &request(PHONE_A, vec![], Some(0))).await,
            app.post(token, "/api/v1/logout", &json!({})).await,
        ] {
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
            assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
            let e: Value = res.json().await.unwrap();
            assert_eq!(
                e,
                json!({"error": "unauthorized", "message": "Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại"})
            );
        }
    }
    // The same account's live token still works, and logging in again
    // clears the account's expired tokens.
    assert_eq!(app.get(&valid, "/api/v1/me").await.status(), StatusCode::OK);
    app.login("canbo").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM tokens WHERE expires_at <= 1700000000000").await, 0);
}
