//! Every SQL statement the server runs. Queries are checked at run time
//! (`sqlx::query`), so building needs no database.

#[macro_use]
mod engine;
pub mod error;
pub mod postgres;
pub mod sqlite;

pub mod account_admin;
pub mod accounts;
pub mod audit;
pub mod bench_seed;
pub mod completeness;
pub mod conflicts;
pub mod demo;
pub mod demo_history;
pub mod devices;
pub mod due;
pub mod figures;
pub mod incidents;
pub mod office;
pub mod records;
pub mod review;
pub mod sync;
pub mod targets;
pub mod throttle;
pub mod units;

pub use engine::{params, AsConn, Conn, Db, Engine, Writer};
pub use error::{Context, DbError, DbResult};

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Opens (creating if missing) and migrates the database the URL names:
/// a file path or `sqlite:` URL ([`sqlite::connect`]), or `postgres://`
/// (also `postgresql://`; [`postgres::connect`]).
pub async fn connect(database_url: &str) -> DbResult<Db> {
    let db = match check_url(database_url)? {
        Engine::Sqlite => Db::Sqlite(sqlite::connect(database_url).await?),
        Engine::Postgres => Db::Pg(postgres::connect(database_url).await?),
    };
    conflicts::fill_public_ids(&db).await.context("naming older conflicts")?;
    Ok(db)
}

/// The readiness probe: one round trip to the database.
pub async fn ping(db: &Db) -> DbResult<()> {
    with_pool!(db, p => sqlx::query("SELECT 1").execute(p).await.map(drop))?;
    Ok(())
}

/// Which engine a database URL names, refusing one this server cannot
/// open before anything is created: a `scheme://` that is neither would
/// otherwise become a SQLite file path (`./mysql:/root@host/db`).
pub fn check_url(database_url: &str) -> DbResult<Engine> {
    if database_url.trim().is_empty() {
        return Err(DbError::setup("no database given (--db PATH or SOTHON_DB)"));
    }
    if database_url.starts_with("sqlite:") {
        return Ok(Engine::Sqlite);
    }
    match database_url.split_once("://") {
        None => Ok(Engine::Sqlite),
        Some((scheme, _)) => match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Ok(Engine::Postgres),
            other => Err(DbError::setup(format!(
                "{database_url}: unknown database scheme {other}: (give a SQLite file path, a sqlite: URL or a postgres:// URL)"
            ))),
        },
    }
}

/// A consistent copy of a live SQLite database at `out` (`VACUUM INTO`: a
/// transaction's snapshot, taken while phones keep pushing), which must not
/// exist yet. PostgreSQL has its own tools (`pg_dump`, base backups).
pub async fn backup(db: &Db, out: &std::path::Path) -> DbResult<()> {
    match db {
        Db::Sqlite(pool) => sqlite::backup(pool, out).await,
        Db::Pg(_) => Err(DbError::setup(
            "backup copies a SQLite database; for PostgreSQL use pg_dump or a base backup (see README, \"Backups\")",
        )),
    }
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

/// Whether a transaction failed only because another one got in its way,
/// so that running it again whole is right: SQLite's "busy"/"locked" (a
/// writer held the database past the busy timeout), PostgreSQL's
/// serialization failure (SQLSTATE 40001) or deadlock (40P01).
pub fn is_busy(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => match d.code() {
            Some(c) if c == "40001" || c == "40P01" => true,
            Some(c) => c.parse::<i32>().ok().is_some_and(|c| matches!(c & 0xff, 5 | 6)),
            None => false,
        },
        _ => false,
    }
}

/// How long a transaction keeps being run again before its contention is
/// reported: under SERIALIZABLE, every concurrent push to one commune but the
/// first fails on the commune's version row, so a busy commune needs many
/// turns (30 logins at once to one account need about 30).
const RETRY_FOR: Duration = Duration::from_secs(15);

