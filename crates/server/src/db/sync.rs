//! Applying pushed mutations: the server side of the exactly-once rules at the
//! top of `sothon_domain::protocol`.
//!
//! One push is one transaction. For each mutation, in the order sent:
//!
//! 1. its id was seen before → the stored result, verbatim (a replay);
//! 2. the record already has an edit from the same origin device with this
//!    `seq` or a later one → `superseded` (a late, reordered older edit);
//! 3. no such record → created at rev 1, `applied`;
//! 4. the record is at the mutation's `base`, or its current revision came
//!    from the same origin device (which only ever edits forward) → the body
//!    replaces the record's, rev + 1, `applied`, and the record is `received`
//!    again (a record returned for correction comes back this way, and the
//!    office's comment, which was about the old revision, is cleared; the
//!    `reviews` history keeps it);
//! 5. otherwise (another device's edit came in between, or the commune office
//!    approved the record, which locks it) → `conflict`: the edit is kept in
//!    `conflicts` for a person, the record's body and rev stay as they were
//!    and its state says `conflict` (an approved record stays `approved`).
//!
//! Every mutation is then remembered with its result, and the highest `seq`
//! per record and origin device is kept for rule 2.
//!
//! The push is answered only after the commit, so a phone that got an answer
//! can drop its outbox entry: the mutation is durably stored.

use super::{is_busy, now_ms};
use crate::auth::AuthUser;
use sothon_domain::protocol::{receipt_code, Mutation, MutationResult, Status};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::time::Duration;

/// What was pushed, already validated and authorised by the caller.
pub struct Push<'a> {
    /// Who pushed: the writes go to this user's commune.
    pub user: &'a AuthUser,
    /// The device that sent the request.
    pub device: &'a str,
    /// The device's clock when it sent the request, ms.
    pub device_now: i64,
    /// In the order sent.
    pub mutations: &'a [Mutation],
}

/// Applies a push in one transaction, retrying it whole if SQLite stays busy.
/// Returns the server time of the push and one result per mutation.
pub async fn apply(db: &SqlitePool, push: &Push<'_>) -> anyhow::Result<(i64, Vec<MutationResult>)> {
    let mut attempt = 0;
    loop {
        match apply_once(db, push).await {
            Err(e) if is_busy(&e) && attempt < 4 => {
                attempt += 1;
                tracing::warn!("sync: database busy, retry {attempt}");
                tokio::time::sleep(Duration::from_millis(25 << attempt)).await;
            }
            r => return Ok(r?),
        }
    }
}

fn status_str(s: Status) -> &'static str {
    match s {
        Status::Applied => "applied",
        Status::Superseded => "superseded",
        Status::Conflict => "conflict",
    }
}

fn json_err(e: serde_json::Error) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

/// Hands out `updated_at` values that strictly increase within a commune, so
/// the pull cursor never has two records at one instant even when the server
/// clock stands still or steps back.
struct Clock {
    last: i64,
}

impl Clock {
    fn tick(&mut self, now: i64) -> i64 {
        self.last = now.max(self.last + 1);
        self.last
    }
}

async fn apply_once(db: &SqlitePool, push: &Push<'_>) -> sqlx::Result<(i64, Vec<MutationResult>)> {
    let commune = push.user.commune.as_str();
    // IMMEDIATE takes the write lock up front: a deferred transaction that
    // reads first would fail, not wait, when it has to upgrade under WAL.
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let now = now_ms();
    let skew = now - push.device_now;
    let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(updated_at), 0) FROM records WHERE commune_id = ?")
        .bind(commune)
        .fetch_one(&mut *tx)
        .await?;
    let mut clock = Clock { last };
    let mut results = Vec::with_capacity(push.mutations.len());
    for m in push.mutations {
        let stored: Option<String> = sqlx::query_scalar("SELECT result FROM mutations WHERE commune_id = ? AND id = ?")
            .bind(commune)
            .bind(&m.id)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(stored) = stored {
            results.push(serde_json::from_str(&stored).map_err(json_err)?);
            continue;
        }
        let result = apply_new(&mut tx, push, m, now, skew, &mut clock).await?;
        results.push(result);
    }
    tx.commit().await?;
    Ok((now, results))
}

