//! The outbox and the sync round trip.
//!
//! Storage layout (one key per record, so each write stays small and atomic):
//!
//! | key | value |
//! |---|---|
//! | `st.dev` | this phone's device id |
//! | `st.seq` | the last reserved mutation sequence number |
//! | `st.cur` | the pull cursor the server gave last |
//! | `st.skew` | server clock minus phone clock, ms, last measured |
//! | `st.due` | due dates the commune set, `{"2026-11":"2026-12-07"}` |
//! | `st.r.{record}` | a [`LocalRecord`] |
//! | `st.o.{mutation id}` | a queued [`Mutation`] |

use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use sothon_domain::protocol::{
    ApiError, Body, Change, Mutation, MutationResult, RecordState, Status, SyncRequest, SyncResponse, MAX_PUSH,
    PROTOCOL_VERSION,
};
use sothon_domain::FieldError;
use std::fmt;

const K_DEVICE: &str = "st.dev";
const K_SEQ: &str = "st.seq";
const K_CURSOR: &str = "st.cur";
const K_SKEW: &str = "st.skew";
const K_DUE: &str = "st.due";
const P_RECORD: &str = "st.r.";
const P_OUTBOX: &str = "st.o.";

/// Where a record stands, as the phone shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LocalState {
    /// Being written; kept on the phone, not queued.
    Draft,
    /// Saved on this phone and queued for sending.
    Queued,
    /// The server stored it (has a receipt).
    Received,
    /// Another phone changed it meanwhile; people must resolve.
    Conflict,
    /// The commune office sent it back for correction.
    Returned,
    /// Approved by the commune office; locked.
    Approved,
}

impl From<RecordState> for LocalState {
    fn from(s: RecordState) -> Self {
        match s {
            RecordState::Received => LocalState::Received,
            RecordState::Conflict => LocalState::Conflict,
            RecordState::Returned => LocalState::Returned,
            RecordState::Approved => LocalState::Approved,
        }
    }
}

/// A record as kept on the phone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalRecord {
    pub id: String,
    pub body: Body,
    pub state: LocalState,
    /// Last server revision this phone knows of (0: never received). Shown
    /// with the receipt; never used as the base of an edit.
    #[serde(default)]
    pub rev: u32,
    /// The server revision the body on this phone came from: the base of the
    /// next edit. It moves only when the body does (our edit applied, or the
    /// server's version pulled with no local work). A phone that merely
    /// *hears* of a newer revision — a pull while it holds a draft, a
    /// conflict answer — must not claim it, or its next edit would replace
    /// another phone's work it never saw (found by the fault harness).
    #[serde(default)]
    pub base: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub receipt: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
    /// Phone clock at the last local save, ms.
    pub saved: i64,
    /// Server clock when the server received it, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<i64>,
    /// Id of the queued mutation carrying the latest local edit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<String>,
    /// Problems the server found; the record went back to draft.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl LocalRecord {
    /// Not yet on the server in its latest form.
    pub fn unsent(&self) -> bool {
        self.pending.is_some() || self.state == LocalState::Draft
    }
}

/// Why a round trip did not happen.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportError {
    /// No answer from the server (offline, DNS, timeout, 5xx gateway pages).
    Unreachable(String),
    /// The token is missing, expired or revoked: log in again, keep the outbox.
    Unauthorized,
    /// The server refused the request; `error` says why.
    Rejected { status: u16, error: ApiError },
}

/// The server, as the engine sees it. The PWA implements it with `fetch`,
/// tests with HTTP through a fault-injecting layer.
#[allow(async_fn_in_trait)]
pub trait Transport {
    async fn sync(&self, req: &SyncRequest) -> Result<SyncResponse, TransportError>;
}

/// Why [`Engine::sync`] stopped early. Nothing is lost in either case.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncError {
    Transport(TransportError),
    Store(StoreError),
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncError::Transport(TransportError::Unreachable(_)) => write!(f, "Chưa kết nối được máy chủ"),
            SyncError::Transport(TransportError::Unauthorized) => write!(f, "Cần đăng nhập lại để gửi"),
            SyncError::Transport(TransportError::Rejected { error, .. }) => write!(f, "{}", error.message),
            SyncError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl From<StoreError> for SyncError {
    fn from(e: StoreError) -> Self {
        SyncError::Store(e)
    }
}

