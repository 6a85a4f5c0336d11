//! What the commune office looks at for one period: who has reported (the
//! overview) and the commune figures (the aggregate).

use super::Context;
use super::Db;
use super::{DbError, DbResult};
use sothon_domain::aggregate::{aggregate_period, check_targets};
use sothon_domain::protocol::Body;
use sothon_domain::{catalogue, Period, PeriodKind, Report};
use std::collections::HashMap;

/// The months of a period, as stored in `records.period` for incidents and
/// activities (which are always listed under their month).
pub fn months_of(period: Period) -> Vec<String> {
    let mut months = Vec::new();
    let mut m = Period::containing(PeriodKind::Month, period.start());
    while m.start() <= period.end() {
        months.push(m.to_string());
        m = m.next();
    }
    months
}

pub use sothon_domain::api::{CommuneFigures, Overview, ReportStatus, Summary, VillageLine};

#[derive(sqlx::FromRow)]
struct StatusRow {
    village_id: String,
    id: String,
    state: String,
    rev: i64,
    receipt: String,
    comment: String,
    created_at: i64,
    updated_at: i64,
    device_at: i64,
    skew_ms: i64,
}

/// Who has reported for `period` in `commune`.
pub async fn overview(db: &Db, commune: &str, period: Period) -> DbResult<Overview> {
    let any_db = db;
    with_pool!(db, db => {
        let villages: Vec<(String, String, bool)> =
            sqlx::query_as("SELECT id, name, sample FROM villages WHERE commune_id = $1 ORDER BY id")
                .bind(commune)
                .fetch_all(db)
                .await?;
        let reports: Vec<StatusRow> = sqlx::query_as(
            "SELECT village_id, id, state, rev, receipt, comment, created_at, updated_at, device_at, skew_ms
             FROM records WHERE commune_id = $1 AND kind = 'report' AND period = $2",
        )
        .bind(commune)
        .bind(period.to_string())
        .fetch_all(db)
        .await?;
        let mut reports: HashMap<String, StatusRow> = reports.into_iter().map(|r| (r.village_id.clone(), r)).collect();

        let months = months_of(period);
        let sql = format!(
            "SELECT village_id, kind, COUNT(*) FROM records
             WHERE commune_id = $1 AND kind IN ('incident', 'activity') AND period IN ({})
             GROUP BY village_id, kind",
            super::params(2, months.len())
        );
        let mut q = sqlx::query_as::<_, (String, String, i64)>(&sql).bind(commune);
        for m in &months {
            q = q.bind(m);
        }
        let counts: HashMap<(String, String), i64> =
            q.fetch_all(db).await?.into_iter().map(|(v, k, n)| ((v, k), n)).collect();
        let conflicts: HashMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
            "SELECT r.village_id, COUNT(*) FROM conflicts c
             JOIN records r ON r.commune_id = c.commune_id AND r.id = c.record_id
             WHERE c.commune_id = $1 AND NOT c.resolved GROUP BY r.village_id",
        )
        .bind(commune)
        .fetch_all(db)
        .await?
        .into_iter()
        .collect();

        let mut summary = Summary { villages: villages.len(), ..Summary::default() };
        let mut lines = Vec::with_capacity(villages.len());
        for (id, name, sample) in villages {
            let count = |kind: &str| counts.get(&(id.clone(), kind.to_string())).copied().unwrap_or(0);
            let (incidents, activities) = (count("incident"), count("activity"));
            summary.incidents += incidents;
            summary.activities += activities;
            let report = match reports.remove(&id) {
                None => None,
                Some(r) => Some(ReportStatus {
                    state: sothon_domain::api::parse_state(&r.state)
                        .with_context(|| format!("record {} has state {}", r.id, r.state))?,
                    record: r.id,
                    rev: r.rev,
                    receipt: r.receipt,
                    comment: r.comment,
                    received_at: r.created_at,
                    updated_at: r.updated_at,
                    device_at: r.device_at,
                    skew_ms: r.skew_ms,
                }),
            };
            summary.count(report.as_ref().map(|r| r.state));
            lines.push(VillageLine {
                conflicts: conflicts.get(&id).copied().unwrap_or(0),
                village: id,
                name,
                sample,
                report,
                incidents,
                activities,
            });
        }
        Ok(Overview {
            period,
            label: period.label_vi(),
            due: super::due::of(any_db, commune, period).await?,
            summary,
            villages: lines,
        })
    })
}

