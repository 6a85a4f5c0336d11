//! The sync wire protocol, version 1. One round trip (`POST /api/v1/sync`)
//! pushes the phone's outbox and pulls what changed for it.
//!
//! Exactly-once delivery rests on three rules the server keeps in one
//! transaction per mutation:
//!
//! 1. every mutation has a client-made id, `"{device}:{seq}"`; the server
//!    records the id with the mutation's result, and a mutation it has seen is
//!    answered with the stored result, never applied again;
//! 2. a mutation carries the whole record, not a delta, so applying the latest
//!    of a device's edits gives the same record whatever happened to the
//!    earlier ones;
//! 3. per record, the server remembers the highest `seq` it applied from each
//!    device; a late, reordered older edit is answered `superseded`.
//!
//! A mutation based on a revision that another device has since replaced is a
//! conflict: it is kept beside the record and shown to people, never dropped
//! and never silently applied over the other edit.
//!
//! Two more rules make the first one safe against other accounts and against
//! answers arriving late:
//!
//! 4. **A mutation id belongs to its device, and a device to one account.**
//!    The server binds a device id to the account that first pushed a
//!    mutation made on it; a mutation whose origin device is bound to another
//!    account is `refused` (`device_owner`) alone and nothing is written. A
//!    stored result is replayed only when the same mutation comes back — same
//!    record, base, device clock and body (compared structurally with what was
//!    stored); the same id with other content is `refused` (`id_reused`). A
//!    phone keeps one device id per account that logs in on it, so a shared
//!    phone never mixes two accounts' mutations under one id, and a backup
//!    file carried to another phone by the same account stays valid (its
//!    mutations keep their origin device, bound to that account).
//! 5. **Every server-side change to a record gives it a new `ver`.** `ver`
//!    comes from one counter per commune (`commune_sync.version`), bumped for
//!    every row a push, a review, a conflict resolution (and every later
//!    office decision) writes, inside that transaction; every
//!    [`MutationResult`] and [`Change`] carries the record's `ver`. The pull
//!    cursor is that counter: a pull returns the records with `ver > cursor`.
//!    The phone takes what the server says about a record only when its `ver`
//!    is newer than the newest it has seen, so a stored result replayed late
//!    (it keeps the `ver` it was first given) can never overwrite state the
//!    phone has since pulled — equal revisions are not "the same state", since
//!    approving or returning a record changes it without a new revision. A
//!    cursor ahead of the server's counter (a server restored from a backup,
//!    or an older app's time-based cursor) pulls everything again; the phone
//!    drops what it already has by `ver`.

use crate::event::{Activity, Incident};
use crate::record::{FieldError, Report};
use serde::{Deserialize, Serialize};

/// Wire protocol version; the server refuses versions it does not speak.
pub const PROTOCOL_VERSION: u32 = 1;
/// Most mutations in one push; the phone sends its outbox in chunks.
pub const MAX_PUSH: usize = 50;

/// What a mutation writes: the whole record. In JSON the record's own
/// object with its kind in `t`, first (`{"t":"report",…}`); read by a
/// hand-written impl (`body_de`) that streams when `t` comes first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "t", rename_all = "lowercase")]
pub enum Body {
    Report(Report),
    Incident(Incident),
    Activity(Activity),
}

impl Body {
    /// The record id this body belongs to.
    pub fn record_id(&self) -> String {
        match self {
            Body::Report(r) => r.id(),
            Body::Incident(i) => i.record_id(),
            Body::Activity(a) => a.record_id(),
        }
    }

    /// The village the record belongs to.
    pub fn village(&self) -> &str {
        match self {
            Body::Report(r) => &r.village,
            Body::Incident(i) => &i.village,
            Body::Activity(a) => &a.village,
        }
    }

    /// Incidents jump the queue; reports go in the order they were saved.
    pub fn priority(&self) -> u8 {
        match self {
            Body::Incident(_) => 0,
            Body::Report(_) | Body::Activity(_) => 1,
        }
    }

    /// `report`, `incident` or `activity` (the record kind the server stores).
    pub fn kind(&self) -> &'static str {
        match self {
            Body::Report(_) => "report",
            Body::Incident(_) => "incident",
            Body::Activity(_) => "activity",
        }
    }

    /// The period the record is listed under: a report's own period; the
    /// month (in Vietnam) an incident happened or an activity took place.
    pub fn period(&self) -> crate::Period {
        use crate::{Period, PeriodKind};
        match self {
            Body::Report(r) => r.period,
            Body::Incident(i) => Period::containing(PeriodKind::Month, crate::format::vn_date(i.at)),
            Body::Activity(a) => Period::containing(PeriodKind::Month, a.date),
        }
    }

    /// Every problem with the record, by the rules shared with the phone.
    pub fn validate(&self, cat: &crate::Catalogue) -> Vec<FieldError> {
        match self {
            Body::Report(r) => r.validate(cat),
            Body::Incident(i) => i.validate(),
            Body::Activity(a) => a.validate(),
        }
    }
}

