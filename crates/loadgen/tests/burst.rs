//! The deadline burst at a small scale: a database seeded in bulk (three
//! communes, thirty villages, five years of history, so that an officer's
//! pull spans pages), every head pushing one report through the real sync
//! engine, then every officer pulling the commune from scratch; the pulls
//! must hold exactly this month's reports sent, and all the history.

use sothon_loadgen::burst::{burst, parse_sessions, BurstConfig};
use sothon_server::bench_seed::{seed, Plan};
use sothon_server::{build, Config as ServerConfig};

#[test]
fn every_village_pushes_once_and_every_officer_pulls_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("burst.db").to_str().unwrap().to_string();
    let server_rt = tokio::runtime::Runtime::new().unwrap();
    let plan = Plan {
        prefix: "bt".into(),
        communes: 3,
        villages: 30,
        history_months: 60,
        password: "bench-mat-khau-2026".into(),
    };
    let (base, lines) = server_rt.block_on(async {
        let db = sothon_server::db::connect(&url).await.expect("database");
        let seeded = seed(&db, &plan, sothon_server::db::now_ms()).await.expect("seeded");
        assert_eq!(seeded.sessions.len(), 33);
        assert_eq!(seeded.history, 30 * 60);
        db.close().await;
        let lines: String = seeded.sessions.iter().map(|s| s.line() + "\n").collect();
        let config = ServerConfig {
            bind: "127.0.0.1:0".parse().unwrap(),
            database_url: url.clone(),
            web_dir: None,
            demo: false,
            token_ttl_days: 30,
            demo_history: false,
        };
        let server = build(config).await.expect("server builds");
        let base = format!("http://{}", server.addr());
        tokio::spawn(server.run());
        (base, lines)
    });
    let cfg = BurstConfig {
        server: base,
        sessions: parse_sessions(&lines).unwrap(),
        concurrency: 8,
        seed: 5,
        pull_officers: 0,
        server_pid: Some(std::process::id()),
    };
    let phones = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let outcome = phones.block_on(burst(&cfg)).expect("the burst finishes");
    let report = outcome.report(&cfg);
    eprintln!("{report}");
    assert!(outcome.check.exact(), "{report}\n{:?}", outcome.check);
    assert_eq!(outcome.reports, 30);
    assert_eq!(outcome.check.found, 30);
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    // The heads' phones had synced before: the answer to a push carries the
    // push's result, not the village's five years again.
    assert!(outcome.bytes_down / outcome.reports < 2_000, "{report}");
    assert!(outcome.server_cpu.is_some_and(|(b, p)| b > 0.0 && p > 0.0), "{report}");
    assert_eq!(outcome.pulls.len(), 3);
    // Each commune: ten villages × (sixty months of history + this month), over more than one page.
    for p in &outcome.pulls {
        assert_eq!(p.rows, 10 * 61, "{p:?}");
        assert!(p.pages >= 2, "{p:?}");
    }
}
