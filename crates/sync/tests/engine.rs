//! The engine against a scripted transport: what is stored, what is sent,
//! and what happens when the server or the storage fails.

use sothon_domain::protocol::{
    receipt_code, ApiError, Body, Mutation, MutationResult, RecordState, Status, SyncRequest, SyncResponse,
    PROTOCOL_VERSION,
};
use sothon_domain::review::FieldComment;
use sothon_domain::{FieldError, Period, Report, Value};
use sothon_sync::testkit::block_on;
use sothon_sync::{backoff_ms, Engine, LocalState, MemStore, StoreError, SyncError, Transport, TransportError};
use std::cell::RefCell;

fn report(pop: f64) -> Body {
    let mut r = Report::new("pq-t01", Period::parse("2026-11").unwrap(), 1);
    r.values.insert("pop".into(), Value::Num(pop));
    r.values.insert("bhyt".into(), Value::Num(pop - 10.0));
    Body::Report(r)
}

fn engine(store: MemStore) -> Engine<MemStore> {
    Engine::open(store, || "phone-aaaa".to_string()).unwrap()
}

/// The server's answer that `m` was stored as revision `rev`.
fn applied(m: &Mutation, rev: u32, received: i64) -> MutationResult {
    MutationResult {
        id: m.id.clone(),
        record: m.record.clone(),
        status: Status::Applied,
        rev,
        receipt: receipt_code(&m.record, rev),
        received,
        // These fakes give each revision its own server version.
        ver: i64::from(rev) * 10,
        error: None,
    }
}

/// A transport that acknowledges everything as the server would.
struct AckAll {
    seen: RefCell<Vec<SyncRequest>>,
}

impl Transport for AckAll {
    async fn sync(&self, req: &SyncRequest) -> Result<SyncResponse, TransportError> {
        self.seen.borrow_mut().push(req.clone());
        let results = req.push.iter().map(|m| applied(m, m.base + 1, 5_000)).collect();
        Ok(SyncResponse { v: PROTOCOL_VERSION, now: 5_000, results, changes: vec![], cursor: 5_000, due: vec![] })
    }
}

struct Down;
impl Transport for Down {
    async fn sync(&self, _: &SyncRequest) -> Result<SyncResponse, TransportError> {
        Err(TransportError::Unreachable("offline".into()))
    }
}

#[test]
fn submit_queues_and_ack_receives() {
    let e = engine(MemStore::new());
    let rec = e.submit(report(500.0), 1_000).unwrap();
    assert_eq!(rec.state, LocalState::Queued);
    assert_eq!(e.outbox().len(), 1);
    let t = AckAll { seen: RefCell::new(vec![]) };
    let sum = block_on(e.sync(&t, || 2_000)).unwrap();
    assert_eq!(sum.acked, 1);
    assert!(e.outbox().is_empty());
    let rec = e.record(&rec.id).unwrap();
    assert_eq!(rec.state, LocalState::Received);
    assert_eq!(rec.rev, 1);
    assert_eq!(rec.receipt, receipt_code(&rec.id, 1));
    assert_eq!(e.skew(), Some(3_000), "server 5000 - phone 2000");
    // The next edit is based on the received revision.
    e.submit(report(501.0), 3_000).unwrap();
    assert_eq!(e.outbox()[0].base, 1);
}

#[test]
fn unreachable_server_keeps_everything() {
    let e = engine(MemStore::new());
    e.submit(report(500.0), 1_000).unwrap();
    let before = e.store().dump();
    let err = block_on(e.sync(&Down, || 2_000)).unwrap_err();
    assert!(matches!(err, SyncError::Transport(TransportError::Unreachable(_))));
    assert_eq!(e.store().dump(), before, "a failed sync writes nothing");
}

#[test]
fn later_edit_replaces_queued_one_with_a_new_id() {
    let e = engine(MemStore::new());
    e.submit(report(500.0), 1_000).unwrap();
    let first = e.outbox()[0].id.clone();
    e.submit(report(600.0), 2_000).unwrap();
    let out = e.outbox();
    assert_eq!(out.len(), 1, "one queued mutation per record");
    assert_ne!(out[0].id, first, "a new edit never reuses an id the server may have seen");
    assert_eq!(out[0].body, report(600.0));
}

