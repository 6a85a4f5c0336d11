//! The PostgreSQL schema and the server's SQL keep to what the distributed
//! engines that speak PostgreSQL's protocol accept (CockroachDB, YugabyteDB,
//! Citus), so that a deployment can move to one without a rewrite:
//!
//! * one statement per migration (a distributed engine runs schema changes
//!   one at a time, outside a larger transaction);
//! * `BIGINT`, `TEXT`, `BOOLEAN` only — no `INT`/`INTEGER`/`SMALLINT` (32-bit on
//!   PostgreSQL, 64-bit on CockroachDB: the same schema would mean two
//!   things), no `SERIAL`, identity columns or sequences (the protocol's
//!   order comes from `commune_sync`, not from the engine), no default from the
//!   clock (timestamps come from the server);
//! * every table's key led by `commune_id`, the distribution column, but for
//!   the reference tables (`communes`, `villages`, small and read by all) and
//!   the lookup tables found before a commune is known (by user name or token
//!   hash), each named here with its reason; every unique index led by it too;
//! * no advisory locks, and no `now()` in the SQL the server runs.

use std::collections::BTreeMap;
use std::path::Path;

/// Tables whose key is not led by `commune_id`, and why.
const NOT_BY_COMMUNE: &[(&str, &str)] = &[
    ("communes", "reference table: the communes themselves"),
    ("users", "found by user name at login, before the commune is known"),
    ("tokens", "found by the token's hash"),
    ("device_tokens", "found by the token's hash"),
    ("login_throttle", "found by user name or address, before the commune is known"),
    ("commune_sync", "keyed by the commune alone: its key is commune_id"),
];

fn migrations() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    out.sort();
    assert!(out.len() > 20, "migrations/postgres has {} files", out.len());
    out
}

/// The SQL without its `--` comments, upper-cased, whitespace folded.
fn code(sql: &str) -> String {
    let no_comments: Vec<&str> = sql.lines().map(|l| l.split("--").next().unwrap()).collect();
    no_comments.join(" ").split_whitespace().collect::<Vec<_>>().join(" ").to_uppercase()
}

fn words(s: &str) -> Vec<&str> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect()
}

/// Every rule a statement can break on its own; empty if it keeps them.
fn broken_rules(sql: &str) -> Vec<String> {
    let c = code(sql);
    let mut bad = Vec::new();
    let statements = c.split(';').filter(|s| !s.trim().is_empty()).count();
    if statements != 1 {
        bad.push(format!("{statements} statements (one per migration)"));
    }
    let w = words(&c);
    for banned in
        ["INT", "INTEGER", "INT4", "INT2", "SMALLINT", "SERIAL", "BIGSERIAL", "SEQUENCE", "IDENTITY", "NEXTVAL"]
    {
        if w.contains(&banned) {
            bad.push(format!("uses {banned}"));
        }
    }
    for clock in ["NOW", "CURRENT_TIMESTAMP", "CURRENT_DATE", "LOCALTIMESTAMP", "CLOCK_TIMESTAMP"] {
        if w.contains(&clock) {
            bad.push(format!("takes the time from the engine ({clock})"));
        }
    }
    if c.contains("ADVISORY") {
        bad.push("an advisory lock".into());
    }
    if let Some(rest) = c.strip_prefix("CREATE TABLE ") {
        let table = words(rest)[0].to_lowercase();
        let exempt = NOT_BY_COMMUNE.iter().any(|(t, _)| *t == table);
        let key = rest.find("PRIMARY KEY (").map(|i| words(&rest[i + 13..])[0].to_lowercase());
        match key.as_deref() {
            Some("commune_id") => {}
            _ if exempt => {}
            other => bad.push(format!("table {table}: key led by {other:?}, not commune_id")),
        }
        // A table without a composite key declares it inline; only exempt ones may.
        if key.is_none() && !exempt {
            bad.push(format!("table {table} has no key led by commune_id"));
        }
    }
    if let Some(rest) = c.strip_prefix("CREATE UNIQUE INDEX ") {
        let cols = &rest[rest.find('(').unwrap() + 1..];
        if words(cols)[0] != "COMMUNE_ID" {
            bad.push("a unique index not led by commune_id".into());
        }
    }
    bad
}

#[test]
fn the_postgresql_schema_keeps_to_the_distributed_engines_rules() {
    let mut bad = BTreeMap::new();
    for (file, sql) in migrations() {
        let b = broken_rules(&sql);
        if !b.is_empty() {
            bad.insert(file, b);
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn the_rules_catch_what_they_are_for() {
    for (sql, rule) in [
        ("CREATE TABLE a (commune_id TEXT, n INT, PRIMARY KEY (commune_id, n));", "uses INT"),
        ("CREATE TABLE a (commune_id TEXT, n INTEGER, PRIMARY KEY (commune_id, n));", "uses INTEGER"),
        ("CREATE TABLE a (id BIGSERIAL PRIMARY KEY);", "uses BIGSERIAL"),
        ("CREATE SEQUENCE s;", "uses SEQUENCE"),
        ("CREATE TABLE a (commune_id TEXT, at BIGINT, PRIMARY KEY (at, commune_id));", "key led by Some(\"at\")"),
        ("CREATE TABLE a (id TEXT PRIMARY KEY);", "no key led by commune_id"),
        ("CREATE TABLE a (commune_id TEXT, t TIMESTAMPTZ DEFAULT now(), PRIMARY KEY (commune_id));", "(NOW)"),
        ("CREATE UNIQUE INDEX u ON records (public_id);", "unique index not led"),
        ("CREATE INDEX a ON b (c); CREATE INDEX d ON e (f);", "2 statements"),
        ("SELECT pg_advisory_lock(1);", "advisory lock"),
    ] {
        let b = broken_rules(sql);
        assert!(b.iter().any(|x| x.contains(rule)), "{sql}: {b:?}");
    }
    // Words in comments do not count; the exempt tables are exempt.
    assert!(broken_rules("-- an INT here\nCREATE TABLE users (id TEXT PRIMARY KEY);").is_empty());
}

/// Every SQL string literal in `src/db/` (rough, but enough for these words).
fn server_sql() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/db");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        for (i, lit) in text.split('"').enumerate() {
            if i % 2 == 1 {
                out.push((p.file_name().unwrap().to_string_lossy().into_owned(), lit.to_string()));
            }
        }
    }
    out
}

#[test]
fn the_servers_sql_takes_no_time_and_no_advisory_lock_from_the_engine() {
    let mut bad = Vec::new();
    for (file, lit) in server_sql() {
        let c = lit.to_uppercase();
        let w = words(&c);
        if ["NOW", "CURRENT_TIMESTAMP", "NEXTVAL"].iter().any(|x| w.contains(x) && c.contains(&format!("{x}(")))
            || c.contains("PG_ADVISORY")
            || (w.contains(&"CURRENT_TIMESTAMP"))
        {
            bad.push(format!("{file}: {lit}"));
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}