/// One change made on a phone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mutation {
    /// `"{device}:{seq}"`, unique forever.
    pub id: String,
    /// The device's sequence number for this mutation (increasing).
    pub seq: u64,
    /// The record it writes.
    pub record: String,
    /// The record revision the edit was based on (0: a new record).
    pub base: u32,
    /// Device clock when the edit was saved, ms since the epoch (may be wrong).
    pub at: i64,
    pub body: Body,
}

impl Mutation {
    /// The id a device gives its `seq`-th mutation.
    pub fn make_id(device: &str, seq: u64) -> String {
        format!("{device}:{seq}")
    }

    /// The device that made the mutation (the part of `id` before `:`). It can
    /// differ from the device that pushes it: a backup file imported on another
    /// phone keeps its mutations' ids, so replays stay harmless.
    pub fn origin(&self) -> &str {
        self.id.rsplit_once(':').map(|(d, _)| d).unwrap_or("")
    }

    /// Structural checks that do not need the catalogue or the database.
    pub fn check_shape(&self) -> Vec<FieldError> {
        let mut errs = Vec::new();
        if !valid_device_id(self.origin()) || self.id != Self::make_id(self.origin(), self.seq) {
            errs.push(FieldError::new("id", "invalid", "Mã thay đổi không hợp lệ"));
        }
        if self.record != self.body.record_id() {
            errs.push(FieldError::new("record", "invalid", "Mã bản ghi không khớp với nội dung"));
        }
        errs
    }
}

/// A device id: 8–64 characters of `[A-Za-z0-9_-]`.
pub fn valid_device_id(d: &str) -> bool {
    (8..=64).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `POST /api/v1/sync` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// Protocol version ([`PROTOCOL_VERSION`]).
    pub v: u32,
    pub device: String,
    /// Device clock when the request was sent, ms; the server measures the
    /// phone's clock skew from it.
    pub now: i64,
    #[serde(default)]
    pub push: Vec<Mutation>,
    /// Pull changes after this server cursor (a per-commune version, see
    /// rule 5); `None` pulls nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<i64>,
    /// How many records are unsent on the phone (queued or drafts) for the
    /// logged-in account. The server keeps the last figure per device, so a
    /// phone whose storage was cleared can be told what its last sync left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsent: Option<u32>,
}

/// What the server did with one mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Stored; `rev` is the record's new revision.
    Applied,
    /// A newer edit from the same device was already applied; nothing to do.
    Superseded,
    /// Based on a revision another device replaced: kept, flagged for a person.
    Conflict,
    /// Not stored, nothing written, not remembered: this account may not send
    /// this mutation (`error` says why). The phone keeps it.
    Refused,
}

/// Why a mutation was [`Status::Refused`] (`MutationResult::error.error`).
pub mod refusal {
    /// The record's village is not one this account may write.
    pub const FORBIDDEN: &str = "forbidden";
    /// The mutation's origin device is bound to another account.
    pub const DEVICE_OWNER: &str = "device_owner";
    /// The id was stored before with other content.
    pub const ID_REUSED: &str = "id_reused";
}

/// The server's answer for one mutation. Replaying the mutation returns the
/// same result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MutationResult {
    pub id: String,
    pub record: String,
    pub status: Status,
    /// The record's revision after this mutation.
    pub rev: u32,
    /// Short code a person can quote ("PQ-7K3M9X").
    pub receipt: String,
    /// Server time the mutation was first received, ms.
    pub received: i64,
    /// The record's server version after this mutation (rule 5); 0 when
    /// refused.
    #[serde(default)]
    pub ver: i64,
    /// Why it was refused; only with [`Status::Refused`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

impl MutationResult {
    /// A refusal of `m`: nothing stored.
    pub fn refused(m: &Mutation, code: &str, message: &str) -> Self {
        Self {
            id: m.id.clone(),
            record: m.record.clone(),
            status: Status::Refused,
            rev: 0,
            receipt: String::new(),
            received: 0,
            ver: 0,
            error: Some(ApiError { error: code.into(), message: message.into(), fields: Vec::new() }),
        }
    }

    /// The refusal code, if refused.
    pub fn refusal(&self) -> Option<&str> {
        self.error.as_ref().filter(|_| self.status == Status::Refused).map(|e| e.error.as_str())
    }
}

/// Where a record stands on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordState {
    Received,
    Conflict,
    Returned,
    Approved,
}

