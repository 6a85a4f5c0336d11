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

use super::now_ms;
use super::DbResult;
use super::{AsConn, Db, Writer};
use crate::auth::AuthUser;
use sothon_domain::protocol::{
    push_rule, receipt_code, refusal, DueDate, Head, Mutation, MutationResult, PushRule, Status,
};
use std::collections::{HashMap, HashSet};

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
/// the push, one result per mutation, and per mutation whether this push
/// wrote its body as its record's (at the result's `ver`): applied here, not
/// answered from the store nor a conflict.
pub async fn apply(db: &Db, push: &Push<'_>) -> DbResult<(i64, Vec<MutationResult>, Vec<bool>)> {
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

/// What the first pass decided for one mutation.
enum Plan {
    /// Answered without writing: refused, or replayed from the store.
    Answered(MutationResult),
    /// Its id came earlier in this same push (index of the first).
    Again(usize),
    /// To apply (rules 2–5).
    New,
}

/// A record as stored, or as this push has left it so far.
struct Current {
    rev: i64,
    state: String,
    last_device: String,
    ver: i64,
}

/// The rows a push writes at its end, several to a statement.
#[derive(Default)]
struct Writes {
    /// Records created or replaced and not written yet, at most one row
    /// each (see [`Writes::flush_records`]).
    records: Vec<NewRecord>,
    /// Highest seq per (record, origin device) this push saw.
    seqs: std::collections::BTreeMap<(String, String), i64>,
    mutations: Vec<NewMutation>,
}

/// A record's new revision: the whole row of a new record; of a replaced
/// one, what rule 4 writes (the rest of the row stays as it is).
struct NewRecord {
    id: String,
    village: String,
    kind: &'static str,
    period: String,
    body: String,
    rev: i64,
    origin: String,
    at: i64,
    ver: i64,
}

impl NewRecord {
    /// `m`'s record at revision `rev` and version `ver`, its body as `body`.
    fn of(m: &Mutation, body: &str, rev: i64, origin: &str, ver: i64) -> Self {
        Self {
            id: m.record.clone(),
            village: m.body.village().to_string(),
            kind: m.body.kind(),
            period: m.body.period().to_string(),
            body: body.to_string(),
            rev,
            origin: origin.to_string(),
            at: m.at,
            ver,
        }
    }
}

struct NewMutation {
    id: String,
    seq: i64,
    record: String,
    base: i64,
    status: Status,
    result: String,
    body: String,
    at: i64,
    pos: i64,
}

/// Rows per multi-row `INSERT` (17 parameters a record: 850, under every
/// engine's limit).
const ROWS_PER_INSERT: usize = 50;

/// The push as few statements as its rules allow: the devices' owners, the
/// stored mutations, the records and their seqs are read once for the whole
/// push; the versions are taken in one step; new and edited records (one
/// upsert), seqs and the mutation log are written several rows to a
/// statement. Only a conflict has statements of its own, and a second write
/// to a record in the same push first writes the rows gathered so far. The
/// rules run in the order the mutations were sent, over the records as the
/// push has left them so far, exactly as one statement at a time would.
async fn apply_once(db: &Db, push: &Push<'_>) -> DbResult<(i64, Vec<MutationResult>, Vec<bool>)> {
    with_pool!(db, db => {
        let commune = push.user.commune.as_str();
        // The commune's version row first (SQLite: the write lock up front).
        let mut tx = db.begin_in_commune(commune).await?;
        let now = now_ms();
        let skew = now - push.device_now;
        let allowed = |i: usize| push.allowed.get(i).copied().unwrap_or(false);

        // When this device last synced and what it had left (for a phone
        // that loses its storage: see db::devices), in this transaction so
        // that a push costs one commit; and, in the same statement, whether
        // it is this account's (bound to it on first use).
        let sighting = super::devices::Sighting {
            commune,
            device: push.device,
            user: &push.user.id,
            now,
            unsent: push.unsent,
        };
        let mine = super::devices::seen(&mut tx, sighting).await?;
        // Rule 4: whether each origin device is this account's (bound to it
        // on first use). The sending device is every mutation's origin but
        // for one made under an older device id.
        let mut ours: HashMap<&str, bool> = HashMap::from([(push.device, mine)]);
        for (i, m) in push.mutations.iter().enumerate() {
            if allowed(i) && !ours.contains_key(m.origin()) {
                let owner = super::devices::bind(&mut tx, commune, m.origin(), &push.user.id, now).await?;
                ours.insert(m.origin(), owner == push.user.id);
            }
        }
        let owned = |i: usize, m: &Mutation| allowed(i) && ours.get(m.origin()) == Some(&true);
        // Rule 1: mutations stored before.
        let ids: Vec<&str> =
            push.mutations.iter().enumerate().filter(|(i, m)| owned(*i, m)).map(|(_, m)| m.id.as_str()).collect();
        let stored = stored_in(&mut tx, commune, &ids).await?;

        let mut plans = Vec::with_capacity(push.mutations.len());
        let mut first_of: HashMap<&str, usize> = HashMap::new();
        for (i, m) in push.mutations.iter().enumerate() {
            plans.push(if !allowed(i) {
                Plan::Answered(MutationResult::refused(
                    m,
                    refusal::FORBIDDEN,
                    "Tài khoản này không được gửi bản ghi của thôn này; bản ghi vẫn được giữ trên máy",
                ))
            } else if !owned(i, m) {
                Plan::Answered(MutationResult::refused(
                    m,
                    refusal::DEVICE_OWNER,
                    "Mã thiết bị này thuộc tài khoản khác; máy sẽ gửi lại bằng mã mới",
                ))
            } else if let Some(s) = stored.get(m.id.as_str()) {
                Plan::Answered(if s.same_as(m) {
                    serde_json::from_str(&s.result).map_err(json_err)?
                } else {
                    id_reused(m)
                })
            } else if let Some(&first) = first_of.get(m.id.as_str()) {
                Plan::Again(first)
            } else {
                first_of.insert(m.id.as_str(), i);
                Plan::New
            });
        }

        // The records the new mutations write, as stored (no query for none).
        let records: Vec<&str> = push
            .mutations
            .iter()
            .zip(&plans)
            .filter(|(_, p)| matches!(p, Plan::New))
            .map(|(m, _)| m.record.as_str())
            .collect();
        let (mut current, mut seen) = load(&mut tx, commune, &records).await?;
        // Every mutation applied takes one version: the record's `ver`, or
        // (superseded, nothing written) its place in the log.
        let mut ver = match records.len() {
            0 => 0,
            n => super::next_versions(&mut tx, commune, i64::try_from(n)?).await?,
        };
        let mut writes = Writes::default();
        let mut results: Vec<MutationResult> = Vec::with_capacity(plans.len());
        let mut wrote = Vec::with_capacity(plans.len());
        for (m, plan) in push.mutations.iter().zip(plans) {
            let mut written = false;
            let r = match plan {
                Plan::Answered(r) => r,
                Plan::Again(first) => {
                    let f = &push.mutations[first];
                    if f.record == m.record && f.base == m.base && f.at == m.at && f.body == m.body {
                        results[first].clone()
                    } else {
                        id_reused(m)
                    }
                }
                Plan::New => {
                    let r = apply_new(&mut tx, push, m, (now, skew, ver), &mut current, &mut seen, &mut writes).await?;
                    ver += 1;
                    written = r.status == Status::Applied;
                    r
                }
            };
            results.push(r);
            wrote.push(written);
        }
        // Nothing to write for a push that was all answers: no statement.
        writes.flush(&mut tx, push, now, skew).await?;
        tx.commit().await?;
        Ok((now, results, wrote))
    })
}

fn id_reused(m: &Mutation) -> MutationResult {
    MutationResult::refused(
        m,
        refusal::ID_REUSED,
        "Mã thay đổi này đã được dùng cho nội dung khác; máy sẽ gửi lại bằng mã mới",
    )
}

/// The stored mutations among `ids`, by id.
async fn stored_in(tx: &mut impl AsConn, commune: &str, ids: &[&str]) -> DbResult<HashMap<String, Stored>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "SELECT id, result, record_id, base, device_at, body FROM mutations WHERE commune_id = $1 AND id IN ({})",
            super::params(2, chunk.len())
        );
        let rows: Vec<(String, Stored)> = with_conn!(tx, c => {
            let mut q = sqlx::query_as::<_, StoredRow>(&sql).bind(commune);
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(c).await?.into_iter().map(StoredRow::split).collect()
        });
        out.extend(rows);
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct StoredRow {
    id: String,
    #[sqlx(flatten)]
    stored: Stored,
}

