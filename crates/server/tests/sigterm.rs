//! The real server binary, stopped with SIGTERM while phones push.
//!
//! A graceful stop (`sothon_server::Drain`): new writes are refused with 503
//! and `Retry-After`, writes in flight commit and get their answer, then the
//! server exits 0. Afterwards every answered mutation is stored with the
//! answer given; every refused one is absent; one whose answer never came
//! (the connection closed) is either stored or absent, and sending it again
//! to the next server gives one copy either way.

#[path = "common/testdb.rs"]
mod testdb;
use testdb::TestDb;
#[path = "common/proc.rs"]
mod proc;

use proc::{login, Proc};
use sothon_domain::event::Topic;
use sothon_domain::protocol::{Body, Mutation, MutationResult, SyncRequest, SyncResponse, PROTOCOL_VERSION};
use sothon_domain::Activity;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PHONES: &[(&str, &str)] = &[("truongthon1", "pq-t01"), ("truongthon2", "pq-t02"), ("congnghe1", "pq-t01")];
/// Mutations per push: big enough that a push is in flight at any moment.
const BATCH: usize = 40;

fn push_of(k: usize, n: usize) -> Vec<Mutation> {
    let (_, village) = PHONES[k];
    let device = format!("term-phone-{k}");
    (0..BATCH)
        .map(|i| {
            let seq = (n * BATCH + i + 1) as u64;
            let body = Body::Activity(Activity {
                id: format!("term-{k}-{seq:05}"),
                village: village.into(),
                date: chrono::NaiveDate::from_ymd_opt(2026, 11, 1 + (seq % 28) as u32).expect("date"),
                topic: Topic::ALL[seq as usize % Topic::ALL.len()],
                participants: 5 + (seq % 30) as u32,
                helped: (seq % 5) as u32,
                note: format!("{device} #{seq}"),
            });
            Mutation {
                id: Mutation::make_id(&device, seq),
                seq,
                record: body.record_id(),
                base: 0,
                at: 1_795_000_000_000,
                body,
            }
        })
        .collect()
}

fn request(k: usize, push: &[Mutation]) -> SyncRequest {
    SyncRequest {
        v: PROTOCOL_VERSION,
        device: format!("term-phone-{k}"),
        now: 1_795_000_000_000,
        push: push.to_vec(),
        cursor: None,
        unsent: None,
    }
}

/// How a push ended.
#[derive(Debug)]
enum Answer {
    Stored(Vec<MutationResult>),
    Refused,
    Cut,
}

