//! What the figures, targets, exports and the printable report read: the
//! commune's villages and its records of some periods, with their state.
//! The computing is `sothon_domain::figures` / `periodic`; this is the SQL.

use super::Context;
use super::Db;
use super::{DbError, DbResult};
use sothon_domain::api::parse_state;
use sothon_domain::protocol::{Body, RecordState};
use sothon_domain::{Period, Report};

/// A record as stored, with its village's name.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: String,
    pub village: String,
    pub village_name: String,
    pub state: RecordState,
    pub receipt: String,
    /// Server ms of its first arrival and of its last change.
    pub received_at: i64,
    pub updated_at: i64,
    pub body: Body,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    village_id: String,
    name: String,
    state: String,
    receipt: String,
    created_at: i64,
    updated_at: i64,
    body: String,
}

/// The commune's villages: id and name, by id.
pub async fn villages(db: &Db, commune: &str) -> DbResult<Vec<(String, String)>> {
    with_pool!(db, db => {
        Ok(sqlx::query_as("SELECT id, name FROM villages WHERE commune_id = $1 ORDER BY id").bind(commune).fetch_all(db).await?)
    })
}

/// The commune's name ("Xã Phong Quang").
pub async fn commune_name(db: &Db, commune: &str) -> DbResult<String> {
    with_pool!(db, db => {
        Ok(sqlx::query_scalar("SELECT name FROM communes WHERE id = $1").bind(commune).fetch_one(db).await?)
    })
}

/// The commune's records of `kind` (`report`, `incident`, `activity`)
/// listed under one of `periods` (incidents and activities are listed under
/// their month), by village then id; only approved ones if `approved_only`.
pub async fn stored(
    db: &Db,
    commune: &str,
    kind: &str,
    periods: &[String],
    approved_only: bool,
) -> DbResult<Vec<Stored>> {
    with_pool!(db, db => {
        if periods.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT r.id, r.village_id, v.name, r.state, r.receipt, r.created_at, r.updated_at, r.body
             FROM records r JOIN villages v ON v.commune_id = r.commune_id AND v.id = r.village_id
             WHERE r.commune_id = $1 AND r.kind = $2 AND r.period IN ({}) AND (NOT ${} OR r.state = 'approved')
             ORDER BY r.village_id, r.id",
            super::params(3, periods.len()),
            3 + periods.len()
        );
        let mut q = sqlx::query_as::<_, Row>(&sql).bind(commune).bind(kind);
        for p in periods {
            q = q.bind(p);
        }
        let rows = q.bind(approved_only).fetch_all(db).await?;
        rows.into_iter()
            .map(|r| {
                Ok(Stored {
                    state: parse_state(&r.state).with_context(|| format!("record {} has state {}", r.id, r.state))?,
                    body: serde_json::from_str(&r.body).with_context(|| format!("record {} body", r.id))?,
                    id: r.id,
                    village: r.village_id,
                    village_name: r.name,
                    receipt: r.receipt,
                    received_at: r.created_at,
                    updated_at: r.updated_at,
                })
            })
            .collect()
    })
}

/// The reports of `periods`, with their state.
pub async fn reports(
    db: &Db,
    commune: &str,
    periods: &[Period],
    approved_only: bool,
) -> DbResult<Vec<(Report, RecordState)>> {
    let ps: Vec<String> = periods.iter().map(Period::to_string).collect();
    let mut out = Vec::new();
    for s in stored(db, commune, "report", &ps, approved_only).await? {
        match s.body {
            Body::Report(r) => out.push((r, s.state)),
            other => {
                return Err(DbError::corrupt(format!(
                    "record {} is listed as a report but holds a {}",
                    s.id,
                    other.kind()
                )))
            }
        }
    }
    Ok(out)
}

/// Every period of `year` a report can be for (months, quarters, halves,
/// the year).
pub fn periods_of_year(year: i32) -> Vec<Period> {
    let Ok(y) = Period::new(sothon_domain::PeriodKind::Year, year, 1) else { return Vec::new() };
    sothon_domain::PeriodKind::ALL.into_iter().flat_map(|k| y.parts(k)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_has_nineteen_report_periods() {
        let ps = periods_of_year(2026);
        assert_eq!(ps.len(), 12 + 4 + 2 + 1);
        assert!(ps.iter().all(|p| p.year() == 2026));
        assert!(ps.contains(&Period::parse("2026-H2").unwrap()));
    }
}
