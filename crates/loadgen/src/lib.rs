//! A device-fleet load generator for the Sổ Thôn server.
//!
//! Each simulated phone is the real sync engine ([`sothon_sync::Engine`])
//! over its own in-memory store: its own device id, outbox, sequence numbers
//! and cursor, exactly as a phone keeps them in localStorage. A phone queues
//! realistic records (its village's monthly report, drawn from the catalogue,
//! and the digital team's activities), then syncs over real HTTP until its
//! outbox is empty, through a transport that can add delay and lose answers
//! (the server did the work, the phone never heard: the case that needs
//! exactly-once). Thousands of phones share one thread and one HTTP client
//! (no connection pool per phone); `concurrency` bounds how many are in a
//! round trip at once.
//!
//! At the end it reads back, as the commune admin, every record of the
//! villages it made and checks that the server holds exactly what was sent:
//! each record once, at revision 1, with the body the phone queued.

pub mod burst;

use anyhow::{anyhow, bail, Context};
use serde::{Deserialize, Serialize};
use sothon_domain::catalogue::{self, Kind};
use sothon_domain::event::{Activity, Topic};
use sothon_domain::protocol::{ApiError, Body, SyncRequest, SyncResponse};
use sothon_domain::{Period, PeriodKind, Report, Value};
use sothon_sync::{Engine, MemStore, Transport, TransportError};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct Config {
    /// The server, e.g. `http://127.0.0.1:8080`.
    pub server: String,
    /// A commune admin, who makes the villages and accounts and reads back;
    /// several, comma-separated (`a1,a2`), spread the villages over their
    /// communes, round robin (all with `password`).
    pub admin: String,
    pub password: String,
    /// Simulated phones.
    pub devices: usize,
    /// Villages they belong to (phones of one village share its account, as
    /// a head and the digital team do); at most `devices`.
    pub villages: usize,
    /// Records each phone sends: its village's monthly report (the first
    /// phone of each village), the rest activities.
    pub records: usize,
    /// Phones in a round trip at the same time.
    pub concurrency: usize,
    /// Added to every round trip, ms (a slow link).
    pub delay_ms: u64,
    /// Share of round trips whose answer is lost after the server handled
    /// the request (0 to 1).
    pub fail_rate: f64,
    pub seed: u64,
    /// Prefix of the villages and accounts this run makes (unique per run).
    pub run: String,
}

/// What a run measured.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub setup: Duration,
    /// From the first push to the last phone's empty outbox.
    pub elapsed: Duration,
    pub records: usize,
    pub round_trips: usize,
    /// Answers thrown away by the transport (the phone retried).
    pub lost_answers: usize,
    /// Round trips that failed for a real reason (shown, then retried).
    pub errors: Vec<String>,
    /// Round-trip times of pushes that carried records, ms.
    pub push_ms: Vec<f64>,
    /// Request and answer bodies, as JSON bytes (headers not counted).
    pub bytes_up: usize,
    pub bytes_down: usize,
    pub check: Check,
}

/// The read-back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Check {
    pub expected: usize,
    pub found: usize,
    /// Sent but not on the server.
    pub missing: Vec<String>,
    /// On the server at another revision than 1, or with another body.
    pub changed: Vec<String>,
    /// On the server in these villages but never sent.
    pub unexpected: Vec<String>,
}

impl Check {
    pub fn exact(&self) -> bool {
        self.missing.is_empty() && self.changed.is_empty() && self.unexpected.is_empty() && self.found == self.expected
    }

    /// One line for people.
    pub fn verdict(&self) -> String {
        if self.exact() {
            "exactly what was sent, nothing lost, nothing twice".to_string()
        } else {
            format!(
                "MISMATCH: {} missing, {} changed, {} unexpected",
                self.missing.len(),
                self.changed.len(),
                self.unexpected.len()
            )
        }
    }

    /// The first few ids of each kind of mismatch, one kind a line.
    pub fn details(&self) -> String {
        let first = |v: &[String]| format!("{:?}", &v[..v.len().min(10)]);
        format!(
            "missing: {}\nchanged: {}\nunexpected: {}",
            first(&self.missing),
            first(&self.changed),
            first(&self.unexpected)
        )
    }
}

