//! `GET /api/v1/openapi.json`: an OpenAPI 3.1 document that describes every
//! route the router serves ([`sothon_server::routes::ROUTES`], the same table
//! the router is built from), and nothing else.

use crate::helpers::*;
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sothon_server::routes::openapi::OPENAPI_JSON;
use sothon_server::routes::ROUTES;
use std::collections::BTreeSet;

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

fn doc() -> Value {
    serde_json::from_str(OPENAPI_JSON).expect("openapi.json is JSON")
}

/// Every `$ref` in `v`.
fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("$ref", Value::String(s)) => out.push(s),
                    _ => refs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_is_served_and_is_openapi_3_1() {
    let app = spawn().await;
    let res = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
    let served: Value = res.json().await.unwrap();
    assert_eq!(served, doc());
    let version = served["openapi"].as_str().unwrap();
    assert!(version.starts_with("3.1."), "{version}");
    assert!(served["info"]["title"].is_string() && served["info"]["version"].is_string());
    assert_eq!(served["servers"][0]["url"], "/api/v1");
}

#[test]
fn every_route_is_documented_and_every_documented_route_exists() {
    let doc = doc();
    let routes: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(routes.len(), ROUTES.len(), "a route listed twice");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap().iter().filter(|(k, _)| METHODS.contains(&k.as_str())) {
            documented.insert((method.clone(), path.clone()));
        }
    }
    let missing: Vec<_> = routes.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&routes).collect();
    assert!(missing.is_empty(), "served but not documented: {missing:?}");
    assert!(extra.is_empty(), "documented but not served: {extra:?}");
}

#[test]
fn every_operation_documents_its_answers_and_every_ref_resolves() {
    let doc = doc();
    let error = &doc["components"]["schemas"]["Error"];
    assert_eq!(error["required"], serde_json::json!(["error", "message"]));
    for (method, path) in ROUTES {
        let op = &doc["paths"][path][method];
        let responses = op["responses"].as_object().unwrap_or_else(|| panic!("{method} {path}: no responses"));
        assert!(op["summary"].is_string(), "{method} {path}: no summary");
        assert!(responses.keys().any(|c| c.starts_with('2')), "{method} {path}: no success answer");
        let public = op.get("security") == Some(&serde_json::json!([]));
        if !public {
            assert!(responses.contains_key("401"), "{method} {path}: needs a token but documents no 401");
        }
        if *method == "post" && op.get("requestBody").is_some() {
            for code in ["400", "413"] {
                assert!(responses.contains_key(code), "{method} {path}: takes a body but documents no {code}");
            }
        }
        // Path parameters are declared.
        for seg in path.split('/').filter(|s| s.starts_with('{')) {
            let name = seg.trim_matches(|c| c == '{' || c == '}');
            let declared =
                op["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["name"] == name && p["in"] == "path"));
            assert!(declared, "{method} {path}: path parameter {name} not declared");
        }
        // Every error answer has the Error shape.
        for (code, r) in responses {
            if code.starts_with('4') || code.starts_with('5') {
                let r = match r.get("$ref").and_then(Value::as_str) {
                    Some(name) => &doc["components"]["responses"][name.rsplit('/').next().unwrap()],
                    None => r,
                };
                assert_eq!(
                    r["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Error",
                    "{method} {path} {code}"
                );
            }
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("external ref {r}"));
        assert!(doc.pointer(pointer).is_some(), "dangling $ref {r}");
    }
}

#[tokio::test]
async fn every_listed_route_is_served() {
    let app = spawn().await;
    for (method, path) in ROUTES {
        // Any parameter value will do: the route must answer, not the
        // fallback (a JSON 404 with its own message) or a 405.
        let concrete: String =
            path.split('/').map(|s| if s.starts_with('{') { "x" } else { s }).collect::<Vec<_>>().join("/");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let res = app.client.request(method.clone(), app.url(&format!("/api/v1{concrete}"))).send().await.unwrap();
        let status = res.status();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        let text = res.text().await.unwrap();
        assert!(
            !(status == StatusCode::NOT_FOUND && text.contains("Không tìm thấy địa chỉ này")),
            "{method} {path} fell through to the fallback"
        );
    }
}