/// The pause before attempt `n` (1-based) of a transaction that collided:
/// exponential from 2 ms, capped at 200 ms, with full jitter so that the
/// colliders do not come back in step.
pub fn backoff(n: u32) -> Duration {
    let cap = (2u64 << n.min(7)).min(200);
    let mut b = [0u8; 8];
    crate::auth::fill_random(&mut b);
    Duration::from_millis(1 + u64::from_le_bytes(b) % cap)
}

/// Transactions run again after a collision, and collisions that outlasted
/// [`RETRY_FOR`], since the process started (`/api/v1/metrics`).
static RETRIES: AtomicU64 = AtomicU64::new(0);
static GAVE_UP: AtomicU64 = AtomicU64::new(0);

/// (retries, given up) so far in this process.
pub fn retry_counts() -> (u64, u64) {
    (RETRIES.load(Ordering::Relaxed), GAVE_UP.load(Ordering::Relaxed))
}

/// Runs a write transaction, retrying it whole (with jittered backoff) while
/// it collides with another ([`DbError::is_busy`]), for up to [`RETRY_FOR`].
/// Any other answer, success or refusal, is returned as is.
pub async fn retry<T, F, Fut>(mut attempt_once: F) -> DbResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = DbResult<T>>,
{
    let (mut attempt, started) = (0, std::time::Instant::now());
    loop {
        match attempt_once().await {
            Err(e) if e.is_busy() && started.elapsed() < RETRY_FOR => {
                attempt += 1;
                RETRIES.fetch_add(1, Ordering::Relaxed);
                tracing::debug!("transaction collided, retry {attempt}");
                tokio::time::sleep(backoff(attempt)).await;
            }
            Err(e) if e.is_busy() => {
                GAVE_UP.fetch_add(1, Ordering::Relaxed);
                return Err(e);
            }
            r => return r,
        }
    }
}

/// The `updated_at` for a change to a record of `commune` made outside a
/// push (a review, a resolved conflict): the server clock, or one past the
/// commune's latest change when the clock stands still or stepped back, so
/// that no two changes of a commune share an instant. Call inside the
/// writing transaction.
pub async fn next_change_at(tx: &mut impl AsConn, commune: &str, now: i64) -> DbResult<i64> {
    let last: i64 = with_conn!(tx, c => {
        sqlx::query_scalar("SELECT COALESCE(MAX(updated_at), 0) FROM records WHERE commune_id = $1")
            .bind(commune)
            .fetch_one(c)
            .await?
    });
    Ok(now.max(last + 1))
}

/// The next version of `commune`'s records (protocol rule 5): every write to
/// a record takes one, inside the writing transaction, as the record's `ver`.
/// The counter's row orders the commune's writing transactions: SQLite has
/// one writer; on PostgreSQL (SERIALIZABLE) a second transaction that
/// takes the row fails with 40001 once the first commits and is run again
/// whole, so versions are taken in commit order and a pull asking for
/// `ver > cursor` cannot skip a row that commits later with a smaller one.
pub async fn next_version(tx: &mut impl AsConn, commune: &str) -> DbResult<i64> {
    next_versions(tx, commune, 1).await
}

/// The next `n` versions of `commune` at once (a push that writes several
/// records, a bulk load): returns the first, the others follow it.
pub async fn next_versions(tx: &mut impl AsConn, commune: &str, n: i64) -> DbResult<i64> {
    let last: i64 = with_conn!(tx, c => {
        sqlx::query_scalar(
            "INSERT INTO commune_sync (commune_id, version) VALUES ($1, $2)
             ON CONFLICT (commune_id) DO UPDATE SET version = commune_sync.version + $2
             RETURNING version",
        )
        .bind(commune)
        .bind(n)
        .fetch_one(c)
        .await?
    });
    Ok(last - n + 1)
}

/// The commune's current version (0 before its first write).
pub async fn current_version(db: &Db, commune: &str) -> DbResult<i64> {
    with_pool!(db, p => {
        Ok(sqlx::query_scalar("SELECT version FROM commune_sync WHERE commune_id = $1")
            .bind(commune)
            .fetch_optional(p)
            .await?
            .unwrap_or(0))
    })
}
