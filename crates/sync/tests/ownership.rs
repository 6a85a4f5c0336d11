//! Protocol rules 4 and 5 on the phone: a mutation belongs to its account's
//! device, a shared phone keeps accounts apart, refusals never drop work, and
//! a late answer never undoes what a pull taught the phone.

use sothon_domain::protocol::{
    receipt_code, refusal, Body, Change, Mutation, MutationResult, RecordState, Status, SyncRequest, SyncResponse,
    PROTOCOL_VERSION,
};
use sothon_domain::{Period, Report, Value};
use sothon_sync::testkit::block_on;
use sothon_sync::{Engine, LocalState, MemStore, Transport, TransportError};
use std::cell::{Cell, RefCell};

fn report(village: &str, pop: f64) -> Body {
    let mut r = Report::new(village, Period::parse("2026-11").unwrap(), 1);
    r.values.insert("pop".into(), Value::Num(pop));
    Body::Report(r)
}

thread_local! {
    static NEXT_ID: Cell<u32> = const { Cell::new(0) };
}

fn new_id() -> String {
    NEXT_ID.with(|n| {
        n.set(n.get() + 1);
        format!("device-{:04}", n.get())
    })
}

fn answer(results: Vec<MutationResult>, changes: Vec<Change>, cursor: i64) -> SyncResponse {
    SyncResponse { v: PROTOCOL_VERSION, now: 10, results, changes, cursor, due: vec![] }
}

fn applied(m: &Mutation, rev: u32, ver: i64) -> MutationResult {
    MutationResult {
        id: m.id.clone(),
        record: m.record.clone(),
        status: Status::Applied,
        rev,
        receipt: receipt_code(&m.record, rev),
        received: 7,
        ver,
        error: None,
    }
}

fn change(m: &Mutation, rev: u32, ver: i64, state: RecordState, comment: &str) -> Change {
    Change {
        record: m.record.clone(),
        rev,
        state,
        receipt: receipt_code(&m.record, rev),
        comment: comment.into(),
        return_fields: vec![],
        at: 8,
        ver,
        entered_by: None,
        body: m.body.clone(),
    }
}

/// Issue 12, the sequence behind seed 7067589 without the harness: the push
/// was committed but its answer lost; the office approved; the phone pulled
/// the approval while its mutation was still queued; then the replayed
/// mutation's stored answer ("applied, rev 1", from before the approval)
/// arrived. The phone must end approved, like the server.
#[test]
fn a_stale_acknowledgement_never_overwrites_a_pulled_approval() {
    let e = Engine::open(MemStore::new(), || "phone-aaaa".into()).unwrap();
    e.submit(report("pq-t01", 500.0), 1).unwrap();
    let m = e.outbox()[0].clone();
    // 1. the answer to the push is lost (nothing applied on the phone);
    // 2. a pull-only round trip brings the approval (ver 2 > the push's ver 1).
    e.apply_response(2, &answer(vec![], vec![change(&m, 1, 2, RecordState::Approved, "")], 2)).unwrap();
    let rec = e.record(&m.record).unwrap();
    assert_eq!(rec.pending.as_deref(), Some(m.id.as_str()), "still waiting for its answer");
    // 3. the mutation is replayed; the server answers what it stored then.
    e.apply_response(3, &answer(vec![applied(&m, 1, 1)], vec![], 2)).unwrap();
    let rec = e.record(&m.record).unwrap();
    assert_eq!(rec.state, LocalState::Approved, "the approval stands");
    assert_eq!((rec.rev, rec.ver, rec.base), (1, 2, 1));
    assert!(rec.pending.is_none() && e.outbox().is_empty());
    // The same stale answer again, and the old pull again: nothing moves.
    e.apply_response(4, &answer(vec![applied(&m, 1, 1)], vec![change(&m, 1, 2, RecordState::Approved, "")], 2))
        .unwrap();
    assert_eq!(e.record(&m.record).unwrap().state, LocalState::Approved);
}

#[test]
fn equal_revisions_with_a_newer_version_are_news() {
    let e = Engine::open(MemStore::new(), || "phone-aaaa".into()).unwrap();
    e.submit(report("pq-t01", 500.0), 1).unwrap();
    let m = e.outbox()[0].clone();
    e.apply_response(2, &answer(vec![applied(&m, 1, 1)], vec![], 1)).unwrap();
    // Returned with a note, then returned again with another note, then
    // approved: the revision stays 1 throughout.
    for (ver, state, note) in [
        (2, RecordState::Returned, "Sai số hộ"),
        (3, RecordState::Returned, "Thiếu BHYT"),
        (4, RecordState::Approved, ""),
    ] {
        e.apply_response(3, &answer(vec![], vec![change(&m, 1, ver, state, note)], ver)).unwrap();
        let rec = e.record(&m.record).unwrap();
        assert_eq!((rec.state, rec.comment.as_str()), (state.into(), note));
    }
    // An older change arriving late (reordered) is ignored.
    e.apply_response(4, &answer(vec![], vec![change(&m, 1, 2, RecordState::Returned, "Sai số hộ")], 4)).unwrap();
    assert_eq!(e.record(&m.record).unwrap().state, LocalState::Approved);
}

