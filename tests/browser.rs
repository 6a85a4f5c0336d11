//! Browser tests of the PWA's adapters, in headless Chromium
//! (wasm-bindgen-test; `make browser-test`).
#![cfg(target_arch = "wasm32")]

use sothon::platform::storage::{used_units, LocalStore};
use sothon_domain::protocol::Body;
use sothon_domain::{Period, Report, Value};
use sothon_sync::testkit::{store_acceptance, store_full_keeps_old_value};
use sothon_sync::{Engine, LocalState, Store, StoreError};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn clear() -> LocalStore {
    <gloo_storage::LocalStorage as gloo_storage::Storage>::clear();
    LocalStore
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