/// Something that changed on the server for this user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub record: String,
    pub rev: u32,
    pub state: RecordState,
    pub receipt: String,
    /// Review comment from the commune office, if any.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
    /// With a returned record: the officer's comments on individual fields
    /// (`comment` is the reason). Absent when empty, so phones and servers
    /// from before field comments read and write the same JSON.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub return_fields: Vec<crate::review::FieldComment>,
    /// Server time of the change, ms.
    pub at: i64,
    /// The record's server version (rule 5): the pull cursor.
    #[serde(default)]
    pub ver: i64,
    /// The commune officer who entered this revision on the village's behalf
    /// ("nhập hộ"), by name; `None` when the village sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_by: Option<String>,
    /// The commune office's handling of an incident, oldest first
    /// ([`crate::handling`]); empty for other records and for an incident
    /// nobody has acknowledged. Older phones ignore it; older servers never
    /// send it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<crate::handling::IncidentStep>,
    pub body: Body,
}

/// A due date the commune set for a period (else [`crate::Period::default_due`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueDate {
    pub period: crate::Period,
    #[serde(with = "crate::format::iso_date")]
    pub due: chrono::NaiveDate,
}

/// `POST /api/v1/sync` answer. Sent only after the transaction committed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub v: u32,
    /// Server clock, ms.
    pub now: i64,
    pub results: Vec<MutationResult>,
    #[serde(default)]
    pub changes: Vec<Change>,
    /// Pass back as `cursor` next time.
    pub cursor: i64,
    /// Due dates the commune has set (a short list; sent on every pull).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub due: Vec<DueDate>,
}

/// Account roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Trưởng thôn: bound to one village.
    VillageHead,
    /// Tổ công nghệ số cộng đồng: bound to one village.
    DigitalTeam,
    /// Văn phòng HĐND và UBND xã: every village of the commune.
    Officer,
    /// Commune administrator.
    Admin,
    /// Sở / Văn phòng UBND tỉnh: reads the aggregates and the completeness of
    /// the province's communes, and nothing else (no village's records, no
    /// decisions). Its account belongs to the province's own unit.
    Province,
}

impl Role {
    pub fn village_scoped(self) -> bool {
        matches!(self, Role::VillageHead | Role::DigitalTeam)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::VillageHead => "Trưởng thôn",
            Role::DigitalTeam => "Tổ công nghệ số cộng đồng",
            Role::Officer => "Cán bộ văn phòng xã",
            Role::Admin => "Quản trị xã",
            Role::Province => "Cán bộ tỉnh",
        }
    }
}

/// `POST /api/v1/login` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The device token an earlier login of this account on this phone got
    /// ([`Session::device_token`]): a phone that has logged in before keeps
    /// being let in while someone else's guesses slow the account down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_token: Option<String>,
}

/// A village of the commune.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Village {
    pub id: String,
    pub name: String,
    /// Demo data, not a real village.
    #[serde(default)]
    pub sample: bool,
}

/// The logged-in account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub username: String,
    pub name: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village: Option<String>,
    pub commune: String,
}

/// `POST /api/v1/login` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Bearer token; the server keeps only its hash.
    pub token: String,
    pub user: User,
    /// Villages this account may see.
    pub villages: Vec<Village>,
    /// Server time the token expires, ms.
    pub expires: i64,
    /// A secret for this phone and account, to send back at the next login
    /// ([`LoginRequest::device_token`]); kept after logout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_token: Option<String>,
    /// This account's devices as the server last saw them (a phone whose
    /// storage was cleared learns what its last sync left unsent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<DeviceSeen>,
    /// The admin reset this account's password: the person must set a new
    /// one (`POST /api/v1/password`) before anything else is allowed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub must_change_password: bool,
}

/// One device of an account, as the server last saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSeen {
    pub device: String,
    /// Server time of its last sync, ms.
    pub last_sync: i64,
    /// Records it said were unsent at that sync.
    pub unsent: u32,
}

/// Every API error has this JSON shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    /// Machine-readable: `bad_json`, `unauthorized`, `forbidden`, `invalid`, …
    pub error: String,
    /// For people, in Vietnamese.
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// A short, readable receipt for a record revision: "PQ-" and six characters
/// of Crockford base32 (no I, L, O, U), derived from the record and revision so
/// that a replayed push gets the same receipt.
pub fn receipt_code(record: &str, rev: u32) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    // FNV-1a, 64 bit: stable across platforms and releases.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in record.bytes().chain(rev.to_le_bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut out = String::from("PQ-");
    for i in 0..6 {
        out.push(ALPHABET[((h >> (i * 5)) & 31) as usize] as char);
    }
    out
}