#[test]
fn sequence_numbers_survive_reopening() {
    let store = MemStore::new();
    let e = engine(store.clone());
    e.submit(report(500.0), 1_000).unwrap();
    let e2 = engine(store);
    e2.submit(report(501.0), 2_000).unwrap();
    assert_eq!(e2.outbox()[0].seq, 2);
    assert_eq!(e2.device(), "phone-aaaa");
}

#[test]
fn full_storage_is_reported_and_nothing_saved_is_lost() {
    // Room for the device id and one queued report, not two copies more.
    let store = MemStore::with_quota(1_400);
    let e = engine(store.clone());
    e.submit(report(500.0), 1_000).unwrap();
    let before = store.dump();
    let mut big = Report::new("pq-t01", Period::parse("2026-12").unwrap(), 1);
    big.proposals = "đề xuất ".repeat(60);
    let err = e.submit(Body::Report(big), 2_000).unwrap_err();
    assert_eq!(err, StoreError::Full);
    let after = store.dump();
    for (k, v) in &before {
        if k != "st.seq" {
            assert_eq!(after.get(k), Some(v), "{k} kept");
        }
    }
    assert_eq!(e.outbox().len(), 1, "the earlier report is still queued");
}

#[test]
fn applying_the_same_answer_twice_is_harmless() {
    let e = engine(MemStore::new());
    e.submit(report(500.0), 1_000).unwrap();
    let req = e.request(2_000, 50);
    let resp = block_on(AckAll { seen: RefCell::new(vec![]) }.sync(&req)).unwrap();
    e.apply_response(2_000, &resp).unwrap();
    let once = e.store().dump();
    e.apply_response(2_000, &resp).unwrap();
    assert_eq!(e.store().dump(), once);
}

#[test]
fn server_refusal_sends_the_record_back_to_draft_not_away() {
    struct Refuse;
    impl Transport for Refuse {
        async fn sync(&self, req: &SyncRequest) -> Result<SyncResponse, TransportError> {
            if req.push.is_empty() {
                return Ok(SyncResponse { v: 1, now: 3, results: vec![], changes: vec![], cursor: 3, due: vec![] });
            }
            Err(TransportError::Rejected {
                status: 422,
                error: ApiError {
                    error: "invalid".into(),
                    message: "Dữ liệu không hợp lệ".into(),
                    fields: vec![FieldError::new("push.0.bhyt", "le", "Không được lớn hơn dân số")],
                },
            })
        }
    }
    let e = engine(MemStore::new());
    let rec = e.submit(report(500.0), 1_000).unwrap();
    let sum = block_on(e.sync(&Refuse, || 2_000)).unwrap();
    assert_eq!(sum.refused, 1);
    assert!(e.outbox().is_empty(), "the queue is not stuck behind it");
    let rec = e.record(&rec.id).unwrap();
    assert_eq!(rec.state, LocalState::Draft);
    assert_eq!(rec.body, report(500.0), "content kept");
    assert_eq!(rec.errors[0].field, "bhyt");
}