impl StoredRow {
    fn split(self) -> (String, Stored) {
        (self.id, self.stored)
    }
}

type Seen = HashMap<(String, String), i64>;

/// The records among `ids` as stored, and every seq stored for them, in
/// one statement: a seq is stored only with its record (a push writes both,
/// and records are never deleted), so the join leaves none out.
async fn load(tx: &mut impl AsConn, commune: &str, ids: &[&str]) -> DbResult<(HashMap<String, Current>, Seen)> {
    let mut ids: Vec<&str> = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let (mut current, mut seen) = (HashMap::new(), HashMap::new());
    for chunk in ids.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "SELECT r.id, r.rev, r.state, r.last_device, r.ver, s.device, s.seq
             FROM records r LEFT JOIN record_seq s ON s.commune_id = r.commune_id AND s.record_id = r.id
             WHERE r.commune_id = $1 AND r.id IN ({})",
            super::params(2, chunk.len())
        );
        let rows: Vec<LoadRow> = with_conn!(tx, c => {
            let mut q = sqlx::query_as::<_, LoadRow>(&sql).bind(commune);
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(c).await?
        });
        for (id, rev, state, last_device, ver, device, seq) in rows {
            if let (Some(device), Some(seq)) = (device, seq) {
                seen.insert((id.clone(), device), seq);
            }
            current.entry(id).or_insert(Current { rev, state, last_device, ver });
        }
    }
    Ok((current, seen))
}

