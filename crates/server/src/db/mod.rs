//! Every SQL statement the server runs. Queries are checked at run time
//! (`sqlx::query`), so building needs no database.

pub mod accounts;
pub mod demo;
pub mod records;
pub mod sync;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::SqlitePool;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Opens (creating if missing) and migrates the database.
///
/// WAL lets the phones' pulls read while a push writes; `synchronous` stays
/// FULL because a receipt promises the report is stored even if the power
/// goes right after.
pub async fn connect(database_url: &str) -> anyhow::Result<SqlitePool> {
    let opts = if database_url.starts_with("sqlite:") {
        SqliteConnectOptions::from_str(database_url).with_context(|| format!("database url {database_url}"))?
    } else {
        if let Some(parent) = Path::new(database_url).parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        SqliteConnectOptions::new().filename(database_url)
    };
    let opts = opts
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(opts)
        .await
        .with_context(|| format!("opening database {database_url}"))?;
    sqlx::migrate!("./migrations").run(&pool).await.context("running migrations")?;
    Ok(pool)
}

/// Server clock, ms since the epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A fresh random id (32 hex digits, as unguessable as a UUIDv4).
pub fn new_id() -> String {
    let mut b = [0u8; 16];
    crate::auth::fill_random(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Whether an error is SQLite's "busy"/"locked": another writer held the
/// database past the busy timeout. Such a transaction is retried whole (the
/// same place PostgreSQL's serialization failures, SQLSTATE 40001, will go).
pub fn is_busy(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.code().and_then(|c| c.parse::<i32>().ok()).is_some_and(|c| matches!(c & 0xff, 5 | 6))
        }
        _ => false,
    }
}