#[test]
fn a_newer_answer_after_an_older_pull_wins() {
    // The pull came before our edit was applied (ver 3 < the answer's 5):
    // the answer is the newer news.
    let e = Engine::open(MemStore::new(), || "phone-aaaa".into()).unwrap();
    e.submit(report("pq-t01", 500.0), 1).unwrap();
    let m = e.outbox()[0].clone();
    e.apply_response(2, &answer(vec![], vec![change(&m, 1, 3, RecordState::Returned, "Sửa lại")], 3)).unwrap();
    e.apply_response(3, &answer(vec![applied(&m, 2, 5)], vec![], 5)).unwrap();
    let rec = e.record(&m.record).unwrap();
    assert_eq!((rec.state, rec.rev, rec.ver), (LocalState::Received, 2, 5));
}

#[test]
fn a_shared_phone_keeps_each_accounts_work_apart() {
    let store = MemStore::new();
    let a = Engine::open_as(store.clone(), "truongthon1", new_id).unwrap();
    assert!(a.fresh());
    a.submit(report("pq-t01", 500.0), 1).unwrap();
    let a_dev = a.device();
    // Another village's head logs in on the same phone.
    let b = Engine::open_as(store.clone(), "truongthon2", new_id).unwrap();
    assert_ne!(b.device(), a_dev, "one device id per account");
    assert!(b.outbox().is_empty(), "the other account's work is not sent by this one");
    assert_eq!(b.held().len(), 1, "but it stays on the phone");
    b.submit(report("pq-t02", 300.0), 2).unwrap();
    let req = b.request(3, 50);
    assert_eq!(req.push.len(), 1);
    assert_eq!(req.push[0].origin(), b.device());
    assert_eq!(req.device, b.device());
    // Cursors are per account: b's pull never skips its village by a's cursor.
    b.apply_response(3, &answer(vec![applied(&req.push[0], 1, 40)], vec![], 40)).unwrap();
    assert_eq!(b.cursor(), 40);
    let a = Engine::open_as(store.clone(), "truongthon1", new_id).unwrap();
    assert!(!a.fresh());
    assert_eq!(a.device(), a_dev, "the same device id when it comes back");
    assert_eq!(a.cursor(), 0);
    assert_eq!(a.outbox().len(), 1);
    assert_eq!(a.outbox()[0].origin(), a_dev);
    // A phone from before accounts: its one device id goes to the first account.
    let old = MemStore::new();
    let legacy = Engine::open(old.clone(), || "legacy-dev-1".into()).unwrap();
    legacy.submit(report("pq-t01", 1.0), 1).unwrap();
    let first = Engine::open_as(old.clone(), "truongthon1", new_id).unwrap();
    assert_eq!(first.device(), "legacy-dev-1");
    assert!(!first.fresh());
    assert_eq!(first.outbox().len(), 1);
    let second = Engine::open_as(old, "truongthon2", new_id).unwrap();
    assert_ne!(second.device(), "legacy-dev-1");
    assert!(second.outbox().is_empty());
}

/// A server that refuses each mutation once with `code`, then applies it.
struct RefuseOnce {
    code: &'static str,
    refused: RefCell<Vec<String>>,
    seen: RefCell<Vec<SyncRequest>>,
}

impl Transport for RefuseOnce {
    async fn sync(&self, req: &SyncRequest) -> Result<SyncResponse, TransportError> {
        self.seen.borrow_mut().push(req.clone());
        let mut results = Vec::new();
        for m in &req.push {
            if self.refused.borrow().is_empty() {
                self.refused.borrow_mut().push(m.id.clone());
                results.push(MutationResult::refused(m, self.code, "không"));
            } else {
                results.push(applied(m, 1, 9));
            }
        }
        Ok(answer(results, vec![], 9))
    }
}

