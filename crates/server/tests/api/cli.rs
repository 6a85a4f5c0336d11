//! What the command line does, through the library functions it calls.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::Value;
use sothon_domain::protocol::Role;
use sothon_server::db::accounts::{add_commune, add_village};
use sothon_server::{add_user, NewUser};

fn new_user(username: &str, role: Role, village: Option<&str>) -> NewUser {
    NewUser {
        username: username.into(),
        password: "mat-khau-moi-2026".into(),
        name: "Đinh Thị Hoa".into(),
        role,
        commune: None,
        village: village.map(str::to_string),
    }
}

#[tokio::test]
async fn user_add_creates_an_account_that_can_log_in() {
    let app = spawn().await;
    add_user(&app.db, new_user("TruongThon3", Role::VillageHead, Some("pq-t03"))).await.unwrap();
    let res = app.login_raw("truongthon3", "mat-khau-moi-2026").await;
    assert_eq!(res.status(), StatusCode::OK);
    let s: Value = res.json().await.unwrap();
    assert_eq!(s["user"]["name"], "Đinh Thị Hoa");
    assert_eq!(s["user"]["village"], "pq-t03");
    let hash: String = sothon_server::with_pool!(&app.db, p => sqlx::query_scalar("SELECT password_hash FROM users WHERE username = 'truongthon3'")
        .fetch_one(p)
        .await)
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");

    let refused = [
        new_user("truongthon3", Role::VillageHead, Some("pq-t03")),
        new_user("nguoimoi", Role::VillageHead, None),
        new_user("nguoimoi", Role::VillageHead, Some("pq-t99")),
        new_user("nguoimoi", Role::Officer, Some("pq-t01")),
        new_user("x", Role::Officer, None),
        NewUser { password: "short".into(), ..new_user("nguoimoi", Role::Officer, None) },
    ];
    for u in refused {
        let what = format!("{u:?}");
        assert!(add_user(&app.db, u).await.is_err(), "{what}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 6);
}

#[tokio::test]
async fn without_the_demo_a_commune_is_set_up_by_hand() {
    let app = spawn_with(None, false).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM communes").await, 0);
    assert!(add_user(&app.db, new_user("canbo", Role::Officer, None)).await.is_err(), "no commune yet");
    add_commune(&app.db, "xa-moi", "Xã Mới").await.unwrap();
    add_village(&app.db, "xm-t01", None, "Thôn Một").await.unwrap();
    add_user(&app.db, new_user("truongthon", Role::VillageHead, Some("xm-t01"))).await.unwrap();
    let res = app.login_raw("truongthon", "mat-khau-moi-2026").await;
    let s: Value = res.json().await.unwrap();
    assert_eq!(s["user"]["commune"], "xa-moi");
    assert_eq!(s["villages"][0]["sample"], false);
}

#[tokio::test]
async fn the_demo_is_seeded_once() {
    let app = spawn().await;
    // A second server on the same database finds the commune and adds nothing.
    let config = sothon_server::Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        database_url: app.testdb.url.clone(),
        web_dir: None,
        demo: true,
        demo_history: false,
        token_ttl_days: 30,
    };
    let again = sothon_server::build(config).await.unwrap();
    assert_eq!(again.demo_accounts().map(<[_]>::len), Some(5));
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 5);
    assert_eq!(app.count("SELECT COUNT(*) FROM villages WHERE sample AND name LIKE '% (mẫu)'").await, 5);
}