/// The record a pushed mutation meets on the server (rules 2–5 above).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head<'a> {
    pub rev: i64,
    /// Approved by the commune office, which locks it.
    pub approved: bool,
    /// The origin device of its current revision.
    pub last_device: &'a str,
}

/// What a new (never seen) mutation does to its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushRule {
    /// Rule 2: the record has an edit from the same origin with this `seq` or
    /// a later one; nothing changes, the answer names the record's `rev`.
    Superseded { rev: i64 },
    /// Rule 3: no such record; it is created at rev 1.
    Create,
    /// Rule 4: the record is at the mutation's base, or its current revision
    /// came from the same origin (which only edits forward): the body
    /// replaces the record's as `rev`.
    Replace { rev: i64 },
    /// Rule 5: another device's edit came in between, or the record is
    /// approved: the edit is kept beside the record for a person.
    Conflict { rev: i64 },
}

/// Rules 2–5 as one function: `head` is the record as stored (if any),
/// `seen` the highest `seq` stored for the record from the mutation's
/// `origin`.
pub fn push_rule(head: Option<Head<'_>>, seen: Option<i64>, seq: i64, base: i64, origin: &str) -> PushRule {
    match head {
        Some(h) if seen.is_some_and(|s| s >= seq) => PushRule::Superseded { rev: h.rev },
        None => PushRule::Create,
        Some(h) if !h.approved && (h.rev == base || h.last_device == origin) => PushRule::Replace { rev: h.rev + 1 },
        Some(h) => PushRule::Conflict { rev: h.rev },
    }
}

#[cfg(test)]
mod push_rule_tests {
    use super::{push_rule, Head, PushRule};

    const A: &str = "phone-a";
    const B: &str = "phone-b";

    fn head(rev: i64, approved: bool, last_device: &str) -> Option<Head<'_>> {
        Some(Head { rev, approved, last_device })
    }

    #[test]
    fn each_rule_in_its_order() {
        // 3: a new record, whatever was seen.
        assert_eq!(push_rule(None, Some(9), 1, 0, A), PushRule::Create);
        // 2: an older or repeated seq from the same origin changes nothing, even on an approved record.
        assert_eq!(push_rule(head(3, false, A), Some(5), 5, 2, A), PushRule::Superseded { rev: 3 });
        assert_eq!(push_rule(head(3, true, B), Some(6), 4, 3, A), PushRule::Superseded { rev: 3 });
        // 4: at the base, or the origin's own revision (it edits forward).
        assert_eq!(push_rule(head(3, false, B), Some(1), 2, 3, A), PushRule::Replace { rev: 4 });
        assert_eq!(push_rule(head(3, false, A), Some(1), 2, 1, A), PushRule::Replace { rev: 4 });
        // 5: another device's edit in between, or approved (locked).
        assert_eq!(push_rule(head(3, false, B), None, 1, 2, A), PushRule::Conflict { rev: 3 });
        assert_eq!(push_rule(head(3, true, A), Some(1), 2, 3, A), PushRule::Conflict { rev: 3 });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::Period;

    fn mutation() -> Mutation {
        let r = Report::new("pq-t01", Period::parse("2026-11").unwrap(), 1);
        Mutation { id: "dev12345:7".into(), seq: 7, record: r.id(), base: 0, at: 1, body: Body::Report(r) }
    }

    #[test]
    fn mutation_shape() {
        let m = mutation();
        assert!(m.check_shape().is_empty());
        assert_eq!(m.origin(), "dev12345");
        let mut bad_id = m.clone();
        bad_id.id = "dev12345:8".into();
        assert_eq!(bad_id.check_shape()[0].field, "id");
        bad_id.id = "x:7".into();
        assert_eq!(bad_id.check_shape()[0].field, "id");
        let mut m2 = m.clone();
        m2.record = "r.pq-t02.2026-11".into();
        assert_eq!(m2.check_shape()[0].field, "record");
    }

    #[test]
    fn body_is_tagged() {
        let json = serde_json::to_string(&mutation().body).unwrap();
        assert!(json.starts_with(r#"{"t":"report","village":"pq-t01""#), "{json}");
    }

    #[test]
    fn device_ids() {
        assert!(valid_device_id("a1b2c3d4e5"));
        assert!(!valid_device_id("short"));
        assert!(!valid_device_id("has space in it"));
    }

    #[test]
    fn receipts_are_stable_and_distinct() {
        let a = receipt_code("r.pq-t01.2026-11", 1);
        assert_eq!(a, receipt_code("r.pq-t01.2026-11", 1));
        assert_ne!(a, receipt_code("r.pq-t01.2026-11", 2));
        assert_eq!(a.len(), 9);
        assert!(a.starts_with("PQ-"));
    }
}
