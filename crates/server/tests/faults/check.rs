//! What must hold once the network healed and every phone synced until quiet.
//!
//! Convergence, as the protocol (`sothon_domain::protocol`, `db::sync`,
//! `db::review`, `db::conflicts`) defines it:
//!
//! * **the server followed its rules** — the mutation log (every mutation's
//!   first processing, in order) and the office's decisions, replayed through
//!   a model of the written rules, give every stored answer (applied,
//!   superseded or conflict, and the rev) and every record's final rev,
//!   state, body, comment, author and unresolved conflicts;
//! * **nothing lost** — every record a phone submitted is on the server, and
//!   each phone's last version of each record was answered `applied` or
//!   `conflict` (never missing, never `superseded`); a `conflict` is kept in
//!   `conflicts` with its body;
//! * **nothing extra, nothing twice** — every stored mutation is one a phone
//!   authored, with its body, stored once; every answer ever sent equals the
//!   stored one; replaying every push ever sent changes no record;
//! * **the winner** — without office decisions, a record's body is the last
//!   version made by the phone that made its current revision;
//! * **no lost update** — a version replaces another phone's version only if
//!   it was edited from it: along a record's revisions, where the author
//!   changes by an applied mutation, the new version's lineage (the versions
//!   it was edited from, through drafts and the phone's own queued edits)
//!   contains the version it replaced. Anything else is an edit "silently
//!   applied over the other edit", which the protocol forbids (a person
//!   keeping the incoming side of a conflict is not silent);
//! * **the phones agree** — each phone's outbox is empty; it holds exactly
//!   the server's records of its village, each in the server's state, with
//!   the server's rev, receipt, comment and body (a phone whose own edit
//!   conflicted may still show its own version).

use crate::world::{tag_of, Office, World};
use serde_json::Value as Json;
use sothon_domain::protocol::{receipt_code, Body, MutationResult, Status};
use sothon_server::db::Db;
use sothon_sync::LocalState;
use std::collections::{BTreeMap, BTreeSet};

/// A phone whose edit was answered `conflict` edits the record again and
/// its version replaces the other phone's, which it never saw.
pub const LOST_AFTER_CONFLICT: &str = "lost-update-after-conflict";
/// A phone keeps a draft (or a queued edit) while a pull brings another
/// phone's revision; its next edit claims that revision as its base and
/// replaces it unseen, with no conflict.
pub const LOST_STALE_BASE: &str = "lost-update-stale-base";

/// The rule a problem line breaks, if it names one (`[code] …`).
pub fn code(problem: &str) -> Option<&str> {
    problem.strip_prefix('[')?.split_once(']').map(|(c, _)| c)
}

#[derive(Debug, Clone, PartialEq)]
pub struct SRecord {
    pub village: String,
    pub rev: u32,
    pub state: String,
    pub receipt: String,
    pub comment: String,
    pub body: Body,
    pub last_device: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone)]
pub struct SMutation {
    pub id: String,
    pub seq: u64,
    pub record: String,
    pub base: u32,
    pub status: String,
    pub result: MutationResult,
    pub body: Body,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SConflict {
    pub record: String,
    pub body: Body,
    pub resolved: bool,
}

/// The server's tables, read straight from SQLite.
#[derive(Debug, Clone)]
pub struct Server {
    pub records: BTreeMap<String, SRecord>,
    /// In the order the server stored them (rowid).
    pub mutations: Vec<SMutation>,
    /// By mutation id.
    pub conflicts: BTreeMap<String, SConflict>,
}

fn body(s: &str) -> Body {
    serde_json::from_str(s).expect("stored body parses")
}

impl Server {
    pub async fn load(db: &Db) -> Self {
        type RecRow = (String, String, i64, String, String, String, String, String, i64);
        let rows: Vec<RecRow> = sothon_server::with_pool!(db, p => sqlx::query_as(
            "SELECT id, village_id, rev, state, receipt, comment, body, last_device, updated_at FROM records",
        )
        .fetch_all(p)
        .await)
        .expect("records");
        let records = rows
            .into_iter()
            .map(|(id, village, rev, state, receipt, comment, b, last_device, updated_at)| {
                let rev = u32::try_from(rev).expect("rev");
                (id, SRecord { village, rev, state, receipt, comment, body: body(&b), last_device, updated_at })
            })
            .collect();
        type MutRow = (String, i64, String, i64, String, String, String, i64);
        let rows: Vec<MutRow> =
            sothon_server::with_pool!(db, p => sqlx::query_as(match db {
                // SQLite's insertion order, which `pos` must agree with (checked below).
                Db::Sqlite(_) => "SELECT id, seq, record_id, base, status, result, body, pos FROM mutations ORDER BY rowid",
                Db::Pg(_) => "SELECT id, seq, record_id, base, status, result, body, pos FROM mutations ORDER BY pos",
            })
                .fetch_all(p)
                .await)
                .expect("mutations");
        let pos: Vec<i64> = rows.iter().map(|r| r.7).collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "the log's pos is its commit order: {pos:?}");
        let mutations = rows
            .into_iter()
            .map(|(id, seq, record, base, status, result, b, _)| SMutation {
                id,
                seq: seq as u64,
                record,
                base: base as u32,
                status,
                result: serde_json::from_str(&result).expect("stored result parses"),
                body: body(&b),
            })
            .collect();
        let rows: Vec<(String, String, String, bool)> =
            sothon_server::with_pool!(db, p => sqlx::query_as("SELECT mutation_id, record_id, body, resolved FROM conflicts")
                .fetch_all(p)
                .await)
                .expect("conflicts");
        let conflicts = rows
            .into_iter()
            .map(|(id, record, b, resolved)| (id, SConflict { record, body: body(&b), resolved }))
            .collect();
        Self { records, mutations, conflicts }
    }

