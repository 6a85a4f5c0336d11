//! The outbox and the sync round trip.
//!
//! Storage layout (one key per record, so each write stays small and atomic):
//!
//! | key | value |
//! |---|---|
//! | `st.dev` | this phone's device id (when no account is named) |
//! | `st.acct` | the account logged in on this phone |
//! | `st.devs` | the device id of each account that logged in here, `{"truongthon1":"…"}` |
//! | `st.owners` | which account each known origin device belongs to (own and imported) |
//! | `st.seq` | the last reserved mutation sequence number |
//! | `st.cur` | the pull cursor the server gave last (`st.cur.{account}` per account) |
//! | `st.h.{mutation id}` | the account the server refused this queued mutation for |
//! | `st.skew` | server clock minus phone clock, ms, last measured |
//! | `st.due` | due dates the commune set, `{"2026-11":"2026-12-07"}` |
//! | `st.r.{record}` | a [`LocalRecord`] |
//! | `st.o.{mutation id}` | a queued [`Mutation`] |

use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use sothon_domain::json;
use sothon_domain::protocol::refusal::ID_REUSED;
use sothon_domain::protocol::{
    ApiError, Body, Change, Mutation, MutationResult, RecordState, Status, SyncRequest, SyncResponse, MAX_PUSH,
    PROTOCOL_VERSION,
};
use sothon_domain::review::FieldComment;
use sothon_domain::FieldError;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

const K_DEVICE: &str = "st.dev";
const K_SEQ: &str = "st.seq";
const K_CURSOR: &str = "st.cur";
const K_SKEW: &str = "st.skew";
const K_DUE: &str = "st.due";
const K_ACCOUNT: &str = "st.acct";
const K_DEVICES: &str = "st.devs";
const K_OWNERS: &str = "st.owners";
const P_RECORD: &str = "st.r.";
const P_OUTBOX: &str = "st.o.";
const P_HELD: &str = "st.h.";
/// Most round trips one [`Engine::sync`] makes (each moves the outbox on).
const MAX_ROUND_TRIPS: usize = 200;

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
    /// A return's comments on individual fields, beside `comment` (the
    /// reason): the form highlights these fields. Cleared with the comment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub return_fields: Vec<FieldComment>,
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
    /// The newest server version of this record the phone has heard of
    /// (protocol rule 5); server news with a `ver` not above it is old news.
    #[serde(default)]
    pub ver: i64,
    /// The commune officer who entered the current server revision on the
    /// village's behalf ("nhập hộ").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_by: Option<String>,
    /// The server's latest version of the record, pulled while local work was
    /// pending: it becomes the record once that work is answered with an
    /// older `ver` (the server moved on after our edit arrived).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heard: Option<Box<Change>>,
    /// The commune office's handling of an incident, as last pulled
    /// ([`Change::steps`]): office news, kept whatever the phone's own edits
    /// are doing, readable offline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<sothon_domain::handling::IncidentStep>,
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
    /// Mutations the server would not take from this account; they stay on
    /// the phone for an account that may send them.
    pub held: usize,
    /// Mutations given a fresh id because theirs was taken on the server.
    pub reissued: usize,
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
    /// The account each mutation's origin device belongs to, as far as the
    /// exporting phone knows (`{device: account}`); an importing phone sends
    /// each mutation only while that account is logged in.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub owners: BTreeMap<String, String>,
    /// Phone clock at export, ms.
    pub exported: i64,
    pub mutations: Vec<Mutation>,
    /// Drafts (not queued) travel too, so nothing typed is left behind.
    #[serde(default)]
    pub drafts: Vec<LocalRecord>,
}

/// Records as last parsed, each with the stored text it was parsed from.
///
/// The PWA reopens the engine for every action and draws home from every
/// record on the phone: with 500 of them, parsing each one's JSON again on
/// every redraw cost a cheap phone most of a second (issue #10). Reading a
/// record whose stored text did not change now costs a string comparison
/// and a clone; a changed text (another tab, a sync) is parsed again, so the
/// store stays the one truth. Shared by the engines one app opens
/// ([`Engine::with_parsed`]); an engine without one parses every time.
#[derive(Default)]
pub struct Parsed(RefCell<BTreeMap<String, (String, LocalRecord)>>);

