//! The server's layering, checked on its source: SQL and the driver live in
//! `db/` only, and every public storage function answers `db/`'s own error
//! type (`DbResult`), which the HTTP boundary maps to a status in one place
//! (`impl From<DbError> for AppError`).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The text before the file's unit tests, which may build engine errors.
fn code(p: &Path) -> String {
    let s = std::fs::read_to_string(p).unwrap();
    match s.find("#[cfg(test)]") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Each public `fn` signature of a file: from `pub fn`/`pub async fn` to its `{`.
fn pub_signatures(text: &str) -> Vec<String> {
    let mut out = vec![];
    for (i, _) in text.match_indices("pub async fn ").chain(text.match_indices("pub fn ")) {
        let end = text[i..].find('{').map_or(text.len(), |j| i + j);
        out.push(text[i..end].split_whitespace().collect::<Vec<_>>().join(" "));
    }
    out
}

/// The failures of a source tree: (file, what is wrong).
fn violations(src: &Path) -> Vec<(String, String)> {
    let mut files = vec![];
    rust_files(src, &mut files);
    let mut bad = vec![];
    for p in files {
        let name = p.strip_prefix(src).unwrap().display().to_string();
        let text = code(&p);
        let in_db = name.starts_with("db/") || name.starts_with("db\\");
        if !in_db && text.contains("sqlx") {
            bad.push((name.clone(), "uses sqlx outside db/".into()));
        }
        if in_db && name != "db/error.rs" {
            for sig in pub_signatures(&text) {
                let answers = sig.split("->").nth(1).unwrap_or("").trim().to_string();
                let storage_error =
                    ["sqlx::Result", "anyhow::", "AppResult", "AppError"].iter().find(|t| answers.contains(**t));
                if let Some(t) = storage_error {
                    bad.push((name.clone(), format!("answers {t}, not DbResult: {sig}")));
                }
            }
            if text.contains("crate::error") {
                bad.push((name.clone(), "db/ reaches into the HTTP error type".into()));
            }
        }
    }
    bad
}

#[test]
fn sql_stays_in_db_and_db_answers_its_own_error_type() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let bad = violations(&src);
    assert!(bad.is_empty(), "layering broken:\n{bad:#?}");
}

#[test]
fn the_layering_check_catches_each_break() {
    let dir = std::env::temp_dir().join(format!("sothon-layers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("db")).unwrap();
    std::fs::create_dir_all(dir.join("routes")).unwrap();
    std::fs::write(dir.join("routes/x.rs"), "fn h() { sqlx::query(\"SELECT 1\"); }").unwrap();
    std::fs::write(dir.join("db/a.rs"), "pub async fn a(db: &Db) -> sqlx::Result<i64> {\n    todo!()\n}").unwrap();
    std::fs::write(dir.join("db/b.rs"), "use crate::error::AppError;\npub fn b() -> anyhow::Result<()> { Ok(()) }")
        .unwrap();
    std::fs::write(
        dir.join("db/c.rs"),
        "pub fn c() -> DbResult<()> { Ok(()) }\n#[cfg(test)]\nfn t() -> sqlx::Result<()> {}",
    )
    .unwrap();
    let mut got: Vec<String> = violations(&dir).into_iter().map(|(f, why)| format!("{f}: {why}")).collect();
    got.sort();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(got.len(), 4, "{got:#?}");
    assert!(got[0].starts_with("db/a.rs: answers sqlx::Result"), "{got:#?}");
    assert!(got[1].starts_with("db/b.rs: answers anyhow::"), "{got:#?}");
    assert_eq!(got[2], "db/b.rs: db/ reaches into the HTTP error type");
    assert_eq!(got[3], "routes/x.rs: uses sqlx outside db/");
}
