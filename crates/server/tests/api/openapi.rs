//! `GET /api/v1/openapi.json`: an OpenAPI 3.1 document that describes every
//! route the router serves ([`sothon_server::routes::ROUTES`], the same table
//! the router is built from), and nothing else.

use crate::helpers::*;
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
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

/// A schema of `components.schemas`.
fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
    let s = &doc["components"]["schemas"][name];
    assert!(s.is_object(), "no schema {name}");
    s
}

/// A `pattern` of the document, compiled (the document's patterns use only
/// syntax that means the same in ECMA-262, Python and the regex crate).
fn regex(pattern: &Value) -> regex::Regex {
    regex::Regex::new(pattern.as_str().unwrap_or_else(|| panic!("not a pattern: {pattern}"))).unwrap()
}

#[test]
fn the_documents_limits_are_the_servers_constants() {
    use sothon_domain::catalogue::{current, MAX_TEXT};
    use sothon_domain::event::MAX_COUNT;
    use sothon_domain::protocol::{MAX_PUSH, PROTOCOL_VERSION};
    use sothon_server::db::accounts::{MAX_NAME, MAX_PASSWORD, MIN_PASSWORD};
    let doc = doc();
    let prop = |s: &str, p: &str| schema(&doc, s)["properties"][p].clone();
    assert_eq!(prop("SyncRequest", "push")["maxItems"], MAX_PUSH);
    assert_eq!(prop("SyncRequest", "v")["const"], PROTOCOL_VERSION);
    assert_eq!(prop("ReportBody", "cv")["maximum"], current().version);
    assert_eq!(prop("ReportBody", "cv")["minimum"], 1);
    for (s, p) in [
        ("ReportBody", "difficulties"),
        ("ReportBody", "proposals"),
        ("IncidentBody", "description"),
        ("ActivityBody", "note"),
        ("ReviewRequest", "comment"),
    ] {
        assert_eq!(prop(s, p)["maxLength"], MAX_TEXT, "{s}.{p}");
    }
    let text_value = schema(&doc, "Value")["oneOf"].as_array().unwrap().iter().find(|v| v["type"] == "string").cloned();
    assert_eq!(text_value.unwrap()["maxLength"], MAX_TEXT);
    for s in ["NewVillage", "NewUser"] {
        assert_eq!(prop(s, "name")["maxLength"], MAX_NAME, "{s}.name");
    }
    assert_eq!(prop("NewUser", "password")["minLength"], MIN_PASSWORD);
    assert_eq!(prop("NewUser", "password")["maxLength"], MAX_PASSWORD);
    for (s, p) in [("IncidentBody", "people"), ("IncidentBody", "households"), ("ActivityBody", "participants")] {
        assert_eq!(prop(s, p)["maximum"], MAX_COUNT, "{s}.{p}");
        assert_eq!(prop(s, p)["type"], "integer", "{s}.{p}: counts are integers");
    }
    // Revisions are u32 on the wire: a float (429328.0) or more is refused.
    for (s, p) in [("Mutation", "base"), ("ReviewRequest", "rev"), ("ResolveRequest", "rev"), ("MutationResult", "rev")]
    {
        assert_eq!(prop(s, p)["type"], "integer", "{s}.{p}");
        assert_eq!((prop(s, p)["minimum"].clone(), prop(s, p)["maximum"].clone()), (json!(0), json!(u32::MAX)));
    }
    assert_eq!(prop("Mutation", "seq")["maximum"], i64::MAX, "the server refuses a seq beyond i64");

    // The incident time window, checked against the rule itself.
    let at = prop("IncidentBody", "at");
    let incident = |at: i64| sothon_domain::Incident {
        id: "abc123".into(),
        village: "pq-t01".into(),
        kind: sothon_domain::event::IncidentKind::Landslide,
        at,
        severity: sothon_domain::event::Severity::Low,
        gps: None,
        people: None,
        households: None,
        description: String::new(),
        followups: Vec::new(),
    };
    let (lo, hi) = (at["minimum"].as_i64().unwrap(), at["maximum"].as_i64().unwrap());
    assert!(incident(lo).validate().is_empty() && incident(hi).validate().is_empty());
    assert!(!incident(lo - 1).validate().is_empty() && !incident(hi + 1).validate().is_empty());
}

