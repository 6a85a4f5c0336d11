//! The PWA's static files: precompressed variants, caching by file name, and
//! the single-page-app fallback.

use crate::helpers::*;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use reqwest::StatusCode;
use serde_json::Value;
use std::fs;

const INDEX: &str = "<!doctype html><title>Sổ Thôn</title>";
const OFFICE: &str = "<!doctype html><title>Sổ Thôn · Văn phòng xã</title>";
const APP_JS: &str = "console.log('sổ thôn');";

async fn spawn_web() -> (TestApp, tempfile::TempDir) {
    let web = tempfile::tempdir().unwrap();
    let d = web.path();
    fs::create_dir(d.join("assets")).unwrap();
    fs::write(d.join("index.html"), INDEX).unwrap();
    fs::write(d.join("index.html.gz"), b"gz-index").unwrap();
    fs::write(d.join("office.html"), OFFICE).unwrap();
    fs::write(d.join("assets/app-abc123.js"), APP_JS).unwrap();
    // Not real compressed data: the server must send the files as they are.
    fs::write(d.join("assets/app-abc123.js.br"), b"br-bytes").unwrap();
    fs::write(d.join("assets/app-abc123.js.gz"), b"gz-bytes").unwrap();
    fs::write(d.join("assets/app-abc123_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    fs::write(d.join("manifest.webmanifest"), "{}").unwrap();
    fs::write(d.join("sw.js"), "self.addEventListener('fetch', () => {});").unwrap();
    let app = spawn_with(Some(d.to_path_buf()), true).await;
    (app, web)
}

#[tokio::test]
async fn assets_are_sent_precompressed_and_cached_for_good() {
    let (app, _web) = spawn_web().await;
    let get = |enc: &'static str| app.client.get(app.url("/assets/app-abc123.js")).header(ACCEPT_ENCODING, enc).send();
    let res = get("gzip, deflate, br").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_ENCODING], "br");
    assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().contains("javascript"));
    assert_eq!(res.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert_eq!(res.headers()[VARY], "Accept-Encoding");
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"br-bytes");

    let res = get("gzip").await.unwrap();
    assert_eq!(res.headers()[CONTENT_ENCODING], "gzip");
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"gz-bytes");

    let res = get("identity").await.unwrap();
    assert!(res.headers().get(CONTENT_ENCODING).is_none());
    assert_eq!(res.headers()[VARY], "Accept-Encoding");
    assert_eq!(res.text().await.unwrap(), APP_JS);

    let res = app.client.get(app.url("/assets/app-abc123_bg.wasm")).send().await.unwrap();
    assert_eq!(res.headers()[CONTENT_TYPE], "application/wasm");
}

#[tokio::test]
async fn the_app_shell_is_revalidated_and_answers_every_app_route() {
    let (app, _web) = spawn_web().await;
    for path in ["/", "/index.html", "/bao-cao/2026-11", "/dang-nhap"] {
        let res = app.client.get(app.url(path)).header(ACCEPT_ENCODING, "identity").send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()[CACHE_CONTROL], "no-cache", "{path}");
        assert_eq!(res.headers()[VARY], "Accept-Encoding", "{path}");
        assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"), "{path}");
        assert_eq!(res.text().await.unwrap(), INDEX, "{path}");
    }
    // Record ids carry dots: under the app's prefixes they are still routes.
    for path in ["/incident/i.pq-t01.k3x9", "/activity/a.pq-t02.x_1", "/report/2026-11"] {
        let res = app.client.get(app.url(path)).header(ACCEPT_ENCODING, "identity").send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.text().await.unwrap(), INDEX, "{path}");
    }
    // The fallback is precompressed too.
    let res = app.client.get(app.url("/bao-cao")).header(ACCEPT_ENCODING, "gzip").send().await.unwrap();
    assert_eq!(res.headers()[CONTENT_ENCODING], "gzip");

    let res = app.client.get(app.url("/manifest.webmanifest")).send().await.unwrap();
    assert_eq!(res.headers()[CONTENT_TYPE], "application/manifest+json");
    assert_eq!(res.headers()[CACHE_CONTROL], "no-cache");
    let res = app.client.get(app.url("/sw.js")).send().await.unwrap();
    assert_eq!(res.headers()[CACHE_CONTROL], "no-cache");

    // A missing file is a 404, not the app shell disguised as a script.
    for path in ["/assets/app-old999.js", "/favicon.ico"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(res.headers()[CACHE_CONTROL], "no-cache", "{path}");
    }
    // The API keeps its JSON 404s.
    for path in ["/api/v1/nope", "/api/other"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(res.json::<Value>().await.unwrap()["error"], "not_found", "{path}");
    }
}

#[tokio::test]
async fn office_addresses_are_answered_with_the_office_page() {
    let (app, _web) = spawn_web().await;
    for path in [
        "/office",
        "/office/",
        "/office/review/pq-t01/2026-11",
        "/office/audit",
        "/office/incidents/i.pq-t01.k3x9",
        "/office.html",
    ] {
        let res = app.client.get(app.url(path)).header(ACCEPT_ENCODING, "identity").send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()[CACHE_CONTROL], "no-cache", "{path}");
        assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"), "{path}");
        assert_eq!(res.text().await.unwrap(), OFFICE, "{path}");
    }
    // Not the office: a path that merely starts with the word.
    let res = app.client.get(app.url("/officer")).header(ACCEPT_ENCODING, "identity").send().await.unwrap();
    assert_eq!(res.text().await.unwrap(), INDEX);
    // The API under an office-looking path is still the API.
    let res = app.client.get(app.url("/api/v1/office/x")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "not_found");
}

#[tokio::test]
async fn api_answers_are_compressed_for_clients_that_accept_it() {
    let app = spawn().await;
    let token = app.login("truongthon1").await;
    let url = app.url("/api/v1/sync");
    // Ten months of reports: an answer the size of a phone catching up.
    let push = (1..=10u64)
        .map(|m| mutation(PHONE_A, m, 0, report_for("pq-t01", &format!("2026-{m:02}"), 512.0, 500.0)))
        .collect();
    let body = serde_json::to_vec(&request(PHONE_A, push, Some(0))).unwrap();
    let client = reqwest::Client::new();
    let send = |enc: &'static str| {
        client
            .post(&url)
            .bearer_auth(&token)
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT_ENCODING, enc)
            .body(body.clone())
            .send()
    };
    let plain = send("identity").await.unwrap();
    assert_eq!(plain.status(), StatusCode::OK);
    assert!(plain.headers().get(CONTENT_ENCODING).is_none());
    let plain_len = plain.bytes().await.unwrap().len();
    // The replay gets the same answer, compressed.
    let br = send("br").await.unwrap();
    assert_eq!(br.headers().get(CONTENT_ENCODING).unwrap(), "br");
    let br_len = br.bytes().await.unwrap().len();
    assert!(br_len * 2 < plain_len, "{br_len} vs {plain_len}");
    let gz = send("gzip").await.unwrap();
    assert_eq!(gz.headers().get(CONTENT_ENCODING).unwrap(), "gzip");
}
