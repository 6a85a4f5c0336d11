//! The seam between the SQL and the two engines it runs on.
//!
//! Every statement in `db/` is written once, in the SQL both SQLite and
//! PostgreSQL (and the distributed engines that speak its protocol) accept:
//! `$1`-style parameters, `BIGINT`/`TEXT`/`BOOLEAN` values, `ON CONFLICT`
//! upserts, no engine functions. A function runs its statements on the
//! engine's own sqlx types ([`with_pool!`], [`with_conn!`]), so each of the
//! two implementations is sqlx's native driver (not its `Any` driver, which
//! decodes primitive types only); what differs — connecting, migrations,
//! how a write transaction starts, backups — is in `db::sqlite` and
//! `db::postgres`.

use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

/// Which engine a database URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The server's database: one pool of the engine the URL named.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

impl Db {
    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Pg(_) => Engine::Postgres,
        }
    }

    /// Connections open, for the metrics.
    pub fn size(&self) -> u32 {
        match self {
            Db::Sqlite(p) => p.size(),
            Db::Pg(p) => p.size(),
        }
    }

    /// The most connections the pool opens.
    pub fn size_limit(&self) -> u32 {
        match self {
            Db::Sqlite(p) => p.options().get_max_connections(),
            Db::Pg(p) => p.options().get_max_connections(),
        }
    }

    /// Connections idle, for the metrics.
    pub fn num_idle(&self) -> usize {
        match self {
            Db::Sqlite(p) => p.num_idle(),
            Db::Pg(p) => p.num_idle(),
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Pg(p) => p.close().await,
        }
    }
}

/// Runs `$body` with `$p` bound to the engine's own pool (`&SqlitePool` or
/// `&PgPool`): the body is compiled once per engine.
#[macro_export]
macro_rules! with_pool {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($p) => $body,
            $crate::db::Db::Pg($p) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the engine's own connection (`&mut
/// SqliteConnection` or `&mut PgConnection`) of a transaction or connection
/// `$tx` ([`AsConn`]): the body is compiled once per engine.
#[macro_export]
macro_rules! with_conn {
    ($tx:expr, $c:ident => $body:expr) => {
        match $crate::db::AsConn::conn($tx) {
            $crate::db::Conn::Sqlite($c) => $body,
            $crate::db::Conn::Pg($c) => $body,
        }
    };
}

/// A connection of either engine, borrowed.
pub enum Conn<'a> {
    Sqlite(&'a mut SqliteConnection),
    Pg(&'a mut PgConnection),
}

/// What a helper that runs inside the caller's transaction takes.
pub trait AsConn: Send {
    fn conn(&mut self) -> Conn<'_>;
}

impl AsConn for Transaction<'static, Sqlite> {
    fn conn(&mut self) -> Conn<'_> {
        Conn::Sqlite(self)
    }
}

impl AsConn for Transaction<'static, Postgres> {
    fn conn(&mut self) -> Conn<'_> {
        Conn::Pg(self)
    }
}

impl AsConn for SqliteConnection {
    fn conn(&mut self) -> Conn<'_> {
        Conn::Sqlite(self)
    }
}

impl AsConn for PgConnection {
    fn conn(&mut self) -> Conn<'_> {
        Conn::Pg(self)
    }
}

impl AsConn for sqlx::pool::PoolConnection<Sqlite> {
    fn conn(&mut self) -> Conn<'_> {
        Conn::Sqlite(self)
    }
}

impl AsConn for sqlx::pool::PoolConnection<Postgres> {
    fn conn(&mut self) -> Conn<'_> {
        Conn::Pg(self)
    }
}

impl<T: AsConn + ?Sized> AsConn for &mut T {
    fn conn(&mut self) -> Conn<'_> {
        (**self).conn()
    }
}

/// How each engine starts a write transaction.
pub trait Writer {
    type Db: sqlx::Database;
    /// SQLite: `BEGIN IMMEDIATE`, which takes the write lock up front (a
    /// deferred transaction that reads first would fail, not wait, when it
    /// has to upgrade under WAL). PostgreSQL: SERIALIZABLE, so that
    /// concurrent transactions behave as if one ran after the other, or one
    /// fails with 40001 and is run again ([`super::retry`]).
    fn begin_write(&self) -> impl std::future::Future<Output = super::DbResult<Transaction<'static, Self::Db>>> + Send;

    /// A push's transaction: it writes one commune only and takes the
    /// commune's version row (`commune_sync`, protocol rule 5) with its first
    /// statement. SQLite: [`Writer::begin_write`] (one writer anyway).
    /// PostgreSQL: READ COMMITTED, so the commune's pushes wait for the row
    /// and run one after the other, in the order they got it, each statement
    /// reading what the pushes before it committed; pushes of different
    /// communes never meet. At SERIALIZABLE they did meet: PostgreSQL keeps
    /// the predicate locks of a lookup that finds nothing (a new record, a
    /// new mutation id) on whole index pages, and the neighbouring communes'
    /// inserts on the same pages failed each other with 40001 — 60,319
    /// retries for 35,714 pushes in the national burst. A SERIALIZABLE
    /// writer of the same commune (a review, a resolved conflict) still
    /// takes the row through [`super::next_version`], so it waits for the
    /// push and fails with 40001 after it, to run again.
    fn begin_in_commune(
        &self,
        commune: &str,
    ) -> impl std::future::Future<Output = super::DbResult<Transaction<'static, Self::Db>>> + Send;
}

/// Takes (creating it at 0 if missing) `commune`'s version row without
/// moving it: [`super::next_version`] moves it.
const TAKE_COMMUNE: &str = "INSERT INTO commune_sync (commune_id, version) VALUES ($1, 0)
     ON CONFLICT (commune_id) DO UPDATE SET version = commune_sync.version";

impl Writer for SqlitePool {
    type Db = Sqlite;
    async fn begin_write(&self) -> super::DbResult<Transaction<'static, Sqlite>> {
        Ok(self.begin_with("BEGIN IMMEDIATE").await?)
    }
    async fn begin_in_commune(&self, _commune: &str) -> super::DbResult<Transaction<'static, Sqlite>> {
        self.begin_write().await
    }
}

impl Writer for PgPool {
    type Db = Postgres;
    async fn begin_write(&self) -> super::DbResult<Transaction<'static, Postgres>> {
        Ok(self.begin_with("BEGIN ISOLATION LEVEL SERIALIZABLE").await?)
    }
    async fn begin_in_commune(&self, commune: &str) -> super::DbResult<Transaction<'static, Postgres>> {
        let mut tx = self.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED").await?;
        sqlx::query(TAKE_COMMUNE).bind(commune).execute(&mut *tx).await?;
        Ok(tx)
    }
}

/// `$first, $first+1, …` — `n` parameters for an `IN (…)` list.
pub fn params(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn params_count_from_the_first() {
        assert_eq!(super::params(2, 3), "$2, $3, $4");
        assert_eq!(super::params(1, 0), "");
    }
}
