//! One randomized schedule: a few phones (real [`Engine`]s over
//! [`MemStore`]) file reports, incidents and activity logs, edit them, and
//! sync through the faulty network; then the network heals and every phone
//! syncs until nothing changes. [`Book`] remembers what each phone authored,
//! for the checks in `check.rs`.

use crate::net::{Net, Phone};
use crate::prng::Rng;
use chrono::NaiveDate;
use serde_json::{json, Value as Json};
use sothon_domain::event::{Gps, IncidentKind, Severity, Topic};
use sothon_domain::protocol::{Body, Mutation};
use sothon_domain::{catalogue, Activity, Incident, Period, Report, Value};
use sothon_server::db::Db;
use sothon_sync::{Engine, LocalRecord, LocalState, MemStore, Store, SyncError, TransportError};
use std::collections::BTreeMap;

/// The phones a schedule can have: account and village. The first two are
/// the same village head on two phones; the fourth is the same village's
/// digital team; the third is another village.
pub const PHONES: &[(&str, &str)] =
    &[("truongthon1", "pq-t01"), ("truongthon1", "pq-t01"), ("truongthon2", "pq-t02"), ("congnghe1", "pq-t01")];

/// Report periods a schedule writes: few, so phones meet on the same records.
const PERIODS: &[&str] = &["2026-10", "2026-11", "2026-Q4"];

/// Phone clocks start here (2026-09-21), each with its own error.
const EPOCH: i64 = 1_790_000_000_000;

/// The tag that makes every version of every body unique (and names its
/// author): a report's `difficulties`, an incident's `description`, an
/// activity's `note`.
pub fn tag_of(body: &Body) -> &str {
    match body {
        Body::Report(r) => &r.difficulties,
        Body::Incident(i) => &i.description,
        Body::Activity(a) => &a.note,
    }
}

fn set_tag(body: &mut Body, tag: String) {
    match body {
        Body::Report(r) => r.difficulties = tag,
        Body::Incident(i) => i.description = tag,
        Body::Activity(a) => a.note = tag,
    }
}

/// A mutation a phone made (as `Engine::submit` queued it).
#[derive(Debug, Clone)]
pub struct Authored {
    pub phone: usize,
    pub seq: u64,
    pub record: String,
    pub base: u32,
    pub body: Body,
    /// The phone's local state of the record just before the edit.
    pub state_before: Option<LocalState>,
}

/// A decision of the commune office (taken directly, not through the faulty
/// network: the office has a cable).
#[derive(Debug, Clone)]
pub enum Office {
    /// `POST /records/{id}/review`: approve (locks) or return with a comment.
    Review { record: String, approve: bool, comment: String },
    /// `POST /conflicts/{mutation}/resolve`: keep the incoming edit or the current revision.
    Resolve { mutation: String, incoming: bool },
}

/// What the phones did, for the oracle.
#[derive(Debug, Default)]
pub struct Book {
    /// The office's decisions, each with the number of mutation rows stored
    /// when it was taken (its place in the server's history).
    pub office: Vec<(usize, Office)>,
    /// Every version's tag → the tag of the version it was edited from.
    pub parents: BTreeMap<String, Option<String>>,
    /// Every version's tag → the phone's state of the record when the edit began.
    pub made_in: BTreeMap<String, Option<LocalState>>,
    /// Mutation id → what was queued.
    pub authored: BTreeMap<String, Authored>,
    /// (phone, record) → id of that phone's last mutation of the record.
    pub last: BTreeMap<(usize, String), String>,
}

impl Book {
    /// `tag` and every version it was (transitively) edited from.
    pub fn lineage(&self, tag: &str) -> Vec<String> {
        let mut out = vec![tag.to_string()];
        let mut cur = self.parents.get(tag).cloned().flatten();
        while let Some(t) = cur {
            if out.contains(&t) {
                break;
            }
            cur = self.parents.get(&t).cloned().flatten();
            out.push(t);
        }
        out
    }
}

