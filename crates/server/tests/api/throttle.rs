//! The login throttle: attempts counted before the password is checked,
//! one count per account however its name is typed, delays that grow
//! instead of a lock, phones that logged in before let through, and unknown
//! usernames answered (and timed) like wrong passwords.

use crate::helpers::*;
use reqwest::header::RETRY_AFTER;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sothon_server::auth::{dummy_hash, hash_params, verify_password, ACCOUNT_DELAYS};
use sothon_server::DEMO_PASSWORD;
use std::time::{Duration, Instant};

/// Posts a login body; returns the status, the `Retry-After` seconds if
/// any, and the JSON answer.
async fn try_login(app: &TestApp, body: Value) -> (StatusCode, Option<u64>, Value) {
    let res = app.client.post(app.url("/api/v1/login")).json(&body).send().await.unwrap();
    let status = res.status();
    let wait = res.headers().get(RETRY_AFTER).map(|v| v.to_str().unwrap().parse().unwrap());
    (status, wait, res.json().await.unwrap())
}

async fn guess(app: &TestApp, username: &str) -> (StatusCode, Option<u64>, Value) {
    try_login(app, json!({"username": username, "password": "doan-mo-123"})).await
}

/// As if the current delay of every account count had passed.
async fn let_time_pass(app: &TestApp) {
    sothon_server::with_pool!(&app.db, p => sqlx::query("UPDATE login_throttle SET next_at = 0 WHERE kind = 'account'").execute(p).await.map(drop)).unwrap();
}

