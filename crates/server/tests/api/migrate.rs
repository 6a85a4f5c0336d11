//! Upgrading a database made by an earlier version keeps everything in it.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::SqlitePool;

/// A database at schema version 3 (the migrations before this change), with
/// a commune, a village, an account, a live login token and a record.
async fn version_3(path: &std::path::Path) {
    let dir = tempfile::tempdir().unwrap();
    for f in ["0001_init.sql", "0002_review_and_resolution.sql", "0003_due_dates.sql"] {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join("sqlite").join(f);
        std::fs::copy(src, dir.path().join(f)).unwrap();
    }
    let opts = SqliteConnectOptions::new().filename(path).create_if_missing(true).foreign_keys(true);
    let db = SqlitePool::connect_with(opts).await.unwrap();
    sqlx::migrate::Migrator::new(dir.path()).await.unwrap().run(&db).await.unwrap();
    let hash = sothon_server::auth::hash_password("mat-khau-2026").unwrap();
    sqlx::raw_sql(&format!(
        "INSERT INTO communes (id, name) VALUES ('xa-cu', 'Xã Cũ');
         INSERT INTO villages (id, commune_id, name, sample) VALUES ('xc-t01', 'xa-cu', 'Thôn Một', 0);
         INSERT INTO users (id, username, name, role, commune_id, village_id, password_hash, created_at)
           VALUES ('u1', 'truongthoncu', 'Người Cũ', 'village_head', 'xa-cu', 'xc-t01', '{hash}', 1);
         INSERT INTO tokens (token_hash, user_id, created_at, expires_at) VALUES ('{}', 'u1', 1, 99999999999999);
         INSERT INTO records (commune_id, id, village_id, kind, period, body, rev, state, receipt, last_device,
                              created_at, updated_at, device_at, skew_ms)
           VALUES ('xa-cu', 'r.xc-t01.2026-11', 'xc-t01', 'report', '2026-11', '{{}}', 1, 'received', 'PQ-000000',
                   'phone-cu-0001', 1, 1, 1, 0);",
        sothon_server::auth::token_hash("token-tu-phien-ban-cu-0123456789abcdefghi")
    ))
    .execute(&db)
    .await
    .unwrap();
    db.close().await;
}

#[tokio::test]
async fn version_4_keeps_the_accounts_tokens_and_records_of_version_3() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    version_3(&path).await;
    let config = sothon_server::Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        database_url: path.to_str().unwrap().into(),
        web_dir: None,
        demo: true,
        demo_history: false,
        token_ttl_days: 30,
    };
    let server = sothon_server::build(config).await.expect("migrates");
    let base = format!("http://{}", server.addr());
    let db = server.db();
    tokio::spawn(server.run());
    let count = |sql: &'static str| {
        let db = db.clone();
        async move { sothon_server::with_pool!(&db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).unwrap() }
    };
    assert_eq!(count("SELECT COUNT(*) FROM communes").await, 1, "not seeded: the database had a commune");
    assert_eq!(count("SELECT COUNT(*) FROM tokens").await, 1, "rebuilding users did not cascade to tokens");
    assert_eq!(count("SELECT COUNT(*) FROM records WHERE village_id = 'xc-t01'").await, 1);
    assert_eq!(count("SELECT COUNT(*) FROM pragma_foreign_key_check").await, 0);
    assert_eq!(count("SELECT COUNT(*) FROM pragma_foreign_keys WHERE foreign_keys = 1").await, 1);
    // The old login still works, and so does the password.
    let client = reqwest::Client::new();
    let me = client
        .get(format!("{base}/api/v1/me"))
        .bearer_auth("token-tu-phien-ban-cu-0123456789abcdefghi")
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["villages"], json!([{"id": "xc-t01", "name": "Thôn Một", "sample": false}]));
    let res = client
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"username": "truongthoncu", "password": "mat-khau-2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // A village's key is now its commune and its id.
    let pk: Vec<String> = sothon_server::with_pool!(&db, p => sqlx::query_scalar("SELECT name FROM pragma_table_info('villages') WHERE pk > 0 ORDER BY pk")
        .fetch_all(p)
        .await)
        .unwrap();
    assert_eq!(pk, ["commune_id", "id"]);
}