/// A record, and one of its seqs if it has any.
type LoadRow = (String, i64, String, String, i64, Option<String>, Option<i64>);

/// Rules 2–5 for one mutation, over the records as the push has left them;
/// `ver` is the version it takes.
async fn apply_new(
    tx: &mut impl AsConn,
    push: &Push<'_>,
    m: &Mutation,
    (now, skew, ver): (i64, i64, i64),
    current: &mut HashMap<String, Current>,
    seen: &mut Seen,
    writes: &mut Writes,
) -> DbResult<MutationResult> {
    let commune = push.user.commune.as_str();
    let origin = m.origin();
    // Validation made sure seq fits.
    let seq = i64::try_from(m.seq).unwrap_or(i64::MAX);
    let base = i64::from(m.base);
    let body = serde_json::to_string(&m.body).map_err(json_err)?;
    let key = (m.record.clone(), origin.to_string());
    let cur = current.get(&m.record);
    let head = cur.map(|c| Head { rev: c.rev, approved: c.state == "approved", last_device: &c.last_device });
    let rule = push_rule(head, seen.get(&key).copied(), seq, base, origin);
    let (status, rev, record_ver) = match rule {
        PushRule::Superseded { rev } => (Status::Superseded, rev, cur.map_or(0, |c| c.ver)),
        PushRule::Create => {
            writes.records.push(NewRecord::of(m, &body, 1, origin, ver));
            let state = "received".to_string();
            current.insert(m.record.clone(), Current { rev: 1, state, last_device: origin.to_string(), ver });
            (Status::Applied, 1, ver)
        }
        PushRule::Replace { rev: new_rev } => {
            writes.flush_record(tx, push, &m.record, now, skew).await?;
            writes.records.push(NewRecord::of(m, &body, new_rev, origin, ver));
            let state = "received".to_string();
            current.insert(m.record.clone(), Current { rev: new_rev, state, last_device: origin.to_string(), ver });
            (Status::Applied, new_rev, ver)
        }
        PushRule::Conflict { rev } => {
            writes.flush_record(tx, push, &m.record, now, skew).await?;
            with_conn!(tx, c => {
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
                .execute(&mut *c)
                .await?;
                // An approved record stays approved: the late edit waits beside it.
                sqlx::query(
                    "UPDATE records SET state = CASE WHEN state = 'approved' THEN state ELSE 'conflict' END,
                            updated_at = $1, ver = $2
                     WHERE commune_id = $3 AND id = $4",
                )
                .bind(now)
                .bind(ver)
                .bind(commune)
                .bind(&m.record)
                .execute(c)
                .await?;
            });
            if let Some(c) = current.get_mut(&m.record) {
                if c.state != "approved" {
                    c.state = "conflict".into();
                }
                c.ver = ver;
            }
            (Status::Conflict, rev, ver)
        }
    };
    // The highest seq per record and origin (rule 2).
    let top = seen.entry(key.clone()).or_insert(seq);
    *top = (*top).max(seq);
    let kept = writes.seqs.entry(key).or_insert(seq);
    *kept = (*kept).max(seq);

    let rev = u32::try_from(rev).unwrap_or(u32::MAX);
    let result = MutationResult {
        id: m.id.clone(),
        record: m.record.clone(),
        status,
        rev,
        receipt: receipt_code(&m.record, rev),
        received: now,
        ver: record_ver,
        error: None,
    };
    // The mutation's place in the commune's order of writes (`pos`): the
    // version this write took — for a superseded one, which wrote nothing,
    // a version of its own — so that the log reads in commit order on an
    // engine without SQLite's rowid order.
    writes.mutations.push(NewMutation {
        id: m.id.clone(),
        seq,
        record: m.record.clone(),
        base,
        status,
        result: serde_json::to_string(&result).map_err(json_err)?,
        body,
        at: m.at,
        pos: ver,
    });
    Ok(result)
}

