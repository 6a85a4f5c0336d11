//! Browser tests of the PWA's adapters, in headless Chromium
//! (wasm-bindgen-test; `make browser-test`).
#![cfg(target_arch = "wasm32")]

use sothon::platform::storage::{used_units, LocalStore};
use sothon_domain::event::{FollowUp, Gps, IncidentKind, Severity};
use sothon_domain::json;
use sothon_domain::protocol::{Body, Mutation};
use sothon_domain::{Incident, Period, Report, Value};
use sothon_sync::testkit::{store_acceptance, store_full_keeps_old_value};
use sothon_sync::{Engine, LocalState, Store, StoreError};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn raw() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

/// An empty localStorage, cleared behind the store's back (so it is told).
fn clear() -> LocalStore {
    raw().clear().unwrap();
    sothon::platform::storage::reload();
    LocalStore
}

/// What another tab's write looks like to this one.
fn storage_event(key: Option<&str>, new: Option<&str>) {
    let init = web_sys::StorageEventInit::new();
    init.set_key(key);
    init.set_new_value(new);
    init.set_storage_area(Some(&raw()));
    let e = web_sys::StorageEvent::new_with_event_init_dict("storage", &init).unwrap();
    web_sys::window().unwrap().dispatch_event(&e).unwrap();
}

#[wasm_bindgen_test]
fn the_copy_in_memory_follows_other_tabs() {
    let s = clear();
    s.set("st.r.a", "1").unwrap();
    assert_eq!(s.get("st.r.a").as_deref(), Some("1"));
    // Another tab writes and removes (localStorage changes, then the event comes).
    raw().set_item("st.r.b", "2").unwrap();
    storage_event(Some("st.r.b"), Some("2"));
    assert_eq!(s.get("st.r.b").as_deref(), Some("2"));
    assert_eq!(s.keys("st.r."), vec!["st.r.a".to_string(), "st.r.b".to_string()]);
    raw().remove_item("st.r.a").unwrap();
    storage_event(Some("st.r.a"), None);
    assert_eq!(s.get("st.r.a"), None);
    assert_eq!(s.keys("st.r."), vec!["st.r.b".to_string()]);
    // It clears everything: read again from localStorage.
    raw().clear().unwrap();
    raw().set_item("st.r.c", "3").unwrap();
    storage_event(None, None);
    assert_eq!(s.keys("st.r."), vec!["st.r.c".to_string()]);
    // Keys that are not the app's are read from localStorage each time.
    raw().set_item("other.k", "x").unwrap();
    assert_eq!(s.get("other.k").as_deref(), Some("x"));
    assert_eq!(used_units(), "st.r.c3".len());
}

#[wasm_bindgen_test]
fn a_refused_write_leaves_the_copy_as_localstorage_is() {
    let s = clear();
    s.set("st.keep", "old").unwrap();
    assert_eq!(s.set("st.keep", &"x".repeat(6_000_000)), Err(StoreError::Full));
    assert_eq!(s.get("st.keep").as_deref(), Some("old"));
    assert_eq!(raw().get_item("st.keep").unwrap().as_deref(), Some("old"));
}

#[wasm_bindgen_test]
fn local_storage_passes_the_store_acceptance_suite() {
    store_acceptance(clear);
}

#[wasm_bindgen_test]
fn full_local_storage_is_reported_and_keeps_the_old_value() {
    let s = clear();
    // Chromium allows about 5.2 million characters per origin.
    store_full_keeps_old_value(&s, 6_000_000);
    assert_eq!(s.set("st.after", "fits again"), Ok(()));
}

#[wasm_bindgen_test]
fn quota_error_is_classified_as_full() {
    let s = clear();
    let huge = "x".repeat(6_000_000);
    assert_eq!(s.set("st.huge", &huge), Err(StoreError::Full));
}

