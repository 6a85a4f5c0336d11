//! Operations: a database URL the build cannot open, the online backup,
//! readiness, and what a stopping server answers.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sothon_server::{build, Config};

#[tokio::test]
async fn a_database_url_of_another_engine_or_scheme_is_refused_before_anything_is_created() {
    let here = std::env::current_dir().unwrap();
    for (url, says) in [
        ("mysql://root@h/db", "unknown database scheme mysql"),
        ("  ", "no database given"),
        // PostgreSQL that is not there, or a database it does not have: said at start.
        ("postgres://postgres@127.0.0.1:1/x", "opening database postgres://postgres@127.0.0.1:1/x"),
        ("postgresql://postgres@127.0.0.1:1/db", "opening database"),
    ] {
        let e = sothon_server::db::connect(url).await.expect_err(url);
        let msg = format!("{e:#}");
        assert!(msg.contains(says), "{url}: {msg}");
    }
    // Nothing was created where a file path would have gone.
    for made in ["postgres:", "postgresql:", "mysql:"] {
        assert!(!here.join(made).exists(), "{made} was created");
    }
}

#[tokio::test]
async fn a_backup_of_the_running_database_is_a_consistent_copy_that_opens() {
    let app = spawn().await;
    let head = app.login("truongthon1").await;
    app.push(&head, PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0)).await;
    let out = app.dir.path().join("backups/2026-12-02.db");
    if on_postgres() {
        // PostgreSQL has its own tools; the command says which, and writes nothing.
        let e = sothon_server::db::backup(&app.db, &out).await.expect_err("not for PostgreSQL");
        assert!(format!("{e}").contains("pg_dump"), "{e}");
        assert!(!out.exists());
        return;
    }
    sothon_server::db::backup(&app.db, &out).await.unwrap();
    // Taken while the server runs; opens as a database of its own with the same rows.
    let copy = sothon_server::db::connect(out.to_str().unwrap()).await.unwrap();
    for t in TABLES {
        let q = format!("SELECT COUNT(*) FROM {t}");
        let (a, b): (i64, i64) = (
            sothon_server::with_pool!(&app.db, p => sqlx::query_scalar(&q).fetch_one(p).await).unwrap(),
            sothon_server::with_pool!(&copy, p => sqlx::query_scalar(&q).fetch_one(p).await).unwrap(),
        );
        assert_eq!(a, b, "{t}");
    }
    let ok: String =
        sothon_server::with_pool!(&copy, p => sqlx::query_scalar("PRAGMA integrity_check").fetch_one(p).await).unwrap();
    assert_eq!(ok, "ok");
    // A second backup to the same file is refused, the first one intact.
    let e = sothon_server::db::backup(&app.db, &out).await.expect_err("exists");
    assert!(format!("{e}").contains("exists"));
}