#[test]
fn an_id_taken_on_the_server_is_sent_again_under_a_new_one() {
    let e = Engine::open_as(MemStore::new(), "truongthon1", new_id).unwrap();
    let rec = e.submit(report("pq-t01", 500.0), 1).unwrap();
    let t = RefuseOnce { code: refusal::ID_REUSED, refused: RefCell::new(vec![]), seen: RefCell::new(vec![]) };
    let sum = block_on(e.sync(&t, || 5)).unwrap();
    assert_eq!(sum.reissued, 1);
    let seen = t.seen.borrow();
    assert_eq!(seen.len(), 2);
    let (first, second) = (&seen[0].push[0], &seen[1].push[0]);
    assert_ne!(first.id, second.id);
    assert_eq!(first.body, second.body, "the same edit");
    assert_eq!(first.origin(), second.origin(), "same device: the id was taken, not the device");
    assert!(second.seq > first.seq);
    let rec = e.record(&rec.id).unwrap();
    assert_eq!(rec.state, LocalState::Received);
    assert!(e.outbox_all().is_empty());
}

#[test]
fn a_device_id_bound_to_another_account_is_replaced() {
    let e = Engine::open_as(MemStore::new(), "truongthon1", new_id).unwrap();
    let old = e.device();
    e.submit(report("pq-t01", 500.0), 1).unwrap();
    let t = RefuseOnce { code: refusal::DEVICE_OWNER, refused: RefCell::new(vec![]), seen: RefCell::new(vec![]) };
    block_on(e.sync(&t, || 5)).unwrap();
    assert_ne!(e.device(), old);
    let seen = t.seen.borrow();
    assert_eq!(seen[1].push[0].origin(), e.device());
    assert_eq!(seen[1].device, e.device());
    assert!(e.outbox_all().is_empty());
    // The new id sticks for later edits and later opens.
    e.submit(report("pq-t01", 501.0), 6).unwrap();
    assert_eq!(e.outbox()[0].origin(), e.device());
    let again = Engine::open_as(e.store().clone(), "truongthon1", new_id).unwrap();
    assert_eq!(again.device(), e.device());
}

#[test]
fn a_mutation_this_account_may_not_send_waits_for_one_that_may() {
    // A backup from a phone that did not say whose its mutations are.
    let store = MemStore::new();
    let other = Engine::open(MemStore::new(), || "other-phone-1".into()).unwrap();
    other.submit(report("pq-t01", 500.0), 1).unwrap();
    let mut backup: serde_json::Value = serde_json::from_str(&other.export_backup(2)).unwrap();
    backup.as_object_mut().unwrap().remove("owners");
    let b = Engine::open_as(store.clone(), "truongthon2", new_id).unwrap();
    assert_eq!(b.import_backup(&backup.to_string()).unwrap(), 1);
    let t = RefuseOnce { code: refusal::FORBIDDEN, refused: RefCell::new(vec![]), seen: RefCell::new(vec![]) };
    let sum = block_on(b.sync(&t, || 5)).unwrap();
    assert_eq!(sum.held, 1);
    assert!(b.outbox().is_empty(), "not sent again by this account");
    assert_eq!(b.held().len(), 1, "kept on the phone");
    let rec = b.record("r.pq-t01.2026-11").unwrap();
    assert!(rec.unsent());
    // The village's own head logs in: it goes.
    let a = Engine::open_as(store, "truongthon1", new_id).unwrap();
    assert_eq!(a.outbox().len(), 1);
    block_on(a.sync(&t, || 6)).unwrap();
    assert!(a.outbox_all().is_empty());
    assert_eq!(a.record("r.pq-t01.2026-11").unwrap().state, LocalState::Received);
}

#[test]
fn a_backup_says_whose_mutations_it_carries() {
    let a = Engine::open_as(MemStore::new(), "truongthon1", new_id).unwrap();
    a.submit(report("pq-t01", 500.0), 1).unwrap();
    let file = a.export_backup(2);
    // Imported on a phone where another account is logged in: kept, not sent.
    let store = MemStore::new();
    let b = Engine::open_as(store.clone(), "truongthon2", new_id).unwrap();
    assert_eq!(b.import_backup(&file).unwrap(), 1);
    assert!(b.outbox().is_empty());
    assert_eq!(b.held().len(), 1);
    // The owner logs in there: the mutations keep their ids (replays stay harmless).
    let a2 = Engine::open_as(store, "truongthon1", new_id).unwrap();
    assert_eq!(a2.outbox().len(), 1);
    assert_eq!(a2.outbox()[0].id, a.outbox()[0].id);
    // Exporting from a shared phone carries everything, whoever it belongs to.
    let again: serde_json::Value = serde_json::from_str(&b.export_backup(3)).unwrap();
    assert_eq!(again["mutations"].as_array().unwrap().len(), 1);
    assert_eq!(again["owners"][a.device()], "truongthon1");
}