impl Outcome {
    /// Records acknowledged per second of the run.
    pub fn throughput(&self) -> f64 {
        self.records as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `q` quantile (0–1) of push round trips, ms.
    pub fn push_quantile(&self, q: f64) -> f64 {
        quantile(&self.push_ms, q)
    }

    /// A report for people, one figure a line.
    pub fn report(&self, cfg: &Config) -> String {
        let per = |b: usize| b as f64 / self.records.max(1) as f64;
        format!(
            "devices {} in {} villages, {} records, concurrency {}, delay {} ms, lost answers {:.0} %\n\
             setup (villages, accounts, logins) {:.1} s\n\
             run {:.2} s: {:.0} records/s, {} round trips ({} answers lost on purpose, {} errors)\n\
             push round trip p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms\n\
             JSON bodies per record: {:.0} B up, {:.0} B down\n\
             server holds {} of {} records sent: {}",
            cfg.devices,
            cfg.villages,
            self.records,
            cfg.concurrency,
            cfg.delay_ms,
            cfg.fail_rate * 100.0,
            self.setup.as_secs_f64(),
            self.elapsed.as_secs_f64(),
            self.throughput(),
            self.round_trips,
            self.lost_answers,
            self.errors.len(),
            self.push_quantile(0.5),
            self.push_quantile(0.95),
            self.push_quantile(0.99),
            per(self.bytes_up),
            per(self.bytes_down),
            self.check.found,
            self.check.expected,
            self.check.verdict()
        )
    }
}

/// The `q` quantile of `xs` (nearest rank; 0 for none).
pub fn quantile(xs: &[f64], q: f64) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// A small, seeded generator (splitmix64): runs are repeatable.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// In `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// A monthly report of `village` for `period` with a value for every figure
/// the catalogue asks monthly, each within its rules (counts within the
/// population, parts within their wholes), so the server accepts it.
pub fn monthly_report(rng: &mut Rng, village: &str, period: Period) -> Report {
    let cat = catalogue::current();
    let mut r = Report::new(village, period, cat.version);
    let pop = rng.range(200, 3_000);
    let hh = rng.range(pop / 6, pop / 3);
    for ind in cat.asked(PeriodKind::Month).filter(|i| i.is_input()) {
        let v = match ind.kind {
            Kind::Bool => Value::Bool(rng.chance(0.5)),
            Kind::Choice => match ind.choices.first() {
                Some(c) => Value::Text(c.key.clone()),
                None => continue,
            },
            Kind::Text | Kind::Rate => continue,
            _ => Value::Num(match ind.key.as_str() {
                "pop" => pop,
                "hh" => hh,
                _ => rng.range(0, 3),
            } as f64),
        };
        r.values.insert(ind.key.clone(), v);
    }
    // Whatever the catalogue's cross-field rules still refuse is left out
    // (a phone would not send it either).
    for e in cat.validate(PeriodKind::Month, &r.values) {
        r.values.remove(&e.field);
    }
    r
}

/// An activity of the digital team.
pub fn activity(rng: &mut Rng, village: &str, id: String, period: Period) -> Activity {
    let participants = rng.range(1, 40) as u32;
    let day = rng.range(0, (period.end() - period.start()).num_days() as u64);
    Activity {
        id,
        village: village.to_string(),
        date: period.start() + chrono::Duration::days(day as i64),
        topic: Topic::ALL[rng.range(0, Topic::ALL.len() as u64 - 1) as usize],
        participants,
        helped: rng.range(0, u64::from(participants)) as u32,
        note: String::new(),
    }
}

/// Counters the phones share (one thread: cells, not atomics).
#[derive(Default)]
struct Tally {
    round_trips: Cell<usize>,
    lost: Cell<usize>,
    up: Cell<usize>,
    down: Cell<usize>,
    push_ms: RefCell<Vec<f64>>,
    errors: RefCell<Vec<String>>,
}

/// One phone's link: real HTTP, optional delay, answers lost at `fail_rate`.
struct Link {
    http: reqwest::Client,
    url: String,
    token: String,
    delay: Duration,
    fail_rate: f64,
    rng: RefCell<Rng>,
    tally: Rc<Tally>,
    gate: Rc<Semaphore>,
}

impl Transport for Link {
    async fn sync(&self, req: &SyncRequest) -> Result<SyncResponse, TransportError> {
        let _turn = self.gate.acquire().await.map_err(|e| TransportError::Unreachable(e.to_string()))?;
        let body = serde_json::to_vec(req).map_err(|e| TransportError::Unreachable(e.to_string()))?;
        let started = Instant::now();
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        let res = self
            .http
            .post(&self.url)
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .map_err(|e| TransportError::Unreachable(e.to_string()))?;
        let status = res.status().as_u16();
        let bytes = res.bytes().await.map_err(|e| TransportError::Unreachable(e.to_string()))?;
        let t = &self.tally;
        t.round_trips.set(t.round_trips.get() + 1);
        t.up.set(t.up.get() + body.len());
        t.down.set(t.down.get() + bytes.len());
        if !req.push.is_empty() {
            t.push_ms.borrow_mut().push(started.elapsed().as_secs_f64() * 1000.0);
        }
        if status == 401 {
            return Err(TransportError::Unauthorized);
        }
        if status != 200 {
            let error: ApiError = serde_json::from_slice(&bytes).unwrap_or_else(|_| ApiError {
                error: "http".into(),
                message: format!("HTTP {status}"),
                fields: Vec::new(),
            });
            t.errors.borrow_mut().push(format!("{status} {}", error.message));
            return Err(TransportError::Rejected { status, error });
        }
        if self.rng.borrow_mut().chance(self.fail_rate) {
            t.lost.set(t.lost.get() + 1);
            return Err(TransportError::Unreachable("answer lost on purpose".into()));
        }
        serde_json::from_slice(&bytes).map_err(|e| TransportError::Unreachable(e.to_string()))
    }
}

#[derive(Deserialize)]
struct LoginAnswer {
    token: String,
}

#[derive(Serialize)]
struct LoginBody<'a> {
    username: &'a str,
    password: &'a str,
}