#[tokio::test]
async fn a_stopping_server_refuses_new_writes_with_503_and_says_it_is_not_ready() {
    let dir = tempfile::tempdir().unwrap();
    let server = build(Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        database_url: dir.path().join("stop.db").to_str().unwrap().into(),
        web_dir: None,
        demo: true,
        token_ttl_days: 30,
        demo_history: false,
    })
    .await
    .unwrap();
    let base = format!("http://{}", server.addr());
    let drain = server.drain();
    let db = server.db();
    tokio::spawn(server.run());
    let client = reqwest::Client::new();
    let ready = client.get(format!("{base}/api/v1/ready")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.json::<Value>().await.unwrap(), json!({"ready": true}));
    let login = client
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"username": "truongthon1", "password": sothon_server::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    let token = login.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();

    // The stop begins (as on SIGTERM); nothing is in flight, so it completes at once.
    drain.stop().await;
    let before: i64 =
        sothon_server::with_pool!(&db, p => sqlx::query_scalar("SELECT COUNT(*) FROM mutations").fetch_one(p).await)
            .unwrap();
    let req = request(PHONE_A, vec![mutation(PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0))], Some(0));
    let res = client.post(format!("{base}/api/v1/sync")).bearer_auth(&token).json(&req).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers()["retry-after"], "5");
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"], "unavailable");
    assert!(e["message"].as_str().unwrap().contains("gửi lại"), "{e}");
    let after: i64 =
        sothon_server::with_pool!(&db, p => sqlx::query_scalar("SELECT COUNT(*) FROM mutations").fetch_one(p).await)
            .unwrap();
    assert_eq!(before, after, "nothing written");
    // Reads still answer; readiness says no.
    assert_eq!(client.get(format!("{base}/api/v1/health")).send().await.unwrap().status(), StatusCode::OK);
    let ready = client.get(format!("{base}/api/v1/ready")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn the_metrics_count_requests_pushes_and_replays() {
    let app = spawn().await;
    let head = app.login("truongthon1").await;
    let req = request(PHONE_A, vec![mutation(PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0))], Some(0));
    app.sync_ok(&head, &req).await;
    // The same push again (the phone never heard): answered from the store.
    app.sync_ok(&head, &req).await;
    let res = app.client.get(app.url("/api/v1/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = res.text().await.unwrap();
    for line in [
        "sothon_requests_total{method=\"POST\",route=\"/api/v1/sync\",status=\"200\"} 2",
        "sothon_requests_total{method=\"POST\",route=\"/api/v1/login\",status=\"200\"} 1",
        "sothon_mutations_total{outcome=\"applied\"} 1",
        "sothon_mutations_total{outcome=\"replayed\"} 1",
        "sothon_mutations_total{outcome=\"conflict\"} 0",
        "sothon_push_seconds_count 2",
        "sothon_push_seconds_bucket{le=\"+Inf\"} 2",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line}:\n{text}");
    }
    assert!(text.contains("sothon_db_pool_connections{state=\"open\"}"));
    assert!(text.contains("# TYPE sothon_db_retries_total counter"), "{text}");
}

#[tokio::test]
async fn every_answer_names_its_request_id_and_keeps_one_given_by_a_proxy() {
    let app = spawn().await;
    let a = app.client.get(app.url("/api/v1/health")).send().await.unwrap();
    let b = app.client.get(app.url("/api/v1/health")).send().await.unwrap();
    let (a, b) = (a.headers()["x-request-id"].to_str().unwrap(), b.headers()["x-request-id"].to_str().unwrap());
    assert_ne!(a, b);
    let given = app.client.get(app.url("/api/v1/nowhere")).header("x-request-id", "lb-7f3a").send().await.unwrap();
    assert_eq!(given.status(), StatusCode::NOT_FOUND);
    assert_eq!(given.headers()["x-request-id"], "lb-7f3a");
}

#[test]
fn json_logs_carry_the_request_id() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("log.db");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sothon-server"))
        .args(["serve", "--port", "0", "--db", db.to_str().unwrap(), "--web", "/nonexistent"])
        .env("SOTHON_LOG_FORMAT", "json")
        .env("RUST_LOG", "debug")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    // Reads the address, then keeps draining (a closed pipe would end the server).
    std::thread::spawn(move || {
        for l in out.lines().map_while(Result::ok) {
            if let Some(i) = l.find("http://127.0.0.1:") {
                let _ = tx.send(l[i..].trim().trim_end_matches('/').to_string());
            }
        }
    });
    // The logs, drained as they come (a full pipe would stop the server).
    let err = BufReader::new(child.stderr.take().unwrap());
    let logs = std::thread::spawn(move || err.lines().map_while(Result::ok).collect::<Vec<String>>());
    let base = rx.recv_timeout(std::time::Duration::from_secs(60)).unwrap();
    let res = std::process::Command::new("curl")
        .args(["-fs", "-H", "x-request-id: trace-me-42", &format!("{base}/api/v1/health")])
        .output()
        .unwrap();
    assert!(res.status.success());
    let _ = child.kill();
    let lines: Vec<serde_json::Value> = logs
        .join()
        .unwrap()
        .into_iter()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(&l).expect("each log line is JSON"))
        .collect();
    let _ = child.wait();
    assert!(
        lines.iter().any(|l| l["span"]["id"] == "trace-me-42" && l["span"]["path"] == "/api/v1/health"),
        "no log line of the request: {lines:?}"
    );
}