pub struct PhoneState {
    pub idx: usize,
    pub village: &'static str,
    pub token: String,
    pub store: MemStore,
    pub engine: Engine<MemStore>,
    /// Phone clock minus true time, ms.
    skew: i64,
    /// Versions made so far (for tags and event ids).
    n: u32,
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Report,
    Draft,
    Incident,
    Activity,
    EditEvent,
    Sync,
    DeliverHeld,
    Restart,
    Reopen,
    Burst,
    Review,
    Resolve,
}

const ACTIONS: &[(u32, Action)] = &[
    (22, Action::Report),
    (5, Action::Draft),
    (7, Action::Incident),
    (6, Action::Activity),
    (5, Action::EditEvent),
    (38, Action::Sync),
    (9, Action::DeliverHeld),
    (3, Action::Restart),
    (2, Action::Reopen),
    (1, Action::Burst),
    (5, Action::Review),
    (8, Action::Resolve),
];

pub struct World<'a> {
    pub net: &'a Net,
    db: &'a Db,
    /// The commune officer's token.
    officer: String,
    pub rng: Rng,
    pub phones: Vec<PhoneState>,
    pub book: Book,
    /// True time, ms.
    now: i64,
}

impl<'a> World<'a> {
    pub fn new(net: &'a Net, db: &'a Db, seed: u64, tokens: &BTreeMap<&'static str, String>) -> Self {
        let mut rng = Rng::new(seed);
        let n = rng.weighted(&[(1, 2usize), (2, 3), (2, 4)]);
        let phones = (0..n)
            .map(|idx| {
                let (account, village) = PHONES[idx];
                let store = MemStore::new();
                let device = format!("ph{idx}-{seed:016x}");
                let engine = Engine::open(store.clone(), || device).expect("engine opens");
                let skew = rng.range(0, 7_200_000) as i64 - 3_600_000;
                PhoneState { idx, village, token: tokens[account].clone(), store, engine, skew, n: 0 }
            })
            .collect();
        Self { net, db, officer: tokens["canbo"].clone(), rng, phones, book: Book::default(), now: EPOCH }
    }

    fn clock(&self, p: usize) -> i64 {
        self.now + self.phones[p].skew
    }

    /// Runs the faulty part of the schedule: `steps` random actions.
    pub async fn run(&mut self) {
        self.net.faulty.set(true);
        let steps = self.rng.range(6, 24);
        for _ in 0..steps {
            self.now += self.rng.range(1_000, 120_000) as i64;
            let p = self.rng.index(self.phones.len());
            match self.rng.weighted(ACTIONS) {
                Action::Report => self.report(p, false),
                Action::Draft => self.report(p, true),
                Action::Incident => self.incident(p),
                Action::Activity => {
                    self.activity(p);
                }
                Action::EditEvent => self.edit_event(p),
                Action::Sync => self.sync(p).await,
                Action::DeliverHeld => {
                    let i = self.rng.index(64);
                    self.net.deliver_held(i).await;
                }
                Action::Restart => {
                    self.net.log("restart between requests".into());
                    self.net.restart();
                }
                Action::Reopen => self.reopen(p),
                Action::Review => self.review().await,
                Action::Resolve => self.resolve().await,
                Action::Burst => {
                    // More than one push's worth: the engine syncs in chunks.
                    let n = self.rng.range(51, 60);
                    self.net.log(format!("phone {p} files {n} activities"));
                    for _ in 0..n {
                        self.activity(p);
                    }
                }
            }
        }
    }