#[test]
fn the_documents_patterns_accept_what_the_server_accepts() {
    use sothon_domain::names::check_name;
    use sothon_domain::protocol::{valid_device_id, Body, Mutation};
    use sothon_domain::{event::valid_local_id, Period};
    use sothon_server::db::accounts::{check_new_village, normalize_username, valid_username, MAX_NAME};
    let doc = doc();
    let prop = |s: &str, p: &str| schema(&doc, s)["properties"][p].clone();

    let period = regex(&schema(&doc, "Period")["pattern"]);
    let mut samples =
        vec!["", "2026-", "+202", "2026-+1", "2026-Q+4", "2026-Q04", "2026-H02", "2026-1", "2026-x", "20260"];
    let owned: Vec<String> = (2018..=2042)
        .flat_map(|y| {
            let mut s = vec![format!("{y}")];
            s.extend((0..=13).map(|m| format!("{y}-{m:02}")));
            s.extend((0..=5).map(|q| format!("{y}-Q{q}")));
            s.extend((0..=3).map(|h| format!("{y}-H{h}")));
            s
        })
        .collect();
    samples.extend(owned.iter().map(String::as_str));
    for s in &samples {
        assert_eq!(period.is_match(s), Period::parse(s).is_ok(), "period {s:?}");
    }
    assert!(samples.iter().filter(|s| period.is_match(s)).count() > 300);

    let device = regex(&schema(&doc, "DeviceId")["pattern"]);
    let mut ids: Vec<String> = (0..=70).map(|n| "a".repeat(n)).collect();
    ids.extend(
        ["phone-aaaa-0001", "Phone_AAAA_0001", "phone aaaa 0001", "phone-aaaa-000ü", "phone:aaaa-0001"]
            .map(String::from),
    );
    for d in &ids {
        assert_eq!(device.is_match(d), valid_device_id(d), "device {d:?}");
    }

    // A mutation id, with `seq` the number it ends with: the pattern is the
    // server's shape check (the equality of the two cannot be a pattern).
    let mutation_id = regex(&prop("Mutation", "id")["pattern"]);
    let report = crate::helpers::report("pq-t01", 1.0, 1.0);
    for id in [
        "phone-aaaa-0001:1",
        "phone-aaaa-0001:0",
        "phone-aaaa-0001:01",
        "phone-aaaa-0001:+1",
        "phone-aaaa-0001:-1",
        "phone-aaaa-0001:",
        "phone-aaaa-0001",
        "short:1",
        ":1",
        "phone-aaaa-0001:1:2",
        "phone aaaa 0001:1",
        "phone-aaaa-0001:9223372036854775807",
    ] {
        let seq = id.rsplit_once(':').and_then(|(_, s)| s.parse::<u64>().ok()).unwrap_or(0);
        let m =
            Mutation { id: id.into(), seq, record: report.id(), base: 0, at: 1, body: Body::Report(report.clone()) };
        assert_eq!(mutation_id.is_match(id), m.check_shape().is_empty(), "mutation id {id:?}");
    }

    let village = regex(&schema(&doc, "VillageId")["pattern"]);
    for v in ["pq-t01", "a", "", "PQ-T01", "pq_t01", "../x", "thôn", &"x".repeat(40), &"x".repeat(41)] {
        assert_eq!(village.is_match(v), check_new_village(v, "Thôn").is_empty(), "village id {v:?}");
    }
    let local = regex(&prop("IncidentBody", "id")["pattern"]);
    assert_eq!(prop("ActivityBody", "id")["pattern"], prop("IncidentBody", "id")["pattern"]);
    for v in ["abc123", "abc12", "abc-123-xyz", "ABC123", &"x".repeat(40), &"x".repeat(41)] {
        assert_eq!(local.is_match(v), valid_local_id(v), "local id {v:?}");
    }

    let name = prop("NewVillage", "name");
    assert_eq!(name["allOf"], prop("NewUser", "name")["allOf"]);
    let name_patterns: Vec<regex::Regex> =
        name["allOf"].as_array().unwrap().iter().map(|p| regex(&p["pattern"])).collect();
    for n in [
        "Thôn Nà Pài",
        "A",
        "😀",
        "",
        " ",
        "\u{200b}",
        "\u{202e}",
        "\u{200b}\u{202e}\u{feff}",
        " \u{2060}\u{a0}\u{3000} ",
        "\u{3164}",
        "Thôn\nA",
        "Thôn\tA",
        "\u{200b}Thôn A\u{200b}",
        &"x".repeat(100),
        &"x".repeat(101),
        &format!("{}\u{200b}", "x".repeat(100)),
    ] {
        let max = name["maxLength"].as_u64().unwrap() as usize;
        let doc_ok = name_patterns.iter().all(|p| p.is_match(n)) && n.chars().count() <= max;
        assert_eq!(doc_ok, check_name("name", n, MAX_NAME, "").is_none(), "name {n:?}");
    }

    let username = regex(&prop("NewUser", "username")["pattern"]);
    for u in [" TruongThon6 ", "truongthon6", "ab", "có-dấu", "x.y_z-1", &"a".repeat(32), &"a".repeat(33), "a b c"] {
        assert_eq!(username.is_match(u), valid_username(&normalize_username(u)), "username {u:?}");
    }
}

#[tokio::test]
async fn an_integral_float_is_an_integer_as_json_schema_says() {
    let app = spawn().await;
    let head = app.login("truongthon1").await;
    let officer = app.login("canbo").await;
    let mut push =
        serde_json::to_value(request(PHONE_A, vec![mutation(PHONE_A, 1, 0, report("pq-t01", 9.0, 9.0))], None))
            .unwrap();
    push["v"] = json!(1.0);
    push["push"][0]["seq"] = json!(1.0);
    push["push"][0]["base"] = json!(0.0);
    push["push"][0]["at"] = json!(1.7e12);
    push["push"][0]["body"]["cv"] = json!(1.0);
    let v = app.sync_json(&head, &push).await;
    assert_eq!(v.status(), StatusCode::OK);
    let v: Value = v.json().await.unwrap();
    assert_eq!(v["results"][0]["status"], "applied", "{v}");
    let review = |rev: Value| json!({"decision": "approve", "rev": rev});
    let (status, e) = app.post_json(&officer, "/api/v1/records/r.pq-t01.2026-11/review", &review(json!(1.5))).await;
    assert_eq!((status, e["error"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_json")), "{e}");
    assert!(e["message"].as_str().unwrap().contains("rev"), "the message names the field: {e}");
    let (status, v) = app.post_json(&officer, "/api/v1/records/r.pq-t01.2026-11/review", &review(json!(1.0))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
}
