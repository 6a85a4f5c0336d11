//! Every SQL statement the server runs. Queries are checked at run time
//! (`sqlx::query`), so building needs no database.

pub mod accounts;
pub mod audit;
pub mod conflicts;
pub mod demo;
pub mod devices;
pub mod due;
pub mod office;
pub mod records;
pub mod review;
pub mod sync;
pub mod throttle;

use crate::error::AppResult;
use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{SqliteConnection, SqlitePool};
use std::future::Future;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Opens (creating if missing) and migrates the database.
///
/// WAL lets the phones' pulls read while a push writes; `synchronous` stays
/// FULL because a receipt promises the report is stored even if the power
/// goes right after.
pub async fn connect(database_url: &str) -> anyhow::Result<SqlitePool> {
    check_url(database_url)?;
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
    migrate(opts.clone()).await.with_context(|| format!("migrating database {database_url}"))?;
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(opts)
        .await
        .with_context(|| format!("opening database {database_url}"))?;
    conflicts::fill_public_ids(&pool).await.context("naming older conflicts")?;
    Ok(pool)
}

/// Refuses a database URL this build cannot open, before anything is
/// created: a `scheme://` that is not SQLite would otherwise become a file
/// path (`./postgres:/postgres@host/db`) and the server would start on an
/// empty SQLite file.
pub fn check_url(database_url: &str) -> anyhow::Result<()> {
    if database_url.trim().is_empty() {
        anyhow::bail!("no database given (--db PATH or SOTHON_DB)");
    }
    if let Some((scheme, _)) = database_url.split_once("://").filter(|_| !database_url.starts_with("sqlite:")) {
        match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => anyhow::bail!(
                "{database_url}: this build stores in SQLite only (a file path or sqlite: URL); PostgreSQL is not supported yet"
            ),
            other => anyhow::bail!(
                "{database_url}: unknown database scheme {other}: (give a SQLite file path or a sqlite: URL)"
            ),
        }
    }
    Ok(())
}

/// A consistent copy of the live database at `out` (`VACUUM INTO`: a
/// transaction's snapshot, taken while phones keep pushing), which must not
/// exist yet. The copy is a plain SQLite file: `--db` it to restore.
pub async fn backup(db: &SqlitePool, out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        anyhow::bail!("{} exists already: give a new file name", out.display());
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let target = out.to_str().context("the backup path is not UTF-8")?;
    sqlx::query("VACUUM INTO ?").bind(target).execute(db).await.with_context(|| format!("backing up to {target}"))?;
    Ok(())
}

/// Runs `migrations/` over a connection of its own with foreign keys off,
/// then checks every foreign key and refuses to go on if one points nowhere.
///
/// Changing a table's key in SQLite means rebuilding the table and the
/// tables that point at it (new table, copy, drop, rename), which needs
/// foreign keys off — or dropping the old table would cascade to their rows
/// (every login token with the accounts table). sqlx runs each SQLite
/// migration inside a transaction, where that pragma cannot change (its
/// `-- no-transaction` marker is honoured for PostgreSQL only), so it is set
/// on the connection before, and `PRAGMA foreign_key_check` afterwards does
/// the check the pragma skipped.
async fn migrate(opts: SqliteConnectOptions) -> anyhow::Result<()> {
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(opts.foreign_keys(false)).await?;
    sqlx::migrate!("./migrations").run(&pool).await.context("running migrations")?;
    let dangling: Vec<(String, Option<i64>, String)> =
        sqlx::query_as("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")
            .fetch_all(&pool)
            .await
            .context("checking foreign keys")?;
    pool.close().await;
    if let Some((table, rowid, parent)) = dangling.first() {
        anyhow::bail!(
            "after the migrations, {} row(s) point nowhere (first: {table} row {rowid:?} → {parent})",
            dangling.len()
        );
    }
    Ok(())
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

/// Runs a write transaction, retrying it whole (a few times, with backoff)
/// while SQLite stays busy past its timeout, like `db::sync::apply` does.
/// Any other answer, success or refusal, is returned as is.
pub async fn retry_busy<T, F, Fut>(mut attempt_once: F) -> AppResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = AppResult<T>>,
{
    let mut attempt = 0;
    loop {
        match attempt_once().await {
            Err(e) if e.is_busy() && attempt < 4 => {
                attempt += 1;
                tracing::warn!("database busy, retry {attempt}");
                tokio::time::sleep(Duration::from_millis(25 << attempt)).await;
            }
            r => return r,
        }
    }
}

/// The `updated_at` for a change to a record of `commune` made outside a
/// push (a review, a resolved conflict): the server clock, or one past the
/// commune's latest change when the clock stands still or stepped back, so
/// the pull cursor keeps its rule that no two records share an instant (see
/// `db::records::changes_since`). Call inside a `BEGIN IMMEDIATE`
/// transaction, which holds the write lock until the value is used.
pub async fn next_change_at(conn: &mut SqliteConnection, commune: &str, now: i64) -> sqlx::Result<i64> {
    let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(updated_at), 0) FROM records WHERE commune_id = ?")
        .bind(commune)
        .fetch_one(conn)
        .await?;
    Ok(now.max(last + 1))
}

/// The next version of `commune`'s records (protocol rule 5): every write to
/// a record takes one, inside the writing transaction, as the record's `ver`.
/// The counter's row is written first thing, so it also orders the commune's
/// writing transactions on an engine with concurrent writers.
pub async fn next_version(conn: &mut SqliteConnection, commune: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO commune_sync (commune_id, version) VALUES (?, 1)
         ON CONFLICT (commune_id) DO UPDATE SET version = commune_sync.version + 1
         RETURNING version",
    )
    .bind(commune)
    .fetch_one(conn)
    .await
}

/// The commune's current version (0 before its first write).
pub async fn current_version(db: &SqlitePool, commune: &str) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar("SELECT version FROM commune_sync WHERE commune_id = ?")
        .bind(commune)
        .fetch_optional(db)
        .await?
        .unwrap_or(0))
}
