//! Applying pushed mutations: the server side of the exactly-once rules at the
//! top of `sothon_domain::protocol`.
//!
//! One push is one transaction. For each mutation, in the order sent:
//!
//! 0. the account may not write the record's village, or the mutation's
//!    origin device is bound to another account → `refused` (rule 4),
//!    nothing written for it;
//! 1. its id was seen before → the stored result, verbatim, if it is the same
//!    mutation (record, base, device clock and body as stored); `refused`
//!    (`id_reused`) if not;
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
//! per record and origin device is kept for rule 2. Each record written takes
//! the commune's next version as its `ver` (rule 5), given in the result.
//!
//! A revision pushed by the commune office (an officer entering figures a
//! village head phoned in) is marked `entered_by` that officer: the village
//! sees "nhập hộ", and the same person cannot approve it (`db::review`).
//!
//! The push is answered only after the commit, so a phone that got an answer
//! can drop its outbox entry: the mutation is durably stored.

use super::DbResult;
use super::{next_version, now_ms};
use super::{AsConn, Db, Writer};
use crate::auth::AuthUser;
use sothon_domain::protocol::{push_rule, receipt_code, refusal, Head, Mutation, MutationResult, PushRule, Status};

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
    /// Per mutation: whether the account may write its record's village.
    pub allowed: &'a [bool],
    /// What the phone said it had left unsent (kept with the device, in the
    /// same transaction: [`super::devices::seen`]).
    pub unsent: Option<u32>,
}

/// Applies a push in one transaction, run again whole while it collides
/// with another writer ([`super::retry`]). Returns the server time of
/// the push and one result per mutation.
pub async fn apply(db: &Db, push: &Push<'_>) -> DbResult<(i64, Vec<MutationResult>)> {
    super::retry(|| apply_once(db, push)).await
}

fn status_str(s: Status) -> &'static str {
    match s {
        Status::Applied => "applied",
        Status::Superseded => "superseded",
        Status::Conflict => "conflict",
        Status::Refused => "refused",
    }
}

fn json_err(e: serde_json::Error) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

#[derive(sqlx::FromRow)]
struct Stored {
    result: String,
    record_id: String,
    base: i64,
    device_at: i64,
    body: String,
}

impl Stored {
    /// Whether `m` is the mutation stored under its id (rule 4): same record,
    /// base, device clock and body. The body is compared as parsed, so a
    /// replay still matches after the server learned to write a field
    /// differently.
    fn same_as(&self, m: &Mutation) -> bool {
        self.record_id == m.record
            && self.base == i64::from(m.base)
            && self.device_at == m.at
            && serde_json::from_str::<sothon_domain::protocol::Body>(&self.body).is_ok_and(|b| b == m.body)
    }
}