/// A row of `GET /api/v1/records`, the fields the check needs.
#[derive(Deserialize)]
struct RecordRow {
    id: String,
    rev: u32,
    body: Body,
}

async fn login(http: &reqwest::Client, server: &str, username: &str, password: &str) -> anyhow::Result<String> {
    for _ in 0..20 {
        let res = http
            .post(format!("{server}/api/v1/login"))
            .json(&LoginBody { username, password })
            .send()
            .await
            .with_context(|| format!("logging in {username}"))?;
        if res.status().as_u16() == 429 {
            let wait = res
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(1);
            tokio::time::sleep(Duration::from_secs(wait)).await;
            continue;
        }
        if !res.status().is_success() {
            bail!("login {username}: HTTP {} {}", res.status(), res.text().await.unwrap_or_default());
        }
        return Ok(res.json::<LoginAnswer>().await?.token);
    }
    bail!("login {username}: still throttled after 20 tries")
}

async fn post(
    http: &reqwest::Client,
    server: &str,
    token: &str,
    path: &str,
    body: serde_json::Value,
) -> anyhow::Result<()> {
    let res = http.post(format!("{server}{path}")).bearer_auth(token).json(&body).send().await?;
    if !res.status().is_success() {
        bail!("POST {path}: HTTP {} {}", res.status(), res.text().await.unwrap_or_default());
    }
    Ok(())
}

/// The village id and account of village `i` of this run.
fn village_id(cfg: &Config, i: usize) -> String {
    format!("{}-{i}", cfg.run)
}

fn head_username(cfg: &Config, i: usize) -> String {
    format!("{}.h{i}", cfg.run)
}

