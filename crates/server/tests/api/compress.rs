//! Compressed request bodies: the phone gzips its push (or a client sends
//! br); the server inflates it, counts the inflated bytes against the body
//! limit, and refuses what does not inflate.

use crate::helpers::*;
use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE};
use reqwest::StatusCode;
use serde_json::Value;
use sothon_server::routes::MAX_BODY;
use std::io::Write;

type Compress = fn(&[u8]) -> Vec<u8>;

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

fn brotli(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        w.write_all(b).unwrap();
    }
    out
}

/// POSTs `body` to `/api/v1/sync` as JSON with `Content-Encoding: encoding`.
async fn sync_encoded(app: &TestApp, token: &str, encoding: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let res = app
        .client
        .post(app.url("/api/v1/sync"))
        .bearer_auth(token)
        .header(CONTENT_TYPE, "application/json")
        .header(CONTENT_ENCODING, encoding)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let ct = res.headers().get(CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    assert!(ct.starts_with("application/json"), "{status}: content type {ct:?}");
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn gzip_and_br_pushes_are_applied() {
    let app = spawn().await;
    let token = app.login("truongthon1").await;
    let compress: [(&str, Compress); 2] = [("gzip", gzip), ("br", brotli)];
    for (seq, (encoding, compress)) in (1..).zip(compress) {
        let req = request(PHONE_A, vec![mutation(PHONE_A, seq, seq as u32 - 1, report("pq-t01", 500.0, 480.0))], None);
        let json = serde_json::to_vec(&req).unwrap();
        let (status, v) = sync_encoded(&app, &token, encoding, compress(&json)).await;
        assert_eq!(status, StatusCode::OK, "{encoding}: {v}");
        assert_eq!(v["results"][0]["status"], "applied", "{encoding}: {v}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM mutations").await, 2);
}

#[tokio::test]
async fn a_small_body_that_inflates_past_the_limit_is_refused_and_nothing_is_written() {
    let app = spawn().await;
    let token = app.login("truongthon1").await;
    // A valid push followed by 1 MiB of spaces: JSON that would parse, if
    // the server read it all.
    let req = request(PHONE_A, vec![mutation(PHONE_A, 1, 0, report("pq-t01", 500.0, 480.0))], None);
    let mut json = serde_json::to_vec(&req).unwrap();
    json.resize(json.len() + MAX_BODY, b' ');
    for (encoding, body) in [("gzip", gzip(&json)), ("br", brotli(&json))] {
        assert!(body.len() < 8 * 1024, "{encoding}: a bomb is small: {} B", body.len());
        let before = app.table_counts().await;
        let (status, v) = sync_encoded(&app, &token, encoding, body).await;
        assert_eq!(
            (status, v["error"].as_str()),
            (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large")),
            "{encoding}: {v}"
        );
        assert_eq!(app.table_counts().await, before, "{encoding}: something was written");
    }
}

#[tokio::test]
async fn a_body_that_is_not_what_its_encoding_says_is_a_bad_request() {
    let app = spawn().await;
    let token = app.login("truongthon1").await;
    let req = request(PHONE_A, vec![mutation(PHONE_A, 1, 0, report("pq-t01", 500.0, 480.0))], None);
    let json = serde_json::to_vec(&req).unwrap();
    let mut truncated = gzip(&json);
    truncated.truncate(truncated.len() / 2);
    for (what, encoding, body) in
        [("plain JSON", "gzip", json.clone()), ("cut short", "gzip", truncated), ("plain JSON", "br", json.clone())]
    {
        let before = app.table_counts().await;
        let (status, v) = sync_encoded(&app, &token, encoding, body).await;
        assert_eq!(
            (status, v["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("bad_json")),
            "{encoding} {what}: {v}"
        );
        assert_eq!(app.table_counts().await, before, "{encoding} {what}: something was written");
    }
}