#[test]
fn pulled_review_decision_reaches_the_record() {
    struct Returned;
    impl Transport for Returned {
        async fn sync(&self, req: &SyncRequest) -> Result<SyncResponse, TransportError> {
            let m = &req.push[0];
            Ok(SyncResponse {
                v: 1,
                now: 9,
                results: vec![applied(m, 1, 9)],
                changes: vec![sothon_domain::protocol::Change {
                    record: m.record.clone(),
                    rev: 2,
                    state: RecordState::Returned,
                    receipt: "PQ-2".into(),
                    comment: "Kiểm tra lại số thẻ BHYT".into(),
                    return_fields: vec![FieldComment { field: "bhyt".into(), comment: "Thiếu 12 thẻ".into() }],
                    at: 10,
                    ver: 25,
                    entered_by: None,
                    steps: Vec::new(),
                    body: m.body.clone(),
                }],
                cursor: 10,
                due: vec![sothon_domain::protocol::DueDate {
                    period: Period::parse("2026-11").unwrap(),
                    due: sothon_domain::chrono_date::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
                }],
            })
        }
    }
    let e = engine(MemStore::new());
    let rec = e.submit(report(500.0), 1_000).unwrap();
    block_on(e.sync(&Returned, || 2_000)).unwrap();
    let rec = e.record(&rec.id).unwrap();
    assert_eq!(rec.state, LocalState::Returned);
    assert_eq!(rec.rev, 2);
    assert_eq!(rec.comment, "Kiểm tra lại số thẻ BHYT");
    assert_eq!(rec.return_fields, [FieldComment { field: "bhyt".into(), comment: "Thiếu 12 thẻ".into() }]);
    // Kept on the phone, so the form can show it offline after a reload.
    let reopened = engine(e.store().clone());
    assert_eq!(reopened.record(&rec.id).unwrap().return_fields.len(), 1);
    assert_eq!(e.cursor(), 10);
    // The commune's due date arrived with the pull; other periods keep the default.
    assert_eq!(e.due(&Period::parse("2026-11").unwrap()).to_string(), "2026-12-07");
    assert_eq!(e.due(&Period::parse("2026-10").unwrap()).to_string(), "2026-11-05");
}

#[test]
fn backup_moves_unsent_work_to_another_phone_once() {
    let a = engine(MemStore::new());
    a.submit(report(500.0), 1_000).unwrap();
    let mut draft = Report::new("pq-t01", Period::parse("2026-10").unwrap(), 1);
    draft.difficulties = "Đường trơn".into();
    a.save_draft(Body::Report(draft), 1_500).unwrap();
    let file = a.export_backup(2_000);

    let b = Engine::open(MemStore::new(), || "phone-bbbb".to_string()).unwrap();
    assert_eq!(b.import_backup(&file).unwrap(), 1);
    assert_eq!(b.import_backup(&file).unwrap(), 0, "importing twice queues nothing twice");
    let out = b.outbox();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].id, "phone-aaaa:1", "the mutation keeps its id, so the server dedups it");
    assert_eq!(b.records().len(), 2, "the draft came along");
    assert!(b.import_backup("{\"kind\":\"x\"}").is_err());
}

#[test]
fn backoff_grows_with_jitter_and_a_cap() {
    assert!((1_000..=2_000).contains(&backoff_ms(0, 0.5)));
    assert!(backoff_ms(3, 0.0) >= 8_000);
    assert!(backoff_ms(30, 0.99) <= 60_000, "at most a minute while the app is open");
    assert!(backoff_ms(30, 0.0) >= 30_000);
    assert!(backoff_ms(u32::MAX, 0.99) <= 60_000);
    assert_ne!(backoff_ms(4, 0.1), backoff_ms(4, 0.9));
}

#[test]
fn oldest_unsent_tracks_the_queue() {
    let e = engine(MemStore::new());
    assert_eq!(e.oldest_unsent(), None);
    e.submit(report(500.0), 1_000).unwrap();
    assert_eq!(e.oldest_unsent(), Some(1_000));
    block_on(e.sync(&AckAll { seen: RefCell::new(vec![]) }, || 2_000)).unwrap();
    assert_eq!(e.oldest_unsent(), None);
}

#[test]
fn editing_while_queued_stays_a_draft_after_the_ack() {
    let e = engine(MemStore::new());
    let rec = e.submit(report(500.0), 1_000).unwrap();
    let req = e.request(1_500, 50);
    e.save_draft(report(700.0), 1_600).unwrap();
    let resp = block_on(AckAll { seen: RefCell::new(vec![]) }.sync(&req)).unwrap();
    e.apply_response(1_500, &resp).unwrap();
    let rec = e.record(&rec.id).unwrap();
    assert_eq!(rec.state, LocalState::Draft, "the newer edit is not on the server");
    assert_eq!(rec.body, report(700.0));
    assert_eq!(rec.rev, 1);
    assert!(rec.unsent());
}

