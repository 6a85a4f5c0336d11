//! The real server binary, killed with SIGKILL while several phones push at
//! once, restarted on the same database, again and again.
//!
//! Every push the server acknowledged (a 200 answer with its results) must
//! survive the kill: the answer is sent only after the commit, and SQLite's
//! commit is durable. Then every push of every phone is sent again, the
//! acknowledged, the unacknowledged and the never-sent alike, and each
//! mutation must be stored exactly once, with the same answer every time.

use sothon_domain::event::{IncidentKind, Severity, Topic};
use sothon_domain::protocol::{Body, Mutation, MutationResult, Status, SyncRequest, SyncResponse, PROTOCOL_VERSION};
use sothon_domain::{Activity, Incident, Period, Report, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many times the server is killed.
const KILLS: usize = 20;
/// Pushes per phone.
const PUSHES: usize = 40;

#[path = "common/testdb.rs"]
mod testdb;
use testdb::TestDb;
#[path = "common/proc.rs"]
mod proc;
use proc::{login, Proc};

/// One phone: its account and its pushes, planned in advance.
struct Phone {
    device: String,
    account: &'static str,
    pushes: Vec<Vec<Mutation>>,
}

fn report(village: &str, period: Period, pop: u64, note: String) -> Body {
    let mut r = Report::new(village, period, 2);
    r.values.insert("pop".into(), Value::Num(pop as f64));
    r.values.insert("bhyt".into(), Value::Num((pop * 9 / 10) as f64));
    r.values.insert("hh".into(), Value::Num((pop / 4) as f64));
    r.difficulties = note;
    Body::Report(r)
}

/// Each phone writes its own records (no two phones meet on one), so the
/// final state of each record is the phone's last version of it. A phone
/// edits its earlier records too: base 0 throughout, as a phone that never
/// got an answer would send, and accepted because the record's current
/// revision is its own.
fn plan() -> Vec<Phone> {
    let phones: &[(&str, &str)] = &[
        ("truongthon1", "pq-t01"),
        ("truongthon1", "pq-t01"),
        ("truongthon2", "pq-t02"),
        ("truongthon2", "pq-t02"),
        ("congnghe1", "pq-t01"),
        ("canbo", "pq-t03"),
    ];
    phones
        .iter()
        .enumerate()
        .map(|(k, &(account, village))| {
            let device = format!("kill-phone-{k:02}");
            let mut seq = 0u64;
            let mut records: Vec<Body> = Vec::new();
            let mut pushes = Vec::new();
            for p in 0..PUSHES {
                let n = 1 + (p * 7 + k * 3) % 8;
                let mut push = Vec::new();
                for i in 0..n {
                    seq += 1;
                    let note = format!("{device} v{seq}");
                    let body = match (seq + k as u64) % 5 {
                        // An edit of one of this phone's earlier records.
                        0 | 1 if records.len() > 2 => {
                            let mut b = records[(seq as usize * 31) % records.len()].clone();
                            match &mut b {
                                Body::Report(r) => {
                                    r.values.insert("pop".into(), Value::Num((500 + seq) as f64));
                                    r.difficulties = note;
                                }
                                Body::Incident(x) => x.description = note,
                                Body::Activity(a) => a.note = note,
                            }
                            b
                        }
                        // A new report: phone k uses the months of year 2021 + k.
                        0..=2 => {
                            let month = (records.len() % 12) as u8 + 1;
                            let period =
                                Period::new(sothon_domain::PeriodKind::Month, 2021 + k as i32, month).expect("period");
                            let id = Report::record_id(village, &period);
                            if records.iter().any(|r| r.record_id() == id) {
                                new_event(k, seq, village, i, note)
                            } else {
                                report(village, period, 400 + seq, note)
                            }
                        }
                        _ => new_event(k, seq, village, i, note),
                    };
                    match records.iter_mut().find(|r| r.record_id() == body.record_id()) {
                        Some(r) => *r = body.clone(),
                        None => records.push(body.clone()),
                    }
                    push.push(Mutation {
                        id: Mutation::make_id(&device, seq),
                        seq,
                        record: body.record_id(),
                        base: 0,
                        at: 1_790_000_000_000 + seq as i64 * 1000,
                        body,
                    });
                }
                pushes.push(push);
            }
            Phone { device, account, pushes }
        })
        .collect()
}

fn new_event(k: usize, seq: u64, village: &str, i: usize, note: String) -> Body {
    if seq.is_multiple_of(2) {
        Body::Incident(Incident {
            id: format!("kill-{k}-{seq}"),
            village: village.into(),
            kind: IncidentKind::ALL[i % IncidentKind::ALL.len()],
            at: 1_790_000_000_000 + seq as i64,
            severity: Severity::Medium,
            gps: None,
            people: Some((seq % 30) as u32),
            households: Some((seq % 7) as u32),
            description: note,
            followups: Vec::new(),
        })
    } else {
        Body::Activity(Activity {
            id: format!("kill-{k}-{seq}"),
            village: village.into(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 1 + (seq % 28) as u32).expect("date"),
            topic: Topic::ALL[i % Topic::ALL.len()],
            participants: 10 + (seq % 20) as u32,
            helped: (seq % 10) as u32,
            note,
        })
    }
}

/// A push that also pulls, as the phones' pushes do: the pull runs after the
/// commit, so a kill in between loses the answer of a committed push.
fn request(device: &str, push: &[Mutation]) -> SyncRequest {
    SyncRequest {
        v: PROTOCOL_VERSION,
        device: device.into(),
        now: 1_790_000_500_000,
        push: push.to_vec(),
        cursor: Some(0),
        unsent: None,
    }
}

/// Sends one push; `None` when the server is gone (refused, reset, cut).
async fn push(client: &reqwest::Client, base: &str, token: &str, req: &SyncRequest) -> Option<SyncResponse> {
    let res = client.post(format!("{base}/api/v1/sync")).bearer_auth(token).json(req).send().await.ok()?;
    let status = res.status();
    let text = res.text().await.ok()?;
    assert_eq!(status, 200, "a push the server answered must succeed: {text}");
    Some(serde_json::from_str(&text).expect("sync answer"))
}

type Acks = Arc<Mutex<BTreeMap<String, MutationResult>>>;

async fn stored(db: &sothon_server::db::Db) -> BTreeMap<String, MutationResult> {
    let rows: Vec<(String, String)> =
        sothon_server::with_pool!(db, p => sqlx::query_as("SELECT id, result FROM mutations").fetch_all(p).await)
            .expect("mutations");
    rows.into_iter().map(|(id, r)| (id, serde_json::from_str(&r).expect("stored result"))).collect()
}

/// Every acknowledged mutation is stored, with the answer that was given.
async fn check_acks_survived(db_path: &str, acks: &Acks, after_kill: usize) {
    let db = sothon_server::db::connect(db_path).await.expect("database");
    let ok: String =
        sothon_server::with_pool!(&db, p => sqlx::query_scalar(testdb::INTEGRITY_CHECK[usize::from(matches!(db, sothon_server::db::Db::Pg(_)))]).fetch_one(p).await)
            .expect("integrity check");
    assert_eq!(ok, "ok", "database intact after kill {after_kill}");
    let stored = stored(&db).await;
    let acks = acks.lock().expect("acks").clone();
    let mut lost = Vec::new();
    for (id, r) in &acks {
        match stored.get(id) {
            None => lost.push(id.clone()),
            Some(s) => assert_eq!(s, r, "the stored result of {id} differs from the acknowledgement"),
        }
    }
    assert!(lost.is_empty(), "kill {after_kill}: {} acknowledged mutations lost: {lost:?}", lost.len());
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_pushes_survive_sigkill_and_replays_apply_once() {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let testdb = TestDb::new(dir.path(), "kill.db");
    let db_path = testdb.url.as_str();
    let phones = Arc::new(plan());
    let total: usize = phones.iter().map(|p| p.pushes.iter().map(Vec::len).sum::<usize>()).sum();
    let acks: Acks = Arc::default();
    let acked = Arc::new(AtomicUsize::new(0));
    // Next push of each phone: a push is retried until it is answered.
    let next: Arc<Vec<AtomicUsize>> = Arc::new(phones.iter().map(|_| AtomicUsize::new(0)).collect());
    let mut tokens: BTreeMap<&str, String> = BTreeMap::new();
    let mut killed_in_flight = 0;
    // A phone whose push was cut; when that push is answered after the
    // restart, was it already committed before the kill (answer lost)?
    let cut: Arc<Vec<AtomicBool>> = Arc::new(phones.iter().map(|_| AtomicBool::new(false)).collect());
    let last_kill_ms = Arc::new(AtomicI64::new(0));
    let committed_unanswered = Arc::new(AtomicUsize::new(0));

    for cycle in 0..=KILLS {
        let server = Proc::start(db_path);
        let client = reqwest::Client::new();
        for p in phones.iter() {
            if !tokens.contains_key(p.account) {
                tokens.insert(p.account, login(&client, &server.base, p.account).await);
            }
        }
        let mut tasks = Vec::new();
        for (k, _) in phones.iter().enumerate() {
            let (phones, next, acks, acked) = (phones.clone(), next.clone(), acks.clone(), acked.clone());
            let (cut, last_kill_ms, committed_unanswered) =
                (cut.clone(), last_kill_ms.clone(), committed_unanswered.clone());
            let (client, base, token) = (client.clone(), server.base.clone(), tokens[phones[k].account].clone());
            tasks.push(tokio::spawn(async move {
                let phone = &phones[k];
                loop {
                    let i = next[k].load(Ordering::SeqCst);
                    if i >= phone.pushes.len() {
                        return true;
                    }
                    let req = request(&phone.device, &phone.pushes[i]);
                    let Some(resp) = push(&client, &base, &token, &req).await else {
                        cut[k].store(true, Ordering::SeqCst);
                        return false;
                    };
                    assert_eq!(resp.results.len(), req.push.len());
                    if cut[k].swap(false, Ordering::SeqCst)
                        && resp.results.iter().any(|r| r.received < last_kill_ms.load(Ordering::SeqCst))
                    {
                        committed_unanswered.fetch_add(1, Ordering::SeqCst);
                    }
                    {
                        let mut a = acks.lock().expect("acks");
                        for r in resp.results {
                            a.insert(r.id.clone(), r);
                        }
                    }
                    acked.fetch_add(req.push.len(), Ordering::SeqCst);
                    next[k].store(i + 1, Ordering::SeqCst);
                }
            }));
        }
        if cycle < KILLS {
            // Kill while every phone is pushing: at 10 %, 20 %, … 80 % acknowledged.
            let target = total * (10 + 70 * cycle / (KILLS - 1)) / 100;
            let deadline = Instant::now() + Duration::from_secs(120);
            while acked.load(Ordering::SeqCst) < target {
                assert!(Instant::now() < deadline, "pushes too slow: {} of {target}", acked.load(Ordering::SeqCst));
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            last_kill_ms.store(chrono::Utc::now().timestamp_millis(), Ordering::SeqCst);
            server.kill();
            for t in tasks {
                if !t.await.expect("phone task") {
                    killed_in_flight += 1;
                }
            }
            check_acks_survived(db_path, &acks, cycle + 1).await;
        } else {
            for t in tasks {
                assert!(t.await.expect("phone task"), "every push answered once the server stays up");
            }
            drop(server);
        }
    }
    assert!(killed_in_flight > 0, "the kills should have cut pushes in flight");
    let acked_before_replay = acks.lock().expect("acks").clone();

    // Every push of every phone, once more, after one last kill and restart:
    // answered from the store, applied never again.
    let server = Proc::start(db_path);
    let client = reqwest::Client::new();
    let mut replays = Vec::new();
    for p in phones.iter() {
        let (client, base, token) = (client.clone(), server.base.clone(), tokens[p.account].clone());
        let reqs: Vec<SyncRequest> = p.pushes.iter().map(|m| request(&p.device, m)).collect();
        replays.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            for r in &reqs {
                answers.extend(push(&client, &base, &token, r).await.expect("replay answered").results);
            }
            answers
        }));
    }
    let mut replayed = Vec::new();
    for r in replays {
        replayed.extend(r.await.expect("replay task"));
    }
    let db = sothon_server::db::connect(db_path).await.expect("database");
    let stored = stored(&db).await;
    assert_eq!(stored.len(), total, "one row per mutation");
    for r in &replayed {
        assert_eq!(stored.get(&r.id), Some(r), "a replay gets the stored answer");
        assert_eq!(r.status, Status::Applied, "pushed in order, every mutation applies: {r:?}");
    }
    for (id, r) in &acked_before_replay {
        assert_eq!(stored.get(id), Some(r), "acknowledged {id}, answered the same ever after");
    }

    // Each record: one revision per mutation of it, and the phone's last version.
    let mut last: BTreeMap<String, (u64, Body, u32)> = BTreeMap::new();
    for p in phones.iter() {
        for m in p.pushes.iter().flatten() {
            let e = last.entry(m.record.clone()).or_insert((0, m.body.clone(), 0));
            e.2 += 1;
            if m.seq > e.0 {
                e.0 = m.seq;
                e.1 = m.body.clone();
            }
        }
    }
    let rows: Vec<(String, i64, String)> =
        sothon_server::with_pool!(&db, p => sqlx::query_as("SELECT id, rev, body FROM records").fetch_all(p).await)
            .expect("records");
    assert_eq!(rows.len(), last.len(), "one record per record id pushed");
    for (id, rev, body) in rows {
        let (_, want, edits) = &last[&id];
        assert_eq!(rev, i64::from(*edits), "{id}: one revision per mutation");
        assert_eq!(&serde_json::from_str::<Body>(&body).expect("body"), want, "{id}: the last version");
    }
    db.close().await;
    drop(server);
    eprintln!(
        "sigkill: {total} mutations from {} phones, {KILLS} kills ({killed_in_flight} pushes cut, {} of them \
         committed before the kill with the answer lost), {} acknowledged before the replay; {:.1} s",
        phones.len(),
        committed_unanswered.load(Ordering::SeqCst),
        acked_before_replay.len(),
        started.elapsed().as_secs_f64()
    );
}
