//! Starting a server per test, and making requests and reports.

pub use crate::testdb::{on_postgres, TestDb};

use reqwest::StatusCode;
use serde_json::{json, Value};
use sothon_domain::protocol::{Body, Mutation, SyncRequest, PROTOCOL_VERSION};
use sothon_domain::{Period, Report, Value as V};
use sothon_server::db::Db;
use sothon_server::{build, Config, DEMO_PASSWORD};
use std::path::PathBuf;

/// A running server with its own database.
pub struct TestApp {
    pub base: String,
    pub db: Db,
    pub client: reqwest::Client,
    /// Where the database lives; removed when the test ends.
    pub dir: tempfile::TempDir,
    /// The test's own database (a PostgreSQL schema is dropped with it).
    pub testdb: TestDb,
}

/// A server with the sample commune and no web folder.
pub async fn spawn() -> TestApp {
    spawn_with(None, true).await
}

/// A server serving `web` (if any), seeded with the sample commune if `demo`.
pub async fn spawn_with(web: Option<PathBuf>, demo: bool) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let testdb = TestDb::new(dir.path(), "test.db");
    let config = Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        database_url: testdb.url.clone(),
        web_dir: web,
        demo,
        demo_history: false,
        token_ttl_days: 30,
    };
    let server = build(config).await.expect("server builds");
    let base = format!("http://{}", server.addr());
    let db = server.db();
    tokio::spawn(server.run());
    TestApp { base, db, client: reqwest::Client::new(), dir, testdb }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn login_raw(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap()
    }

    /// Logs a sample account in; returns its token.
    pub async fn login(&self, username: &str) -> String {
        let res = self.login_raw(username, DEMO_PASSWORD).await;
        assert_eq!(res.status(), StatusCode::OK, "login {username}");
        let v: Value = res.json().await.unwrap();
        v["token"].as_str().unwrap().to_string()
    }

    /// POSTs any JSON to `/api/v1/sync`.
    pub async fn sync_json(&self, token: &str, body: &Value) -> reqwest::Response {
        self.client.post(self.url("/api/v1/sync")).bearer_auth(token).json(body).send().await.unwrap()
    }

    /// POSTs a sync request.
    pub async fn sync(&self, token: &str, req: &SyncRequest) -> reqwest::Response {
        self.sync_json(token, &serde_json::to_value(req).unwrap()).await
    }

    /// POSTs a sync request that must succeed; returns the response JSON.
    pub async fn sync_ok(&self, token: &str, req: &SyncRequest) -> Value {
        let res = self.sync(token, req).await;
        let status = res.status();
        let v: Value = res.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{v}");
        v
    }

    pub async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).bearer_auth(token).send().await.unwrap()
    }

    /// GETs `path`, asserting a 200; returns the JSON.
    pub async fn get_ok(&self, token: &str, path: &str) -> Value {
        let res = self.get(token, path).await;
        let status = res.status();
        let v: Value = res.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "GET {path}: {v}");
        v
    }

    /// POSTs JSON to `path` with a token.
    pub async fn post(&self, token: &str, path: &str, body: &Value) -> reqwest::Response {
        self.client.post(self.url(path)).bearer_auth(token).json(body).send().await.unwrap()
    }

    /// POSTs JSON to `path`; returns the status and the JSON answer.
    pub async fn post_json(&self, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
        let res = self.post(token, path, body).await;
        let status = res.status();
        let v = res.json().await.unwrap_or(Value::Null);
        (status, v)
    }

    /// Pushes one report of `village` (as a new record, or over `base`)
    /// from `device` with `seq`; returns the mutation's result.
    pub async fn push(&self, token: &str, device: &str, seq: u64, base: u32, r: Report) -> Value {
        let v = self.sync_ok(token, &request(device, vec![mutation(device, seq, base, r)], None)).await;
        v["results"][0].clone()
    }

    /// Row counts of every table a request could write, to check that a
    /// refused request wrote nothing.
    pub async fn table_counts(&self) -> Vec<(&'static str, i64)> {
        let mut out = Vec::new();
        for t in TABLES {
            out.push((*t, self.count(&format!("SELECT COUNT(*) FROM {t}")).await));
        }
        // A write that changes a row without adding one shows here.
        out.push((
            "records (content)",
            self.count(
                "SELECT CAST(COALESCE(SUM(rev), 0) + COALESCE(SUM(updated_at), 0) + COALESCE(SUM(length(state)), 0)
                        + COALESCE(SUM(length(comment)), 0) + COALESCE(SUM(ver), 0)
                        + (SELECT COALESCE(SUM(version), 0) FROM commune_sync) AS BIGINT) FROM records",
            )
            .await,
        ));
        out.push(("conflicts (resolved)", self.count("SELECT COUNT(*) FROM conflicts WHERE resolved").await));
        // A target changed in place (the sample commune has some).
        out.push((
            "targets (content)",
            self.count(
                "SELECT CAST(COALESCE(SUM(CAST(value AS DOUBLE PRECISION) * 1000 + length(op) + set_at), 0) AS BIGINT)
                 FROM targets",
            )
            .await,
        ));
        // An account change rewrites its row. (Not the password hash: a
        // login may store the same password rehashed; a password change
        // writes its audit line, counted above.)
        let row = "id || name || role || COALESCE(village_id, '') || phone || CAST(disabled AS TEXT)
                   || CAST(must_change_password AS TEXT)";
        let users: String = match &self.db {
            Db::Sqlite(p) => {
                sqlx::query_scalar(&format!(
                    "SELECT COALESCE(group_concat({row}, '|'), '') FROM (SELECT * FROM users ORDER BY id)"
                ))
                .fetch_one(p)
                .await
            }
            Db::Pg(p) => {
                sqlx::query_scalar(&format!("SELECT COALESCE(string_agg({row}, '|' ORDER BY id), '') FROM users"))
                    .fetch_one(p)
                    .await
            }
        }
        .unwrap();
        let digest = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            users.hash(&mut h);
            h.finish() as i64
        };
        out.push(("users (content)", digest));
        out
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sothon_server::with_pool!(&self.db, p => sqlx::query_scalar(sql).fetch_one(p).await).unwrap()
    }

    /// The stored body of a record, as JSON.
    pub async fn record_body(&self, id: &str) -> Value {
        let s: String =
            sothon_server::with_pool!(&self.db, p => sqlx::query_scalar("SELECT body FROM records WHERE id = $1").bind(id).fetch_one(p).await).unwrap();
        serde_json::from_str(&s).unwrap()
    }
}