#[test]
fn incidents_jump_the_queue() {
    use sothon_domain::event::{Incident, IncidentKind, Severity};
    let e = engine(MemStore::new());
    e.submit(report(500.0), 1_000).unwrap();
    let inc = Incident {
        id: "flood-0001".into(),
        village: "pq-t01".into(),
        kind: IncidentKind::FlashFlood,
        at: 1_796_059_800_000,
        severity: Severity::High,
        gps: None,
        people: Some(3),
        households: Some(1),
        description: String::new(),
        followups: Vec::new(),
    };
    e.submit(Body::Incident(inc.clone()), 2_000).unwrap();
    let out = e.outbox();
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].body, Body::Incident(inc), "saved later, sent first");
    assert_eq!(e.request(3_000, 1).push[0].record, "i.pq-t01.flood-0001");
}

#[test]
fn hearing_of_a_newer_revision_does_not_make_it_the_base_of_an_edit() {
    struct Pull(Body);
    impl Transport for Pull {
        async fn sync(&self, req: &SyncRequest) -> Result<SyncResponse, TransportError> {
            let results = req.push.iter().map(|m| applied(m, 1, 1)).collect();
            // Another phone's edit, revision 2.
            let change = sothon_domain::protocol::Change {
                record: self.0.record_id(),
                rev: 2,
                state: RecordState::Received,
                receipt: "PQ-2".into(),
                comment: String::new(),
                return_fields: vec![],
                at: 2,
                ver: 20,
                entered_by: None,
                steps: Vec::new(),
                body: report(999.0),
            };
            Ok(SyncResponse { v: 1, now: 2, results, changes: vec![change], cursor: 2, due: vec![] })
        }
    }
    let e = engine(MemStore::new());
    e.submit(report(500.0), 1_000).unwrap();
    // Our edit lands as revision 1; then the person starts another edit.
    let req = e.request(1_100, 50);
    let t = Pull(report(500.0));
    let mut resp = block_on(t.sync(&req)).unwrap();
    let change = resp.changes.pop().unwrap();
    e.apply_response(1_100, &resp).unwrap();
    assert_eq!(e.record(&change.record).unwrap().base, 1);
    e.save_draft(report(600.0), 1_200).unwrap();
    // The pull brings revision 2 while the draft is open: heard of, not seen.
    resp.results.clear();
    resp.changes.push(change.clone());
    e.apply_response(1_300, &resp).unwrap();
    let rec = e.record(&change.record).unwrap();
    assert_eq!((rec.rev, rec.base), (2, 1));
    assert_eq!(rec.body, report(600.0), "the draft is kept");
    // So the edit goes out based on revision 1 and the server can flag it.
    e.submit(report(600.0), 1_400).unwrap();
    assert_eq!(e.outbox()[0].base, 1);
}