    /// The network heals: held requests arrive, each phone sends its drafts,
    /// and every phone syncs until a whole round changes nothing.
    pub async fn heal(&mut self) -> Result<(), String> {
        self.net.faulty.set(false);
        self.net.log("--- heal".into());
        while !self.net.held.borrow().is_empty() {
            let i = self.rng.index(64);
            self.net.deliver_held(i).await;
        }
        // Sometimes the office is at work meanwhile.
        if self.rng.chance(30) {
            self.resolve().await;
            self.review().await;
        }
        for p in 0..self.phones.len() {
            let drafts: Vec<LocalRecord> =
                self.phones[p].engine.records().into_iter().filter(|r| r.state == LocalState::Draft).collect();
            for d in drafts {
                self.net.log(format!("phone {p} sends its draft of {} ({})", d.id, tag_of(&d.body)));
                self.queue(p, d.body, None, false);
            }
        }
        let mut last = self.snapshot();
        for round in 0..10 {
            self.now += 60_000;
            for p in 0..self.phones.len() {
                self.sync(p).await;
            }
            let snap = self.snapshot();
            let empty = self.phones.iter().all(|ph| ph.engine.outbox().is_empty());
            if empty && snap == last && round > 0 {
                return Ok(());
            }
            last = snap;
        }
        Err("the phones did not settle after 10 rounds of healthy syncs".into())
    }

    fn snapshot(&self) -> Vec<(Vec<LocalRecord>, usize)> {
        self.phones.iter().map(|ph| (ph.engine.records(), ph.engine.outbox().len())).collect()
    }

    fn next_tag(&mut self, p: usize, what: &str) -> String {
        self.phones[p].n += 1;
        format!("{what}{p}.{}", self.phones[p].n)
    }

    /// Saves `body` on phone `p`: queued (`draft == false`) or as a draft.
    /// `tag`: the new version's tag (None: the body already carries a
    /// registered one, e.g. a draft being sent).
    fn queue(&mut self, p: usize, mut body: Body, tag: Option<String>, draft: bool) {
        let record = body.record_id();
        let engine = &self.phones[p].engine;
        let local = engine.record(&record);
        if let Some(tag) = tag {
            let parent = local.as_ref().map(|l| tag_of(&l.body).to_string());
            set_tag(&mut body, tag.clone());
            self.book.made_in.insert(tag.clone(), local.as_ref().map(|l| l.state));
            self.book.parents.insert(tag, parent);
        }
        let now = self.clock(p);
        if draft {
            engine.save_draft(body.clone(), now).expect("draft saved");
            self.net.log(format!("phone {p} drafts {record} {}", tag_of(&body)));
            return;
        }
        let rec = engine.submit(body.clone(), now).expect("submit saved");
        let id = rec.pending.expect("a submitted record is pending");
        // The queued mutation itself (key layout documented in sothon_sync's engine).
        let m: Mutation = engine
            .store()
            .get(&format!("st.o.{id}"))
            .and_then(|s| serde_json::from_str(&s).ok())
            .expect("the mutation is queued");
        self.net.log(format!(
            "phone {p} queues {record} {} as {} (base {}, was {:?})",
            tag_of(&body),
            m.seq,
            m.base,
            local.as_ref().map(|l| l.state)
        ));
        self.book.last.insert((p, record.clone()), id.clone());
        self.book.authored.insert(
            id,
            Authored { phone: p, seq: m.seq, record, base: m.base, body, state_before: local.map(|l| l.state) },
        );
    }

    /// A new report or an edit of one on the phone (its own or pulled).
    fn report(&mut self, p: usize, draft: bool) {
        let village = self.phones[p].village;
        let local: Vec<LocalRecord> = self.phones[p]
            .engine
            .records()
            .into_iter()
            .filter(|r| matches!(r.body, Body::Report(_)) && r.body.village() == village)
            .collect();
        let mut report = if !local.is_empty() && self.rng.chance(60) {
            match &local[self.rng.index(local.len())].body {
                Body::Report(r) => r.clone(),
                _ => unreachable!(),
            }
        } else {
            let period = Period::parse(PERIODS[self.rng.index(PERIODS.len())]).expect("period");
            match self.phones[p].engine.record(&Report::record_id(village, &period)).map(|r| r.body) {
                Some(Body::Report(r)) => r,
                _ => Report::new(village, period, catalogue::current().version),
            }
        };
        fill_report(&mut self.rng, &mut report);
        let tag = self.next_tag(p, if draft { "d" } else { "r" });
        self.queue(p, Body::Report(report), Some(tag), draft);
    }

