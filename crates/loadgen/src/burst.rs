//! The deadline burst: every village of a seeded database (`sothon-server
//! bench-seed`) pushes its monthly report once, as on the evening before the
//! due date; then every commune officer pulls the commune from scratch, as a
//! new office phone would, and the pulls are checked against what was sent.
//!
//! Phones are made as they are needed and dropped when their outbox is
//! empty, `concurrency` at a time, so 100,000 of them cost the memory of a
//! few hundred.

use crate::{monthly_report, now_ms, quantile, Link, Rng, Tally};
use anyhow::{anyhow, bail, Context};
use futures_util::stream::{self, StreamExt};
use sothon_domain::protocol::{Body, SyncRequest, SyncResponse, PROTOCOL_VERSION};
use sothon_domain::{Period, PeriodKind};
use sothon_sync::{Engine, MemStore, TransportError};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// One line of the sessions file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub role: Role,
    pub commune: String,
    pub village: String,
    pub username: String,
    pub token: String,
    /// Where the head's phone stands before the burst (it synced earlier).
    pub cursor: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Head,
    Officer,
}

/// Reads `role\tcommune\tvillage\tusername\ttoken\tcursor` lines (blank lines skipped).
pub fn parse_sessions(text: &str) -> anyhow::Result<Vec<Session>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let [role, commune, village, username, token, cursor] = f[..] else {
            bail!("line {}: expected 6 tab-separated fields, found {}", n + 1, f.len());
        };
        let cursor = cursor.parse().with_context(|| format!("line {}: cursor {cursor:?}", n + 1))?;
        let role = match role {
            "head" => Role::Head,
            "officer" => Role::Officer,
            other => bail!("line {}: unknown role {other:?}", n + 1),
        };
        if role == Role::Head && village == "-" {
            bail!("line {}: a head without a village", n + 1);
        }
        out.push(Session {
            role,
            commune: commune.into(),
            village: if village == "-" { String::new() } else { village.into() },
            username: username.into(),
            token: token.into(),
            cursor,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone)]
pub struct BurstConfig {
    pub server: String,
    pub sessions: Vec<Session>,
    pub concurrency: usize,
    pub seed: u64,
    /// Officers who pull after the burst (all when 0 or more than there are).
    pub pull_officers: usize,
    /// The server's process on this machine, to count its CPU time per phase.
    pub server_pid: Option<u32>,
}

/// User + system CPU seconds of a process so far (Linux `/proc`; clock
/// ticks of 1/100 s, as on every Linux this runs on).
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(") ")?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// One officer's pull of the whole commune.
#[derive(Debug, Clone, Default)]
pub struct Pull {
    pub commune: String,
    pub ms: f64,
    pub rows: usize,
    pub pages: usize,
    pub bytes: usize,
}

#[derive(Debug, Clone, Default)]
pub struct BurstOutcome {
    pub reports: usize,
    pub elapsed: Duration,
    pub round_trips: usize,
    pub errors: Vec<String>,
    pub push_ms: Vec<f64>,
    pub bytes_up: usize,
    pub bytes_down: usize,
    pub pulls: Vec<Pull>,
    pub pull_elapsed: Duration,
    /// Reports of this month found in the pulls, against those sent.
    pub check: crate::Check,
    /// The server's CPU seconds during the burst and during the pulls.
    pub server_cpu: Option<(f64, f64)>,
}

impl BurstOutcome {
    pub fn report(&self, cfg: &BurstConfig) -> String {
        let pull_ms: Vec<f64> = self.pulls.iter().map(|p| p.ms).collect();
        let rows: usize = self.pulls.iter().map(|p| p.rows).sum();
        let bytes: usize = self.pulls.iter().map(|p| p.bytes).sum();
        let per = |b: usize| b as f64 / self.reports.max(1) as f64;
        format!(
            "burst: {} villages, one monthly report each, concurrency {}\n\
             burst {:.2} s: {:.0} reports/s, {} round trips, {} errors\n\
             push round trip p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms\n\
             JSON bodies per report: {:.0} B up, {:.0} B down\n\
             officers' full pulls: {} in {:.2} s, {} rows, {:.1} MB; one pull p50 {:.0} ms, p99 {:.0} ms, \
             largest {} rows in {} pages\n\
             {}\n\
             pulls hold {} of {} reports sent: {}",
            self.reports,
            cfg.concurrency,
            self.elapsed.as_secs_f64(),
            self.reports as f64 / self.elapsed.as_secs_f64().max(1e-9),
            self.round_trips,
            self.errors.len(),
            quantile(&self.push_ms, 0.5),
            quantile(&self.push_ms, 0.95),
            quantile(&self.push_ms, 0.99),
            per(self.bytes_up),
            per(self.bytes_down),
            self.pulls.len(),
            self.pull_elapsed.as_secs_f64(),
            rows,
            bytes as f64 / 1e6,
            quantile(&pull_ms, 0.5),
            quantile(&pull_ms, 0.99),
            self.pulls.iter().map(|p| p.rows).max().unwrap_or(0),
            self.pulls.iter().map(|p| p.pages).max().unwrap_or(0),
            match self.server_cpu {
                Some((b, p)) => format!("server CPU: {b:.1} s for the burst, {p:.1} s for the pulls"),
                None => "server CPU: not measured (--server-pid)".into(),
            },
            self.check.found,
            self.check.expected,
            self.check.verdict()
        )
    }
}