#[test]
fn the_offices_handling_steps_reach_the_incident_even_under_a_pending_follow_up() {
    use sothon_domain::event::{FollowUp, Incident, IncidentKind, Severity};
    use sothon_domain::handling::{IncidentStep, Step};
    let inc = Incident {
        id: "slide-0001".into(),
        village: "pq-t01".into(),
        kind: IncidentKind::Landslide,
        at: 1_796_059_800_000,
        severity: Severity::High,
        gps: None,
        people: None,
        households: None,
        description: String::new(),
        followups: Vec::new(),
    };
    let step =
        |s: Step, note: &str, at: i64| IncidentStep { step: s, note: note.into(), by: "Lục Thị Dung".into(), at };
    let change = |ver: i64, steps: Vec<IncidentStep>| sothon_domain::protocol::Change {
        record: inc.record_id(),
        rev: 1,
        state: RecordState::Received,
        receipt: "PQ-1".into(),
        comment: String::new(),
        at: ver,
        ver,
        entered_by: None,
        steps,
        return_fields: Vec::new(),
        body: Body::Incident(inc.clone()),
    };
    let e = engine(MemStore::new());
    let resp = |changes| SyncResponse { v: 1, now: 2, results: vec![], changes, cursor: 2, due: vec![] };
    e.apply_response(1_000, &resp(vec![change(5, vec![step(Step::Acknowledged, "Đã nhận tin", 10)])])).unwrap();
    assert_eq!(e.record(&inc.record_id()).unwrap().steps[0].note, "Đã nhận tin");
    // The village adds a follow-up (queued), then the office's next step arrives.
    let mut more = inc.clone();
    more.followups.push(FollowUp { at: 3, people: Some(2), households: None, handled: false, note: String::new() });
    e.submit(Body::Incident(more.clone()), 1_100).unwrap();
    let two = vec![step(Step::Acknowledged, "Đã nhận tin", 10), step(Step::Handling, "Đội xung kích đang đến", 20)];
    e.apply_response(1_200, &resp(vec![change(6, two.clone())])).unwrap();
    let rec = e.record(&inc.record_id()).unwrap();
    assert_eq!(rec.steps, two, "office news is kept beside the pending edit");
    assert_eq!(rec.body, Body::Incident(more), "the follow-up still waits to go");
    // Old news (a lower ver) does not take the steps back.
    e.apply_response(1_300, &resp(vec![change(5, vec![step(Step::Acknowledged, "Đã nhận tin", 10)])])).unwrap();
    assert_eq!(e.record(&inc.record_id()).unwrap().steps.len(), 2);
}

#[test]
fn parsed_records_follow_the_stored_text() {
    let store = MemStore::new();
    let parsed = sothon_sync::Parsed::new();
    let cached = || engine(store.clone()).with_parsed(parsed.clone());
    let rec = cached().submit(report(500.0), 1_000).unwrap();
    assert_eq!(parsed.len(), 1, "a write is remembered parsed");
    assert_eq!(cached().record(&rec.id), Some(rec.clone()));
    // Another tab (an engine with no cache of its own) edits the record: the
    // cached engines read the new text, not what they parsed before.
    let other = engine(store.clone()).submit(report(640.0), 2_000).unwrap();
    assert_eq!(cached().record(&rec.id), Some(other.clone()));
    assert_eq!(cached().records(), engine(store.clone()).records());
    // A sync's answers too.
    let t = AckAll { seen: RefCell::new(vec![]) };
    block_on(cached().sync(&t, || 3_000)).unwrap();
    let after = cached().records();
    assert_eq!(after, engine(store.clone()).records());
    assert_eq!(after[0].state, LocalState::Received);
    // Text that no longer parses is not read as the last good record.
    let key = format!("st.r.{}", rec.id);
    sothon_sync::Store::set(&store, &key, "{not json").unwrap();
    assert_eq!(cached().record(&rec.id), None);
    assert!(cached().records().is_empty());
}

#[test]
fn parsed_records_forget_what_is_no_longer_stored() {
    let store = MemStore::new();
    let parsed = sothon_sync::Parsed::new();
    let e = engine(store.clone()).with_parsed(parsed.clone());
    let mut ids = Vec::new();
    for (i, p) in ["2026-09", "2026-10", "2026-11"].into_iter().enumerate() {
        let mut r = Report::new("pq-t01", Period::parse(p).unwrap(), 1);
        r.values.insert("pop".into(), Value::Num(500.0 + i as f64));
        ids.push(e.save_draft(Body::Report(r), 1_000).unwrap().id);
    }
    assert_eq!(e.records().len(), 3);
    assert_eq!(parsed.len(), 3);
    sothon_sync::Store::remove(&store, &format!("st.r.{}", ids[1]));
    let left = e.records();
    assert_eq!(left.len(), 2);
    assert!(parsed.len() <= 2, "the removed record is not held");
    assert!(left.iter().all(|r| r.id != ids[1]));
    assert_eq!(e.records(), left);
    assert_eq!(parsed.len(), 2, "read again, held again");
}