#[wasm_bindgen_test]
fn a_submitted_report_survives_a_new_engine_like_a_reload() {
    let s = clear();
    let mut r = Report::new("pq-t01", Period::parse("2026-11").unwrap(), 1);
    r.values.insert("pop".into(), Value::Num(512.0));
    r.proposals = "Đề nghị làm đường lên Khuổi Đắng".into();
    let e = Engine::open(s, || "browser-test-1".into()).unwrap();
    e.submit(Body::Report(r.clone()), 1_000).unwrap();
    drop(e);
    let again = Engine::open(LocalStore, || unreachable!("device id kept")).unwrap();
    let rec = again.record(&r.id()).unwrap();
    assert_eq!(rec.state, LocalState::Queued);
    assert_eq!(rec.body, Body::Report(r));
    assert_eq!(again.outbox().len(), 1);
    assert!(used_units() > 100);
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_app_mounts_and_shows_the_login_in_vietnamese() {
    clear();
    sothon::start();
    sleep(50).await;
    let doc = web_sys::window().unwrap().document().unwrap();
    let form = doc.query_selector("[data-testid=login-form]").unwrap().expect("login form");
    let text = form.text_content().unwrap_or_default();
    assert!(text.contains("Đăng nhập"), "{text}");
    assert_eq!(doc.document_element().unwrap().get_attribute("lang").as_deref(), Some("vi"));
}

/// Records the phone writes with the browser's JSON, with what varies in
/// them: whole and fractional numbers, yes/no and text values, absent and
/// present options, a nested list.
fn mutations() -> Vec<Mutation> {
    let mut r = Report::new("pq-t01", Period::parse("2026-Q4").unwrap(), 3);
    r.values.insert("pop".into(), Value::Num(512.0));
    r.values.insert("area".into(), Value::Num(0.1 + 0.2));
    r.values.insert("fibre".into(), Value::Bool(true));
    r.values.insert("note".into(), Value::Text("Đường \"lên\" bản\n".into()));
    let i = Incident {
        id: "k3j9x2-abc".into(),
        village: "pq-t01".into(),
        kind: IncidentKind::Landslide,
        at: 1_796_059_800_000,
        severity: Severity::High,
        gps: Some(Gps { lat: 21.93, lon: 105.71, acc: 12.0 }),
        people: None,
        households: Some(2),
        description: String::new(),
        followups: vec![FollowUp {
            at: 1_796_059_900_000,
            people: Some(4),
            households: None,
            handled: true,
            note: "Đã xử lý".into(),
        }],
    };
    [Body::Report(r), Body::Incident(i)]
        .into_iter()
        .enumerate()
        .map(|(n, body)| Mutation {
            id: Mutation::make_id("browser-test-1", n as u64 + 1),
            seq: n as u64 + 1,
            record: body.record_id(),
            base: 0,
            at: 1_796_059_800_123,
            body,
        })
        .collect()
}

/// `v` with every number as an `f64` (the browser writes a whole `f64` as
/// `5`, serde_json as `5.0`).
fn numbers_as_f64(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        J::Number(n) => J::from(n.as_f64().unwrap()),
        J::Array(a) => J::Array(a.into_iter().map(numbers_as_f64).collect()),
        J::Object(o) => J::Object(o.into_iter().map(|(k, v)| (k, numbers_as_f64(v))).collect()),
        other => other,
    }
}

#[wasm_bindgen_test]
fn the_browsers_json_and_the_servers_read_each_other() {
    for m in mutations() {
        // What the phone sends, read by serde_json (the server's reader).
        let sent = json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<Mutation>(&sent).unwrap(), m, "{sent}");
        // What the server answers (serde_json's text), read by the phone.
        let answer = serde_json::to_string(&m).unwrap();
        assert_eq!(json::from_str::<Mutation>(&answer).unwrap(), m, "{answer}");
        // Field for field the same JSON, numbers compared as numbers.
        let read = |s: &str| numbers_as_f64(serde_json::from_str(s).unwrap());
        assert_eq!(read(&sent), read(&answer));
    }
    let none: Option<u32> = None;
    assert_eq!(json::to_string(&none).unwrap(), "null");
    assert_eq!(json::to_string(&()).unwrap(), "null");
    assert!(json::from_str::<Mutation>("{\"id\":").is_err());
    assert!(json::from_str::<Mutation>("{}").is_err());
}