/// What one [`Engine::sync`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncSummary {
    /// Mutations the server acknowledged.
    pub acked: usize,
    /// Mutations sent back to draft because the server found problems.
    pub refused: usize,
    /// Changes pulled.
    pub pulled: usize,
    /// Round trips made.
    pub round_trips: usize,
}

/// Delay before the `attempt`-th retry (0-based) while the server is
/// unreachable: exponential from 2 s, capped at 60 s, with "equal jitter"
/// (`rand01` in [0, 1)) so a village's phones don't all retry at once. The
/// cap is low because it only runs while the app is open, and on weak 2G no
/// `online` event comes to cut a long wait short: a head who walks to where
/// there is signal waits at most a minute.
pub fn backoff_ms(attempt: u32, rand01: f64) -> u64 {
    const BASE: u64 = 2_000;
    const CAP: u64 = 60_000;
    let d = BASE.saturating_mul(1u64 << attempt.min(20)).min(CAP);
    d / 2 + ((d / 2) as f64 * rand01.clamp(0.0, 1.0)) as u64
}

/// A backup file of everything unsent, to carry to another phone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backup {
    /// Always `"sothon-backup"`.
    pub kind: String,
    pub v: u32,
    pub device: String,
    /// Phone clock at export, ms.
    pub exported: i64,
    pub mutations: Vec<Mutation>,
    /// Drafts (not queued) travel too, so nothing typed is left behind.
    #[serde(default)]
    pub drafts: Vec<LocalRecord>,
}

/// The phone's sync engine over a [`Store`].
pub struct Engine<S: Store> {
    store: S,
    device: String,
}

fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serializable")
}

impl<S: Store> Engine<S> {
    /// Opens the engine, creating this phone's device id with `new_device_id`
    /// the first time.
    pub fn open(store: S, new_device_id: impl FnOnce() -> String) -> Result<Self, StoreError> {
        let device = match store.get(K_DEVICE) {
            Some(d) => d,
            None => {
                let d = new_device_id();
                store.set(K_DEVICE, &d)?;
                d
            }
        };
        Ok(Self { store, device })
    }

    pub fn device(&self) -> &str {
        &self.device
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn record(&self, id: &str) -> Option<LocalRecord> {
        self.store.get(&format!("{P_RECORD}{id}")).and_then(|s| serde_json::from_str(&s).ok())
    }

    /// Every record on the phone.
    pub fn records(&self) -> Vec<LocalRecord> {
        self.store
            .keys(P_RECORD)
            .iter()
            .filter_map(|k| self.store.get(k))
            .filter_map(|s| serde_json::from_str(&s).ok())
            .collect()
    }

    fn put_record(&self, r: &LocalRecord) -> Result<(), StoreError> {
        self.store.set(&format!("{P_RECORD}{}", r.id), &to_json(r))
    }

    /// Saves work in progress. Keeps the record's server state (rev, receipt),
    /// so a later submit is based on the right revision.
    pub fn save_draft(&self, body: Body, now: i64) -> Result<LocalRecord, StoreError> {
        let id = body.record_id();
        let rec = match self.record(&id) {
            Some(mut r) => {
                r.body = body;
                r.saved = now;
                // Queued or not, the phone now holds edits the server lacks.
                r.state = LocalState::Draft;
                r
            }
            None => LocalRecord {
                id,
                body,
                state: LocalState::Draft,
                rev: 0,
                base: 0,
                receipt: String::new(),
                comment: String::new(),
                saved: now,
                received: None,
                pending: None,
                errors: Vec::new(),
            },
        };
        self.put_record(&rec)?;
        Ok(rec)
    }

    /// Saves the record on the phone and queues it for sending. When this
    /// returns `Ok`, every write succeeded; on `Err`, the phone holds what it
    /// held before (the caller keeps the form's content in memory).
    pub fn submit(&self, body: Body, now: i64) -> Result<LocalRecord, StoreError> {
        let id = body.record_id();
        let old = self.record(&id);
        // Reserve the number first: a crash after this wastes it, never reuses it.
        let seq = self.store.get(K_SEQ).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0) + 1;
        self.store.set(K_SEQ, &seq.to_string())?;
        let m = Mutation {
            id: Mutation::make_id(&self.device, seq),
            seq,
            record: id.clone(),
            base: old.as_ref().map(|r| r.base).unwrap_or(0),
            at: now,
            body: body.clone(),
        };
        let okey = format!("{P_OUTBOX}{}", m.id);
        self.store.set(&okey, &to_json(&m))?;
        let rec = LocalRecord {
            id,
            body,
            state: LocalState::Queued,
            rev: old.as_ref().map(|r| r.rev).unwrap_or(0),
            base: old.as_ref().map(|r| r.base).unwrap_or(0),
            receipt: old.as_ref().map(|r| r.receipt.clone()).unwrap_or_default(),
            comment: old.as_ref().map(|r| r.comment.clone()).unwrap_or_default(),
            saved: now,
            received: old.as_ref().and_then(|r| r.received),
            pending: Some(m.id.clone()),
            errors: Vec::new(),
        };
        if let Err(e) = self.put_record(&rec) {
            self.store.remove(&okey);
            return Err(e);
        }
        // The new mutation carries the whole record, so an older queued edit of
        // the same record is redundant. If it had reached the server already,
        // the server applies the newer one after it (same device).
        if let Some(prev) = old.and_then(|r| r.pending) {
            self.store.remove(&format!("{P_OUTBOX}{prev}"));
        }
        Ok(rec)
    }

