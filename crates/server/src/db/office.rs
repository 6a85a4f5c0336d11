//! What the commune office looks at for one period: who has reported (the
//! overview) and the commune figures (the aggregate).

use anyhow::Context;
use serde::Serialize;
use sothon_domain::aggregate::{aggregate_period, check_targets, Aggregate, TargetCheck};
use sothon_domain::protocol::Body;
use sothon_domain::{catalogue, Period, PeriodKind, Report};
use sqlx::SqlitePool;
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

/// A village's report for the period, as it stands.
#[derive(Debug, Clone, Serialize)]
pub struct ReportStatus {
    pub record: String,
    /// received | conflict | returned | approved
    pub state: String,
    pub rev: i64,
    pub receipt: String,
    pub comment: String,
    /// Server time the report first arrived, ms.
    pub received_at: i64,
    /// Server time of its last change, ms.
    pub updated_at: i64,
    /// Device clock when the current revision was saved, ms.
    pub device_at: i64,
    /// Server minus device clock when that revision was pushed, ms.
    pub skew_ms: i64,
}

/// One village's line of the overview.
#[derive(Debug, Clone, Serialize)]
pub struct VillageLine {
    pub village: String,
    pub name: String,
    pub sample: bool,
    /// `null` when the village has not reported for the period.
    pub report: Option<ReportStatus>,
    /// Incident reports and activity-log entries dated in the period.
    pub incidents: i64,
    pub activities: i64,
    /// Edits of the village's records waiting in conflict (any period).
    pub conflicts: i64,
}

/// Counts over the villages.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub villages: usize,
    pub reported: usize,
    pub missing: usize,
    pub received: usize,
    pub returned: usize,
    pub approved: usize,
    pub conflict: usize,
    pub incidents: i64,
    pub activities: i64,
}

/// `GET /api/v1/overview`.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub period: String,
    /// "Tháng 11/2026".
    pub label: String,
    /// The due date (`YYYY-MM-DD`): the commune's, else five days after the period ends.
    pub due: String,
    pub summary: Summary,
    /// Every village of the commune, by id.
    pub villages: Vec<VillageLine>,
}

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
pub async fn overview(db: &SqlitePool, commune: &str, period: Period) -> anyhow::Result<Overview> {
    let villages: Vec<(String, String, bool)> =
        sqlx::query_as("SELECT id, name, sample FROM villages WHERE commune_id = ? ORDER BY id")
            .bind(commune)
            .fetch_all(db)
            .await?;
    let reports: Vec<StatusRow> = sqlx::query_as(
        "SELECT village_id, id, state, rev, receipt, comment, created_at, updated_at, device_at, skew_ms
         FROM records WHERE commune_id = ? AND kind = 'report' AND period = ?",
    )
    .bind(commune)
    .bind(period.to_string())
    .fetch_all(db)
    .await?;
    let mut reports: HashMap<String, StatusRow> = reports.into_iter().map(|r| (r.village_id.clone(), r)).collect();

    let months = months_of(period);
    let sql = format!(
        "SELECT village_id, kind, COUNT(*) FROM records
         WHERE commune_id = ? AND kind IN ('incident', 'activity') AND period IN ({})
         GROUP BY village_id, kind",
        vec!["?"; months.len()].join(", ")
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
         WHERE c.commune_id = ? AND c.resolved = 0 GROUP BY r.village_id",
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
        let report = reports.remove(&id).map(|r| ReportStatus {
            record: r.id,
            state: r.state,
            rev: r.rev,
            receipt: r.receipt,
            comment: r.comment,
            received_at: r.created_at,
            updated_at: r.updated_at,
            device_at: r.device_at,
            skew_ms: r.skew_ms,
        });
        match report.as_ref().map(|r| r.state.as_str()) {
            None => summary.missing += 1,
            Some(state) => {
                summary.reported += 1;
                match state {
                    "returned" => summary.returned += 1,
                    "approved" => summary.approved += 1,
                    "conflict" => summary.conflict += 1,
                    _ => summary.received += 1,
                }
            }
        }
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
        period: period.to_string(),
        label: period.label_vi(),
        due: super::due::of(db, commune, period).await?.to_string(),
        summary,
        villages: lines,
    })
}

/// `GET /api/v1/aggregate`.
#[derive(Debug, Clone, Serialize)]
pub struct CommuneFigures {
    pub period: String,
    pub label: String,
    /// The catalogue version the figures follow.
    pub catalogue: u32,
    /// Only approved reports were counted.
    pub approved_only: bool,
    /// Villages of the commune (expected to report).
    pub villages_total: usize,
    /// Villages whose report went into the figures, by id.
    pub villages_reported: Vec<String>,
    /// One per indicator the period's report asks for, in catalogue order
    /// (`sothon_domain::aggregate::Aggregate`).
    pub aggregates: Vec<Aggregate>,
    /// Figures that have a plan target, and whether it is met.
    pub targets: Vec<TargetCheck>,
}

/// The commune figures of `period` over its villages' reports (only the
/// approved ones if `approved_only`), with `sothon_domain::aggregate`.
pub async fn aggregate(
    db: &SqlitePool,
    commune: &str,
    period: Period,
    approved_only: bool,
) -> anyhow::Result<CommuneFigures> {
    let villages_total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM villages WHERE commune_id = ?").bind(commune).fetch_one(db).await?;
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, body FROM records
         WHERE commune_id = ? AND kind = 'report' AND period = ? AND (? = 0 OR state = 'approved')
         ORDER BY village_id",
    )
    .bind(commune)
    .bind(period.to_string())
    .bind(approved_only)
    .fetch_all(db)
    .await?;
    let mut reports: Vec<Report> = Vec::with_capacity(rows.len());
    for (id, body) in rows {
        match serde_json::from_str::<Body>(&body).with_context(|| format!("record {id} body"))? {
            Body::Report(r) => reports.push(r),
            other => anyhow::bail!("record {id} is listed as a report but holds a {}", other.kind()),
        }
    }
    let cat = catalogue::current();
    let total = usize::try_from(villages_total).unwrap_or(0);
    let aggregates = aggregate_period(cat, period, &reports, total).map_err(anyhow::Error::msg)?;
    let targets = check_targets(cat, &aggregates);
    Ok(CommuneFigures {
        period: period.to_string(),
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
