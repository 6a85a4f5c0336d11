//! The Sổ Thôn server: one binary with an embedded SQLite database that takes
//! the phones' reports and serves the PWA.
//!
//! A guided tour:
//!
//! * [`build`] connects the database, runs `migrations/`, seeds the sample
//!   commune and binds the socket; [`Server::run`] serves until Ctrl-C.
//! * [`router`] is the whole HTTP surface: every `/api/v1` route is listed
//!   once in [`routes`] (which also gives [`routes::ROUTES`], the list the
//!   OpenAPI document at `/api/v1/openapi.json` is checked against); the
//!   handlers live in its modules by area (accounts, sync, records, the
//!   commune office's review/overview/aggregate, conflicts, admin).
//! * [`error`] is the one error type of the boundary (status codes and the
//!   JSON error shape), with the `ApiJson` extractor that keeps even malformed
//!   bodies answered in JSON.
//! * [`auth`] is passwords (Argon2id), bearer tokens (only hashes stored),
//!   the `AuthUser` extractor and the login throttle's rules; its counts
//!   and the device tokens are in [`db::throttle`], shared by every server
//!   process on the database.
//! * [`db`] is every SQL statement; [`db::sync`] applies pushed mutations
//!   exactly once, following the rules at the top of
//!   `sothon_domain::protocol`; [`db::review`] and [`db::conflicts`] are the
//!   office's decisions and conflict resolutions, each one write transaction
//!   that moves the record's pull cursor so the phones hear of it.

pub mod auth;
pub mod bench_seed;
pub mod db;
pub mod error;
pub mod export;
pub mod import;
pub mod metrics;
pub mod routes;

use crate::db::Db;
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use db::accounts::{add_user, NewUser};
pub use db::demo::{DemoAccount, DEMO_ACCOUNTS, DEMO_COMMUNE, DEMO_PASSWORD};
pub use routes::router;

/// How to run the server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port (tests).
    pub bind: SocketAddr,
    /// SQLite database: a file path (created with its parent folder if
    /// missing) or a `sqlite:` URL.
    pub database_url: String,
    /// The built PWA (`dist/`), served for every path outside `/api`; `None`
    /// serves the API only.
    pub web_dir: Option<PathBuf>,
    /// Seed the sample commune (villages and accounts) into an empty database.
    pub demo: bool,
    /// With `demo`, also a year of sample reports, reviews and incidents
    /// (`make run`; tests start from an empty commune).
    pub demo_history: bool,
    /// How long a login lasts.
    pub token_ttl_days: i64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "data/sothon.db".into(),
            web_dir: None,
            demo: true,
            demo_history: false,
            token_ttl_days: 30,
        }
    }
}

/// What every handler gets through `State`.
#[derive(Clone)]
pub struct AppState {
    /// The migrated database.
    pub db: Db,
    /// The configuration the server was built with.
    pub config: Arc<Config>,
    /// Syncs take a turn here, first come first served, before they write
    /// ([`write_turns`]).
    pub writes: Arc<tokio::sync::Semaphore>,
    /// Shutting down: writes in flight, and whether new ones are refused.
    pub drain: Arc<Drain>,
    /// What `GET /api/v1/metrics` tells.
    pub metrics: Arc<metrics::Metrics>,
}

/// How many syncs may write at once. SQLite has one writer: concurrent
/// writers would poll its busy handler, and the unlucky ones wait hundreds
/// of ms (p99 106 ms → 18 ms with 8 clients, `make bench`), so they queue
/// here, one at a time. PostgreSQL runs pushes of different communes side
/// by side (two of one commune collide on its version row and one is run
/// again): as many as the pool has connections, less two kept for reads.
pub fn write_turns(engine: db::Engine, pool_size: u32) -> usize {
    match engine {
        db::Engine::Sqlite => 1,
        db::Engine::Postgres => pool_size.saturating_sub(2).max(1) as usize,
    }
}

impl AppState {
    /// State for `config` over an already migrated database.
    pub fn new(db: Db, config: Config) -> Self {
        let turns = write_turns(db.engine(), db.size_limit());
        Self {
            db,
            config: Arc::new(config),
            writes: Arc::new(tokio::sync::Semaphore::new(turns)),
            drain: Arc::new(Drain::default()),
            metrics: Arc::default(),
        }
    }
}

/// A graceful stop. On SIGTERM the server first refuses new writes (503
/// with `Retry-After`; reads still answer) and says it is not ready, waits
/// for the writes in flight to commit and answer, and only then stops
/// accepting connections and exits. A phone whose push was refused sends it
/// again to the next instance; one whose push was answered has it stored.
#[derive(Debug, Default)]
pub struct Drain {
    draining: std::sync::atomic::AtomicBool,
    in_flight: std::sync::atomic::AtomicUsize,
    idle: tokio::sync::Notify,
}

