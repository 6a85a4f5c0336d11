//! The SQLite engine: a file (or `sqlite:` URL), WAL, one writer.

use super::{Context, DbError, DbResult};
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
pub async fn connect(database_url: &str) -> DbResult<SqlitePool> {
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
    SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(opts)
        .await
        .with_context(|| format!("opening database {database_url}"))
}

/// A consistent copy of the live database at `out` (`VACUUM INTO`: a
/// transaction's snapshot, taken while phones keep pushing), which must not
/// exist yet. The copy is a plain SQLite file: `--db` it to restore.
pub async fn backup(db: &SqlitePool, out: &Path) -> DbResult<()> {
    if out.exists() {
        return Err(DbError::setup(format!("{} exists already: give a new file name", out.display())));
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let target = out.to_str().ok_or_else(|| DbError::setup("the backup path is not UTF-8"))?;
    sqlx::query("VACUUM INTO $1").bind(target).execute(db).await.with_context(|| format!("backing up to {target}"))?;
    Ok(())
}

/// Runs `migrations/sqlite/` over a connection of its own with foreign keys
/// off, then checks every foreign key and refuses to go on if one points
/// nowhere.
///
/// Changing a table's key in SQLite means rebuilding the table and the
/// tables that point at it (new table, copy, drop, rename), which needs
/// foreign keys off — or dropping the old table would cascade to their rows
/// (every login token with the accounts table). sqlx runs each SQLite
/// migration inside a transaction, where that pragma cannot change (its
/// `-- no-transaction` marker is honoured for PostgreSQL only), so it is set
/// on the connection before, and `PRAGMA foreign_key_check` afterwards does
/// the check the pragma skipped.
async fn migrate(opts: SqliteConnectOptions) -> DbResult<()> {
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(opts.foreign_keys(false)).await?;
    sqlx::migrate!("./migrations/sqlite").run(&pool).await.context("running migrations")?;
    let dangling: Vec<(String, Option<i64>, String)> =
        sqlx::query_as("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")
            .fetch_all(&pool)
            .await
            .context("checking foreign keys")?;
    pool.close().await;
    if let Some((table, rowid, parent)) = dangling.first() {
        return Err(DbError::corrupt(format!(
            "after the migrations, {} row(s) point nowhere (first: {table} row {rowid:?} → {parent})",
            dangling.len()
        )));
    }
    Ok(())
}