async fn apply_new(
    tx: &mut Transaction<'static, Sqlite>,
    push: &Push<'_>,
    m: &Mutation,
    now: i64,
    skew: i64,
    clock: &mut Clock,
) -> sqlx::Result<MutationResult> {
    let commune = push.user.commune.as_str();
    let origin = m.origin();
    // Validation made sure seq fits.
    let seq = i64::try_from(m.seq).unwrap_or(i64::MAX);
    let base = i64::from(m.base);
    let body = serde_json::to_string(&m.body).map_err(json_err)?;
    let current: Option<(i64, String, String)> =
        sqlx::query_as("SELECT rev, state, last_device FROM records WHERE commune_id = ? AND id = ?")
            .bind(commune)
            .bind(&m.record)
            .fetch_optional(&mut **tx)
            .await?;
    let seen: Option<i64> =
        sqlx::query_scalar("SELECT seq FROM record_seq WHERE commune_id = ? AND record_id = ? AND device = ?")
            .bind(commune)
            .bind(&m.record)
            .bind(origin)
            .fetch_optional(&mut **tx)
            .await?;

    let (status, rev) = match current {
        Some((rev, ..)) if seen.is_some_and(|s| s >= seq) => (Status::Superseded, rev),
        None => {
            let (kind, period) = (m.body.kind(), m.body.period().to_string());
            sqlx::query(
                "INSERT INTO records (commune_id, id, village_id, kind, period, body, rev, state, receipt,
                                      comment, last_device, created_at, updated_at, device_at, skew_ms)
                 VALUES (?, ?, ?, ?, ?, ?, 1, 'received', ?, '', ?, ?, ?, ?, ?)",
            )
            .bind(commune)
            .bind(&m.record)
            .bind(m.body.village())
            .bind(kind)
            .bind(period)
            .bind(&body)
            .bind(receipt_code(&m.record, 1))
            .bind(origin)
            .bind(now)
            .bind(clock.tick(now))
            .bind(m.at)
            .bind(skew)
            .execute(&mut **tx)
            .await?;
            (Status::Applied, 1)
        }
        Some((rev, state, last_device)) if state != "approved" && (rev == base || last_device == origin) => {
            let new_rev = rev + 1;
            sqlx::query(
                "UPDATE records SET body = ?, rev = ?, state = 'received', receipt = ?, comment = '', last_device = ?,
                        updated_at = ?, device_at = ?, skew_ms = ?
                 WHERE commune_id = ? AND id = ?",
            )
            .bind(&body)
            .bind(new_rev)
            .bind(receipt_code(&m.record, new_rev as u32))
            .bind(origin)
            .bind(clock.tick(now))
            .bind(m.at)
            .bind(skew)
            .bind(commune)
            .bind(&m.record)
            .execute(&mut **tx)
            .await?;
            (Status::Applied, new_rev)
        }
        Some((rev, ..)) => {
            sqlx::query(
                "INSERT INTO conflicts (commune_id, mutation_id, record_id, base, device, body, at, resolved)
                 VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
            )
            .bind(commune)
            .bind(&m.id)
            .bind(&m.record)
            .bind(base)
            .bind(origin)
            .bind(&body)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            // An approved record stays approved: the late edit waits beside it.
            sqlx::query(
                "UPDATE records SET state = CASE WHEN state = 'approved' THEN state ELSE 'conflict' END,
                        updated_at = ?
                 WHERE commune_id = ? AND id = ?",
            )
            .bind(clock.tick(now))
            .bind(commune)
            .bind(&m.record)
            .execute(&mut **tx)
            .await?;
            (Status::Conflict, rev)
        }
    };

    // Keeps the highest seq (written so that PostgreSQL runs it unchanged).
    sqlx::query(
        "INSERT INTO record_seq (commune_id, record_id, device, seq) VALUES (?, ?, ?, ?)
         ON CONFLICT (commune_id, record_id, device) DO UPDATE SET seq = excluded.seq
         WHERE record_seq.seq < excluded.seq",
    )
    .bind(commune)
    .bind(&m.record)
    .bind(origin)
    .bind(seq)
    .execute(&mut **tx)
    .await?;

    let rev = u32::try_from(rev).unwrap_or(u32::MAX);
    let result = MutationResult {
        id: m.id.clone(),
        record: m.record.clone(),
        status,
        rev,
        receipt: receipt_code(&m.record, rev),
        received: now,
    };
    sqlx::query(
        "INSERT INTO mutations (commune_id, id, user_id, device, seq, record_id, base, status, result, body,
                                received_at, device_at, device_now, skew_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(commune)
    .bind(&m.id)
    .bind(&push.user.id)
    .bind(push.device)
    .bind(seq)
    .bind(&m.record)
    .bind(base)
    .bind(status_str(status))
    .bind(serde_json::to_string(&result).map_err(json_err)?)
    .bind(&body)
    .bind(now)
    .bind(m.at)
    .bind(push.device_now)
    .bind(skew)
    .execute(&mut **tx)
    .await?;
    Ok(result)
}

/// Which of `ids` the commune has already stored (and will answer verbatim).
pub async fn stored_ids<'a>(
    db: &SqlitePool,
    commune: &str,
    ids: impl Iterator<Item = &'a str>,
) -> sqlx::Result<std::collections::HashSet<String>> {
    let ids: Vec<&str> = ids.collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let sql = format!("SELECT id FROM mutations WHERE commune_id = ? AND id IN ({})", vec!["?"; ids.len()].join(", "));
    let mut q = sqlx::query_scalar::<_, String>(&sql).bind(commune);
    for id in ids {
        q = q.bind(id);
    }
    Ok(q.fetch_all(db).await?.into_iter().collect())
}