/// Longest wait for writes in flight once a stop was asked for.
pub const DRAIN_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

impl Drain {
    pub fn draining(&self) -> bool {
        self.draining.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// A write starts; `None` when the server is stopping (refuse it).
    pub fn enter(self: &Arc<Self>) -> Option<WriteGuard> {
        self.in_flight.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        // Checked after counting: a stop that begins now waits for this write.
        if self.draining() {
            self.leave();
            return None;
        }
        Some(WriteGuard(self.clone()))
    }

    fn leave(&self) {
        if self.in_flight.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }

    /// Refuses new writes from now on, then waits until none is in flight
    /// (at most [`DRAIN_LIMIT`]).
    pub async fn stop(&self) {
        self.draining.store(true, std::sync::atomic::Ordering::SeqCst);
        let deadline = tokio::time::Instant::now() + DRAIN_LIMIT;
        while self.in_flight.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            let idle = self.idle.notified();
            if self.in_flight.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                break;
            }
            if tokio::time::timeout_at(deadline, idle).await.is_err() {
                tracing::warn!("stopping with writes still in flight after {DRAIN_LIMIT:?}");
                break;
            }
        }
    }
}

/// One write in flight (see [`Drain::enter`]).
pub struct WriteGuard(Arc<Drain>);

impl Drop for WriteGuard {
    fn drop(&mut self) {
        self.0.leave();
    }
}

/// A bound, ready server.
pub struct Server {
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
    state: AppState,
    demo: bool,
}

/// Connects and migrates the database, seeds the sample commune when asked
/// and the database has no commune yet, and binds the socket.
pub async fn build(config: Config) -> anyhow::Result<Server> {
    let db = db::connect(&config.database_url).await?;
    if config.demo {
        db::demo::seed_if_empty_with(&db, config.demo_history).await.context("seeding the sample commune")?;
    }
    let demo = db::demo::present(&db).await?;
    let listener =
        tokio::net::TcpListener::bind(config.bind).await.with_context(|| format!("binding {}", config.bind))?;
    let addr = listener.local_addr()?;
    Ok(Server { listener, addr, state: AppState::new(db, config), demo })
}

impl Server {
    /// The address actually bound (the real port when the config said 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The database pool (tests look at the rows directly).
    pub fn db(&self) -> Db {
        self.state.db.clone()
    }

    /// The stop's state (tests start a stop without a signal).
    pub fn drain(&self) -> Arc<Drain> {
        self.state.drain.clone()
    }

    /// The sample accounts, when the database holds the sample commune.
    pub fn demo_accounts(&self) -> Option<&'static [DemoAccount]> {
        self.demo.then_some(DEMO_ACCOUNTS)
    }

    /// Serves until Ctrl-C (or SIGTERM), then stops as [`Drain`] says.
    pub async fn run(self) -> anyhow::Result<()> {
        let db = self.state.db.clone();
        let drain = self.state.drain.clone();
        let app = inflate_request_bodies(router(self.state)).into_make_service_with_connect_info::<SocketAddr>();
        let stop = async move {
            shutdown_signal().await;
            drain.stop().await;
            tracing::info!("writes in flight answered; closing");
        };
        axum::serve(self.listener, app).with_graceful_shutdown(stop).await?;
        // Checkpoints the WAL so the database is one tidy file again.
        db.close().await;
        Ok(())
    }
}

/// Phones push over 2G with the body compressed (`Content-Encoding: gzip`,
/// or `br`): it is inflated on the way in, outside every route, so the API's
/// body limit ([`routes::MAX_BODY`]) counts the inflated bytes. A small body
/// that inflates past it is refused with the JSON 413 before anything is
/// parsed or written; a body that is not valid gzip/br fails to read and is a
/// JSON 400 (`bad_json`). Other encodings get 415.
fn inflate_request_bodies(app: axum::Router) -> axum::Router {
    app.layer(tower_http::decompression::RequestDecompressionLayer::new().gzip(true).br(true))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::write_turns;
    use crate::db::Engine;

    #[test]
    fn sqlite_writes_one_at_a_time_and_postgres_side_by_side() {
        assert_eq!(write_turns(Engine::Sqlite, 8), 1);
        assert_eq!(write_turns(Engine::Postgres, 16), 14);
        assert_eq!(write_turns(Engine::Postgres, 1), 1, "never none");
    }
}