    /// Queued mutations in sending order: incidents first, then by sequence.
    pub fn outbox(&self) -> Vec<Mutation> {
        let mut out: Vec<Mutation> = self
            .store
            .keys(P_OUTBOX)
            .iter()
            .filter_map(|k| self.store.get(k))
            .filter_map(|s| serde_json::from_str(&s).ok())
            .collect();
        out.sort_by(|a, b| {
            (a.body.priority(), a.origin() != self.device, a.seq, &a.id).cmp(&(
                b.body.priority(),
                b.origin() != self.device,
                b.seq,
                &b.id,
            ))
        });
        out
    }

    /// Phone clock of the oldest unsent save, if any (for "unsent for N days").
    pub fn oldest_unsent(&self) -> Option<i64> {
        self.records().iter().filter(|r| r.unsent()).map(|r| r.saved).min()
    }

    pub fn cursor(&self) -> i64 {
        self.store.get(K_CURSOR).and_then(|s| s.parse().ok()).unwrap_or(0)
    }

    /// Server clock minus phone clock at the last sync, ms.
    pub fn skew(&self) -> Option<i64> {
        self.store.get(K_SKEW).and_then(|s| s.parse().ok())
    }

    /// The next request: up to `limit` queued mutations, and a pull.
    pub fn request(&self, now: i64, limit: usize) -> SyncRequest {
        let mut push = self.outbox();
        push.truncate(limit.min(MAX_PUSH));
        SyncRequest { v: PROTOCOL_VERSION, device: self.device.clone(), now, push, cursor: Some(self.cursor()) }
    }

    /// Applies the server's answer: acknowledged mutations leave the outbox
    /// (after their record is updated), pulled changes update records.
    /// Applying the same answer twice changes nothing more.
    pub fn apply_response(&self, req_now: i64, resp: &SyncResponse) -> Result<(), StoreError> {
        for r in &resp.results {
            self.apply_result(r)?;
        }
        for c in &resp.changes {
            self.apply_change(c)?;
        }
        if resp.cursor > self.cursor() {
            self.store.set(K_CURSOR, &resp.cursor.to_string())?;
        }
        self.store.set(K_SKEW, &(resp.now - req_now).to_string())?;
        if !resp.due.is_empty() {
            let map: std::collections::BTreeMap<String, String> =
                resp.due.iter().map(|d| (d.period.to_string(), d.due.to_string())).collect();
            self.store.set(K_DUE, &to_json(&map))?;
        }
        Ok(())
    }

