//! Bulk writes for the scale benchmarks (`sothon-server bench-seed`, see
//! `crate::bench_seed`): a province of communes, their villages, one head
//! per village and one officer per commune with a live session each, and
//! months of approved history — tens of thousands of rows a second, where
//! the one-row-at-a-time paths (CSV import, `user add` with its Argon2 hash
//! each) would take hours at the national scale. Nothing here is reachable
//! from the HTTP API.

use super::{Db, DbResult, Writer};

/// One value of a row.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Int(i64),
    Bool(bool),
    Null,
}

/// Rows of one table, written in multi-row `INSERT`s.
#[derive(Debug, Clone)]
pub struct Rows {
    pub table: &'static str,
    pub columns: &'static [&'static str],
    pub rows: Vec<Vec<Cell>>,
}

/// Bound parameters per statement: under SQLite's 32,766 and PostgreSQL's
/// 65,535, and small enough that one statement stays a few hundred KB.
const PARAMS_PER_STATEMENT: usize = 8_000;

/// Writes `tables` in order, in one transaction per table and batch of
/// statements (a failure leaves whole batches, never half a row).
pub async fn insert(db: &Db, tables: &[Rows]) -> DbResult<u64> {
    let mut written = 0u64;
    for t in tables {
        let per = (PARAMS_PER_STATEMENT / t.columns.len().max(1)).max(1);
        for batch in t.rows.chunks(per * 25) {
            written += with_pool!(db, db => {
                let mut tx = db.begin_write().await?;
                let mut n = 0u64;
                for chunk in batch.chunks(per) {
                    let sql = statement(t.table, t.columns, chunk.len());
                    let mut q = sqlx::query(&sql);
                    for row in chunk {
                        for cell in row {
                            q = match cell {
                                Cell::Text(s) => q.bind(s.as_str()),
                                Cell::Int(i) => q.bind(*i),
                                Cell::Bool(b) => q.bind(*b),
                                Cell::Null => q.bind(None::<String>),
                            };
                        }
                    }
                    n += q.execute(&mut *tx).await?.rows_affected();
                }
                tx.commit().await?;
                n
            });
        }
    }
    Ok(written)
}

/// `INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)…` for `rows` rows.
fn statement(table: &str, columns: &[&str], rows: usize) -> String {
    let w = columns.len();
    let values: Vec<String> = (0..rows).map(|r| format!("({})", super::params(r * w + 1, w))).collect();
    format!("INSERT INTO {table} ({}) VALUES {}", columns.join(", "), values.join(", "))
}

/// Takes `n` versions of `commune` at once ([`super::next_versions`]) and
/// returns the first; the history rows of one commune are numbered from it.
pub async fn reserve_versions(db: &Db, commune: &str, n: i64) -> DbResult<i64> {
    with_pool!(db, db => {
        let mut tx = db.begin_write().await?;
        let first = super::next_versions(&mut tx, commune, n).await?;
        tx.commit().await?;
        Ok(first)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_statement_numbers_its_parameters_row_by_row() {
        assert_eq!(super::statement("t", &["a", "b"], 2), "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)");
    }
}