    fn mutation(&self, id: &str) -> Option<&SMutation> {
        self.mutations.iter().find(|m| m.id == id)
    }
}

fn origin(id: &str) -> &str {
    id.rsplit_once(':').map(|(d, _)| d).unwrap_or("")
}

/// How a revision came to be.
#[derive(Debug, Clone, PartialEq)]
enum Via {
    /// A mutation answered `applied` (this id).
    Applied(String),
    /// A person kept the incoming side of this conflicting mutation.
    Resolved(String),
}

#[derive(Debug, Clone)]
struct Revision {
    rev: u32,
    body: Body,
    author: String,
    via: Via,
}

/// A record as the written rules say it must be.
#[derive(Debug, Clone)]
struct Model {
    revisions: Vec<Revision>,
    state: &'static str,
    comment: String,
    /// Highest seq seen per origin device.
    seen: BTreeMap<String, u64>,
    unresolved: BTreeSet<String>,
    /// The office's last decision: (rev, "approve" | "return").
    last_review: Option<(u32, &'static str)>,
    office: bool,
}

impl Model {
    fn top(&self) -> &Revision {
        self.revisions.last().expect("a record has a revision")
    }
}

/// Replays the mutation log and the office's decisions through the rules.
/// Returns the modelled records and every decision the server took otherwise.
fn model(s: &Server, office: &[(usize, Office)]) -> (BTreeMap<String, Model>, Vec<String>) {
    let mut bad = Vec::new();
    let mut recs: BTreeMap<String, Model> = BTreeMap::new();
    let mut office = office.iter().peekable();
    for (row, m) in s.mutations.iter().enumerate() {
        while let Some((_, o)) = office.next_if(|(after, _)| *after <= row) {
            decide(&mut recs, s, o, &mut bad);
        }
        let o = origin(&m.id).to_string();
        let (want, rev) = match recs.get_mut(&m.record) {
            Some(r) if r.seen.get(&o).is_some_and(|&q| q >= m.seq) => ("superseded", r.top().rev),
            None => {
                let top = Revision { rev: 1, body: m.body.clone(), author: o.clone(), via: Via::Applied(m.id.clone()) };
                recs.insert(
                    m.record.clone(),
                    Model {
                        revisions: vec![top],
                        state: "received",
                        comment: String::new(),
                        seen: BTreeMap::new(),
                        unresolved: BTreeSet::new(),
                        last_review: None,
                        office: false,
                    },
                );
                ("applied", 1)
            }
            Some(r) if r.state != "approved" && (r.top().rev == m.base || r.top().author == o) => {
                let rev = r.top().rev + 1;
                r.revisions.push(Revision {
                    rev,
                    body: m.body.clone(),
                    author: o.clone(),
                    via: Via::Applied(m.id.clone()),
                });
                r.state = "received";
                r.comment.clear();
                ("applied", rev)
            }
            Some(r) => {
                r.unresolved.insert(m.id.clone());
                if r.state != "approved" {
                    r.state = "conflict";
                }
                ("conflict", r.top().rev)
            }
        };
        let r = recs.get_mut(&m.record).expect("modelled");
        let q = r.seen.entry(o).or_insert(0);
        *q = (*q).max(m.seq);
        if m.status != want || m.result.rev != rev {
            bad.push(format!(
                "server broke its rules on {}: {} (base {}) answered {} rev {}, the rules say {want} rev {rev}",
                m.record, m.id, m.base, m.status, m.result.rev
            ));
            // Follow the server from here on, so one broken decision is one line.
            if m.status == "applied" && want != "applied" {
                let author = origin(&m.id).to_string();
                r.revisions.push(Revision {
                    rev: m.result.rev,
                    body: m.body.clone(),
                    author,
                    via: Via::Applied(m.id.clone()),
                });
            }
        }
    }
    for (_, o) in office {
        decide(&mut recs, s, o, &mut bad);
    }
    (recs, bad)
}

/// One office decision, as `db::review` and `db::conflicts` describe it.
fn decide(recs: &mut BTreeMap<String, Model>, s: &Server, o: &Office, bad: &mut Vec<String>) {
    match o {
        Office::Review { record, approve, comment } => {
            let Some(r) = recs.get_mut(record) else {
                return bad.push(format!("the office reviewed {record}, which the log had not created"));
            };
            r.office = true;
            r.state = if *approve { "approved" } else { "returned" };
            r.comment = comment.clone();
            r.last_review = Some((r.top().rev, if *approve { "approve" } else { "return" }));
        }
        Office::Resolve { mutation, incoming } => {
            let Some(m) = s.mutation(mutation) else {
                return bad.push(format!("the office resolved {mutation}, which is not stored"));
            };
            let Some(r) = recs.get_mut(&m.record) else { return };
            r.office = true;
            if !r.unresolved.remove(mutation) {
                bad.push(format!("the office could resolve {mutation}, which the rules never left waiting"));
            }
            let remaining = !r.unresolved.is_empty();
            if *incoming {
                let rev = r.top().rev + 1;
                let author = origin(mutation).to_string();
                r.revisions.push(Revision { rev, body: m.body.clone(), author, via: Via::Resolved(mutation.clone()) });
                r.state = if remaining { "conflict" } else { "received" };
                r.comment.clear();
            } else if r.state == "conflict" {
                r.state = if remaining {
                    "conflict"
                } else if r.last_review == Some((r.top().rev, "return")) {
                    "returned"
                } else {
                    "received"
                };
            }
        }
    }
}

/// Every broken rule, one line each (empty: the schedule converged).
pub fn converged(w: &World<'_>, s: &Server, distinct_ids: i64, listed: &[Json]) -> Vec<String> {
    let mut bad = Vec::new();
    let book = &w.book;
    let phone_of = |device: &str| w.phones.iter().position(|p| p.engine.device() == device);

    // Nothing extra: the records are exactly the ones the phones submitted.
    let authored_records: BTreeSet<&str> = book.authored.values().map(|a| a.record.as_str()).collect();
    let server_records: BTreeSet<&str> = s.records.keys().map(String::as_str).collect();
    for r in authored_records.difference(&server_records) {
        bad.push(format!("lost: {r} was submitted but is not on the server"));
    }
    for r in server_records.difference(&authored_records) {
        bad.push(format!("extra: {r} is on the server but no phone submitted it"));
    }

    // Nothing twice: every stored mutation was authored, as authored.
    if distinct_ids != s.mutations.len() as i64 {
        bad.push(format!("{} mutation rows for {distinct_ids} distinct ids", s.mutations.len()));
    }
    for m in &s.mutations {
        match book.authored.get(&m.id) {
            None => bad.push(format!("stored mutation {} was never authored", m.id)),
            Some(a) => {
                if a.record != m.record || a.body != m.body || a.seq != m.seq || a.base != m.base {
                    bad.push(format!("stored mutation {} differs from what phone {} queued", m.id, a.phone));
                }
            }
        }
        let status = match m.result.status {
            Status::Applied => "applied",
            Status::Superseded => "superseded",
            Status::Conflict => "conflict",
            // Never stored: a refused mutation leaves no row.
            Status::Refused => "refused (stored!)",
        };
        if status != m.status || m.result.id != m.id || m.result.record != m.record {
            bad.push(format!("mutation {}: stored result {:?} disagrees with its row", m.id, m.result));
        }
        if m.result.receipt != receipt_code(&m.record, m.result.rev) {
            bad.push(format!("mutation {}: receipt {} is not rev {}'s", m.id, m.result.receipt, m.result.rev));
        }
    }
    for r in w.net.results.borrow().iter() {
        match s.mutation(&r.id) {
            None => bad.push(format!("answered {} ({:?}) but it is not stored", r.id, r.status)),
            Some(m) if &m.result != r => {
                bad.push(format!("answered {r:?} for {} but stored {:?}", r.id, m.result));
            }
            Some(_) => {}
        }
    }

    // Conflicts kept: one `conflicts` row per conflicting mutation, its body.
    let conflicting: BTreeSet<&str> =
        s.mutations.iter().filter(|m| m.status == "conflict").map(|m| m.id.as_str()).collect();
    let kept: BTreeSet<&str> = s.conflicts.keys().map(String::as_str).collect();
    if conflicting != kept {
        bad.push(format!("conflict mutations {conflicting:?} but conflicts table {kept:?}"));
    }
    for (id, c) in &s.conflicts {
        if let Some(m) = s.mutation(id) {
            if m.record != c.record || m.body != c.body {
                bad.push(format!("conflict {id} kept a different body or record than the mutation"));
            }
        }
    }

    // The server followed its rules, decision by decision and in the end.
    let (models, broken) = model(s, &book.office);
    bad.extend(broken);
    for (id, rec) in &s.records {
        let Some(m) = models.get(id) else { continue };
        let top = m.top();
        let unresolved: BTreeSet<String> =
            s.conflicts.iter().filter(|(_, c)| &c.record == id && !c.resolved).map(|(k, _)| k.clone()).collect();
        if rec.rev != top.rev
            || rec.state != m.state
            || rec.body != top.body
            || rec.last_device != top.author
            || rec.comment != m.comment
            || unresolved != m.unresolved
        {
            bad.push(format!(
                "{id}: the server has rev {} {} {} by {} comment {:?} waiting {unresolved:?}; the rules say rev {} {} {} \
                 by {} comment {:?} waiting {:?}",
                rec.rev,
                rec.state,
                tag_of(&rec.body),
                rec.last_device,
                rec.comment,
                top.rev,
                m.state,
                tag_of(&top.body),
                top.author,
                m.comment,
                m.unresolved
            ));
        }
        if rec.receipt != receipt_code(id, rec.rev) {
            bad.push(format!("{id}: receipt {} is not the receipt of rev {}", rec.receipt, rec.rev));
        }
        // The winner.
        if !m.office {
            match phone_of(&rec.last_device).and_then(|p| book.last.get(&(p, id.clone()))) {
                Some(last) if book.authored[last].body == rec.body => {}
                Some(last) => bad.push(format!(
                    "{id}: body {} is not the last version {} of its author {}",
                    tag_of(&rec.body),
                    tag_of(&book.authored[last].body),
                    rec.last_device
                )),
                None => bad.push(format!("{id}: made by unknown device {}", rec.last_device)),
            }
        }
        // No lost update.
        for pair in m.revisions.windows(2) {
            let (old, new) = (&pair[0], &pair[1]);
            let Via::Applied(new_id) = &new.via else { continue };
            if old.author == new.author {
                continue;
            }
            let lineage = book.lineage(tag_of(&new.body));
            if !lineage.iter().any(|t| t == tag_of(&old.body)) {
                let a = &book.authored[new_id];
                // Named by how the phone came to claim a revision it had not
                // seen: a conflict answer (an edit in the lineage was begun on a
                // record in conflict), or a pull while it kept unsent work.
                let after_conflict = lineage.iter().any(|t| book.made_in.get(t) == Some(&Some(LocalState::Conflict)));
                let code = if after_conflict { LOST_AFTER_CONFLICT } else { LOST_STALE_BASE };
                bad.push(format!(
                    "[{code}] lost update on {id}: {new_id} ({}, base {}, phone {} had the record {:?}) replaced \
                     rev {} by {} ({}) without being edited from it; lineage {lineage:?}",
                    tag_of(&new.body),
                    a.base,
                    a.phone,
                    a.state_before,
                    old.rev,
                    old.author,
                    tag_of(&old.body),
                ));
            }
        }
    }

    // Each phone's last version was answered applied or conflict.
    for ((p, record), id) in &book.last {
        match s.mutation(id) {
            None => bad.push(format!("lost: phone {p}'s last version {id} of {record} never reached the server")),
            Some(m) if m.status == "superseded" => {
                bad.push(format!("phone {p}'s last version {id} of {record} was answered superseded"))
            }
            Some(_) => {}
        }
    }

    // The phones agree.
    for ph in &w.phones {
        let p = ph.idx;
        let out = ph.engine.outbox();
        if !out.is_empty() {
            let ids: Vec<&str> = out.iter().map(|m| m.id.as_str()).collect();
            bad.push(format!("phone {p}: outbox not empty after healing: {ids:?}"));
        }
        let local = ph.engine.records();
        let mine: BTreeSet<&str> =
            s.records.iter().filter(|(_, r)| r.village == ph.village).map(|(id, _)| id.as_str()).collect();
        let have: BTreeSet<&str> = local.iter().map(|r| r.id.as_str()).collect();
        if mine != have {
            let missing: Vec<_> = mine.difference(&have).collect();
            let extra: Vec<_> = have.difference(&mine).collect();
            bad.push(format!("phone {p}: records differ from the server's: missing {missing:?}, extra {extra:?}"));
        }
        for l in &local {
            let Some(srv) = s.records.get(&l.id) else { continue };
            let state = match srv.state.as_str() {
                "conflict" => LocalState::Conflict,
                "returned" => LocalState::Returned,
                "approved" => LocalState::Approved,
                _ => LocalState::Received,
            };
            if l.pending.is_some()
                || l.state != state
                || l.rev != srv.rev
                || l.receipt != srv.receipt
                || l.comment != srv.comment
            {
                bad.push(format!(
                    "phone {p}: {} is {:?} rev {} {} comment {:?} pending {:?}; the server has {} rev {} {} comment {:?}",
                    l.id, l.state, l.rev, l.receipt, l.comment, l.pending, srv.state, srv.rev, srv.receipt, srv.comment
                ));
            }
            let own_last = book.last.get(&(p, l.id.clone())).map(|id| &book.authored[id].body);
            let body_ok = l.body == srv.body || (l.state == LocalState::Conflict && own_last == Some(&l.body));
            if !body_ok {
                bad.push(format!(
                    "phone {p}: {} shows {} ({:?}) but the server has {}",
                    l.id,
                    tag_of(&l.body),
                    l.state,
                    tag_of(&srv.body)
                ));
            }
        }
    }

    // The records API says the same as the tables.
    if listed.len() != s.records.len() {
        bad.push(format!("GET /records lists {} records, the table has {}", listed.len(), s.records.len()));
    }
    for row in listed {
        let id = row["id"].as_str().unwrap_or("");
        let Some(rec) = s.records.get(id) else {
            bad.push(format!("GET /records lists unknown {id}"));
            continue;
        };
        let count = s.mutations.iter().filter(|m| m.record == id).count() as i64;
        let same = row["rev"].as_i64() == Some(i64::from(rec.rev))
            && row["state"].as_str() == Some(rec.state.as_str())
            && serde_json::from_value::<Body>(row["body"].clone()).ok().as_ref() == Some(&rec.body)
            && row["mutations"].as_i64() == Some(count);
        if !same {
            bad.push(format!("GET /records row for {id} disagrees with the tables: {row}"));
        }
    }
    bad
}

/// After replaying every push ever sent: no record changed, and each answer
/// is the stored one or (for a version that never arrived before and was
/// replaced on its phone) `superseded`.
pub fn replay_changed_nothing(before: &Server, after: &Server, answers: &[MutationResult]) -> Vec<String> {
    let mut bad = Vec::new();
    if before.records != after.records {
        for (id, r) in &after.records {
            if before.records.get(id) != Some(r) {
                bad.push(format!("replay changed {id}: {:?} → {:?}", before.records.get(id).map(|r| r.rev), r.rev));
            }
        }
    }
    if before.conflicts != after.conflicts {
        bad.push("replay added or changed conflicts".into());
    }
    for a in answers {
        match before.mutation(&a.id) {
            Some(m) if &m.result != a => bad.push(format!("replay of {} answered {a:?}, first {:?}", a.id, m.result)),
            None if a.status != Status::Superseded => {
                bad.push(format!("late first delivery of {} was {:?}, not superseded", a.id, a.status))
            }
            _ => {}
        }
    }
    bad
}