    /// The due date of `period`: the commune's, as last pulled, else the default.
    pub fn due(&self, period: &sothon_domain::Period) -> sothon_domain::chrono_date::NaiveDate {
        self.store
            .get(K_DUE)
            .and_then(|s| serde_json::from_str::<std::collections::BTreeMap<String, String>>(&s).ok())
            .and_then(|m| m.get(&period.to_string()).and_then(|d| sothon_domain::format::parse_date_iso(d)))
            .unwrap_or_else(|| period.default_due())
    }

    fn apply_result(&self, r: &MutationResult) -> Result<(), StoreError> {
        if let Some(mut rec) = self.record(&r.record) {
            let ours = rec.pending.as_deref() == Some(r.id.as_str());
            if r.rev >= rec.rev {
                rec.rev = r.rev;
                rec.receipt = r.receipt.clone();
                rec.received = Some(r.received);
            }
            if ours {
                rec.pending = None;
                // Our body is now that revision on the server (a draft edited
                // since was edited from it). A conflict moves nothing: the
                // server kept another phone's version this phone has not seen.
                if r.status == Status::Applied {
                    rec.base = r.rev;
                }
                // Edits made while this one was queued stay a draft.
                if rec.state != LocalState::Draft {
                    rec.state = match r.status {
                        Status::Conflict => LocalState::Conflict,
                        Status::Applied | Status::Superseded => LocalState::Received,
                    };
                }
            }
            self.put_record(&rec)?;
        }
        self.store.remove(&format!("{P_OUTBOX}{}", r.id));
        Ok(())
    }

    fn apply_change(&self, c: &Change) -> Result<(), StoreError> {
        let rec = match self.record(&c.record) {
            Some(mut rec) => {
                // Same revision and state but a new comment: the office returned
                // it again with another note; take the note.
                if c.rev < rec.rev
                    || (c.rev == rec.rev && LocalState::from(c.state) == rec.state && c.comment == rec.comment)
                {
                    return Ok(());
                }
                rec.rev = c.rev;
                rec.receipt = c.receipt.clone();
                rec.comment = c.comment.clone();
                // Local edits not yet on the server win on the phone; the
                // server decides when they arrive.
                if rec.pending.is_none() && rec.state != LocalState::Draft {
                    rec.body = c.body.clone();
                    rec.base = c.rev;
                    rec.state = c.state.into();
                } else if c.state == RecordState::Returned || c.state == RecordState::Approved {
                    rec.comment = c.comment.clone();
                }
                rec
            }
            None => LocalRecord {
                id: c.record.clone(),
                body: c.body.clone(),
                state: c.state.into(),
                rev: c.rev,
                base: c.rev,
                receipt: c.receipt.clone(),
                comment: c.comment.clone(),
                saved: c.at,
                received: Some(c.at),
                pending: None,
                errors: Vec::new(),
            },
        };
        self.put_record(&rec)
    }

    /// The server refused some mutations (422): each goes back to draft with
    /// the server's messages, out of the queue so the others can go. Nothing is
    /// deleted: the record keeps its content.
    fn send_back(&self, req: &SyncRequest, fields: &[FieldError]) -> Result<usize, StoreError> {
        let mut refused = 0;
        for (i, m) in req.push.iter().enumerate() {
            let prefix = format!("push.{i}.");
            let errs: Vec<FieldError> = fields
                .iter()
                .filter_map(|f| {
                    f.field.strip_prefix(&prefix).map(|rest| FieldError { field: rest.to_string(), ..f.clone() })
                })
                .collect();
            if errs.is_empty() {
                continue;
            }
            refused += 1;
            let mut rec = self.record(&m.record).unwrap_or(LocalRecord {
                id: m.record.clone(),
                body: m.body.clone(),
                state: LocalState::Draft,
                rev: 0,
                base: m.base,
                receipt: String::new(),
                comment: String::new(),
                saved: m.at,
                received: None,
                pending: None,
                errors: Vec::new(),
            });
            if rec.pending.as_deref() == Some(m.id.as_str()) || rec.pending.is_none() {
                rec.pending = None;
                rec.state = LocalState::Draft;
                rec.body = m.body.clone();
                rec.errors = errs;
                self.put_record(&rec)?;
            }
            self.store.remove(&format!("{P_OUTBOX}{}", m.id));
        }
        Ok(refused)
    }