/// The reports of `commune` for `period` (only the approved ones if
/// `approved_only`), by village.
pub async fn reports_of(db: &Db, commune: &str, period: Period, approved_only: bool) -> DbResult<Vec<Report>> {
    reports_where(db, "commune_id = $1", commune, period, approved_only).await
}

/// The reports of every commune of `province` for `period`, as [`reports_of`].
pub async fn reports_of_province(
    db: &Db,
    province: &str,
    period: Period,
    approved_only: bool,
) -> DbResult<Vec<Report>> {
    reports_where(db, "commune_id IN (SELECT id FROM communes WHERE province_id = $1)", province, period, approved_only)
        .await
}

/// The report records `unit` (`$1` in the clause) names, parsed.
async fn reports_where(db: &Db, unit: &str, id: &str, period: Period, approved_only: bool) -> DbResult<Vec<Report>> {
    let sql = format!(
        "SELECT id, body FROM records
         WHERE {unit} AND kind = 'report' AND period = $2 AND (NOT $3 OR state = 'approved')
         ORDER BY commune_id, village_id"
    );
    let rows: Vec<(String, String)> = with_pool!(db, db => {
        sqlx::query_as(&sql).bind(id).bind(period.to_string()).bind(approved_only).fetch_all(db).await?
    });
    let mut reports: Vec<Report> = Vec::with_capacity(rows.len());
    for (id, body) in rows {
        match serde_json::from_str::<Body>(&body).with_context(|| format!("record {id} body"))? {
            Body::Report(r) => reports.push(r),
            other => {
                return Err(DbError::corrupt(format!("record {id} is listed as a report but holds a {}", other.kind())))
            }
        }
    }
    Ok(reports)
}

/// The villages of every commune of `province`.
pub async fn village_count_of_province(db: &Db, province: &str) -> DbResult<usize> {
    with_pool!(db, db => {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM villages WHERE commune_id IN (SELECT id FROM communes WHERE province_id = $1)",
        )
        .bind(province)
        .fetch_one(db)
        .await?;
        Ok(usize::try_from(n).unwrap_or(0))
    })
}

/// The villages of `commune`.
pub async fn village_count(db: &Db, commune: &str) -> DbResult<usize> {
    with_pool!(db, db => {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM villages WHERE commune_id = $1").bind(commune).fetch_one(db).await?;
        Ok(usize::try_from(n).unwrap_or(0))
    })
}

/// The commune figures of `period` over its villages' reports (only the
/// approved ones if `approved_only`), with `sothon_domain::aggregate`.
pub async fn aggregate(db: &Db, commune: &str, period: Period, approved_only: bool) -> DbResult<CommuneFigures> {
    let total = village_count(db, commune).await?;
    let reports = reports_of(db, commune, period, approved_only).await?;
    figures(period, &reports, total, approved_only)
}

/// The figures of `period` over `reports`, from `total` villages expected
/// to report (a commune's, or a province's over all its communes).
pub fn figures(period: Period, reports: &[Report], total: usize, approved_only: bool) -> DbResult<CommuneFigures> {
    let cat = catalogue::current();
    let aggregates = aggregate_period(cat, period, reports, total).map_err(DbError::corrupt)?;
    let targets = check_targets(cat, &aggregates);
    Ok(CommuneFigures {
        period,
        label: period.label_vi(),
        catalogue: cat.version,
        approved_only,
        villages_total: total.max(reports.len()),
        villages_reported: reports.iter().map(|r| r.village.clone()).collect(),
        aggregates,
        targets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_of_each_kind_of_period() {
        let m = |s: &str| months_of(Period::parse(s).unwrap());
        assert_eq!(m("2026-11"), ["2026-11"]);
        assert_eq!(m("2026-Q4"), ["2026-10", "2026-11", "2026-12"]);
        assert_eq!(m("2026-H1"), ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]);
        assert_eq!(m("2026").len(), 12);
        assert_eq!(m("2026")[11], "2026-12");
    }
}
