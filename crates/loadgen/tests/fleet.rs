//! The load generator against a real server (the library's `build`, a fresh
//! SQLite file, the demo commune): many phones, answers lost on purpose, and
//! the read-back must find exactly what was sent.

use sothon_loadgen::{run, Config};
use sothon_server::{build, Config as ServerConfig, DEMO_PASSWORD};

fn fleet(server: String, devices: usize, villages: usize, fail_rate: f64) -> Config {
    Config {
        server,
        admin: "quantri".into(),
        password: DEMO_PASSWORD.into(),
        devices,
        villages,
        records: 6,
        concurrency: 8,
        delay_ms: 0,
        fail_rate,
        seed: 11,
        run: "lgt".into(),
    }
}

#[test]
fn a_fleet_with_lost_answers_leaves_exactly_what_it_sent() {
    let dir = tempfile::tempdir().unwrap();
    let server_rt = tokio::runtime::Runtime::new().unwrap();
    let base = server_rt.block_on(async {
        let config = ServerConfig {
            bind: "127.0.0.1:0".parse().unwrap(),
            database_url: dir.path().join("load.db").to_str().unwrap().to_string(),
            web_dir: None,
            demo: true,
            token_ttl_days: 30,
        };
        let server = build(config).await.expect("server builds");
        let base = format!("http://{}", server.addr());
        tokio::spawn(server.run());
        base
    });
    // The phones live on one thread, as in the binary.
    let phones = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let cfg = fleet(base, 40, 8, 0.3);
    let outcome = phones.block_on(run(&cfg)).expect("the run finishes");
    let report = outcome.report(&cfg);
    eprintln!("{report}");
    assert!(outcome.check.exact(), "{report}\n{:?}", outcome.check);
    assert_eq!(outcome.records, 40 * 6);
    assert_eq!(outcome.check.found, 40 * 6);
    // A third of the answers were thrown away, so phones had to send again.
    assert!(outcome.lost_answers > 0, "{report}");
    assert!(outcome.round_trips > 40, "{report}");
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    assert!(outcome.push_quantile(0.99) >= outcome.push_quantile(0.5));
    assert!(outcome.bytes_up > 0 && outcome.bytes_down > 0);
}
