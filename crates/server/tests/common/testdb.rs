//! A fresh database for one test, on the engine `SOTHON_TEST_ENGINE` names:
//! `sqlite` (the default: a file in the test's temporary directory) or
//! `postgres` (a schema of its own in the PostgreSQL at `SOTHON_TEST_PG`,
//! default `postgres://postgres@127.0.0.1:5432/test`, dropped when the test
//! ends). `make test` runs the suites once per engine.

use std::path::Path;

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
        let mut b = [0u8; 8];
        getrandom_fill(&mut b);
        let schema = format!("t_{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>());
        run_blocking(format!("CREATE SCHEMA {schema}"));
        let base = pg_url();
        let sep = if base.contains('?') { '&' } else { '?' };
        TestDb { url: format!("{base}{sep}options=-c%20search_path%3D{schema}"), schema: Some(schema) }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(s) = self.schema.take() {
            run_blocking(format!("DROP SCHEMA IF EXISTS {s} CASCADE"));
        }
    }
}

/// Runs one statement on the admin connection, on a thread of its own (a
/// test's runtime may be the current thread, or already shutting down).
fn run_blocking(sql: String) {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&pg_url())
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL at {} (SOTHON_TEST_PG): {e}", pg_url()));
            sqlx::query(&sql).execute(&mut c).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
            let _ = c.close().await;
        })
    })
    .join()
    .expect("admin statement");
}

fn getrandom_fill(b: &mut [u8]) {
    use std::hash::{BuildHasher, Hasher};
    for chunk in b.chunks_mut(8) {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos());
        h.write_u32(std::process::id());
        let v = h.finish().to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
}
