//! Bad input on every endpoint, table-driven: malformed JSON, wrong types,
//! oversized bodies, unknown ids, other villages' (and another commune's)
//! ids, and missing, forged, revoked (logged out and replayed) or expired
//! tokens. Each must be a 4xx with a JSON `{error, message}` body — never a
//! 5xx, never plain text — and must write nothing.

use crate::helpers::*;
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sothon_domain::protocol::Role;
use sothon_server::auth::token_hash;
use sothon_server::db::accounts::{add_commune, add_village};
use sothon_server::db::conflicts::public_id;
use sothon_server::routes::ROUTES;
use sothon_server::{add_user, NewUser};
use std::collections::BTreeSet;

/// Who may call an endpoint.
#[derive(Clone, Copy, PartialEq)]
enum Access {
    Public,
    /// Any logged-in account.
    User,
    /// Officer or admin.
    Office,
    Admin,
    /// A province account.
    Province,
}

/// One endpoint of the table.
struct Endpoint {
    method: &'static str,
    /// As listed in `ROUTES`.
    route: &'static str,
    /// With real ids filled in.
    path: String,
    access: Access,
    /// A valid JSON body (never sent as is: it would write).
    body: Option<Value>,
    /// Endpoint-specific cases: (who, path, body, expected status, expected code).
    cases: Vec<Case>,
}

struct Case {
    what: String,
    token: Option<String>,
    path: String,
    body: Option<Body>,
    status: StatusCode,
    code: &'static str,
}