async fn send(client: &reqwest::Client, base: &str, token: &str, req: &SyncRequest) -> Answer {
    let Ok(res) = client.post(format!("{base}/api/v1/sync")).bearer_auth(token).json(req).send().await else {
        return Answer::Cut;
    };
    let status = res.status().as_u16();
    let retry = res.headers().get("retry-after").is_some();
    let Ok(text) = res.text().await else { return Answer::Cut };
    match status {
        200 => Answer::Stored(serde_json::from_str::<SyncResponse>(&text).expect("sync answer").results),
        503 => {
            assert!(retry, "a refusal says when to come back");
            assert!(text.contains("\"unavailable\""), "{text}");
            Answer::Refused
        }
        other => panic!("a push got {other}: {text}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_answers_pushes_in_flight_refuses_new_ones_and_loses_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let testdb = TestDb::new(dir.path(), "term.db");
    let db_path = testdb.url.as_str();
    let server = Proc::start(db_path);
    let client = reqwest::Client::new();
    let mut tokens = Vec::new();
    for (account, _) in PHONES {
        tokens.push(login(&client, &server.base, account).await);
    }
    let stored: Arc<Mutex<BTreeMap<String, MutationResult>>> = Arc::default();
    let refused: Arc<Mutex<Vec<String>>> = Arc::default();
    let cut: Arc<Mutex<Vec<String>>> = Arc::default();
    let answered = Arc::new(AtomicUsize::new(0));
    let signalled = Arc::new(AtomicBool::new(false));
    let answered_after_signal = Arc::new(AtomicUsize::new(0));
    let mut phones = Vec::new();
    for (k, token) in tokens.iter().enumerate() {
        let (client, base, token) = (client.clone(), server.base.clone(), token.clone());
        let (stored, refused, cut, answered) = (stored.clone(), refused.clone(), cut.clone(), answered.clone());
        let (signalled, answered_after_signal) = (signalled.clone(), answered_after_signal.clone());
        phones.push(tokio::spawn(async move {
            // Each phone pushes until refused or cut; those pushes go to the next server below.
            for n in 0..10_000 {
                let push = push_of(k, n);
                let sent_before_signal = !signalled.load(Ordering::SeqCst);
                let ids = push.iter().map(|m| m.id.clone());
                match send(&client, &base, &token, &request(k, &push)).await {
                    Answer::Stored(results) => {
                        assert_eq!(results.len(), BATCH);
                        if sent_before_signal && signalled.load(Ordering::SeqCst) {
                            answered_after_signal.fetch_add(1, Ordering::SeqCst);
                        }
                        answered.fetch_add(1, Ordering::SeqCst);
                        let mut s = stored.lock().expect("stored");
                        for r in results {
                            s.insert(r.id.clone(), r);
                        }
                    }
                    // A real phone waits Retry-After; this one is done.
                    Answer::Refused => {
                        refused.lock().expect("refused").extend(ids);
                        return n;
                    }
                    Answer::Cut => {
                        cut.lock().expect("cut").extend(ids);
                        return n;
                    }
                }
            }
            10_000
        }));
    }
    // Let every phone get some pushes through, then ask the server to stop.
    let deadline = Instant::now() + Duration::from_secs(60);
    while answered.load(Ordering::SeqCst) < 3 * PHONES.len() {
        assert!(Instant::now() < deadline, "pushes too slow");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut server = server;
    signalled.store(true, Ordering::SeqCst);
    let pid = server.child.id().to_string();
    let term = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill -TERM");
    assert!(term.success());
    let started = Instant::now();
    let status = loop {
        if let Some(s) = server.child.try_wait().expect("wait") {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(40), "the server did not stop within 40 s of SIGTERM");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(status.success(), "a graceful stop exits 0: {status}");
    for p in phones {
        p.await.expect("phone");
    }
    drop(server);

    let db = sothon_server::db::connect(db_path).await.expect("database");
    let ok: String =
        sothon_server::with_pool!(&db, p => sqlx::query_scalar(testdb::INTEGRITY_CHECK[usize::from(matches!(db, sothon_server::db::Db::Pg(_)))]).fetch_one(p).await)
            .expect("check");
    assert_eq!(ok, "ok");
    let rows: Vec<(String, String)> =
        sothon_server::with_pool!(&db, p => sqlx::query_as("SELECT id, result FROM mutations").fetch_all(p).await)
            .expect("rows");
    let in_db: BTreeMap<String, MutationResult> =
        rows.into_iter().map(|(id, r)| (id, serde_json::from_str(&r).expect("result"))).collect();
    let stored = stored.lock().expect("stored").clone();
    for (id, r) in &stored {
        assert_eq!(in_db.get(id), Some(r), "answered {id}: stored with the answer given");
    }
    let refused = refused.lock().expect("refused").clone();
    for id in &refused {
        assert!(!in_db.contains_key(id), "refused {id} with 503, yet stored");
    }
    let cut = cut.lock().expect("cut").clone();
    let stored_cut = cut.iter().filter(|id| in_db.contains_key(*id)).count();
    assert_eq!(in_db.len(), stored.len() + stored_cut, "nothing stored that was neither answered nor cut");
    db.close().await;

    // The next server: every refused or cut push sent again is stored once.
    let server = Proc::start(db_path);
    let mut again = 0;
    for (k, (account, _)) in PHONES.iter().enumerate() {
        let token = login(&client, &server.base, account).await;
        let mine: Vec<Mutation> = (0..10_000)
            .map(|n| push_of(k, n))
            .take_while(|p| {
                p.iter().any(|m| stored.contains_key(&m.id) || refused.contains(&m.id) || cut.contains(&m.id))
            })
            .flatten()
            .filter(|m| !stored.contains_key(&m.id))
            .collect();
        for chunk in mine.chunks(BATCH) {
            match send(&client, &server.base, &token, &request(k, chunk)).await {
                Answer::Stored(r) => again += r.len(),
                other => panic!("the next server must take it: {other:?}"),
            }
        }
    }
    drop(server);
    let db = sothon_server::db::connect(db_path).await.expect("database");
    let total: i64 =
        sothon_server::with_pool!(&db, p => sqlx::query_scalar("SELECT COUNT(*) FROM mutations").fetch_one(p).await)
            .expect("count");
    let records: i64 =
        sothon_server::with_pool!(&db, p => sqlx::query_scalar("SELECT COUNT(*) FROM records").fetch_one(p).await)
            .expect("count");
    assert_eq!(total as usize, stored.len() + again, "every mutation once");
    assert_eq!(records, total, "one record per mutation (each writes its own activity)");
    eprintln!(
        "sigterm: {} mutations answered before the stop ({} pushes in flight at the signal answered), {} refused \
         with 503, {} cut ({stored_cut} of them stored); all {total} stored once after sending again; stop took {:.2} s",
        stored.len(),
        answered_after_signal.load(Ordering::SeqCst),
        refused.len(),
        cut.len(),
        started.elapsed().as_secs_f64()
    );
}