    fn incident(&mut self, p: usize) {
        let n = self.phones[p].n;
        let kinds = IncidentKind::ALL;
        let incident = Incident {
            id: format!("inc-{p}-{n:04}"),
            village: self.phones[p].village.to_string(),
            kind: kinds[self.rng.index(kinds.len())],
            at: self.clock(p) - self.rng.range(0, 86_400_000) as i64,
            severity: Severity::ALL[self.rng.index(3)],
            gps: self.rng.chance(50).then(|| Gps { lat: 21.9, lon: 105.7, acc: self.rng.range(3, 80) as f64 }),
            people: Some(self.rng.range(0, 40) as u32),
            households: Some(self.rng.range(0, 10) as u32),
            description: String::new(),
            followups: Vec::new(),
        };
        let tag = self.next_tag(p, "i");
        self.queue(p, Body::Incident(incident), Some(tag), false);
    }

    fn activity(&mut self, p: usize) {
        let n = self.phones[p].n;
        let participants = self.rng.range(1, 60) as u32;
        let activity = Activity {
            id: format!("act-{p}-{n:04}"),
            village: self.phones[p].village.to_string(),
            date: NaiveDate::from_ymd_opt(2026, 11, self.rng.range(1, 28) as u32).expect("date"),
            topic: Topic::ALL[self.rng.index(Topic::ALL.len())],
            participants,
            helped: self.rng.range(0, u64::from(participants)) as u32,
            note: String::new(),
        };
        let tag = self.next_tag(p, "a");
        self.queue(p, Body::Activity(activity), Some(tag), false);
    }

    /// Edits an incident or activity the phone has (maybe another phone's).
    fn edit_event(&mut self, p: usize) {
        let events: Vec<LocalRecord> = self.phones[p]
            .engine
            .records()
            .into_iter()
            .filter(|r| !matches!(r.body, Body::Report(_)) && r.body.village() == self.phones[p].village)
            .collect();
        if events.is_empty() {
            return self.incident(p);
        }
        let mut body = events[self.rng.index(events.len())].body.clone();
        match &mut body {
            Body::Incident(i) => i.people = Some(self.rng.range(0, 80) as u32),
            Body::Activity(a) => {
                a.participants = self.rng.range(1, 90) as u32;
                a.helped = a.helped.min(a.participants);
            }
            Body::Report(_) => unreachable!(),
        }
        let tag = self.next_tag(p, "e");
        self.queue(p, body, Some(tag), false);
    }

    pub async fn sync(&mut self, p: usize) {
        let now = self.clock(p);
        let ph = &self.phones[p];
        let phone = Phone { net: self.net, idx: p, token: ph.token.clone() };
        match ph.engine.sync(&phone, || now).await {
            Ok(s) => self.net.log(format!("phone {p} synced: {s:?}")),
            Err(SyncError::Transport(TransportError::Unreachable(e))) => {
                self.net.log(format!("phone {p} sync failed: {e}"))
            }
            Err(e) => self.net.anomaly(format!("phone {p} sync error: {e:?}")),
        }
    }

    /// The office's HTTP call; `None` (and an anomaly) unless it succeeded.
    async fn office(&self, method: reqwest::Method, path: &str, body: Option<Json>) -> Option<Json> {
        let mut req = self.net.client().request(method, format!("{}/api/v1{path}", self.net.base()));
        req = req.bearer_auth(&self.officer);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.ok()?;
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        if status != 200 {
            self.net.anomaly(format!("office {path}: HTTP {status}: {text}"));
            return None;
        }
        serde_json::from_str(&text).ok()
    }