impl Writes {
    /// Writes the records gathered so far if `record` is among them: before
    /// a statement that reads or changes it, or a second row for it (one
    /// statement may not change a row twice).
    async fn flush_record(
        &mut self,
        tx: &mut impl AsConn,
        push: &Push<'_>,
        record: &str,
        now: i64,
        skew: i64,
    ) -> DbResult<()> {
        if self.records.iter().any(|r| r.id == record) {
            self.flush_records(tx, push, now, skew).await?;
        }
        Ok(())
    }

    /// Writes the records gathered so far: a new one is inserted whole; a
    /// replaced one (rule 4) takes the new body, rev, receipt, device and
    /// version, is `received` again and loses the office's comment, and
    /// keeps its village, kind, period and first arrival.
    async fn flush_records(&mut self, tx: &mut impl AsConn, push: &Push<'_>, now: i64, skew: i64) -> DbResult<()> {
        let commune = push.user.commune.as_str();
        // Entered by the commune office on the village's behalf ("nhập hộ").
        let entered_by = push.user.is_office().then_some(push.user.id.as_str());
        for chunk in std::mem::take(&mut self.records).chunks(ROWS_PER_INSERT) {
            let sql = rows_sql(
                "INSERT INTO records (commune_id, id, village_id, kind, period, body, rev, state, receipt, comment,
                                      last_device, created_at, updated_at, device_at, skew_ms, ver, entered_by)",
                17,
                chunk.len(),
                " ON CONFLICT (commune_id, id) DO UPDATE SET body = excluded.body, rev = excluded.rev,
                      state = excluded.state, receipt = excluded.receipt, comment = excluded.comment,
                      last_device = excluded.last_device, updated_at = excluded.updated_at,
                      device_at = excluded.device_at, skew_ms = excluded.skew_ms, ver = excluded.ver,
                      entered_by = excluded.entered_by",
            );
            with_conn!(tx, c => {
                let mut q = sqlx::query(&sql);
                for r in chunk {
                    q = q
                        .bind(commune)
                        .bind(&r.id)
                        .bind(&r.village)
                        .bind(r.kind)
                        .bind(&r.period)
                        .bind(&r.body)
                        .bind(r.rev)
                        .bind("received")
                        .bind(receipt_code(&r.id, u32::try_from(r.rev).unwrap_or(u32::MAX)))
                        .bind("")
                        .bind(&r.origin)
                        .bind(now)
                        .bind(now)
                        .bind(r.at)
                        .bind(skew)
                        .bind(r.ver)
                        .bind(entered_by);
                }
                q.execute(c).await?;
            });
        }
        Ok(())
    }

    /// Everything left: new records, the seqs, the mutation log.
    async fn flush(mut self, tx: &mut impl AsConn, push: &Push<'_>, now: i64, skew: i64) -> DbResult<()> {
        self.flush_records(tx, push, now, skew).await?;
        let commune = push.user.commune.as_str();
        let seqs: Vec<_> = self.seqs.into_iter().collect();
        for chunk in seqs.chunks(ROWS_PER_INSERT) {
            // Keeps the highest seq (written so that PostgreSQL runs it unchanged).
            let sql = rows_sql(
                "INSERT INTO record_seq (commune_id, record_id, device, seq)",
                4,
                chunk.len(),
                " ON CONFLICT (commune_id, record_id, device) DO UPDATE SET seq = excluded.seq
                  WHERE record_seq.seq < excluded.seq",
            );
            with_conn!(tx, c => {
                let mut q = sqlx::query(&sql);
                for ((record, device), seq) in chunk {
                    q = q.bind(commune).bind(record).bind(device).bind(*seq);
                }
                q.execute(c).await?;
            });
        }
        for chunk in self.mutations.chunks(ROWS_PER_INSERT) {
            let sql = rows_sql(
                "INSERT INTO mutations (commune_id, id, user_id, device, seq, record_id, base, status, result, body,
                                        received_at, device_at, device_now, skew_ms, pos)",
                15,
                chunk.len(),
                "",
            );
            with_conn!(tx, c => {
                let mut q = sqlx::query(&sql);
                for m in chunk {
                    q = q
                        .bind(commune)
                        .bind(&m.id)
                        .bind(&push.user.id)
                        .bind(push.device)
                        .bind(m.seq)
                        .bind(&m.record)
                        .bind(m.base)
                        .bind(status_str(m.status))
                        .bind(&m.result)
                        .bind(&m.body)
                        .bind(now)
                        .bind(m.at)
                        .bind(push.device_now)
                        .bind(skew)
                        .bind(m.pos);
                }
                q.execute(c).await?;
            });
        }
        Ok(())
    }
}