impl Parsed {
    pub fn new() -> Rc<Self> {
        Rc::new(Self::default())
    }

    /// The record stored as `text` under `key`, parsed only when `text` is
    /// not what was parsed for `key` last time.
    fn get(&self, key: &str, text: String) -> Option<LocalRecord> {
        if let Some((t, r)) = self.0.borrow().get(key) {
            if *t == text {
                return Some(r.clone());
            }
        }
        let rec: LocalRecord = json::from_str(&text).ok()?;
        self.0.borrow_mut().insert(key.to_string(), (text, rec.clone()));
        Some(rec)
    }

    /// Remembers what was just written, so reading it back parses nothing.
    fn put(&self, key: &str, text: String, rec: &LocalRecord) {
        self.0.borrow_mut().insert(key.to_string(), (text, rec.clone()));
    }

    /// Forgets everything once more records are held than `keys` lists (a
    /// record was removed, as at logout), so what it holds stays within what
    /// is stored; the next reads parse again. (Dropping only the missing
    /// keys would link the map's removal code once more into the WASM, for
    /// something that happens about once per account.)
    fn keep(&self, keys: &[String]) {
        let mut m = self.0.borrow_mut();
        if m.len() > keys.len() {
            m.clear();
        }
    }

    /// How many records are held parsed.
    pub fn len(&self) -> usize {
        self.0.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The phone's sync engine over a [`Store`].
pub struct Engine<S: Store> {
    store: S,
    /// This account's device id on this phone (it changes only when the
    /// server says another account took it).
    device: RefCell<String>,
    /// Makes a new device id (kept from `open_as`).
    new_id: Option<Box<dyn Fn() -> String>>,
    /// The logged-in account, when the engine was opened for one.
    account: Option<String>,
    /// Whether this account's device id was made by this open (nothing of
    /// this account was on the phone: a first login here, or storage cleared).
    fresh: bool,
    /// Records parsed before, shared with the app's other engines.
    parsed: Option<Rc<Parsed>>,
}

fn to_json<T: Serialize>(v: &T) -> String {
    json::to_string(v).expect("serializable")
}

fn read_json<T: for<'de> Deserialize<'de>>(store: &impl Store, key: &str) -> Option<T> {
    store.get(key).and_then(|s| json::from_str(&s).ok())
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
        Ok(Self { store, device: RefCell::new(device), new_id: None, account: None, fresh: false, parsed: None })
    }

    /// Opens the engine for `account` (protocol rule 4): its own device id on
    /// this phone, made the first time it logs in here (an older phone's
    /// single device id goes to the first account that opens it), its own
    /// pull cursor, and only its own mutations pushed. Other accounts'
    /// unsent work stays on the phone, apart, until they log in again.
    pub fn open_as(store: S, account: &str, new_device_id: impl Fn() -> String + 'static) -> Result<Self, StoreError> {
        let mut devices: BTreeMap<String, String> = read_json(&store, K_DEVICES).unwrap_or_default();
        let mut owners: BTreeMap<String, String> = read_json(&store, K_OWNERS).unwrap_or_default();
        let mut fresh = false;
        let device = match devices.get(account) {
            Some(d) => d.clone(),
            None => {
                let legacy = store.get(K_DEVICE).filter(|d| !owners.contains_key(d));
                let d = match legacy {
                    Some(d) => d,
                    None => {
                        fresh = true;
                        new_device_id()
                    }
                };
                owners.insert(d.clone(), account.to_string());
                devices.insert(account.to_string(), d.clone());
                store.set(K_OWNERS, &to_json(&owners))?;
                store.set(K_DEVICES, &to_json(&devices))?;
                d
            }
        };
        if store.get(K_ACCOUNT).as_deref() != Some(account) {
            store.set(K_ACCOUNT, account)?;
        }
        Ok(Self {
            store,
            device: RefCell::new(device),
            new_id: Some(Box::new(new_device_id)),
            account: Some(account.to_string()),
            fresh,
            parsed: None,
        })
    }

    /// Reads records through `parsed`: a record whose stored text did not
    /// change since any engine sharing it last read or wrote it is not
    /// parsed again.
    pub fn with_parsed(mut self, parsed: Rc<Parsed>) -> Self {
        self.parsed = Some(parsed);
        self
    }

    fn parse_record(&self, key: &str, text: String) -> Option<LocalRecord> {
        match &self.parsed {
            Some(p) => p.get(key, text),
            None => json::from_str(&text).ok(),
        }
    }

    pub fn device(&self) -> String {
        self.device.borrow().clone()
    }

    /// The account the engine was opened for.
    pub fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    /// Whether nothing of this account was on the phone before this open.
    pub fn fresh(&self) -> bool {
        self.fresh
    }

    /// Splits `ms` into what the logged-in account may push from this phone
    /// (its own, or of unknown origin, not refused for it already) and what
    /// stays held. The owners map is read once, not once per mutation.
    fn split_sendable(&self, ms: Vec<Mutation>) -> (Vec<Mutation>, Vec<Mutation>) {
        let Some(acct) = &self.account else { return (ms, Vec::new()) };
        let owners: BTreeMap<String, String> = read_json(&self.store, K_OWNERS).unwrap_or_default();
        ms.into_iter().partition(|m| {
            owners.get(m.origin()).is_none_or(|o| o == acct)
                && self.store.get(&format!("{P_HELD}{}", m.id)).as_deref() != Some(acct.as_str())
        })
    }

    /// Queued mutations that belong to another account (or that the server
    /// would not take from this one): kept on the phone, not sent now.
    pub fn held(&self) -> Vec<Mutation> {
        self.split_sendable(self.outbox_all()).1
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn record(&self, id: &str) -> Option<LocalRecord> {
        let key = format!("{P_RECORD}{id}");
        self.store.get(&key).and_then(|s| self.parse_record(&key, s))
    }

    /// Every record on the phone.
    pub fn records(&self) -> Vec<LocalRecord> {
        let keys = self.store.keys(P_RECORD);
        if let Some(p) = &self.parsed {
            p.keep(&keys);
        }
        keys.iter().filter_map(|k| self.parse_record(k, self.store.get(k)?)).collect()
    }

    fn put_record(&self, r: &LocalRecord) -> Result<(), StoreError> {
        let key = format!("{P_RECORD}{}", r.id);
        let text = to_json(r);
        self.store.set(&key, &text)?;
        if let Some(p) = &self.parsed {
            p.put(&key, text, r);
        }
        Ok(())
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
                return_fields: Vec::new(),
                saved: now,
                received: None,
                pending: None,
                errors: Vec::new(),
                ver: 0,
                entered_by: None,
                heard: None,
                steps: Vec::new(),
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
        let prev_pending = old.as_ref().and_then(|r| r.pending.clone());
        // Reserve the number first: a crash after this wastes it, never reuses it.
        let seq = self.store.get(K_SEQ).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0) + 1;
        self.store.set(K_SEQ, &seq.to_string())?;
        let m = Mutation {
            id: Mutation::make_id(&self.device(), seq),
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
            return_fields: old.as_ref().map(|r| r.return_fields.clone()).unwrap_or_default(),
            saved: now,
            received: old.as_ref().and_then(|r| r.received),
            pending: Some(m.id.clone()),
            errors: Vec::new(),
            ver: old.as_ref().map(|r| r.ver).unwrap_or(0),
            entered_by: old.as_ref().and_then(|r| r.entered_by.clone()),
            steps: old.as_ref().map(|r| r.steps.clone()).unwrap_or_default(),
            heard: old.and_then(|r| r.heard),
        };
        if let Err(e) = self.put_record(&rec) {
            self.store.remove(&okey);
            return Err(e);
        }
        // The new mutation carries the whole record, so an older queued edit of
        // the same record is redundant. If it had reached the server already,
        // the server applies the newer one after it (same device).
        if let Some(prev) = prev_pending {
            self.store.remove(&format!("{P_OUTBOX}{prev}"));
            self.store.remove(&format!("{P_HELD}{prev}"));
        }
        Ok(rec)
    }

    /// Queued mutations this account may send now, in sending order:
    /// incidents first, then by sequence.
    pub fn outbox(&self) -> Vec<Mutation> {
        self.split_sendable(self.outbox_all()).0
    }

    /// Every queued mutation on the phone, whoever it belongs to.
    pub fn outbox_all(&self) -> Vec<Mutation> {
        let mut out: Vec<Mutation> = self
            .store
            .keys(P_OUTBOX)
            .iter()
            .filter_map(|k| self.store.get(k))
            .filter_map(|s| json::from_str(&s).ok())
            .collect();
        let device = self.device();
        sothon_domain::sort::sort_by(&mut out, |a, b| {
            (a.body.priority(), a.origin() != device, a.seq, &a.id).cmp(&(
                b.body.priority(),
                b.origin() != device,
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

    /// Each account pulls its own view (a village head sees one village): a
    /// cursor is per account.
    fn cursor_key(&self) -> String {
        match &self.account {
            Some(a) => format!("{K_CURSOR}.{a}"),
            None => K_CURSOR.to_string(),
        }
    }

    pub fn cursor(&self) -> i64 {
        self.store.get(&self.cursor_key()).and_then(|s| s.parse().ok()).unwrap_or(0)
    }

    /// Server clock minus phone clock at the last sync, ms.
    pub fn skew(&self) -> Option<i64> {
        self.store.get(K_SKEW).and_then(|s| s.parse().ok())
    }

    /// The next request: up to `limit` queued mutations, and a pull.
    pub fn request(&self, now: i64, limit: usize) -> SyncRequest {
        let mut push = self.outbox();
        push.truncate(limit.min(MAX_PUSH));
        let unsent = self.records().iter().filter(|r| r.unsent()).count();
        SyncRequest {
            v: PROTOCOL_VERSION,
            device: self.device(),
            now,
            push,
            cursor: Some(self.cursor()),
            unsent: Some(u32::try_from(unsent).unwrap_or(u32::MAX)),
        }
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
        // The server may move the cursor back (it was ahead of the server's
        // counter: a restored server); take its word either way.
        if resp.cursor != self.cursor() {
            self.store.set(&self.cursor_key(), &resp.cursor.to_string())?;
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
            .and_then(|s| json::from_str::<std::collections::BTreeMap<String, String>>(&s).ok())
            .and_then(|m| m.get(&period.to_string()).and_then(|d| sothon_domain::format::parse_date_iso(d)))
            .unwrap_or_else(|| period.default_due())
    }

    fn apply_result(&self, r: &MutationResult) -> Result<(), StoreError> {
        if r.status == Status::Refused {
            return self.refused(r);
        }
        if let Some(mut rec) = self.record(&r.record) {
            let ours = rec.pending.as_deref() == Some(r.id.as_str());
            // Newer than anything the phone has heard (rule 5), or a stored
            // answer replayed after the phone pulled later news.
            let newest = r.ver > rec.ver;
            if ours {
                rec.pending = None;
                // Our body is now that revision on the server (a draft edited
                // since was edited from it). A conflict moves nothing: the
                // server kept another phone's version this phone has not seen.
                if r.status == Status::Applied {
                    rec.base = rec.base.max(r.rev);
                }
                if newest {
                    // A conflict says the server kept a version this phone
                    // has not seen (another phone's edit, or an approval
                    // that locked the record): heard of, not seen, so the
                    // pull that follows still brings the record as it is.
                    // Only "applied" tells the whole server state (our body,
                    // received, no comment); a superseded edit changed
                    // nothing there, so what is there is still to be pulled.
                    if r.status == Status::Applied {
                        rec.ver = r.ver;
                        rec.comment.clear();
                        rec.return_fields.clear();
                    }
                    rec.rev = r.rev;
                    rec.receipt = r.receipt.clone();
                    rec.received = Some(r.received);
                    rec.heard = None;
                    rec.entered_by = None;
                    // Edits made while this one was queued stay a draft.
                    if rec.state != LocalState::Draft {
                        rec.state = match r.status {
                            Status::Conflict => LocalState::Conflict,
                            _ => LocalState::Received,
                        };
                    }
                } else {
                    rec.received = rec.received.or(Some(r.received));
                    // The server moved on after this edit arrived (approved,
                    // returned, another phone's edit): what was pulled
                    // meanwhile is the record now.
                    match rec.heard.take() {
                        Some(c) if rec.state != LocalState::Draft => {
                            rec.body = c.body.clone();
                            rec.base = c.rev;
                            rec.state = c.state.into();
                        }
                        Some(_) => {}
                        None if rec.state != LocalState::Draft => {
                            rec.state = match r.status {
                                Status::Conflict => LocalState::Conflict,
                                _ => LocalState::Received,
                            };
                        }
                        None => {}
                    }
                }
            } else if newest && r.rev > rec.rev {
                // An older edit of ours, replaced on the phone by a newer one
                // still queued: only the receipt is news.
                rec.rev = r.rev;
                rec.receipt = r.receipt.clone();
                rec.received = Some(r.received);
            }
            self.put_record(&rec)?;
        }
        self.store.remove(&format!("{P_OUTBOX}{}", r.id));
        self.store.remove(&format!("{P_HELD}{}", r.id));
        Ok(())
    }

    /// A mutation the server refused to take from this account. Nothing of it
    /// is dropped: it is held for an account that may send it, or given a
    /// fresh id when its own was taken.
    fn refused(&self, r: &MutationResult) -> Result<(), StoreError> {
        let okey = format!("{P_OUTBOX}{}", r.id);
        let Some(m) = self.store.get(&okey).and_then(|s| json::from_str::<Mutation>(&s).ok()) else {
            return Ok(());
        };
        let own = m.origin() == self.device();
        match r.refusal() {
            // Our id was used before with other content (an older copy of
            // this phone's storage, or someone else's doing): same edit, new id.
            Some(sothon_domain::protocol::refusal::ID_REUSED) => self.reissue(&m, None),
            // Our own device id is bound to another account on the server:
            // this account gets a new device id and the edit goes under it.
            Some(sothon_domain::protocol::refusal::DEVICE_OWNER) if own && self.new_id.is_some() => {
                let device = self.rotate_device()?;
                self.reissue(&m, Some(&device))
            }
            _ => {
                let who = self.account.clone().unwrap_or_default();
                self.store.set(&format!("{P_HELD}{}", m.id), &who)
            }
        }
    }

    /// Gives the account a new device id (the old one is bound to another
    /// account on the server) and returns it. The engine's other mutations
    /// under the old id are reissued one by one as their refusals come back.
    fn rotate_device(&self) -> Result<String, StoreError> {
        let (Some(acct), Some(new_id)) = (&self.account, &self.new_id) else { return Ok(self.device()) };
        let d = new_id();
        let mut owners: BTreeMap<String, String> = read_json(&self.store, K_OWNERS).unwrap_or_default();
        let mut devices: BTreeMap<String, String> = read_json(&self.store, K_DEVICES).unwrap_or_default();
        owners.insert(d.clone(), acct.clone());
        devices.insert(acct.clone(), d.clone());
        self.store.set(K_OWNERS, &to_json(&owners))?;
        self.store.set(K_DEVICES, &to_json(&devices))?;
        self.device.replace(d.clone());
        Ok(d)
    }

    fn next_seq_peek(&self) -> u64 {
        self.store.get(K_SEQ).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0) + 1
    }

    /// Queues `m`'s edit again under a fresh id (on `device`, else its own
    /// origin), replacing the old outbox entry only once the new one is stored.
    fn reissue(&self, m: &Mutation, device: Option<&str>) -> Result<(), StoreError> {
        let seq = self.next_seq_peek();
        self.store.set(K_SEQ, &seq.to_string())?;
        let device = device.unwrap_or(m.origin()).to_string();
        let fresh = Mutation { id: Mutation::make_id(&device, seq), seq, ..m.clone() };
        self.store.set(&format!("{P_OUTBOX}{}", fresh.id), &to_json(&fresh))?;
        if let Some(mut rec) = self.record(&m.record) {
            if rec.pending.as_deref() == Some(m.id.as_str()) {
                rec.pending = Some(fresh.id.clone());
                if let Err(e) = self.put_record(&rec) {
                    self.store.remove(&format!("{P_OUTBOX}{}", fresh.id));
                    return Err(e);
                }
            }
        }
        self.store.remove(&format!("{P_OUTBOX}{}", m.id));
        self.store.remove(&format!("{P_HELD}{}", m.id));
        Ok(())
    }

    fn apply_change(&self, c: &Change) -> Result<(), StoreError> {
        let rec = match self.record(&c.record) {
            Some(mut rec) => {
                // Old news (rule 5). A phone upgraded from before versions
                // holds ver 0 and takes the first change it pulls.
                if c.ver <= rec.ver && !(c.ver == 0 && rec.ver == 0 && c.rev > rec.rev) {
                    return Ok(());
                }
                rec.ver = c.ver;
                rec.rev = c.rev;
                rec.receipt = c.receipt.clone();
                rec.comment = c.comment.clone();
                rec.return_fields = c.return_fields.clone();
                rec.entered_by = c.entered_by.clone();
                rec.steps = c.steps.clone();
                // Local edits not yet on the server win on the phone; the
                // server decides when they arrive. What it said is kept for
                // when their answer comes.
                if rec.pending.is_none() && rec.state != LocalState::Draft {
                    rec.body = c.body.clone();
                    rec.base = c.rev;
                    rec.state = c.state.into();
                    rec.heard = None;
                } else {
                    rec.heard = Some(Box::new(c.clone()));
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
                return_fields: c.return_fields.clone(),
                saved: c.at,
                received: Some(c.at),
                pending: None,
                errors: Vec::new(),
                ver: c.ver,
                entered_by: c.entered_by.clone(),
                heard: None,
                steps: c.steps.clone(),
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
                return_fields: Vec::new(),
                saved: m.at,
                received: None,
                pending: None,
                errors: Vec::new(),
                ver: 0,
                entered_by: None,
                heard: None,
                steps: Vec::new(),
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
        while sum.round_trips < MAX_ROUND_TRIPS {
            let req = self.request(clock(), MAX_PUSH);
            sum.round_trips += 1;
            match t.sync(&req).await {
                Ok(resp) => {
                    let device = self.device();
                    self.apply_response(req.now, &resp)?;
                    for r in &resp.results {
                        match r.status {
                            Status::Refused if self.device() != device || r.refusal() == Some(ID_REUSED) => {
                                sum.reissued += 1
                            }
                            Status::Refused => sum.held += 1,
                            _ => sum.acked += 1,
                        }
                    }
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
        Ok(sum)
    }

    /// A backup of everything unsent (queued mutations and drafts), as JSON.
    pub fn export_backup(&self, now: i64) -> String {
        let drafts = self.records().into_iter().filter(|r| r.state == LocalState::Draft).collect();
        let mutations = self.outbox_all();
        let known: BTreeMap<String, String> = read_json(&self.store, K_OWNERS).unwrap_or_default();
        let owners =
            mutations.iter().filter_map(|m| known.get_key_value(m.origin())).map(|(d, a)| (d.clone(), a.clone()));
        to_json(&Backup {
            kind: "sothon-backup".into(),
            v: 1,
            device: self.device(),
            owners: owners.collect(),
            exported: now,
            mutations,
            drafts,
        })
    }

    /// Imports a backup made by [`Self::export_backup`], here or on another
    /// phone. Idempotent: importing twice queues nothing twice, and mutations
    /// keep their ids, so the server also ignores ones it already has.
    /// Returns how many mutations were newly queued.
    pub fn import_backup(&self, json: &str) -> Result<usize, String> {
        let b: Backup = sothon_domain::json::from_str(json).map_err(|e| format!("Tệp sao lưu không đọc được: {e}"))?;
        if b.kind != "sothon-backup" || b.v != 1 {
            return Err("Đây không phải tệp sao lưu của Sổ Thôn".into());
        }
        for m in &b.mutations {
            if let Some(e) = m.check_shape().first() {
                return Err(format!("Tệp sao lưu có bản ghi hỏng: {}", e.message));
            }
        }
        // Whose each origin device is, as the exporting phone knew it; what
        // this phone knows already stands.
        if !b.owners.is_empty() {
            let mut owners: BTreeMap<String, String> = read_json(&self.store, K_OWNERS).unwrap_or_default();
            for (d, a) in &b.owners {
                owners.entry(d.clone()).or_insert_with(|| a.clone());
            }
            self.store.set(K_OWNERS, &to_json(&owners)).map_err(|e| e.to_string())?;
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
                return_fields: Vec::new(),
                saved: m.at,
                received: None,
                pending: Some(m.id.clone()),
                errors: Vec::new(),
                ver: local.as_ref().map(|r| r.ver).unwrap_or(0),
                entered_by: None,
                heard: None,
                steps: local.as_ref().map(|r| r.steps.clone()).unwrap_or_default(),
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