    async fn stored_mutations(&self) -> usize {
        sothon_server::with_pool!(self.db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM mutations").fetch_one(p).await).expect("count") as usize
    }

    /// The commune office approves or returns the current revision of a
    /// record (one not waiting on a conflict: the office resolves that first).
    async fn review(&mut self) {
        let Some(Json::Array(rows)) = self.office(reqwest::Method::GET, "/records", None).await else { return };
        let open: Vec<&Json> = rows.iter().filter(|r| r["state"] != "conflict").collect();
        if open.is_empty() {
            return;
        }
        let row = open[self.rng.index(open.len())];
        let record = row["id"].as_str().expect("id").to_string();
        let approve = self.rng.chance(60);
        let comment = if approve {
            String::new()
        } else {
            format!("Bổ sung số liệu hộ nghèo ({})", self.rng.below(100))
        };
        let after = self.stored_mutations().await;
        let body =
            json!({"decision": if approve { "approve" } else { "return" }, "comment": comment, "rev": row["rev"]});
        if self.office(reqwest::Method::POST, &format!("/records/{record}/review"), Some(body)).await.is_some() {
            self.net.log(format!(
                "office {} {record} rev {}",
                if approve { "approves" } else { "returns" },
                row["rev"]
            ));
            self.book.office.push((after, Office::Review { record, approve, comment }));
        }
    }

    /// The commune office settles a waiting conflict, one side or the other.
    async fn resolve(&mut self) {
        let Some(Json::Array(rows)) = self.office(reqwest::Method::GET, "/conflicts", None).await else { return };
        if rows.is_empty() {
            return;
        }
        let row = &rows[self.rng.index(rows.len())];
        // Conflicts are named by a public id; the rules speak of mutations.
        let public = row["mutation"].as_str().expect("conflict id").to_string();
        let mutation: String = sothon_server::with_pool!(self.db, p => sqlx::query_scalar("SELECT mutation_id FROM conflicts WHERE public_id = $1")
            .bind(&public)
            .fetch_one(p)
            .await)
            .expect("a listed conflict is stored");
        let incoming = self.rng.chance(50);
        let after = self.stored_mutations().await;
        let body = json!({"keep": if incoming { "incoming" } else { "current" }, "rev": row["current"]["rev"]});
        if self.office(reqwest::Method::POST, &format!("/conflicts/{public}/resolve"), Some(body)).await.is_some() {
            self.net
                .log(format!("office keeps the {} side of {mutation}", if incoming { "incoming" } else { "current" }));
            self.book.office.push((after, Office::Resolve { mutation, incoming }));
        }
    }

    /// The app is closed and opened again: a new engine over the same storage.
    fn reopen(&mut self, p: usize) {
        let ph = &mut self.phones[p];
        let device = ph.engine.device().to_string();
        ph.engine = Engine::open(ph.store.clone(), || panic!("the device id is stored")).expect("engine reopens");
        assert_eq!(ph.engine.device(), device);
        self.net.log(format!("phone {p} reopened"));
    }
}

/// Fills a report with random values that pass the catalogue's rules.
fn fill_report(rng: &mut Rng, r: &mut Report) {
    let pop = rng.range(50, 3_000);
    let hh = rng.range(pop / 6, pop / 3);
    let v = |x: u64| Value::Num(x as f64);
    r.values.insert("pop".into(), v(pop));
    r.values.insert("bhyt".into(), v(rng.range(0, pop)));
    if rng.chance(70) {
        r.values.insert("hh".into(), v(hh));
        r.values.insert("poor_hh".into(), v(rng.range(0, hh / 5)));
    } else {
        r.values.remove("hh");
        r.values.remove("poor_hh");
    }
    if rng.chance(40) {
        r.values.insert("ds_sessions".into(), v(rng.range(0, 12)));
    }
}
