//! The PostgreSQL engine (and the distributed engines that speak its
//! protocol: CockroachDB, YugabyteDB, Citus).
//!
//! The schema in `migrations/postgres/` keeps to what those accept
//! (`tests/api/pg_rules.rs` checks it): every key led by `commune_id`, the
//! distribution column, but for the small reference tables; `BIGINT`, never
//! `INT`/`SERIAL`; no sequences, no defaults from the clock, no advisory
//! locks — migrations run with locking off, so several servers may start at
//! once only if one migrates first (`sothon-server migrate`).

use super::Context;
use super::DbResult;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::str::FromStr;
use std::time::Duration;

/// Connects and migrates. The URL may carry `options=-c search_path=…`
/// (the tests give each test a schema of its own) and sslmode.
pub async fn connect(database_url: &str) -> DbResult<PgPool> {
    let opts = PgConnectOptions::from_str(database_url).with_context(|| format!("database url {database_url}"))?;
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(opts)
        .await
        .with_context(|| format!("opening database {database_url}"))?;
    let mut migrator: Migrator = sqlx::migrate!("./migrations/postgres");
    migrator.set_locking(false);
    migrator.run(&pool).await.with_context(|| format!("migrating database {database_url}"))?;
    Ok(pool)
}