/// Runs the whole simulation on the current thread (call it inside a
/// current-thread runtime or a `LocalSet`).
pub async fn run(cfg: &Config) -> anyhow::Result<Outcome> {
    if cfg.devices == 0 || cfg.villages == 0 || cfg.villages > cfg.devices || cfg.records == 0 {
        bail!("need devices ≥ villages ≥ 1 and records ≥ 1");
    }
    if !(0.0..1.0).contains(&cfg.fail_rate) {
        bail!("fail rate must be in [0, 1)");
    }
    let http = reqwest::Client::builder().pool_max_idle_per_host(cfg.concurrency.max(1)).build()?;
    let server = cfg.server.trim_end_matches('/');
    let setup_started = Instant::now();

    // The run's villages, one head account each; passwords are the run's own.
    let mut admins = Vec::new();
    for a in cfg.admin.split(',').map(str::trim).filter(|a| !a.is_empty()) {
        admins.push(login(&http, server, a, &cfg.password).await?);
    }
    if admins.is_empty() {
        bail!("no admin account given");
    }
    // Village i is made, and read back, by the admin of its commune.
    let password = format!("{}-{}-mat-khau", cfg.run, cfg.seed);
    for i in 0..cfg.villages {
        let v = village_id(cfg, i);
        let admin = admins[i % admins.len()].as_str();
        post(
            &http,
            server,
            admin,
            "/api/v1/villages",
            serde_json::json!({"id": v, "name": format!("Thôn thử tải {i}")}),
        )
        .await?;
        let user = serde_json::json!({
            "username": head_username(cfg, i), "password": password, "name": format!("Trưởng thôn thử tải {i}"),
            "role": "village_head", "village": v,
        });
        post(&http, server, admin, "/api/v1/users", user).await?;
    }
    let mut tokens = Vec::with_capacity(cfg.villages);
    for i in 0..cfg.villages {
        tokens.push(login(&http, server, &head_username(cfg, i), &password).await?);
    }
    let setup = setup_started.elapsed();

    // Each phone queues its records, as a village head would through a month.
    let period = Period::containing(PeriodKind::Month, sothon_domain::format::vn_date(now_ms()));
    let mut rng = Rng::new(cfg.seed);
    let tally = Rc::new(Tally::default());
    let gate = Rc::new(Semaphore::new(cfg.concurrency.max(1)));
    let mut sent: BTreeMap<String, Body> = BTreeMap::new();
    let mut phones = Vec::with_capacity(cfg.devices);
    for d in 0..cfg.devices {
        let v = d % cfg.villages;
        let village = village_id(cfg, v);
        let device = format!("lg{:x}{d:06}", cfg.seed & 0xffff);
        let engine = Engine::open_as(MemStore::new(), &head_username(cfg, v), move || device.clone())
            .map_err(|e| anyhow!("{e}"))?;
        for n in 0..cfg.records {
            let body = if n == 0 && d < cfg.villages {
                Body::Report(monthly_report(&mut rng, &village, period))
            } else {
                Body::Activity(activity(&mut rng, &village, format!("lg{d:06}-{n:04}"), period))
            };
            sent.insert(body.record_id(), body.clone());
            engine.submit(body, now_ms()).map_err(|e| anyhow!("{e}"))?;
        }
        let link = Link {
            http: http.clone(),
            url: format!("{server}/api/v1/sync"),
            token: tokens[v].clone(),
            delay: Duration::from_millis(cfg.delay_ms),
            fail_rate: cfg.fail_rate,
            rng: RefCell::new(Rng::new(cfg.seed ^ (d as u64).wrapping_mul(0x2545_F491_4F6C_DD1D))),
            tally: tally.clone(),
            gate: gate.clone(),
        };
        phones.push((engine, link));
    }

    // Every phone syncs until its outbox is empty; all at once, `gate` bounding them.
    let started = Instant::now();
    let runs = phones.iter().map(|(engine, link)| async move {
        for attempt in 0..200u32 {
            match engine.sync(link, now_ms).await {
                Ok(_) if engine.outbox().is_empty() => return Ok(()),
                Ok(_) => {}
                Err(sothon_sync::SyncError::Transport(TransportError::Unreachable(_))) => {}
                Err(e) => return Err(anyhow!("{} : {e}", engine.device())),
            }
            tokio::time::sleep(Duration::from_millis(u64::from(attempt.min(10)) * 20)).await;
        }
        Err(anyhow!("{}: outbox not empty after 200 syncs", engine.device()))
    });
    let results = futures_join_all(runs).await;
    let elapsed = started.elapsed();
    for r in results {
        r?;
    }

    let check = read_back(&http, server, &admins, cfg, &sent).await?;
    Ok(Outcome {
        setup,
        elapsed,
        records: sent.len(),
        round_trips: tally.round_trips.get(),
        lost_answers: tally.lost.get(),
        errors: tally.errors.take(),
        push_ms: tally.push_ms.take(),
        bytes_up: tally.up.get(),
        bytes_down: tally.down.get(),
        check,
    })
}