#[derive(Clone)]
enum Body {
    Json(Value),
    /// Bytes with a content type.
    Raw(&'static str, Vec<u8>),
}

/// The same body with one field's value of the wrong JSON type.
fn wrong_types(body: &Value) -> Vec<(String, Value)> {
    let mut out = vec![
        ("an array instead of an object".into(), json!([body.clone()])),
        ("a string instead of an object".into(), json!("{}")),
        ("null".into(), Value::Null),
        ("a number".into(), json!(42)),
    ];
    for (k, v) in body.as_object().unwrap() {
        let wrong = match v {
            Value::String(_) => json!(123),
            Value::Number(_) => json!("1"),
            Value::Bool(_) => json!("true"),
            Value::Array(_) | Value::Object(_) => json!("x"),
            Value::Null => json!({"x": 1}),
        };
        let mut b = body.clone();
        b[k] = wrong;
        out.push((format!("{k} of the wrong type"), b));
        let mut b = body.clone();
        b.as_object_mut().unwrap().remove(k);
        out.push((format!("{k} missing"), b));
    }
    out
}

/// Sets up two villages with records and conflicts, and a second commune.
/// Returns the tokens by name.
struct Tokens {
    head1: String,
    team1: String,
    officer: String,
    admin: String,
    revoked: String,
    expired: String,
    forged: String,
    province: String,
}

async fn setup(app: &TestApp) -> Tokens {
    let head1 = app.login("truongthon1").await;
    let head2 = app.login("truongthon2").await;
    let team1 = app.login("congnghe1").await;
    let officer = app.login("canbo").await;
    let admin = app.login("quantri").await;
    // Records in pq-t01 and pq-t02, each with a conflict.
    app.push(&head1, PHONE_A, 1, 0, report("pq-t01", 100.0, 90.0)).await;
    app.push(&head1, PHONE_A, 2, 1, report("pq-t01", 101.0, 90.0)).await;
    assert_eq!(app.push(&team1, PHONE_B, 1, 1, report("pq-t01", 99.0, 90.0)).await["status"], "conflict");
    app.push(&head2, "phone-cccc-0003", 1, 0, report("pq-t02", 50.0, 40.0)).await;
    app.push(&head2, "phone-cccc-0003", 2, 1, report("pq-t02", 51.0, 40.0)).await;
    assert_eq!(app.push(&officer, "phone-dddd-0004", 1, 1, report("pq-t02", 9.0, 9.0)).await["status"], "conflict");
    // Another commune, with a village, an account and a record (and a conflict).
    add_commune(&app.db, "xa-khac", "Xã Khác").await.unwrap();
    add_village(&app.db, "xk-t01", Some("xa-khac"), "Thôn Xa").await.unwrap();
    add_user(
        &app.db,
        NewUser {
            username: "truongthonxk".into(),
            password: "mat-khau-2026".into(),
            name: "Người Xã Khác".into(),
            role: Role::VillageHead,
            commune: Some("xa-khac".into()),
            village: Some("xk-t01".into()),
        },
    )
    .await
    .unwrap();
    let res = app.login_raw("truongthonxk", "mat-khau-2026").await;
    let xk = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    app.push(&xk, "phone-eeee-0005", 1, 0, report("xk-t01", 10.0, 10.0)).await;
    app.push(&xk, "phone-eeee-0005", 2, 1, report("xk-t01", 11.0, 10.0)).await;
    app.push(&xk, "phone-ffff-0006", 1, 1, report("xk-t01", 12.0, 10.0)).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM conflicts").await, 3);
    // An incident in pq-t01 and one in the other commune, for the desk.
    for (token, village, device) in [(&head1, "pq-t01", PHONE_A), (&xk, "xk-t01", "phone-eeee-0005")] {
        let inc = sothon_domain::Incident {
            id: "slide-0009".into(),
            village: village.into(),
            kind: sothon_domain::event::IncidentKind::Landslide,
            at: 1_796_059_800_000,
            severity: sothon_domain::event::Severity::High,
            gps: None,
            people: None,
            households: None,
            description: String::new(),
            followups: Vec::new(),
        };
        let m = sothon_domain::protocol::Mutation {
            id: sothon_domain::protocol::Mutation::make_id(device, 9),
            seq: 9,
            record: inc.record_id(),
            base: 0,
            at: inc.at,
            body: sothon_domain::protocol::Body::Incident(inc),
        };
        let v = app.sync_ok(token, &request(device, vec![m], None)).await;
        assert_eq!(v["results"][0]["status"], "applied", "{v}");
    }

    // A token logged out (to be replayed), one expired, one forged.
    let revoked = app.login("canbo").await;
    let res = app.client.post(app.url("/api/v1/logout")).bearer_auth(&revoked).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let expired = "het-han-tu-lau-roi-0123456789abcdefghijklmnop".to_string();
    sothon_server::with_pool!(&app.db, p => sqlx::query(
        "INSERT INTO tokens (token_hash, user_id, created_at, expires_at)
         SELECT $1, id, 1, 2 FROM users WHERE username = 'quantri'",
    )
    .bind(token_hash(&expired))
    .execute(p)
    .await.map(drop))
    .unwrap();
    // The admin's token with its last character changed.
    let last = if admin.ends_with('A') { 'B' } else { 'A' };
    let forged = format!("{}{last}", &admin[..admin.len() - 1]);
    // A province over the sample commune, with its account.
    let units = sothon_server::import::parse_communes(
        "province_id,province_name,commune_id,commune_name\ntinh-tn,Tỉnh Thái Nguyên,phong-quang,Xã Phong Quang\n",
    )
    .unwrap();
    sothon_server::db::units::import_communes(&app.db, &units).await.unwrap().unwrap();
    add_user(
        &app.db,
        NewUser {
            username: "canbotinh".into(),
            password: "mat-khau-2026".into(),
            name: "Cán Bộ Tỉnh".into(),
            role: Role::Province,
            commune: Some("tinh-tn".into()),
            village: None,
        },
    )
    .await
    .unwrap();
    let res = app.login_raw("canbotinh", "mat-khau-2026").await;
    let province = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    Tokens { head1, team1, officer, admin, revoked, expired, forged, province }
}

fn case(what: &str, token: &str, path: &str, body: Option<Value>, status: StatusCode, code: &'static str) -> Case {
    Case {
        what: what.into(),
        token: Some(token.to_string()),
        path: path.into(),
        body: body.map(Body::Json),
        status,
        code,
    }
}

fn endpoints(t: &Tokens) -> Vec<Endpoint> {
    use StatusCode as S;
    let ep = |method, route: &'static str, path: &str, access, body: Option<Value>, cases| Endpoint {
        method,
        route,
        path: path.to_string(),
        access,
        body,
        cases,
    };
    let review = "/api/v1/records/r.pq-t01.2026-11/review";
    let resolve = &format!("/api/v1/conflicts/{}/resolve", public_id("phone-bbbb-0002:1"));
    // Only required fields in the valid bodies: each one's absence is a 400.
    let new_user = json!({"username": "nguoimoi", "password": "mat-khau-2026", "name": "Người Mới", "role": "officer"});
    vec![
        ep("get", "/health", "/api/v1/health", Access::Public, None, vec![]),
        ep("get", "/ready", "/api/v1/ready", Access::Public, None, vec![]),
        ep("get", "/metrics", "/api/v1/metrics", Access::Public, None, vec![]),
        ep("get", "/catalogue", "/api/v1/catalogue", Access::Public, None, vec![]),
        ep("get", "/openapi.json", "/api/v1/openapi.json", Access::Public, None, vec![]),
        ep(
            "post",
            "/login",
            "/api/v1/login",
            Access::Public,
            Some(json!({"username": "truongthon1", "password": "phongquang2026"})),
            vec![
                case(
                    "unknown user",
                    "",
                    "/api/v1/login",
                    Some(json!({"username": "khong-co-ai", "password": "phongquang2026"})),
                    S::UNAUTHORIZED,
                    "bad_credentials",
                ),
                case(
                    "huge password",
                    "",
                    "/api/v1/login",
                    Some(json!({"username": "truongthon1", "password": "x".repeat(5000)})),
                    S::UNAUTHORIZED,
                    "bad_credentials",
                ),
            ],
        ),
        ep("post", "/logout", "/api/v1/logout", Access::User, None, vec![]),
        ep("get", "/me", "/api/v1/me", Access::User, None, vec![]),
        ep(
            "post",
            "/sync",
            "/api/v1/sync",
            Access::User,
            Some(json!({"v": 1, "device": PHONE_A, "now": 1})),
            vec![
                // Another village's, another commune's or an unknown village's
                // record is refused alone inside a 200 (see
                // sync::a_mutation_the_account_may_not_send_is_refused_alone).
            ],
        ),
        ep(
            "get",
            "/records",
            "/api/v1/records",
            Access::User,
            None,
            vec![
                case("unknown village", &t.officer, "/api/v1/records?village=pq-t99", None, S::NOT_FOUND, "not_found"),
                case("other commune", &t.officer, "/api/v1/records?village=xk-t01", None, S::NOT_FOUND, "not_found"),
                case("other village", &t.head1, "/api/v1/records?village=pq-t02", None, S::FORBIDDEN, "forbidden"),
                case("bad period", &t.officer, "/api/v1/records?period=2026-00", None, S::BAD_REQUEST, "bad_request"),
                case(
                    "bad query",
                    &t.officer,
                    "/api/v1/records?village=a&village=b",
                    None,
                    S::BAD_REQUEST,
                    "bad_request",
                ),
            ],
        ),
        ep(
            "post",
            "/records/{id}/review",
            review,
            Access::Office,
            Some(json!({"decision": "approve", "rev": 2})),
            vec![
                case(
                    "unknown record",
                    &t.officer,
                    "/api/v1/records/r.pq-t01.2031-01/review",
                    Some(json!({"decision": "approve", "rev": 1})),
                    S::NOT_FOUND,
                    "not_found",
                ),
                case(
                    "other commune's record",
                    &t.officer,
                    "/api/v1/records/r.xk-t01.2026-11/review",
                    Some(json!({"decision": "approve", "rev": 2})),
                    S::NOT_FOUND,
                    "not_found",
                ),
                case(
                    "a village head",
                    &t.head1,
                    "/api/v1/records/r.pq-t02.2026-11/review",
                    Some(json!({"decision": "approve", "rev": 2})),
                    S::FORBIDDEN,
                    "forbidden",
                ),
                case(
                    "a path that is not UTF-8",
                    &t.officer,
                    "/api/v1/records/%FF%FE/review",
                    Some(json!({"decision": "approve", "rev": 1})),
                    S::BAD_REQUEST,
                    "bad_request",
                ),
                case(
                    "a negative revision",
                    &t.officer,
                    review,
                    Some(json!({"decision": "approve", "rev": -1})),
                    S::BAD_REQUEST,
                    "bad_json",
                ),
                case(
                    "a stale revision",
                    &t.officer,
                    "/api/v1/records/r.pq-t02.2026-11/review",
                    Some(json!({"decision": "return", "comment": "x", "rev": 1})),
                    S::CONFLICT,
                    "stale",
                ),
                case(
                    "a return without a reason",
                    &t.officer,
                    "/api/v1/records/r.pq-t02.2026-11/review",
                    Some(json!({"decision": "return", "comment": "  ", "rev": 2})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a comment on a field the report does not have",
                    &t.officer,
                    "/api/v1/records/r.pq-t02.2026-11/review",
                    Some(json!({"decision": "return", "comment": "x", "rev": 2,
                                "fields": [{"field": "no_such_field", "comment": "?"}]})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "field comments on an approval",
                    &t.officer,
                    "/api/v1/records/r.pq-t02.2026-11/review",
                    Some(json!({"decision": "approve", "rev": 2, "fields": [{"field": "pop", "comment": "?"}]})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "field comments of the wrong shape",
                    &t.officer,
                    "/api/v1/records/r.pq-t02.2026-11/review",
                    Some(json!({"decision": "return", "comment": "x", "rev": 2, "fields": [{"field": "pop"}]})),
                    S::BAD_REQUEST,
                    "bad_json",
                ),
            ],
        ),
        ep(
            "get",
            "/review/{village}/{period}",
            "/api/v1/review/pq-t01/2026-11",
            Access::User,
            None,
            vec![
                case("unknown village", &t.officer, "/api/v1/review/pq-t99/2026-11", None, S::NOT_FOUND, "not_found"),
                case("no report yet", &t.officer, "/api/v1/review/pq-t01/2026-10", None, S::NOT_FOUND, "not_found"),
                case(
                    "other commune's village",
                    &t.officer,
                    "/api/v1/review/xk-t01/2026-11",
                    None,
                    S::NOT_FOUND,
                    "not_found",
                ),
                case("other village", &t.head1, "/api/v1/review/pq-t02/2026-11", None, S::FORBIDDEN, "forbidden"),
                case("a bad period", &t.officer, "/api/v1/review/pq-t01/2026-13", None, S::BAD_REQUEST, "bad_request"),
            ],
        ),
        ep(
            "get",
            "/records/{id}/reviews",
            "/api/v1/records/r.pq-t01.2026-11/reviews",
            Access::User,
            None,
            vec![
                case("unknown record", &t.officer, "/api/v1/records/nope/reviews", None, S::NOT_FOUND, "not_found"),
                case(
                    "other commune's record",
                    &t.officer,
                    "/api/v1/records/r.xk-t01.2026-11/reviews",
                    None,
                    S::NOT_FOUND,
                    "not_found",
                ),
                case(
                    "other village's record",
                    &t.head1,
                    "/api/v1/records/r.pq-t02.2026-11/reviews",
                    None,
                    S::FORBIDDEN,
                    "forbidden",
                ),
            ],
        ),
        ep(
            "get",
            "/conflicts",
            "/api/v1/conflicts",
            Access::User,
            None,
            vec![
                case(
                    "unknown village",
                    &t.officer,
                    "/api/v1/conflicts?village=pq-t99",
                    None,
                    S::NOT_FOUND,
                    "not_found",
                ),
                case("other commune", &t.officer, "/api/v1/conflicts?village=xk-t01", None, S::NOT_FOUND, "not_found"),
                case("other village", &t.team1, "/api/v1/conflicts?village=pq-t02", None, S::FORBIDDEN, "forbidden"),
            ],
        ),
        ep(
            "post",
            "/conflicts/{mutation_id}/resolve",
            resolve,
            Access::User,
            Some(json!({"keep": "incoming", "rev": 2})),
            vec![
                case(
                    "unknown conflict",
                    &t.officer,
                    &format!("/api/v1/conflicts/{}/resolve", public_id("phone-zzzz-0009:1")),
                    Some(json!({"keep": "incoming", "rev": 2})),
                    S::NOT_FOUND,
                    "not_found",
                ),
                case(
                    "other commune's conflict",
                    &t.officer,
                    &format!("/api/v1/conflicts/{}/resolve", public_id("phone-ffff-0006:1")),
                    Some(json!({"keep": "incoming", "rev": 2})),
                    S::NOT_FOUND,
                    "not_found",
                ),
                case(
                    "other village's conflict",
                    &t.head1,
                    &format!("/api/v1/conflicts/{}/resolve", public_id("phone-dddd-0004:1")),
                    Some(json!({"keep": "incoming", "rev": 2})),
                    S::FORBIDDEN,
                    "forbidden",
                ),
                case(
                    "the digital team",
                    &t.team1,
                    resolve,
                    Some(json!({"keep": "current", "rev": 2})),
                    S::FORBIDDEN,
                    "forbidden",
                ),
                case(
                    "a stale revision",
                    &t.officer,
                    resolve,
                    Some(json!({"keep": "current", "rev": 1})),
                    S::CONFLICT,
                    "stale",
                ),
                case(
                    "keep neither",
                    &t.officer,
                    resolve,
                    Some(json!({"keep": "neither", "rev": 2})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
            ],
        ),
        ep(
            "get",
            "/overview",
            "/api/v1/overview?period=2026-11",
            Access::Office,
            None,
            vec![
                case("no period", &t.officer, "/api/v1/overview", None, S::BAD_REQUEST, "bad_request"),
                case("bad period", &t.officer, "/api/v1/overview?period=2026-Q5", None, S::BAD_REQUEST, "bad_request"),
                case("a village head", &t.head1, "/api/v1/overview?period=2026-11", None, S::FORBIDDEN, "forbidden"),
            ],
        ),
        ep(
            "get",
            "/audit",
            "/api/v1/audit",
            Access::Office,
            None,
            vec![
                case(
                    "an unknown action",
                    &t.officer,
                    "/api/v1/audit?action=delete",
                    None,
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case("a limit of 0", &t.officer, "/api/v1/audit?limit=0", None, S::UNPROCESSABLE_ENTITY, "invalid"),
                case(
                    "a limit too large",
                    &t.admin,
                    "/api/v1/audit?limit=5000",
                    None,
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a limit that is not a number",
                    &t.admin,
                    "/api/v1/audit?limit=x",
                    None,
                    S::BAD_REQUEST,
                    "bad_request",
                ),
                case("a village head", &t.head1, "/api/v1/audit", None, S::FORBIDDEN, "forbidden"),
            ],
        ),
        ep(
            "get",
            "/aggregate",
            "/api/v1/aggregate?period=2026-11",
            Access::Office,
            None,
            vec![
                case("no period", &t.admin, "/api/v1/aggregate", None, S::BAD_REQUEST, "bad_request"),
                case("bad period", &t.admin, "/api/v1/aggregate?period=1999", None, S::BAD_REQUEST, "bad_request"),
                case(
                    "bad flag",
                    &t.admin,
                    "/api/v1/aggregate?period=2026-11&approved_only=1x",
                    None,
                    S::BAD_REQUEST,
                    "bad_request",
                ),
                case("the digital team", &t.team1, "/api/v1/aggregate?period=2026-11", None, S::FORBIDDEN, "forbidden"),
                case("a province", &t.province, "/api/v1/aggregate?period=2026-11", None, S::FORBIDDEN, "forbidden"),
            ],
        ),
        ep(
            "get",
            "/province/overview",
            "/api/v1/province/overview?period=2026-11",
            Access::Province,
            None,
            vec![
                case("no period", &t.province, "/api/v1/province/overview", None, S::BAD_REQUEST, "bad_request"),
                case(
                    "bad period",
                    &t.province,
                    "/api/v1/province/overview?period=2026-13",
                    None,
                    S::BAD_REQUEST,
                    "bad_request",
                ),
                case(
                    "the commune office",
                    &t.officer,
                    "/api/v1/province/overview?period=2026-11",
                    None,
                    S::FORBIDDEN,
                    "forbidden",
                ),
                case(
                    "a village head",
                    &t.head1,
                    "/api/v1/province/overview?period=2026-11",
                    None,
                    S::FORBIDDEN,
                    "forbidden",
                ),
            ],
        ),
        ep(
            "get",
            "/province/figures",
            "/api/v1/province/figures?period=2026-11",
            Access::Province,
            None,
            vec![
                case("no period", &t.province, "/api/v1/province/figures", None, S::BAD_REQUEST, "bad_request"),
                case(
                    "bad flag",
                    &t.province,
                    "/api/v1/province/figures?period=2026-11&approved_only=yes",
                    None,
                    S::BAD_REQUEST,
                    "bad_request",
                ),
                case(
                    "the commune admin",
                    &t.admin,
                    "/api/v1/province/figures?period=2026",
                    None,
                    S::FORBIDDEN,
                    "forbidden",
                ),
            ],
        ),
        ep(
            "post",
            "/due",
            "/api/v1/due",
            Access::Office,
            Some(json!({"period": "2026-11", "due": "2026-12-07"})),
            vec![
                case(
                    "a village head",
                    &t.head1,
                    "/api/v1/due",
                    Some(json!({"period": "2026-11", "due": "2026-12-07"})),
                    S::FORBIDDEN,
                    "forbidden",
                ),
                case(
                    "a period that does not exist",
                    &t.officer,
                    "/api/v1/due",
                    Some(json!({"period": "2026-13", "due": "2026-12-07"})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a due date before the period starts",
                    &t.officer,
                    "/api/v1/due",
                    Some(json!({"period": "2026-11", "due": "2026-10-01"})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
            ],
        ),
        ep(
            "get",
            "/villages",
            "/api/v1/villages",
            Access::Office,
            None,
            vec![case("a village head", &t.head1, "/api/v1/villages", None, S::FORBIDDEN, "forbidden")],
        ),
        ep(
            "post",
            "/villages",
            "/api/v1/villages",
            Access::Admin,
            Some(json!({"id": "pq-t09", "name": "Thôn Chín"})),
            vec![
                case(
                    "an officer",
                    &t.officer,
                    "/api/v1/villages",
                    Some(json!({"id": "pq-t09", "name": "Thôn Chín"})),
                    S::FORBIDDEN,
                    "forbidden",
                ),
                case(
                    "a taken id",
                    &t.admin,
                    "/api/v1/villages",
                    Some(json!({"id": "pq-t01", "name": "Thôn"})),
                    S::CONFLICT,
                    "duplicate",
                ),
                case(
                    "a name of zero-width spaces",
                    &t.admin,
                    "/api/v1/villages",
                    Some(json!({"id": "pq-t09", "name": "\u{200b}\u{200b}"})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a name of a bidi override",
                    &t.admin,
                    "/api/v1/villages",
                    Some(json!({"id": "pq-t09", "name": "\u{202e}"})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a name of format characters and spaces",
                    &t.admin,
                    "/api/v1/villages",
                    Some(json!({"id": "pq-t09", "name": " \u{2060}\u{feff}\u{00a0} "})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a bad id",
                    &t.admin,
                    "/api/v1/villages",
                    Some(json!({"id": "../x", "name": "Thôn"})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
            ],
        ),
        ep(
            "get",
            "/users",
            "/api/v1/users",
            Access::Admin,
            None,
            vec![case("an officer", &t.officer, "/api/v1/users", None, S::FORBIDDEN, "forbidden")],
        ),
        ep(
            "post",
            "/users",
            "/api/v1/users",
            Access::Admin,
            Some(new_user.clone()),
            vec![
                case("a village head", &t.head1, "/api/v1/users", Some(new_user.clone()), S::FORBIDDEN, "forbidden"),
                case(
                    "an unknown village",
                    &t.admin,
                    "/api/v1/users",
                    Some(
                        json!({"username": "nguoimoi", "password": "mat-khau-2026", "name": "A", "role": "digital_team", "village": "pq-t99"}),
                    ),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "another commune's village",
                    &t.admin,
                    "/api/v1/users",
                    Some(
                        json!({"username": "nguoimoi", "password": "mat-khau-2026", "name": "A", "role": "village_head", "village": "xk-t01"}),
                    ),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a full name of zero-width spaces",
                    &t.admin,
                    "/api/v1/users",
                    Some(
                        json!({"username": "nguoimoi", "password": "mat-khau-2026", "name": "\u{200b}", "role": "officer"}),
                    ),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a full name of a bidi override",
                    &t.admin,
                    "/api/v1/users",
                    Some(
                        json!({"username": "nguoimoi", "password": "mat-khau-2026", "name": "\u{202e}\u{202e}", "role": "officer"}),
                    ),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a full name with a line break",
                    &t.admin,
                    "/api/v1/users",
                    Some(
                        json!({"username": "nguoimoi", "password": "mat-khau-2026", "name": "Người\nMới", "role": "officer"}),
                    ),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a taken username",
                    &t.admin,
                    "/api/v1/users",
                    Some(
                        json!({"username": "truongthonxk", "password": "mat-khau-2026", "name": "A", "role": "officer"}),
                    ),
                    S::CONFLICT,
                    "duplicate",
                ),
            ],
        ),
        ep(
            "get",
            "/aggregate/villages",
            "/api/v1/aggregate/villages?period=2026-11",
            Access::Office,
            None,
            vec![
                case("no period", &t.officer, "/api/v1/aggregate/villages", None, S::BAD_REQUEST, "bad_request"),
                case(
                    "a period that does not exist",
                    &t.officer,
                    "/api/v1/aggregate/villages?period=2026-13",
                    None,
                    S::BAD_REQUEST,
                    "bad_request",
                ),
                case(
                    "a village head",
                    &t.head1,
                    "/api/v1/aggregate/villages?period=2026-11",
                    None,
                    S::FORBIDDEN,
                    "forbidden",
                ),
            ],
        ),
        ep(
            "get",
            "/aggregate/trend",
            "/api/v1/aggregate/trend?indicator=ds_sessions&end=2026-11",
            Access::Office,
            None,
            vec![
                case("no indicator", &t.officer, "/api/v1/aggregate/trend", None, S::BAD_REQUEST, "bad_request"),
                case(
                    "an unknown indicator",
                    &t.officer,
                    "/api/v1/aggregate/trend?indicator=luong",
                    None,
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a text indicator",
                    &t.officer,
                    "/api/v1/aggregate/trend?indicator=religion_notes",
                    None,
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "an unknown kind of period",
                    &t.officer,
                    "/api/v1/aggregate/trend?indicator=pop&kind=week",
                    None,
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "no periods",
                    &t.officer,
                    "/api/v1/aggregate/trend?indicator=pop&count=0",
                    None,
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "too many periods",
                    &t.officer,
                    "/api/v1/aggregate/trend?indicator=pop&count=61",
                    None,
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "an end of another kind",
                    &t.officer,
                    "/api/v1/aggregate/trend?indicator=pop&kind=quarter&end=2026-11",
                    None,
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a negative count",
                    &t.officer,
                    "/api/v1/aggregate/trend?indicator=pop&count=-1",
                    None,
                    S::BAD_REQUEST,
                    "bad_request",
                ),
                case(
                    "the digital team",
                    &t.team1,
                    "/api/v1/aggregate/trend?indicator=pop",
                    None,
                    S::FORBIDDEN,
                    "forbidden",
                ),
            ],
        ),
        ep(
            "get",
            "/targets",
            "/api/v1/targets?year=2026",
            Access::Office,
            None,
            vec![
                case(
                    "a year before the plan",
                    &t.officer,
                    "/api/v1/targets?year=2025",
                    None,
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a year after the plan",
                    &t.admin,
                    "/api/v1/targets?year=2031",
                    None,
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a year that is not a number",
                    &t.officer,
                    "/api/v1/targets?year=nam",
                    None,
                    S::BAD_REQUEST,
                    "bad_request",
                ),
                case("a village head", &t.head1, "/api/v1/targets", None, S::FORBIDDEN, "forbidden"),
            ],
        ),
        ep(
            "post",
            "/targets",
            "/api/v1/targets",
            Access::Admin,
            Some(json!({"indicator": "ds_people", "year": 2027, "value": 7500})),
            vec![
                case(
                    "an officer",
                    &t.officer,
                    "/api/v1/targets",
                    Some(json!({"indicator": "ds_people", "year": 2027, "value": 7500})),
                    S::FORBIDDEN,
                    "forbidden",
                ),
                case(
                    "a village head",
                    &t.head1,
                    "/api/v1/targets",
                    Some(json!({"indicator": "ds_people", "year": 2027, "value": 7500})),
                    S::FORBIDDEN,
                    "forbidden",
                ),
                case(
                    "a rate over 100 %",
                    &t.admin,
                    "/api/v1/targets",
                    Some(json!({"indicator": "preschool_rate", "year": 2027, "value": 120})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a negative value",
                    &t.admin,
                    "/api/v1/targets",
                    Some(json!({"indicator": "ds_people", "year": 2027, "value": -5})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a count with decimals",
                    &t.admin,
                    "/api/v1/targets",
                    Some(json!({"indicator": "ds_people", "year": 2027, "value": 7.5})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a year outside 2026–2030",
                    &t.admin,
                    "/api/v1/targets",
                    Some(json!({"indicator": "ds_people", "year": 2031, "value": 75})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "an unknown indicator",
                    &t.admin,
                    "/api/v1/targets",
                    Some(json!({"indicator": "gdp", "year": 2027, "value": 75})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a text indicator",
                    &t.admin,
                    "/api/v1/targets",
                    Some(json!({"indicator": "religion_notes", "year": 2027, "value": 1})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a value that is not a number",
                    &t.admin,
                    "/api/v1/targets",
                    Some(json!({"indicator": "ds_people", "year": 2027, "value": "nhiều"})),
                    S::BAD_REQUEST,
                    "bad_json",
                ),
                case(
                    "an unknown op",
                    &t.admin,
                    "/api/v1/targets",
                    Some(json!({"indicator": "ds_people", "year": 2027, "value": 7500, "op": "gt"})),
                    S::BAD_REQUEST,
                    "bad_json",
                ),
            ],
        ),
        ep(
            "get",
            "/export/{what}",
            "/api/v1/export/reports?period=2026-11&format=csv",
            Access::Office,
            None,
            vec![
                case(
                    "an unknown table",
                    &t.officer,
                    "/api/v1/export/passwords?period=2026-11",
                    None,
                    S::NOT_FOUND,
                    "not_found",
                ),
                case(
                    "an unknown period",
                    &t.officer,
                    "/api/v1/export/reports?period=2026-13",
                    None,
                    S::BAD_REQUEST,
                    "bad_request",
                ),
                case("no period", &t.officer, "/api/v1/export/aggregate", None, S::BAD_REQUEST, "bad_request"),
                case(
                    "an unknown format",
                    &t.officer,
                    "/api/v1/export/reports?period=2026-11&format=pdf",
                    None,
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a village head",
                    &t.head1,
                    "/api/v1/export/reports?period=2026-11",
                    None,
                    S::FORBIDDEN,
                    "forbidden",
                ),
            ],
        ),
        ep(
            "get",
            "/print",
            "/api/v1/print?period=2026-11",
            Access::Office,
            None,
            vec![
                case("no period", &t.officer, "/api/v1/print", None, S::BAD_REQUEST, "bad_request"),
                case(
                    "a period that does not exist",
                    &t.officer,
                    "/api/v1/print?period=2026-Q5",
                    None,
                    S::BAD_REQUEST,
                    "bad_request",
                ),
                case("a village head", &t.head1, "/api/v1/print?period=2026-11", None, S::FORBIDDEN, "forbidden"),
            ],
        ),
        ep(
            "put",
            "/users/{username}",
            "/api/v1/users/canbo",
            Access::Admin,
            Some(json!({"name": "Lục Thị Dung", "role": "officer"})),
            vec![
                case(
                    "an officer",
                    &t.officer,
                    "/api/v1/users/canbo",
                    Some(json!({"name": "A", "role": "officer"})),
                    S::FORBIDDEN,
                    "forbidden",
                ),
                case(
                    "an unknown account",
                    &t.admin,
                    "/api/v1/users/khongco",
                    Some(json!({"name": "A", "role": "officer"})),
                    S::NOT_FOUND,
                    "not_found",
                ),
                case(
                    "another commune's account",
                    &t.admin,
                    "/api/v1/users/truongthonxk",
                    Some(json!({"name": "A", "role": "officer"})),
                    S::NOT_FOUND,
                    "not_found",
                ),
                case(
                    "a village for an officer",
                    &t.admin,
                    "/api/v1/users/canbo",
                    Some(json!({"name": "A", "role": "officer", "village": "pq-t01"})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "another commune's village",
                    &t.admin,
                    "/api/v1/users/truongthon1",
                    Some(json!({"name": "A", "role": "village_head", "village": "xk-t01"})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a phone of letters",
                    &t.admin,
                    "/api/v1/users/canbo",
                    Some(json!({"name": "A", "role": "officer", "phone": "goi-toi"})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "an unknown role",
                    &t.admin,
                    "/api/v1/users/canbo",
                    Some(json!({"name": "A", "role": "chief"})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "the admin's own role taken away",
                    &t.admin,
                    "/api/v1/users/quantri",
                    Some(json!({"name": "A", "role": "officer"})),
                    S::CONFLICT,
                    "own_account",
                ),
            ],
        ),
        ep(
            "post",
            "/users/{username}/disable",
            "/api/v1/users/truongthon1/disable",
            Access::Admin,
            None,
            vec![
                case("an officer", &t.officer, "/api/v1/users/truongthon1/disable", None, S::FORBIDDEN, "forbidden"),
                case("an unknown account", &t.admin, "/api/v1/users/khongco/disable", None, S::NOT_FOUND, "not_found"),
                case(
                    "another commune's account",
                    &t.admin,
                    "/api/v1/users/truongthonxk/disable",
                    None,
                    S::NOT_FOUND,
                    "not_found",
                ),
                case(
                    "the admin's own account",
                    &t.admin,
                    "/api/v1/users/quantri/disable",
                    None,
                    S::CONFLICT,
                    "own_account",
                ),
            ],
        ),
        ep(
            "post",
            "/users/{username}/enable",
            "/api/v1/users/truongthon1/enable",
            Access::Admin,
            None,
            vec![
                case("an officer", &t.officer, "/api/v1/users/truongthon1/enable", None, S::FORBIDDEN, "forbidden"),
                case(
                    "an account that is not disabled",
                    &t.admin,
                    "/api/v1/users/truongthon1/enable",
                    None,
                    S::CONFLICT,
                    "unchanged",
                ),
                case(
                    "another commune's account",
                    &t.admin,
                    "/api/v1/users/truongthonxk/enable",
                    None,
                    S::NOT_FOUND,
                    "not_found",
                ),
            ],
        ),
        ep(
            "post",
            "/users/{username}/reset-password",
            "/api/v1/users/truongthon1/reset-password",
            Access::Admin,
            Some(json!({"password": "tam-thoi-2026"})),
            vec![
                case(
                    "a village head",
                    &t.head1,
                    "/api/v1/users/truongthon1/reset-password",
                    Some(json!({"password": "tam-thoi-2026"})),
                    S::FORBIDDEN,
                    "forbidden",
                ),
                case(
                    "a short password",
                    &t.admin,
                    "/api/v1/users/truongthon1/reset-password",
                    Some(json!({"password": "ngan"})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "an unknown account",
                    &t.admin,
                    "/api/v1/users/khongco/reset-password",
                    Some(json!({"password": "tam-thoi-2026"})),
                    S::NOT_FOUND,
                    "not_found",
                ),
                case(
                    "another commune's account",
                    &t.admin,
                    "/api/v1/users/truongthonxk/reset-password",
                    Some(json!({"password": "tam-thoi-2026"})),
                    S::NOT_FOUND,
                    "not_found",
                ),
            ],
        ),
        ep(
            "post",
            "/password",
            "/api/v1/password",
            Access::User,
            Some(json!({"current": "phongquang2026", "new": "mat-khau-moi-2026"})),
            vec![
                case(
                    "a wrong current password",
                    &t.head1,
                    "/api/v1/password",
                    Some(json!({"current": "sai-roi-2026", "new": "mat-khau-moi-2026"})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a short new password",
                    &t.head1,
                    "/api/v1/password",
                    Some(json!({"current": "phongquang2026", "new": "ngan"})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "the same password again",
                    &t.head1,
                    "/api/v1/password",
                    Some(json!({"current": "phongquang2026", "new": "phongquang2026"})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
            ],
        ),
        ep(
            "get",
            "/completeness",
            "/api/v1/completeness",
            Access::Office,
            None,
            vec![
                case(
                    "an unknown kind",
                    &t.officer,
                    "/api/v1/completeness?kind=week",
                    None,
                    S::BAD_REQUEST,
                    "bad_request",
                ),
                case("no period", &t.officer, "/api/v1/completeness?count=0", None, S::BAD_REQUEST, "bad_request"),
                case(
                    "too many periods",
                    &t.officer,
                    "/api/v1/completeness?count=100",
                    None,
                    S::BAD_REQUEST,
                    "bad_request",
                ),
                case(
                    "a count that is not a number",
                    &t.officer,
                    "/api/v1/completeness?count=x",
                    None,
                    S::BAD_REQUEST,
                    "bad_request",
                ),
                case("a village head", &t.head1, "/api/v1/completeness", None, S::FORBIDDEN, "forbidden"),
            ],
        ),
        ep(
            "get",
            "/incidents",
            "/api/v1/incidents",
            Access::Office,
            None,
            vec![case("the digital team", &t.team1, "/api/v1/incidents", None, S::FORBIDDEN, "forbidden")],
        ),
        ep(
            "get",
            "/incidents/{id}",
            "/api/v1/incidents/i.pq-t01.slide-0009",
            Access::Office,
            None,
            vec![
                case(
                    "a village head",
                    &t.head1,
                    "/api/v1/incidents/i.pq-t01.slide-0009",
                    None,
                    S::FORBIDDEN,
                    "forbidden",
                ),
                case(
                    "an unknown incident",
                    &t.officer,
                    "/api/v1/incidents/i.pq-t01.khong-co",
                    None,
                    S::NOT_FOUND,
                    "not_found",
                ),
                case(
                    "another commune's incident",
                    &t.officer,
                    "/api/v1/incidents/i.xk-t01.slide-0009",
                    None,
                    S::NOT_FOUND,
                    "not_found",
                ),
                case(
                    "a report, not an incident",
                    &t.officer,
                    "/api/v1/incidents/r.pq-t01.2026-11",
                    None,
                    S::NOT_FOUND,
                    "not_found",
                ),
            ],
        ),
        ep(
            "post",
            "/incidents/{id}/steps",
            "/api/v1/incidents/i.pq-t01.slide-0009/steps",
            Access::Office,
            Some(json!({"step": "acknowledged", "note": "Đã nhận tin"})),
            vec![
                case(
                    "a village head",
                    &t.head1,
                    "/api/v1/incidents/i.pq-t01.slide-0009/steps",
                    Some(json!({"step": "acknowledged", "note": "x"})),
                    S::FORBIDDEN,
                    "forbidden",
                ),
                case(
                    "a skipped step",
                    &t.officer,
                    "/api/v1/incidents/i.pq-t01.slide-0009/steps",
                    Some(json!({"step": "handled", "note": "Xong"})),
                    S::CONFLICT,
                    "step_order",
                ),
                case(
                    "an empty note",
                    &t.officer,
                    "/api/v1/incidents/i.pq-t01.slide-0009/steps",
                    Some(json!({"step": "acknowledged", "note": "  "})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "an unknown step",
                    &t.officer,
                    "/api/v1/incidents/i.pq-t01.slide-0009/steps",
                    Some(json!({"step": "closed", "note": "Xong"})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "a note too long",
                    &t.officer,
                    "/api/v1/incidents/i.pq-t01.slide-0009/steps",
                    Some(json!({"step": "acknowledged", "note": "x".repeat(1001)})),
                    S::UNPROCESSABLE_ENTITY,
                    "invalid",
                ),
                case(
                    "an unknown incident",
                    &t.officer,
                    "/api/v1/incidents/i.pq-t01.khong-co/steps",
                    Some(json!({"step": "acknowledged", "note": "x"})),
                    S::NOT_FOUND,
                    "not_found",
                ),
                case(
                    "another commune's incident",
                    &t.officer,
                    "/api/v1/incidents/i.xk-t01.slide-0009/steps",
                    Some(json!({"step": "acknowledged", "note": "x"})),
                    S::NOT_FOUND,
                    "not_found",
                ),
            ],
        ),
    ]
}

/// A token of an account allowed to call the endpoint.
fn allowed(t: &Tokens, access: Access) -> String {
    match access {
        Access::Public | Access::User | Access::Office => t.officer.clone(),
        Access::Admin => t.admin.clone(),
        Access::Province => t.province.clone(),
    }
}

/// The cases every endpoint gets, from its access and body.
fn generic_cases(t: &Tokens, e: &Endpoint) -> Vec<Case> {
    use StatusCode as S;
    let mut out = Vec::new();
    let valid = e.body.clone().map(Body::Json);
    if e.access != Access::Public {
        let bad_tokens = [
            ("no token", None),
            ("a forged token", Some(t.forged.clone())),
            ("a revoked token, replayed", Some(t.revoked.clone())),
            ("an expired token", Some(t.expired.clone())),
            ("an empty token", Some(String::new())),
        ];
        for (what, token) in bad_tokens {
            out.push(Case {
                what: what.into(),
                token,
                path: e.path.clone(),
                body: valid.clone(),
                status: S::UNAUTHORIZED,
                code: "unauthorized",
            });
        }
    }
    let Some(body) = &e.body else { return out };
    let token = (e.access != Access::Public).then(|| allowed(t, e.access));
    let raw = |ct: &'static str, b: &[u8]| Some(Body::Raw(ct, b.to_vec()));
    let valid_text = body.to_string();
    let malformed = [
        ("not JSON", raw("application/json", b"{not json")),
        ("an empty body", raw("application/json", b"")),
        ("truncated JSON", raw("application/json", &valid_text.as_bytes()[..valid_text.len() / 2])),
        ("JSON sent as text/plain", raw("text/plain", valid_text.as_bytes())),
        ("no content type", raw("", valid_text.as_bytes())),
        ("not UTF-8", raw("application/json", b"{\"x\": \"\xff\xfe\"}")),
    ];
    for (what, b) in malformed {
        out.push(Case {
            what: what.into(),
            token: token.clone(),
            path: e.path.clone(),
            body: b,
            status: S::BAD_REQUEST,
            code: "bad_json",
        });
    }
    for (what, b) in wrong_types(body) {
        out.push(Case {
            what,
            token: token.clone(),
            path: e.path.clone(),
            body: Some(Body::Json(b)),
            status: S::BAD_REQUEST,
            code: "bad_json",
        });
    }
    let mut huge = body.clone();
    huge["padding"] = json!("x".repeat(1024 * 1024 + 1));
    out.push(Case {
        what: "a body over 1 MiB".into(),
        token,
        path: e.path.clone(),
        body: Some(Body::Json(huge)),
        status: S::PAYLOAD_TOO_LARGE,
        code: "too_large",
    });
    out
}

async fn send(app: &TestApp, method: &str, c: &Case) -> reqwest::Response {
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let mut req = app.client.request(method, app.url(&c.path));
    if let Some(t) = &c.token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    req = match &c.body {
        None => req,
        Some(Body::Json(v)) => req.json(v),
        Some(Body::Raw("", b)) => req.body(b.clone()),
        Some(Body::Raw(ct, b)) => req.header(CONTENT_TYPE, *ct).body(b.clone()),
    };
    req.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_on_every_endpoint_is_a_json_4xx_and_writes_nothing() {
    let app = spawn().await;
    let t = setup(&app).await;
    let table = endpoints(&t);

    // The table covers every route the router serves.
    let covered: BTreeSet<(&str, &str)> = table.iter().map(|e| (e.method, e.route)).collect();
    let routes: BTreeSet<(&str, &str)> = ROUTES.iter().copied().collect();
    assert_eq!(covered, routes, "every route needs a row in the table");

    let mut checked = 0;
    for e in &table {
        let cases = generic_cases(&t, e).into_iter().chain(e.cases.iter().map(|c| Case {
            what: c.what.clone(),
            token: (!c.token.as_deref().unwrap_or("").is_empty()).then(|| c.token.clone()).flatten(),
            path: c.path.clone(),
            body: c.body.clone(),
            status: c.status,
            code: c.code,
        }));
        for c in cases {
            let before = app.table_counts().await;
            let res = send(&app, e.method, &c).await;
            let label = format!("{} {} — {}", e.method, c.path, c.what);
            let status = res.status();
            let ct = res.headers().get(CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
            let text = res.text().await.unwrap();
            assert!(status.is_client_error(), "{label}: {status} {text}");
            assert!(ct.starts_with("application/json"), "{label}: content type {ct:?}: {text}");
            let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{label}: not JSON: {text}"));
            assert!(v["error"].as_str().is_some_and(|s| !s.is_empty()), "{label}: {v}");
            assert!(v["message"].as_str().is_some_and(|s| !s.is_empty()), "{label}: {v}");
            assert_eq!((status, v["error"].as_str().unwrap()), (c.status, c.code), "{label}: {v}");
            assert_eq!(app.table_counts().await, before, "{label}: something was written");
            checked += 1;
        }
    }
    assert!(checked > 150, "{checked} cases");

    // Public endpoints ignore a bad token rather than failing.
    for e in table.iter().filter(|e| e.access == Access::Public && e.body.is_none()) {
        let res = app.client.get(app.url(&e.path)).bearer_auth(&t.forged).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{}", e.path);
    }
}
