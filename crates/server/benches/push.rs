//! Push latency of the real server over HTTP (`make bench`).
//!
//! The server runs in this process on port 0 over a SQLite file in a temp
//! folder (on disk: every push is a durable commit). A push is what a phone
//! sends: `POST /api/v1/sync` with its mutations and its pull cursor, so the
//! time includes the pull that follows the commit. Each report is a full
//! monthly report: every numeric indicator the catalogue asks monthly, filled
//! with plausible values that pass the catalogue's rules.
//!
//! Prints p50/p95/p99 latency and throughput for one client and for eight at
//! once, pushing 1, 10 and 50 reports per request, and the bytes one monthly
//! report's push puts on the wire (JSON, raw and compressed).
//!
//! `SOTHON_BENCH_SCALE=0.2` shortens every run (smoke test), `=5` lengthens it.

use sothon_domain::catalogue::{self, Kind};
use sothon_domain::protocol::{Body, Mutation, SyncRequest, SyncResponse, PROTOCOL_VERSION};
use sothon_domain::{Period, PeriodKind, Report, Value};
use sothon_server::{build, Config, DEMO_PASSWORD};
use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// A small stable hash, for plausible but varied values.
fn h(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |a, b| (a ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Figures for a village of about 1,300 people; the rest are derived.
const ANCHORS: &[(&str, f64)] = &[
    ("pop", 1_264.0),
    ("hh", 318.0),
    ("bhyt", 1_187.0),
    ("poor_hh", 21.0),
    ("near_poor_hh", 34.0),
    ("child35", 61.0),
    ("child35_school", 58.0),
    ("ds_sessions", 9.0),
    ("ds_people", 143.0),
    ("security_cases", 3.0),
    ("mediation_cases", 4.0),
    ("petitions", 5.0),
    ("danger_hh", 12.0),
];

/// One indicator's value: an anchor, or a share of the figure it may not
/// exceed, or a modest count / decimal of its own; always within its limits.
fn plausible(key: &str, values: &mut BTreeMap<String, f64>) -> f64 {
    if let Some(v) = values.get(key) {
        return *v;
    }
    let cat = catalogue::current();
    let ind = cat.indicator(key).expect("indicator");
    let x = h(key);
    let mut v = if let Some((_, a)) = ANCHORS.iter().find(|(k, _)| *k == key) {
        *a
    } else if let Some(parent) = &ind.le {
        let p = plausible(parent, values);
        (p * (0.05 + (x % 60) as f64 / 100.0)).floor()
    } else if ind.kind == Kind::Decimal {
        (x % 400) as f64 / 10.0
    } else {
        (1 + x % 40) as f64
    };
    if let Some(max) = ind.max {
        v = v.min(max);
    }
    if let Some(parent) = &ind.le {
        v = v.min(plausible(parent, values));
    }
    v = v.max(ind.min.unwrap_or(0.0));
    values.insert(key.to_string(), v);
    v
}

/// A full monthly report of `village` for `period`.
fn full_report(village: &str, period: Period, edit: u64) -> Report {
    let cat = catalogue::current();
    let mut values = BTreeMap::new();
    for ind in cat.asked(PeriodKind::Month).filter(|i| matches!(i.kind, Kind::Count | Kind::Decimal)) {
        plausible(&ind.key, &mut values);
    }
    let mut r = Report::new(village, period, cat.version);
    r.values = values.into_iter().map(|(k, v)| (k, Value::Num(v))).collect();
    // Each edit changes one figure, as a person correcting the report would.
    r.values.insert("ds_people".into(), Value::Num(143.0 + (edit % 50) as f64));
    let errs = r.validate(cat);
    assert!(errs.is_empty(), "the bench report must be valid: {errs:?}");
    r
}

/// One phone: its device id, token, records, and what it knows from the server.
struct Client {
    http: reqwest::Client,
    url: String,
    token: String,
    device: String,
    seq: u64,
    cursor: i64,
    /// Record → (village, period, rev).
    records: Vec<(String, Period, u32)>,
}

impl Client {
    /// The next push: one new edit of each of this client's records.
    fn next(&mut self) -> SyncRequest {
        let mut push = Vec::with_capacity(self.records.len());
        for (village, period, rev) in &self.records {
            self.seq += 1;
            let body = Body::Report(full_report(village, *period, self.seq));
            push.push(Mutation {
                id: Mutation::make_id(&self.device, self.seq),
                seq: self.seq,
                record: body.record_id(),
                base: *rev,
                at: 1_790_000_000_000 + self.seq as i64,
                body,
            });
        }
        SyncRequest {
            v: PROTOCOL_VERSION,
            device: self.device.clone(),
            now: 1_790_000_000_000 + self.seq as i64,
            push,
            cursor: Some(self.cursor),
            unsent: None,
        }
    }

    /// Sends one push; returns how long it took.
    async fn push(&mut self) -> Duration {
        let req = self.next();
        let t = Instant::now();
        let res = self.http.post(&self.url).bearer_auth(&self.token).json(&req).send().await.expect("push sent");
        assert_eq!(res.status(), 200, "push accepted");
        let resp: SyncResponse = res.json().await.expect("sync answer");
        let took = t.elapsed();
        for (r, rec) in resp.results.iter().zip(self.records.iter_mut()) {
            rec.2 = r.rev;
        }
        self.cursor = resp.cursor;
        took
    }
}

fn pct(sorted: &[Duration], q: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

struct Bench {
    base: String,
    tokens: BTreeMap<&'static str, String>,
    scale: f64,
    next_client: usize,
}

impl Bench {
    /// A client of `village` (officer account) owning `reports` records of its own.
    fn client(&mut self, village: &str, reports: usize) -> Client {
        let k = self.next_client;
        self.next_client += 1;
        // Months of a year of this client's own: no two clients share a record.
        let records = (0..reports)
            .map(|i| {
                let year = 2021 + (k % 20) as i32;
                let period = if reports <= 12 {
                    Period::new(PeriodKind::Month, year, i as u8 + 1)
                } else {
                    Period::new(PeriodKind::Month, 2021 + ((k * 5 + i / 12) % 20) as i32, (i % 12) as u8 + 1)
                };
                (village.to_string(), period.expect("period"), 0)
            })
            .collect();
        Client {
            http: reqwest::Client::new(),
            url: format!("{}/api/v1/sync", self.base),
            token: self.tokens["canbo"].clone(),
            device: format!("bench-phone-{k:03}"),
            seq: 0,
            cursor: 0,
            records,
        }
    }

    async fn run(&mut self, clients: usize, reports: usize, pushes_each: usize) {
        let villages = ["pq-t01", "pq-t02", "pq-t03", "pq-t04", "pq-t05"];
        let mut cs: Vec<Client> = (0..clients).map(|c| self.client(villages[c % villages.len()], reports)).collect();
        // Warm up: the records exist, connections are open.
        for c in cs.iter_mut() {
            for _ in 0..3 {
                c.push().await;
            }
        }
        let n = ((pushes_each as f64 * self.scale).ceil() as usize).max(5);
        let start = Instant::now();
        let tasks: Vec<_> = cs
            .into_iter()
            .map(|mut c| {
                tokio::spawn(async move {
                    let mut lat = Vec::with_capacity(n);
                    for _ in 0..n {
                        lat.push(c.push().await);
                    }
                    lat
                })
            })
            .collect();
        let mut lat = Vec::new();
        for t in tasks {
            lat.extend(t.await.expect("client"));
        }
        let wall = start.elapsed().as_secs_f64();
        lat.sort();
        let pushes = lat.len() as f64;
        println!(
            "{clients:>7} {reports:>7} {:>7} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>9.0} {:>10.0}",
            lat.len(),
            pct(&lat, 0.50),
            pct(&lat, 0.95),
            pct(&lat, 0.99),
            lat.last().expect("pushes").as_secs_f64() * 1000.0,
            pushes / wall,
            pushes * reports as f64 / wall,
        );
        let _ = std::io::stdout().flush();
    }
}

fn gzip(b: &[u8], level: u32) -> usize {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    e.write_all(b).expect("gzip");
    e.finish().expect("gzip").len()
}

fn brotli(b: &[u8], quality: u32) -> usize {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, quality, 22);
        w.write_all(b).expect("brotli");
    }
    out.len()
}

fn sizes(label: &str, b: &[u8]) {
    println!(
        "{label:<34} {:>6} B raw   {:>5} B gzip -6 {:>5} B gzip -9   {:>5} B br q5 {:>5} B br q11",
        b.len(),
        gzip(b, 6),
        gzip(b, 9),
        brotli(b, 5),
        brotli(b, 11)
    );
}

async fn login(base: &str, username: &str) -> String {
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/login"))
        .json(&serde_json::json!({"username": username, "password": DEMO_PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 200);
    let v: serde_json::Value = res.json().await.expect("login answer");
    v["token"].as_str().expect("token").to_string()
}

fn main() {
    let scale: f64 = std::env::var("SOTHON_BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db");
    // The server on its own runtime (two workers, as on the 2-core machine);
    // the clients on another.
    let server_rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
    let config = Config {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: db.to_str().expect("utf-8").to_string(),
        web_dir: None,
        demo: true,
        demo_history: false,
        token_ttl_days: 30,
    };
    let server = server_rt.block_on(build(config)).expect("server");
    let base = format!("http://{}", server.addr());
    server_rt.spawn(server.run());

    let client_rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("rt");
    client_rt.block_on(async {
        let report = full_report("pq-t01", Period::parse("2026-11").expect("period"), 0);
        println!(
            "Sổ Thôn push benchmark — full monthly report: {} numeric indicators (catalogue v{})",
            report.values.len(),
            catalogue::current().version
        );
        println!("server in-process, SQLite file on disk ({}), loopback HTTP/1.1", dir.path().display());
        println!();

        // Bytes on the wire for one report's push, and its answer.
        let mut one = Bench { base: base.clone(), tokens: BTreeMap::new(), scale, next_client: 900 };
        one.tokens.insert("canbo", login(&base, "canbo").await);
        let mut c = one.client("pq-t01", 1);
        let req = c.next();
        let req_json = serde_json::to_vec(&req).expect("json");
        let res = c.http.post(&c.url).bearer_auth(&c.token).json(&req).send().await.expect("push");
        let res_json = res.bytes().await.expect("answer");
        sizes("push of one monthly report (request)", &req_json);
        sizes("its answer (result + pulled record)", &res_json);
        println!("(JSON bodies only; HTTP headers add about 200 B each way)");
        println!();

        let mut b = Bench { base, tokens: one.tokens, scale, next_client: 0 };
        println!("clients reports  pushes  p50 ms   p95 ms   p99 ms   max ms  pushes/s  reports/s");
        b.run(1, 1, 1_000).await;
        b.run(1, 10, 300).await;
        b.run(1, 50, 100).await;
        b.run(8, 1, 250).await;
        b.run(8, 10, 60).await;
        b.run(8, 50, 15).await;
    });
    server_rt.shutdown_timeout(Duration::from_secs(5));
}