/// Polls every future to completion on this task (no extra crate: the
/// phones are cheap futures that spend their time waiting on the network).
async fn futures_join_all<F: std::future::Future>(futs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pending: Vec<std::pin::Pin<Box<F>>> = futs.map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(move |cx| {
        let mut open = false;
        for (i, f) in pending.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => open = true,
                }
            }
        }
        if open {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(out.iter_mut().map(|o| o.take().expect("every phone finished")).collect())
        }
    })
    .await
}

/// Reads back every record of the run's villages and compares with `sent`.
async fn read_back(
    http: &reqwest::Client,
    server: &str,
    admins: &[String],
    cfg: &Config,
    sent: &BTreeMap<String, Body>,
) -> anyhow::Result<Check> {
    let mut check = Check { expected: sent.len(), ..Check::default() };
    let mut seen = BTreeMap::new();
    for i in 0..cfg.villages {
        let res = http
            .get(format!("{server}/api/v1/records?village={}", village_id(cfg, i)))
            .bearer_auth(&admins[i % admins.len()])
            .send()
            .await?;
        if !res.status().is_success() {
            bail!("reading back village {}: HTTP {}", village_id(cfg, i), res.status());
        }
        for row in res.json::<Vec<RecordRow>>().await? {
            *seen.entry(row.id.clone()).or_insert(0usize) += 1;
            match sent.get(&row.id) {
                None => check.unexpected.push(row.id),
                Some(body) if row.rev != 1 || &row.body != body => check.changed.push(row.id),
                Some(_) => {}
            }
        }
    }
    check.found = seen.values().sum();
    check.missing = sent.keys().filter(|k| !seen.contains_key(*k)).cloned().collect();
    check.unexpected.extend(seen.iter().filter(|(_, n)| **n > 1).map(|(k, _)| format!("{k} (listed twice)")));
    Ok(check)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_by_nearest_rank() {
        let xs: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&xs, 0.5), 50.0);
        assert_eq!(quantile(&xs, 0.95), 95.0);
        assert_eq!(quantile(&xs, 0.99), 99.0);
        assert_eq!(quantile(&xs, 1.0), 100.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
        assert_eq!(quantile(&[7.0], 0.99), 7.0);
    }

    #[test]
    fn generated_records_pass_the_domains_own_rules() {
        let mut rng = Rng::new(42);
        let period = Period::parse("2026-11").unwrap();
        for i in 0..200 {
            let r = monthly_report(&mut rng, "lg-1", period);
            assert!(r.values.len() >= 10, "a report with few figures: {}", r.values.len());
            assert_eq!(Body::Report(r).validate(catalogue::current()), vec![], "report {i}");
            let a = activity(&mut rng, "lg-1", format!("lg{i:06}-0001"), period);
            assert!(a.date >= period.start() && a.date <= period.end());
            assert_eq!(Body::Activity(a).validate(catalogue::current()), vec![], "activity {i}");
        }
    }

    #[test]
    fn the_generator_is_repeatable() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let xs: Vec<u64> = (0..10).map(|_| a.range(0, 1000)).collect();
        let ys: Vec<u64> = (0..10).map(|_| b.range(0, 1000)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().any(|&x| x != xs[0]));
    }
}
