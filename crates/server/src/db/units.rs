//! The administrative units: importing communes (with their provinces) and
//! villages, and what a province reads of its communes.

use super::DbResult;
use super::{Db, Writer};
use crate::import::{CommuneLine, LineError, Outcome, VillageLine};

/// Imports the communes (and provinces) in one transaction. A line whose
/// commune exists as a province, or whose province exists as a commune, is an
/// error; then nothing is written.
pub async fn import_communes(db: &Db, lines: &[CommuneLine]) -> DbResult<Result<Outcome, Vec<LineError>>> {
    super::retry(|| async {
        with_pool!(db, db => {
            let mut tx = db.begin_write().await?;
            let mut out = Outcome::default();
            let mut errs = Vec::new();
            for l in lines {
                if let Some((pid, pname)) = &l.province {
                    let kind: Option<(String, String)> =
                        sqlx::query_as("SELECT kind, name FROM communes WHERE id = $1").bind(pid).fetch_optional(&mut *tx).await?;
                    match kind.as_ref().map(|(k, n)| (k.as_str(), n.as_str())) {
                        Some(("province", n)) if n == pname => {}
                        Some(("province", _)) => {
                            sqlx::query("UPDATE communes SET name = $1 WHERE id = $2").bind(pname).bind(pid).execute(&mut *tx).await?;
                        }
                        Some(_) => errs.push(LineError { line: l.line, reason: format!("mã {pid} đã là một xã, không phải tỉnh") }),
                        None => {
                            sqlx::query("INSERT INTO communes (id, name, kind) VALUES ($1, $2, 'province')")
                                .bind(pid)
                                .bind(pname)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                }
                let province = l.province.as_ref().map(|(p, _)| p.as_str());
                let now: Option<(String, String, Option<String>)> =
                    sqlx::query_as("SELECT kind, name, province_id FROM communes WHERE id = $1")
                        .bind(&l.id)
                        .fetch_optional(&mut *tx)
                        .await?;
                match now {
                    Some((kind, _, _)) if kind != "commune" => {
                        errs.push(LineError { line: l.line, reason: format!("mã {} đã là một tỉnh, không phải xã", l.id) })
                    }
                    Some((_, name, p)) if name == l.name && p.as_deref() == province => out.unchanged += 1,
                    Some(_) => {
                        sqlx::query("UPDATE communes SET name = $1, province_id = $2 WHERE id = $3")
                            .bind(&l.name)
                            .bind(province)
                            .bind(&l.id)
                            .execute(&mut *tx)
                            .await?;
                        out.renamed += 1;
                    }
                    None => {
                        sqlx::query("INSERT INTO communes (id, name, kind, province_id) VALUES ($1, $2, 'commune', $3)")
                            .bind(&l.id)
                            .bind(&l.name)
                            .bind(province)
                            .execute(&mut *tx)
                            .await?;
                        out.added += 1;
                    }
                }
            }
            finish(tx, out, errs).await
        })
    })
    .await
}

/// Imports the villages in one transaction; a village of a commune the
/// database does not have is an error, and then nothing is written.
pub async fn import_villages(db: &Db, lines: &[VillageLine]) -> DbResult<Result<Outcome, Vec<LineError>>> {
    super::retry(|| async {
        with_pool!(db, db => {
            let mut tx = db.begin_write().await?;
            let mut out = Outcome::default();
            let mut errs = Vec::new();
            for l in lines {
                let kind: Option<String> =
                    sqlx::query_scalar("SELECT kind FROM communes WHERE id = $1").bind(&l.commune).fetch_optional(&mut *tx).await?;
                match kind.as_deref() {
                    Some("commune") => {}
                    Some(_) => {
                        errs.push(LineError { line: l.line, reason: format!("{} là một tỉnh; thôn thuộc về xã", l.commune) });
                        continue;
                    }
                    None => {
                        errs.push(LineError { line: l.line, reason: format!("không có xã {} (nhập communes.csv trước)", l.commune) });
                        continue;
                    }
                }
                let name: Option<String> = sqlx::query_scalar("SELECT name FROM villages WHERE commune_id = $1 AND id = $2")
                    .bind(&l.commune)
                    .bind(&l.id)
                    .fetch_optional(&mut *tx)
                    .await?;
                match name {
                    Some(n) if n == l.name => out.unchanged += 1,
                    Some(_) => {
                        sqlx::query("UPDATE villages SET name = $1 WHERE commune_id = $2 AND id = $3")
                            .bind(&l.name)
                            .bind(&l.commune)
                            .bind(&l.id)
                            .execute(&mut *tx)
                            .await?;
                        out.renamed += 1;
                    }
                    None => {
                        sqlx::query("INSERT INTO villages (commune_id, id, name, sample) VALUES ($1, $2, $3, FALSE)")
                            .bind(&l.commune)
                            .bind(&l.id)
                            .bind(&l.name)
                            .execute(&mut *tx)
                            .await?;
                        out.added += 1;
                    }
                }
            }
            finish(tx, out, errs).await
        })
    })
    .await
}

/// Commits the import, or (a line was bad) rolls all of it back.
async fn finish<D: sqlx::Database>(
    tx: sqlx::Transaction<'static, D>,
    out: Outcome,
    errs: Vec<LineError>,
) -> DbResult<Result<Outcome, Vec<LineError>>> {
    if errs.is_empty() {
        tx.commit().await?;
        Ok(Ok(out))
    } else {
        tx.rollback().await?;
        Ok(Err(errs))
    }
}

/// A unit's kind (`commune` or `province`), if it exists.
pub async fn kind(db: &Db, id: &str) -> DbResult<Option<String>> {
    with_pool!(db, db => {
        Ok(sqlx::query_scalar("SELECT kind FROM communes WHERE id = $1").bind(id).fetch_optional(db).await?)
    })
}

/// The unit's name.
pub async fn name(db: &Db, id: &str) -> DbResult<String> {
    with_pool!(db, db => {
        Ok(sqlx::query_scalar("SELECT name FROM communes WHERE id = $1").bind(id).fetch_one(db).await?)
    })
}

/// The communes of a province, by id: (id, name).
pub async fn communes_of(db: &Db, province: &str) -> DbResult<Vec<(String, String)>> {
    with_pool!(db, db => {
        Ok(sqlx::query_as("SELECT id, name FROM communes WHERE province_id = $1 AND kind = 'commune' ORDER BY id")
            .bind(province)
            .fetch_all(db)
            .await?)
    })
}