/// Runs the burst, then the officers' pulls, on the current thread.
pub async fn burst(cfg: &BurstConfig) -> anyhow::Result<BurstOutcome> {
    let heads: Vec<&Session> = cfg.sessions.iter().filter(|s| s.role == Role::Head).collect();
    let officers: Vec<&Session> = cfg.sessions.iter().filter(|s| s.role == Role::Officer).collect();
    if heads.is_empty() || officers.is_empty() {
        bail!("the sessions file needs heads and officers (sothon-server bench-seed makes both)");
    }
    let concurrency = cfg.concurrency.max(1);
    let http = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let server = cfg.server.trim_end_matches('/').to_string();
    let period = Period::containing(PeriodKind::Month, sothon_domain::format::vn_date(now_ms()));
    let tally = Rc::new(Tally::default());
    let gate = Rc::new(Semaphore::new(concurrency));
    let sent: RefCell<BTreeMap<String, Body>> = RefCell::new(BTreeMap::new());

    let cpu = || cfg.server_pid.and_then(cpu_seconds);
    let cpu0 = cpu();
    let started = Instant::now();
    let phones = stream::iter(heads.iter().enumerate()).map(|(d, head)| {
        let (http, server, tally, gate, sent) = (http.clone(), server.clone(), tally.clone(), gate.clone(), &sent);
        async move {
            let mut rng = Rng::new(cfg.seed ^ (d as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let device = format!("burst{:x}-{d:06}", cfg.seed & 0xffff);
            let engine =
                Engine::open_as(MemStore::new(), &head.username, move || device.clone()).map_err(|e| anyhow!("{e}"))?;
            // The phone synced before the evening of the burst: it stands at
            // its commune's version then, as its last answer left it.
            let before = SyncResponse {
                v: PROTOCOL_VERSION,
                now: now_ms(),
                results: Vec::new(),
                changes: Vec::new(),
                cursor: head.cursor,
                due: Vec::new(),
            };
            engine.apply_response(before.now, &before).map_err(|e| anyhow!("{e}"))?;
            let body = Body::Report(monthly_report(&mut rng, &head.village, period));
            sent.borrow_mut().insert(body.record_id(), body.clone());
            engine.submit(body, now_ms()).map_err(|e| anyhow!("{e}"))?;
            let link = Link {
                http,
                url: format!("{server}/api/v1/sync"),
                token: head.token.clone(),
                delay: Duration::ZERO,
                fail_rate: 0.0,
                rng: RefCell::new(rng),
                tally,
                gate,
            };
            for attempt in 0..200u32 {
                match engine.sync(&link, now_ms).await {
                    Ok(_) if engine.outbox().is_empty() => return Ok(()),
                    Ok(_) => {}
                    Err(sothon_sync::SyncError::Transport(TransportError::Unreachable(_))) => {}
                    Err(sothon_sync::SyncError::Transport(TransportError::Rejected { status: 503, .. })) => {}
                    Err(e) => return Err(anyhow!("{}: {e}", head.village)),
                }
                tokio::time::sleep(Duration::from_millis(u64::from(attempt.min(10)) * 20)).await;
            }
            Err(anyhow!("{}: outbox not empty after 200 syncs", head.village))
        }
    });
    let results: Vec<anyhow::Result<()>> = phones.buffer_unordered(concurrency).collect().await;
    let elapsed = started.elapsed();
    let cpu1 = cpu();
    for r in results {
        r?;
    }

    let take = if cfg.pull_officers == 0 { officers.len() } else { cfg.pull_officers.min(officers.len()) };
    let pull_started = Instant::now();
    let pulls = stream::iter(officers.iter().take(take))
        .map(|o| pull_all(&http, &server, o, period))
        .buffer_unordered(concurrency.min(32))
        .collect::<Vec<_>>()
        .await;
    let pull_elapsed = pull_started.elapsed();
    let server_cpu = match (cpu0, cpu1, cpu()) {
        (Some(a), Some(b), Some(c)) => Some((b - a, c - b)),
        _ => None,
    };

    let sent = sent.into_inner();
    let pulled_communes: std::collections::BTreeSet<&str> =
        officers.iter().take(take).map(|o| o.commune.as_str()).collect();
    let commune_of: BTreeMap<&str, &str> = heads.iter().map(|h| (h.village.as_str(), h.commune.as_str())).collect();
    let expected: BTreeMap<&String, &Body> =
        sent.iter().filter(|(_, b)| commune_of.get(b.village()).is_some_and(|c| pulled_communes.contains(c))).collect();
    let mut check = crate::Check { expected: expected.len(), ..crate::Check::default() };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out_pulls = Vec::new();
    for p in pulls {
        let (pull, this_month) = p?;
        for (id, rev, body) in this_month {
            *seen.entry(id.clone()).or_insert(0) += 1;
            match expected.get(&id) {
                None => check.unexpected.push(id),
                Some(b) if rev != 1 || *b != &body => check.changed.push(id),
                Some(_) => {}
            }
        }
        out_pulls.push(pull);
    }
    check.found = seen.values().sum();
    check.missing = expected.keys().filter(|k| !seen.contains_key(k.as_str())).map(|k| (*k).clone()).collect();
    check.unexpected.extend(seen.iter().filter(|(_, n)| **n > 1).map(|(k, _)| format!("{k} (pulled twice)")));
    Ok(BurstOutcome {
        reports: sent.len(),
        elapsed,
        round_trips: tally.round_trips.get(),
        errors: tally.errors.take(),
        push_ms: tally.push_ms.take(),
        bytes_up: tally.up.get(),
        bytes_down: tally.down.get(),
        pulls: out_pulls,
        pull_elapsed,
        check,
        server_cpu,
    })
}

/// This month's reports of a pull: id, revision, body.
type Found = Vec<(String, u32, Body)>;

/// An officer's pull from cursor 0 until a page comes back short.
async fn pull_all(
    http: &reqwest::Client,
    server: &str,
    officer: &Session,
    period: Period,
) -> anyhow::Result<(Pull, Found)> {
    let started = Instant::now();
    let mut pull = Pull { commune: officer.commune.clone(), ..Pull::default() };
    let mut found = Vec::new();
    let mut cursor = 0i64;
    loop {
        let req = SyncRequest {
            v: PROTOCOL_VERSION,
            device: format!("burst-office-{}", officer.commune),
            now: now_ms(),
            push: Vec::new(),
            cursor: Some(cursor),
            unsent: Some(0),
        };
        let res = http
            .post(format!("{server}/api/v1/sync"))
            .bearer_auth(&officer.token)
            .json(&req)
            .send()
            .await
            .with_context(|| format!("pull of {}", officer.commune))?;
        let status = res.status();
        let bytes = res.bytes().await?;
        if !status.is_success() {
            bail!("pull of {}: HTTP {status} {}", officer.commune, String::from_utf8_lossy(&bytes));
        }
        pull.bytes += bytes.len();
        pull.pages += 1;
        let resp: SyncResponse = serde_json::from_slice(&bytes)?;
        pull.rows += resp.changes.len();
        let last_page = resp.changes.is_empty() || resp.cursor == cursor;
        for c in resp.changes {
            if let Body::Report(r) = &c.body {
                if r.period == period {
                    found.push((c.record, c.rev, c.body));
                }
            }
        }
        if last_page {
            break;
        }
        cursor = resp.cursor;
    }
    pull.ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok((pull, found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_spent_some_cpu() {
        let spent = cpu_seconds(std::process::id()).expect("/proc is there");
        assert!(spent >= 0.0);
        let mut x = 0u64;
        for i in 0..50_000_000u64 {
            x = x.wrapping_add(i * i);
        }
        assert!(x > 0);
        assert!(cpu_seconds(std::process::id()).unwrap() > spent);
        assert_eq!(cpu_seconds(u32::MAX), None);
    }

    #[test]
    fn sessions_are_read_and_bad_lines_named() {
        let s = parse_sessions("officer\tc1\t-\tb.o0\tT0\t0\n\nhead\tc1\tv1\tb.h0\tT1\t7\n").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].role, Role::Officer);
        assert_eq!(s[0].village, "");
        assert_eq!(s[1].village, "v1");
        assert_eq!(s[1].cursor, 7);
        let e = parse_sessions("head\tc1\tv1\tb.h0\tT1\t0\nhead\tc1\n").unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
        assert!(parse_sessions("head\tc1\t-\tb.h0\tT1\t0").is_err());
        assert!(parse_sessions("mayor\tc1\tv\tu\tt\t0").is_err());
        assert!(parse_sessions("head\tc1\tv\tu\tt\tx").is_err());
    }
}