/// A valid monthly report of `village` for November 2026.
pub fn report(village: &str, pop: f64, bhyt: f64) -> Report {
    report_for(village, "2026-11", pop, bhyt)
}

/// A valid report of `village` for `period`.
pub fn report_for(village: &str, period: &str, pop: f64, bhyt: f64) -> Report {
    let mut r = Report::new(village, Period::parse(period).unwrap(), 1);
    r.values.insert("pop".into(), V::Num(pop));
    r.values.insert("bhyt".into(), V::Num(bhyt));
    r
}

/// A mutation of `device` writing `r`.
pub fn mutation(device: &str, seq: u64, base: u32, r: Report) -> Mutation {
    Mutation {
        id: Mutation::make_id(device, seq),
        seq,
        record: r.id(),
        base,
        at: 1_700_000_000_000,
        body: Body::Report(r),
    }
}

/// A sync request of `device` pushing `push`, pulling from `cursor`.
pub fn request(device: &str, push: Vec<Mutation>, cursor: Option<i64>) -> SyncRequest {
    SyncRequest { v: PROTOCOL_VERSION, device: device.into(), now: 1_700_000_000_500, push, cursor, unsent: None }
}

/// Every table of the schema.
pub const TABLES: &[&str] = &[
    "communes",
    "villages",
    "users",
    "tokens",
    "records",
    "record_seq",
    "mutations",
    "conflicts",
    "reviews",
    "devices",
    "commune_sync",
    "audit",
    "review_fields",
    "targets",
    "incident_steps",
];

pub const PHONE_A: &str = "phone-aaaa-0001";
pub const PHONE_B: &str = "phone-bbbb-0002";
pub const REC_T01: &str = "r.pq-t01.2026-11";

/// An officer of another commune ("xa-khac", with village "xk-t01"),
/// logged in: the account that must see nothing of the sample commune.
pub async fn other_commune_officer(app: &TestApp) -> String {
    use sothon_server::db::accounts::{add_commune, add_village};
    add_commune(&app.db, "xa-khac", "Xã Khác").await.unwrap();
    add_village(&app.db, "xk-t01", Some("xa-khac"), "Thôn Xa").await.unwrap();
    let officer = sothon_server::NewUser {
        username: "canboxk".into(),
        password: "mat-khau-2026".into(),
        name: "Cán Bộ Xã Khác".into(),
        role: sothon_domain::protocol::Role::Officer,
        commune: Some("xa-khac".into()),
        village: None,
    };
    sothon_server::add_user(&app.db, officer).await.unwrap();
    let res = app.login_raw("canboxk", "mat-khau-2026").await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
}