    /// Pushes the whole outbox in chunks and pulls changes. `clock` is the
    /// phone's clock in ms (it may be wrong; the server measures the skew).
    pub async fn sync<T: Transport>(&self, t: &T, clock: impl Fn() -> i64) -> Result<SyncSummary, SyncError> {
        let mut sum = SyncSummary::default();
        loop {
            let req = self.request(clock(), MAX_PUSH);
            sum.round_trips += 1;
            match t.sync(&req).await {
                Ok(resp) => {
                    self.apply_response(req.now, &resp)?;
                    sum.acked += resp.results.len();
                    sum.pulled += resp.changes.len();
                    let left = self.outbox();
                    let progressed = req.push.iter().any(|m| !left.iter().any(|l| l.id == m.id));
                    if left.is_empty() || !progressed {
                        return Ok(sum);
                    }
                }
                Err(TransportError::Rejected { status: 422, error }) if !error.fields.is_empty() => {
                    let n = self.send_back(&req, &error.fields)?;
                    if n == 0 {
                        return Err(SyncError::Transport(TransportError::Rejected { status: 422, error }));
                    }
                    sum.refused += n;
                }
                Err(e) => return Err(SyncError::Transport(e)),
            }
        }
    }

    /// A backup of everything unsent (queued mutations and drafts), as JSON.
    pub fn export_backup(&self, now: i64) -> String {
        let drafts = self.records().into_iter().filter(|r| r.state == LocalState::Draft).collect();
        to_json(&Backup {
            kind: "sothon-backup".into(),
            v: 1,
            device: self.device.clone(),
            exported: now,
            mutations: self.outbox(),
            drafts,
        })
    }

    /// Imports a backup made by [`Self::export_backup`], here or on another
    /// phone. Idempotent: importing twice queues nothing twice, and mutations
    /// keep their ids, so the server also ignores ones it already has.
    /// Returns how many mutations were newly queued.
    pub fn import_backup(&self, json: &str) -> Result<usize, String> {
        let b: Backup = serde_json::from_str(json).map_err(|e| format!("Tệp sao lưu không đọc được: {e}"))?;
        if b.kind != "sothon-backup" || b.v != 1 {
            return Err("Đây không phải tệp sao lưu của Sổ Thôn".into());
        }
        for m in &b.mutations {
            if let Some(e) = m.check_shape().first() {
                return Err(format!("Tệp sao lưu có bản ghi hỏng: {}", e.message));
            }
        }
        let mut added = 0;
        for m in &b.mutations {
            let okey = format!("{P_OUTBOX}{}", m.id);
            if self.store.get(&okey).is_some() {
                continue;
            }
            let local = self.record(&m.record);
            if local.as_ref().is_some_and(|r| r.saved > m.at && r.unsent()) {
                continue; // this phone has a newer unsent edit of the same record
            }
            self.store.set(&okey, &to_json(m)).map_err(|e| e.to_string())?;
            let rec = LocalRecord {
                id: m.record.clone(),
                body: m.body.clone(),
                state: LocalState::Queued,
                rev: local.as_ref().map(|r| r.rev).unwrap_or(0),
                base: local.as_ref().map(|r| r.base).unwrap_or(m.base),
                receipt: local.as_ref().map(|r| r.receipt.clone()).unwrap_or_default(),
                comment: String::new(),
                saved: m.at,
                received: None,
                pending: Some(m.id.clone()),
                errors: Vec::new(),
            };
            self.put_record(&rec).map_err(|e| e.to_string())?;
            added += 1;
        }
        for d in &b.drafts {
            if self.record(&d.id).is_none() {
                self.put_record(d).map_err(|e| e.to_string())?;
            }
        }
        Ok(added)
    }
}
