//! Concurrent writers and readers of one commune: the pull cursor (the
//! commune's version, protocol rule 5) never skips a committed row, and a
//! transaction that collides is run again whole. On SQLite (one writer) this
//! checks the rules; on PostgreSQL (SERIALIZABLE, `SOTHON_TEST_ENGINE=postgres`)
//! the writers really overlap and collide.

use crate::helpers::*;
use sothon_domain::protocol::{SyncRequest, SyncResponse};
use sothon_server::db::{self, Writer};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// One per sample village.
const WRITERS: usize = 5;
/// Months of 2026 each writer reports, then corrects (a second revision).
const MONTHS: usize = 11;
const READERS: usize = 3;

async fn sync(client: &reqwest::Client, url: &str, token: &str, req: &SyncRequest) -> SyncResponse {
    let res = client.post(url).bearer_auth(token).json(req).send().await.unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    res.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_pushes_and_pulls_every_pull_sequence_sees_every_committed_row() {
    let app = spawn().await;
    let officer = app.login("canbo").await;
    let url = app.url("/api/v1/sync");
    let done = Arc::new(AtomicUsize::new(0));
    let villages = ["pq-t01", "pq-t02", "pq-t03", "pq-t04", "pq-t05"];

    let mut writers = Vec::new();
    for (w, village) in villages.into_iter().enumerate().take(WRITERS) {
        let (client, url, token, done) = (app.client.clone(), url.clone(), officer.clone(), done.clone());
        writers.push(tokio::spawn(async move {
            let device = format!("writer-{w:02}-device");
            let mut ids = Vec::new();
            let mut seq = 0;
            for base in [0, 1] {
                for m in 1..=MONTHS {
                    let r = report_for(village, &format!("2026-{m:02}"), 100.0 + m as f64 + base as f64, 50.0);
                    ids.push(r.id());
                    seq += 1;
                    let req = request(&device, vec![mutation(&device, seq, base, r)], None);
                    let v = sync(&client, &url, &token, &req).await;
                    assert_eq!(v.results[0].status, sothon_domain::protocol::Status::Applied, "{:?}", v.results[0]);
                }
            }
            done.fetch_add(1, Ordering::SeqCst);
            ids
        }));
    }

    let mut readers = Vec::new();
    for r in 0..READERS {
        let (client, url, token, done) = (app.client.clone(), url.clone(), officer.clone(), done.clone());
        readers.push(tokio::spawn(async move {
            let device = format!("reader-{r:02}-device");
            let mut cursor = 0;
            let mut seen: BTreeMap<String, i64> = BTreeMap::new();
            let mut pulls = 0;
            loop {
                let finished = done.load(Ordering::SeqCst) == WRITERS;
                let v = sync(&client, &url, &token, &request(&device, vec![], Some(cursor))).await;
                pulls += 1;
                for c in &v.changes {
                    assert!(c.ver > cursor, "pull {pulls} from {cursor} brought {} at ver {}", c.record, c.ver);
                    seen.insert(c.record.clone(), c.ver);
                }
                assert!(v.cursor >= cursor, "the cursor went back: {cursor} → {}", v.cursor);
                cursor = v.cursor;
                // After the writers finished, pull until a pull brings nothing.
                if finished && v.changes.is_empty() {
                    return (seen, pulls);
                }
            }
        }));
    }

    let mut written = BTreeSet::new();
    for w in writers {
        written.extend(w.await.unwrap());
    }
    assert_eq!(written.len(), WRITERS * MONTHS);
    let stored: Vec<(String, i64)> =
        sothon_server::with_pool!(&app.db, p => sqlx::query_as("SELECT id, ver FROM records").fetch_all(p).await)
            .unwrap();
    let stored: BTreeMap<String, i64> = stored.into_iter().collect();
    for r in readers {
        let (seen, pulls) = r.await.unwrap();
        assert_eq!(seen, stored, "a reader missed or misdated a row ({pulls} pulls)");
    }
    let vers: BTreeSet<i64> = stored.values().copied().collect();
    assert_eq!(vers.len(), stored.len(), "no two writes share a version");
}

/// Two write transactions that take the commune's version at once: both
/// commit, with versions 1 and 2, whatever the engine does with the second
/// (SQLite makes it wait; PostgreSQL fails it with 40001 and it runs again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colliding_transactions_are_run_again_whole() {
    let app = spawn_with(None, false).await;
    sothon_server::db::accounts::add_commune(&app.db, "xa-dua", "Xã Đua").await.unwrap();
    let attempts = Arc::new(AtomicUsize::new(0));
    let take = |db: db::Db, attempts: Arc<AtomicUsize>| async move {
        db::retry(|| {
            let (db, attempts) = (db.clone(), attempts.clone());
            async move {
                attempts.fetch_add(1, Ordering::SeqCst);
                sothon_server::with_pool!(&db, p => {
                    let mut tx = p.begin_write().await?;
                    // Read first, as a push does, then take the version.
                    let _: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM records WHERE commune_id = 'xa-dua'")
                        .fetch_one(&mut *tx)
                        .await?;
                    let v = db::next_version(&mut tx, "xa-dua").await?;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    tx.commit().await?;
                    Ok::<_, db::DbError>(v)
                })
            }
        })
        .await
        .unwrap()
    };
    let (a, b) = tokio::join!(
        tokio::spawn(take(app.db.clone(), attempts.clone())),
        tokio::spawn(take(app.db.clone(), attempts.clone()))
    );
    let got: BTreeSet<i64> = [a.unwrap(), b.unwrap()].into();
    assert_eq!(got, BTreeSet::from([1, 2]));
    assert_eq!(db::current_version(&app.db, "xa-dua").await.unwrap(), 2);
    if on_postgres() {
        assert!(attempts.load(Ordering::SeqCst) > 2, "the second transaction failed with 40001 and ran again");
    }
}