const FREE: usize = ACCOUNT_DELAYS.free as usize;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_concurrent_wrong_passwords_get_only_the_free_tries_checked() {
    let app = spawn().await;
    let started = Instant::now();
    let burst: Vec<_> = (0..30)
        .map(|_| {
            let (client, url) = (app.client.clone(), app.url("/api/v1/login"));
            tokio::spawn(async move {
                let body = json!({"username": "truongthon2", "password": "doan-mo-123"});
                client.post(url).json(&body).send().await.unwrap().status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for h in burst {
        statuses.push(h.await.unwrap());
    }
    let took = started.elapsed();
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let waited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(checked + waited, 30, "{statuses:?}");
    // The free tries, plus one more per delay that ran out while the burst
    // was still arriving (1 s, then 2 s more…): none when it takes < 1 s.
    let mut allowed = FREE;
    let mut t = 0;
    for k in 0.. {
        t += ACCOUNT_DELAYS.first_ms << k;
        if took.as_millis() as i64 <= t {
            break;
        }
        allowed += 1;
    }
    assert!(checked <= allowed, "{checked} passwords checked (at most {allowed} in {took:?})");
    assert!(checked >= FREE, "the free tries are free: {checked}");
    // Even the right password waits now.
    let (status, wait, e) = try_login(&app, json!({"username": "truongthon2", "password": DEMO_PASSWORD})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{e}");
    assert!(wait.is_some_and(|w| w >= 1));
}

#[tokio::test]
async fn every_spelling_of_a_username_shares_one_count_and_one_account() {
    let app = spawn().await;
    let spellings = [" truongthon2", "TruongThon2", "truongthon2\t", "TRUONGTHON2 ", "\u{200b}truongthon2"];
    for s in spellings {
        assert_eq!(guess(&app, s).await.0, StatusCode::UNAUTHORIZED, "{s:?}");
    }
    let (status, _, e) = try_login(&app, json!({"username": "truongthon2", "password": DEMO_PASSWORD})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the five spellings were one account's tries: {e}");
    let counts: Vec<(String, i64)> =
        sothon_server::with_pool!(&app.db, p => sqlx::query_as("SELECT subject, failures FROM login_throttle WHERE kind = 'account'")
            .fetch_all(p)
            .await)
            .unwrap();
    assert_eq!(counts, [("truongthon2".to_string(), 5)]);

    // Each spelling logs in as the same account.
    let_time_pass(&app).await;
    for s in spellings {
        let (status, _, v) = try_login(&app, json!({"username": s, "password": DEMO_PASSWORD})).await;
        assert_eq!(status, StatusCode::OK, "{s:?}: {v}");
        assert_eq!(v["user"]["username"], "truongthon2");
    }

    // A name typed with the accents as separate marks (NFD) is the same
    // name as the composed one (NFC): one count.
    let nfc = "tr\u{01b0}\u{1edd}ng";
    let nfd = "tru\u{031b}o\u{031b}\u{0300}ng";
    for i in 0..FREE {
        assert_eq!(guess(&app, if i % 2 == 0 { nfc } else { nfd }).await.0, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(guess(&app, nfd).await.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(guess(&app, &nfc.to_uppercase()).await.0, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn delays_grow_with_each_failure_instead_of_locking() {
    let app = spawn().await;
    for _ in 0..FREE {
        assert_eq!(guess(&app, "truongthon1").await.0, StatusCode::UNAUTHORIZED);
    }
    let mut waits = Vec::new();
    for _ in 0..4 {
        let (status, wait, e) = guess(&app, "truongthon1").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{e}");
        assert_eq!(e["error"], "too_many_requests");
        waits.push(wait.unwrap());
        if waits.len() == 1 {
            assert_eq!(e["message"], "Thử quá nhiều lần, vui lòng đợi 1 giây rồi thử lại");
        }
        // Once the wait is over, the next guess is checked (and counted).
        let_time_pass(&app).await;
        assert_eq!(guess(&app, "truongthon1").await.0, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(waits, [1, 2, 4, 8]);
    // While waiting, tries are refused without being counted.
    for _ in 0..3 {
        assert_eq!(guess(&app, "truongthon1").await.0, StatusCode::TOO_MANY_REQUESTS);
    }
    let failures: i64 =
        app.count("SELECT failures FROM login_throttle WHERE kind = 'account' AND subject = 'truongthon1'").await;
    assert_eq!(failures, FREE as i64 + 4);
    // The owner, once the wait is over, is in: and the count starts again.
    let_time_pass(&app).await;
    app.login("truongthon1").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM login_throttle WHERE kind = 'account'").await, 0);
    // The delay is capped: a quarter of an hour, never a lock.
    sothon_server::with_pool!(&app.db, p => sqlx::query(
        "INSERT INTO login_throttle (kind, subject, failures, next_at, last_at) VALUES ('account', 'canbo', 1000, 0, $1)",
    )
    .bind(sothon_server::db::now_ms())
    .execute(p)
    .await.map(drop))
    .unwrap();
    assert_eq!(guess(&app, "canbo").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(guess(&app, "canbo").await.1, Some(15 * 60));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_that_logged_in_before_keeps_logging_in_while_the_account_is_hammered() {
    let app = spawn().await;
    let (status, _, s) = try_login(&app, json!({"username": "truongthon1", "password": DEMO_PASSWORD})).await;
    assert_eq!(status, StatusCode::OK);
    let device = s["device_token"].as_str().unwrap().to_string();
    assert_eq!(device.len(), 43);
    let stored: i64 = sothon_server::with_pool!(&app.db, p => sqlx::query_scalar("SELECT COUNT(*) FROM device_tokens WHERE token_hash = $1")
        .bind(&device)
        .fetch_one(p)
        .await)
        .unwrap();
    assert_eq!(stored, 0, "only the token's hash is stored");

    // Someone guesses at the account from the same address.
    for _ in 0..30 {
        guess(&app, "truongthon1").await;
    }
    let failures = app.count("SELECT failures FROM login_throttle WHERE kind = 'account'").await;
    assert!(failures >= FREE as i64, "{failures}");
    // (Its delay made long, as after an hour of this, so that it cannot run
    // out while the test goes on.)
    sothon_server::with_pool!(&app.db, p => sqlx::query("UPDATE login_throttle SET next_at = $1 WHERE kind = 'account'")
        .bind(sothon_server::db::now_ms() + 600_000)
        .execute(p)
        .await.map(drop))
        .unwrap();
    let (status, _, _) = try_login(&app, json!({"username": "truongthon1", "password": DEMO_PASSWORD})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "without the phone's token, the owner waits too");

    // The phone that logged in before is let in, and keeps its token.
    let phone = json!({"username": "truongthon1", "password": DEMO_PASSWORD, "device_token": device});
    for _ in 0..3 {
        let (status, _, s) = try_login(&app, phone.clone()).await;
        assert_eq!(status, StatusCode::OK, "{s}");
        assert_eq!(s["device_token"], device.as_str());
        assert_eq!(s["user"]["username"], "truongthon1");
    }

    // Even with the whole address in a delay (a NAT full of guessers).
    sothon_server::with_pool!(&app.db, p => sqlx::query("UPDATE login_throttle SET failures = 1000, next_at = $1 WHERE kind = 'address'")
        .bind(sothon_server::db::now_ms() + 600_000)
        .execute(p)
        .await.map(drop))
        .unwrap();
    assert_eq!(app.login_raw("canbo", DEMO_PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(try_login(&app, phone.clone()).await.0, StatusCode::OK);

    // The token is the account's: it lets no one into another account.
    let other = json!({"username": "truongthon2", "password": DEMO_PASSWORD, "device_token": device});
    assert_eq!(try_login(&app, other).await.0, StatusCode::TOO_MANY_REQUESTS, "the address waits");

    // A stolen token guesses no faster: its own count slows it, then it is
    // worth nothing (counted like any other try, and the account waits).
    let stolen = json!({"username": "truongthon1", "password": "doan-mo-123", "device_token": device});
    for _ in 0..FREE {
        assert_eq!(try_login(&app, stolen.clone()).await.0, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(try_login(&app, stolen.clone()).await.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(try_login(&app, phone.clone()).await.0, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn an_unknown_username_is_refused_and_throttled_like_a_wrong_password() {
    let app = spawn().await;
    let (s1, w1, e1) = guess(&app, "truongthon1").await;
    let (s2, w2, e2) = guess(&app, "khongcoai").await;
    assert_eq!((s1, w1, &e1), (s2, w2, &e2));
    assert_eq!(e1, json!({"error": "bad_credentials", "message": "Sai tên đăng nhập hoặc mật khẩu"}));
    for _ in 1..FREE {
        assert_eq!(guess(&app, "khongcoai").await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(guess(&app, "truongthon1").await.0, StatusCode::UNAUTHORIZED);
    }
    let (s1, w1, e1) = guess(&app, "truongthon1").await;
    let (s2, w2, e2) = guess(&app, "khongcoai").await;
    assert_eq!(s1, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!((s1, w1, &e1), (s2, w2, &e2));
}

#[tokio::test]
async fn an_unknown_username_costs_what_a_wrong_password_costs() {
    let app = spawn().await;
    // Every account's hash, the sample ones included, has the parameters
    // the dummy hash for unknown usernames has: the same Argon2 work.
    let hashes: Vec<String> = sothon_server::with_pool!(&app.db, p => sqlx::query_scalar("SELECT password_hash FROM users").fetch_all(p).await).unwrap();
    assert_eq!(hashes.len(), 5);
    let dummy = hash_params(dummy_hash()).unwrap();
    for h in &hashes {
        assert_eq!(hash_params(h).as_deref(), Some(dummy.as_str()));
    }

    // And measured: the median of a few of each, interleaved, each at least
    // one Argon2 verification (timed here, in the same build, the quickest
    // of many so that a busy machine does not inflate it), neither many
    // times the other (light sample hashes made unknown users 9× slower).
    let (mut unknown, mut wrong, mut one) = (Vec::new(), Vec::new(), Duration::MAX);
    for _ in 0..7 {
        for (user, times) in [("khongcoai", &mut unknown), ("truongthon1", &mut wrong)] {
            let t = Instant::now();
            verify_password(&hashes[0], "doan-mo-123");
            one = one.min(t.elapsed());
            sothon_server::with_pool!(&app.db, p => sqlx::query("DELETE FROM login_throttle").execute(p).await.map(drop)).unwrap();
            let t = Instant::now();
            assert_eq!(guess(&app, user).await.0, StatusCode::UNAUTHORIZED);
            times.push(t.elapsed());
        }
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (unknown, wrong) = (median(&mut unknown), median(&mut wrong));
    eprintln!("one verification {one:?}; login median: unknown user {unknown:?}, wrong password {wrong:?}");
    assert!(unknown >= one.mul_f64(0.8) && wrong >= one.mul_f64(0.8), "{one:?} {unknown:?} {wrong:?}");
    let ratio = unknown.max(wrong).as_secs_f64() / unknown.min(wrong).as_secs_f64();
    assert!(ratio < 3.0, "unknown {unknown:?} vs wrong password {wrong:?}");
}

#[tokio::test]
async fn a_light_sample_hash_from_before_is_replaced_at_the_next_login() {
    let app = spawn().await;
    // The light parameters sample accounts had before schema version 4.
    let params = argon2::Params::new(4 * 1024, 1, 1, None).unwrap();
    let salt = argon2::password_hash::SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    let light = argon2::PasswordHasher::hash_password(
        &argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params),
        DEMO_PASSWORD.as_bytes(),
        &salt,
    )
    .unwrap()
    .to_string();
    sothon_server::with_pool!(&app.db, p => sqlx::query("UPDATE users SET password_hash = $1 WHERE username = 'congnghe1'")
        .bind(&light)
        .execute(p)
        .await.map(drop))
        .unwrap();
    app.login("congnghe1").await;
    let now: String = sothon_server::with_pool!(&app.db, p => sqlx::query_scalar("SELECT password_hash FROM users WHERE username = 'congnghe1'")
        .fetch_one(p)
        .await)
        .unwrap();
    assert_ne!(now, light);
    assert_eq!(hash_params(&now), hash_params(dummy_hash()));
    app.login("congnghe1").await;
}

/// A throttle transaction run again after collisions keeps the clock its
/// request read on arrival, which can be behind a count another request
/// wrote since: that count's free try must not look like a delay to wait.
#[tokio::test]
async fn a_stale_clock_does_not_turn_a_free_try_into_a_wait() {
    use sothon_server::db::throttle::{reserve, Attempt, Gate};
    let app = spawn().await;
    let a = Attempt { account: "truongthon2", address: "127.0.0.1", device: None };
    assert!(matches!(reserve(&app.db, a, 1_000_000).await.unwrap(), Gate::Check(_)));
    // Read 300 ms before the first count was written, run after it.
    let second = reserve(&app.db, a, 999_700).await.unwrap();
    assert!(matches!(second, Gate::Check(_)), "the second of {FREE} free tries: {second:?}");
}
