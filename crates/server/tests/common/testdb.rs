//! A fresh database for one test, on the engine `SOTHON_TEST_ENGINE` names:
//! `sqlite` (the default: a file in the test's temporary directory) or
//! `postgres` (a schema of its own in the PostgreSQL at `SOTHON_TEST_PG`,
//! default `postgres://postgres@127.0.0.1:5432/test`, dropped when the test
//! ends). `make test` runs the suites once per engine.

use std::path::Path;

/// A query answering `ok` when the database is intact after a crash, per
/// engine: SQLite's own check; PostgreSQL recovers from its WAL by design and
/// has no such check, so the tests' own checks of every row are the proof.
#[allow(dead_code)]
pub const INTEGRITY_CHECK: [&str; 2] = ["PRAGMA integrity_check", "SELECT CAST('ok' AS TEXT)"];

/// The PostgreSQL the tests use.
pub fn pg_url() -> String {
    std::env::var("SOTHON_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Whether this run is against PostgreSQL.
pub fn on_postgres() -> bool {
    matches!(std::env::var("SOTHON_TEST_ENGINE").as_deref(), Ok("postgres" | "pg"))
}

/// A test's database; a PostgreSQL schema is dropped with it.
pub struct TestDb {
    pub url: String,
    schema: Option<String>,
}

impl TestDb {
    /// A new, empty database (`name` is the SQLite file's name in `dir`).
    pub fn new(dir: &Path, name: &str) -> Self {
        if !on_postgres() {
            return TestDb { url: dir.join(name).to_str().expect("utf-8").to_string(), schema: None };
        }
        let schema = format!("t_{}", &sothon_server::db::new_id()[..16]);
        run_blocking(format!("CREATE SCHEMA {schema}")).unwrap_or_else(|e| panic!("{e}"));
        let base = pg_url();
        let sep = if base.contains('?') { '&' } else { '?' };
        // Named after the schema, so that the drop can end the test's own
        // connections (see below).
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}&application_name={schema}");
        TestDb { url, schema: Some(schema) }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // The test's server may still hold a connection in a transaction
        // whose rollback waits for a task of the test's runtime — which this
        // drop blocks: end the schema's connections first, never wait on a
        // lock for long, and never panic (a drop may run while a test unwinds).
        if let Some(s) = self.schema.take() {
            let drop = format!(
                "SET lock_timeout = '10s';
                 SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                  WHERE application_name = '{s}' AND pid <> pg_backend_pid();
                 DROP SCHEMA IF EXISTS {s} CASCADE;"
            );
            for _ in 0..5 {
                match run_blocking(drop.clone()) {
                    Ok(()) => return,
                    Err(e) => {
                        eprintln!("dropping test schema {s}: {e}");
                        std::thread::sleep(std::time::Duration::from_millis(200));
                    }
                }
            }
        }
    }
}

/// Runs one statement on the admin connection, on a thread of its own (a
/// test's runtime may be the current thread, or already shutting down).
fn run_blocking(sql: String) -> Result<(), String> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&pg_url())
                .await
                .map_err(|e| format!("PostgreSQL at {} (SOTHON_TEST_PG): {e}", pg_url()))?;
            let r = sqlx::raw_sql(&sql).execute(&mut c).await.map(drop).map_err(|e| format!("{sql}: {e}"));
            let _ = c.close().await;
            r
        })
    })
    .join()
    .unwrap_or_else(|_| Err("admin statement panicked".into()))
}