/// `head VALUES ($1, …), (…)…tail` for `rows` rows of `width` parameters.
fn rows_sql(head: &str, width: usize, rows: usize, tail: &str) -> String {
    let values: Vec<String> = (0..rows).map(|r| format!("({})", super::params(r * width + 1, width))).collect();
    format!("{head} VALUES {}{tail}", values.join(", "))
}

/// What a sync reads before it takes its write turn, in one statement.
#[derive(Debug, Default)]
pub struct Known {
    /// Which of the villages the push names are the commune's.
    pub villages: HashSet<String>,
    /// Which of the push's mutation ids the commune has stored already
    /// (answered verbatim from the store, so not checked against today's
    /// catalogue).
    pub stored: HashSet<String>,
    /// Every due date the commune set, by period, for the answer (as
    /// [`super::due::all`]; one set meanwhile reaches the phone at its
    /// next sync).
    pub due: Vec<DueDate>,
}

#[derive(sqlx::FromRow)]
struct KnownRow {
    part: String,
    name: String,
    due: String,
}

/// [`Known`] for a push of `commune` naming `villages` and mutation `ids`
/// (either may be empty: a pull reads only the due dates).
pub async fn known(db: &Db, commune: &str, villages: &[&str], ids: &[&str]) -> DbResult<Known> {
    let mut arms = Vec::with_capacity(3);
    if !villages.is_empty() {
        arms.push(format!(
            "SELECT 'v' AS part, id AS name, '' AS due FROM villages WHERE commune_id = $1 AND id IN ({})",
            super::params(2, villages.len())
        ));
    }
    if !ids.is_empty() {
        arms.push(format!(
            "SELECT 'm' AS part, id AS name, '' AS due FROM mutations WHERE commune_id = $1 AND id IN ({})",
            super::params(2 + villages.len(), ids.len())
        ));
    }
    arms.push("SELECT 'd' AS part, period AS name, due FROM due_dates WHERE commune_id = $1".to_string());
    let sql = arms.join(" UNION ALL ");
    let rows: Vec<KnownRow> = with_pool!(db, db => {
        let mut q = sqlx::query_as::<_, KnownRow>(&sql).bind(commune);
        for name in villages.iter().chain(ids) {
            q = q.bind(*name);
        }
        q.fetch_all(db).await?
    });
    let mut known = Known::default();
    let mut due = Vec::new();
    for r in rows {
        match r.part.as_str() {
            "v" => drop(known.villages.insert(r.name)),
            "m" => drop(known.stored.insert(r.name)),
            _ => due.push((r.name, r.due)),
        }
    }
    // By period, as `ORDER BY period` in `due::all`.
    due.sort_unstable();
    known.due = super::due::parse(due);
    Ok(known)
}