async fn apply_once(db: &Db, push: &Push<'_>) -> DbResult<(i64, Vec<MutationResult>)> {
    with_pool!(db, db => {
        let commune = push.user.commune.as_str();
        // IMMEDIATE takes the write lock up front: a deferred transaction that
        // reads first would fail, not wait, when it has to upgrade under WAL.
        let mut tx = db.begin_write().await?;
        let now = now_ms();
        let skew = now - push.device_now;
        let mut results = Vec::with_capacity(push.mutations.len());
        for (i, m) in push.mutations.iter().enumerate() {
            if !push.allowed.get(i).copied().unwrap_or(false) {
                results.push(MutationResult::refused(
                    m,
                    refusal::FORBIDDEN,
                    "Tài khoản này không được gửi bản ghi của thôn này; bản ghi vẫn được giữ trên máy",
                ));
                continue;
            }
            let owner = super::devices::bind(&mut tx, commune, m.origin(), &push.user.id, now).await?;
            if owner != push.user.id {
                results.push(MutationResult::refused(
                    m,
                    refusal::DEVICE_OWNER,
                    "Mã thiết bị này thuộc tài khoản khác; máy sẽ gửi lại bằng mã mới",
                ));
                continue;
            }
            let stored: Option<Stored> = sqlx::query_as(
                "SELECT result, record_id, base, device_at, body FROM mutations WHERE commune_id = $1 AND id = $2",
            )
            .bind(commune)
            .bind(&m.id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(stored) = stored {
                if stored.same_as(m) {
                    results.push(serde_json::from_str(&stored.result).map_err(json_err)?);
                } else {
                    results.push(MutationResult::refused(
                        m,
                        refusal::ID_REUSED,
                        "Mã thay đổi này đã được dùng cho nội dung khác; máy sẽ gửi lại bằng mã mới",
                    ));
                }
                continue;
            }
            let result = apply_new(&mut tx, push, m, now, skew).await?;
            results.push(result);
        }
        // When this device last synced and what it had left (for a phone
        // that loses its storage: see db::devices); in this transaction, so
        // a push costs one commit.
        super::devices::seen(&mut tx, commune, push.device, &push.user.id, now, push.unsent).await?;
        tx.commit().await?;
        Ok((now, results))
    })
}

async fn apply_new(
    tx: &mut impl AsConn,
    push: &Push<'_>,
    m: &Mutation,
    now: i64,
    skew: i64,
) -> DbResult<MutationResult> {
    with_conn!(tx, tx => {
        let commune = push.user.commune.as_str();
        let origin = m.origin();
        // Validation made sure seq fits.
        let seq = i64::try_from(m.seq).unwrap_or(i64::MAX);
        let base = i64::from(m.base);
        let body = serde_json::to_string(&m.body).map_err(json_err)?;
        // Entered by the commune office on the village's behalf ("nhập hộ").
        let entered_by = push.user.is_office().then_some(push.user.id.as_str());
        let current: Option<(i64, String, String, i64)> =
            sqlx::query_as("SELECT rev, state, last_device, ver FROM records WHERE commune_id = $1 AND id = $2")
                .bind(commune)
                .bind(&m.record)
                .fetch_optional(&mut *tx)
                .await?;
        let seen: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM record_seq WHERE commune_id = $1 AND record_id = $2 AND device = $3")
                .bind(commune)
                .bind(&m.record)
                .bind(origin)
                .fetch_optional(&mut *tx)
                .await?;

        let head = current.as_ref().map(|(rev, state, last_device, _)| Head {
            rev: *rev,
            approved: state == "approved",
            last_device,
        });
        let stored_ver = current.as_ref().map_or(0, |c| c.3);
        let (status, rev, ver, taken) = match push_rule(head, seen, seq, base, origin) {
            PushRule::Superseded { rev } => (Status::Superseded, rev, stored_ver, None),
            PushRule::Create => {
                let (kind, period) = (m.body.kind(), m.body.period().to_string());
                let ver = next_version(tx, commune).await?;
                sqlx::query(
                    "INSERT INTO records (commune_id, id, village_id, kind, period, body, rev, state, receipt,
                                          comment, last_device, created_at, updated_at, device_at, skew_ms, ver,
                                          entered_by)
                     VALUES ($1, $2, $3, $4, $5, $6, 1, 'received', $7, '', $8, $9, $10, $11, $12, $13, $14)",
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
                .bind(now)
                .bind(m.at)
                .bind(skew)
                .bind(ver)
                .bind(entered_by)
                .execute(&mut *tx)
                .await?;
                (Status::Applied, 1, ver, Some(ver))
            }
            PushRule::Replace { rev: new_rev } => {
                let ver = next_version(tx, commune).await?;
                sqlx::query(
                    "UPDATE records SET body = $1, rev = $2, state = 'received', receipt = $3, comment = '', last_device = $4,
                            updated_at = $5, device_at = $6, skew_ms = $7, ver = $8, entered_by = $9
                     WHERE commune_id = $10 AND id = $11",
                )
                .bind(&body)
                .bind(new_rev)
                .bind(receipt_code(&m.record, new_rev as u32))
                .bind(origin)
                .bind(now)
                .bind(m.at)
                .bind(skew)
                .bind(ver)
                .bind(entered_by)
                .bind(commune)
                .bind(&m.record)
                .execute(&mut *tx)
                .await?;
                (Status::Applied, new_rev, ver, Some(ver))
            }
            PushRule::Conflict { rev } => {
                sqlx::query(
                    "INSERT INTO conflicts (commune_id, mutation_id, record_id, base, device, body, at, resolved,
                                            public_id)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, $8)",
                )
                .bind(commune)
                .bind(&m.id)
                .bind(&m.record)
                .bind(base)
                .bind(origin)
                .bind(&body)
                .bind(now)
                .bind(super::conflicts::public_id(&m.id))
                .execute(&mut *tx)
                .await?;
                // An approved record stays approved: the late edit waits beside it.
                let ver = next_version(tx, commune).await?;
                sqlx::query(
                    "UPDATE records SET state = CASE WHEN state = 'approved' THEN state ELSE 'conflict' END,
                            updated_at = $1, ver = $2
                     WHERE commune_id = $3 AND id = $4",
                )
                .bind(now)
                .bind(ver)
                .bind(commune)
                .bind(&m.record)
                .execute(&mut *tx)
                .await?;
                (Status::Conflict, rev, ver, Some(ver))
            }
        };

        // The mutation's place in the commune's order of writes (`pos`): the
        // version this write took, or a version of its own for one that wrote
        // nothing (superseded), so that the log reads in commit order on an
        // engine without SQLite's rowid order.
        let pos = match taken {
            Some(v) => v,
            None => next_version(tx, commune).await?,
        };

        // Keeps the highest seq (written so that PostgreSQL runs it unchanged).
        sqlx::query(
            "INSERT INTO record_seq (commune_id, record_id, device, seq) VALUES ($1, $2, $3, $4)
             ON CONFLICT (commune_id, record_id, device) DO UPDATE SET seq = excluded.seq
             WHERE record_seq.seq < excluded.seq",
        )
        .bind(commune)
        .bind(&m.record)
        .bind(origin)
        .bind(seq)
        .execute(&mut *tx)
        .await?;

        let rev = u32::try_from(rev).unwrap_or(u32::MAX);
        let result = MutationResult {
            id: m.id.clone(),
            record: m.record.clone(),
            status,
            rev,
            receipt: receipt_code(&m.record, rev),
            received: now,
            ver,
            error: None,
        };
        sqlx::query(
            "INSERT INTO mutations (commune_id, id, user_id, device, seq, record_id, base, status, result, body,
                                    received_at, device_at, device_now, skew_ms, pos)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
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
        .bind(pos)
        .execute(&mut *tx)
        .await?;
        Ok(result)
    })
}

/// Which of `ids` the commune has already stored (and will answer verbatim).
pub async fn stored_ids<'a>(
    db: &Db,
    commune: &str,
    ids: impl Iterator<Item = &'a str>,
) -> DbResult<std::collections::HashSet<String>> {
    with_pool!(db, db => {
        let ids: Vec<&str> = ids.collect();
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let sql = format!("SELECT id FROM mutations WHERE commune_id = $1 AND id IN ({})", super::params(2, ids.len()));
        let mut q = sqlx::query_scalar::<_, String>(&sql).bind(commune);
        for id in ids {
            q = q.bind(id);
        }
        Ok(q.fetch_all(db).await?.into_iter().collect())
    })
}
