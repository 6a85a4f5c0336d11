//! The incidents desk: the commune's incident records with the office's
//! handling steps (`incident_steps`), and taking a step.
//!
//! A step is checked against the steps already taken
//! ([`sothon_domain::handling::check_step`]) inside a `BEGIN IMMEDIATE`
//! transaction, so two officers clicking at once take it once: the second is
//! refused (409 `step_order`) with nothing written. A step gives the record a
//! new `ver` and `updated_at` (protocol rule 5), so the village's next pull
//! brings it with its note, and writes its line in the audit trail, all in
//! that one transaction.

use super::audit::NewAudit;
use super::Context;
use super::{next_change_at, next_version, now_ms, retry};
use super::{AsConn, Db, Writer};
use super::{DbError, DbResult};
use crate::auth::AuthUser;
use sothon_domain::api::{parse_state, AuditAction};
use sothon_domain::handling::{check_step, desk_order, DeskIncident, IncidentStep, Step};
use sothon_domain::protocol::Body;
use std::collections::HashMap;

#[derive(sqlx::FromRow)]
struct StepRow {
    record_id: String,
    step: String,
    note: String,
    name: String,
    at: i64,
}

/// The steps of `records` (all of the commune's when `None`), oldest first,
/// by record.
pub async fn steps_of(
    conn: &mut impl AsConn,
    commune: &str,
    records: Option<&[String]>,
) -> DbResult<HashMap<String, Vec<IncidentStep>>> {
    with_conn!(conn, conn => {
        let mut sql = String::from(
            "SELECT s.record_id, s.step, s.note, u.name, s.at
             FROM incident_steps s JOIN users u ON u.id = s.user_id
             WHERE s.commune_id = $1",
        );
        if let Some(ids) = records {
            if ids.is_empty() {
                return Ok(HashMap::new());
            }
            sql.push_str(&format!(" AND s.record_id IN ({})", super::params(2, ids.len())));
        }
        sql.push_str(" ORDER BY s.record_id, s.seq");
        let mut q = sqlx::query_as::<_, StepRow>(&sql).bind(commune);
        for id in records.unwrap_or_default() {
            q = q.bind(id);
        }
        let mut out: HashMap<String, Vec<IncidentStep>> = HashMap::new();
        for r in q.fetch_all(conn).await? {
            // A step spelled otherwise was written by a newer server: skip it
            // rather than fail the whole pull.
            let Some(step) = Step::parse(&r.step) else { continue };
            out.entry(r.record_id).or_default().push(IncidentStep { step, note: r.note, by: r.name, at: r.at });
        }
        Ok(out)
    })
}

#[derive(sqlx::FromRow)]
struct IncidentRow {
    id: String,
    village_id: String,
    village_name: String,
    state: String,
    rev: i64,
    receipt: String,
    created_at: i64,
    body: String,
}

fn desk_incident(r: IncidentRow, steps: Vec<IncidentStep>) -> DbResult<DeskIncident> {
    let incident = match serde_json::from_str::<Body>(&r.body).with_context(|| format!("record {} body", r.id))? {
        Body::Incident(i) => i,
        other => {
            return Err(DbError::corrupt(format!(
                "record {} is listed as an incident but holds a {}",
                r.id,
                other.kind()
            )))
        }
    };
    Ok(DeskIncident {
        state: parse_state(&r.state).with_context(|| format!("record {} has state {}", r.id, r.state))?,
        record: r.id,
        village: r.village_id,
        village_name: r.village_name,
        rev: r.rev,
        receipt: r.receipt,
        received_at: r.created_at,
        incident,
        steps,
    })
}

const SELECT: &str =
    "SELECT r.id, r.village_id, v.name AS village_name, r.state, r.rev, r.receipt, r.created_at, r.body
     FROM records r JOIN villages v ON v.commune_id = r.commune_id AND v.id = r.village_id
     WHERE r.commune_id = $1 AND r.kind = 'incident'";

/// Every incident of `commune` in the desk's order (open first, most
/// severe, newest).
pub async fn list(db: &Db, commune: &str) -> DbResult<Vec<DeskIncident>> {
    with_pool!(db, db => {
        let mut conn = db.acquire().await?;
        let rows: Vec<IncidentRow> = sqlx::query_as(SELECT).bind(commune).fetch_all(&mut *conn).await?;
        let mut steps = steps_of(&mut conn, commune, None).await?;
        let mut out = rows
            .into_iter()
            .map(|r| {
                let s = steps.remove(&r.id).unwrap_or_default();
                desk_incident(r, s)
            })
            .collect::<DbResult<Vec<_>>>()?;
        out.sort_by(desk_order);
        Ok(out)
    })
}

/// One incident of `commune` with its steps, if it exists.
pub async fn one(db: &Db, commune: &str, record: &str) -> DbResult<Option<DeskIncident>> {
    with_pool!(db, db => {
        let mut conn = db.acquire().await?;
        one_on(&mut conn, commune, record).await
    })
}

async fn one_on(conn: &mut impl AsConn, commune: &str, record: &str) -> DbResult<Option<DeskIncident>> {
    with_conn!(conn, conn => {
        let sql = format!("{SELECT} AND r.id = $2");
        let row: Option<IncidentRow> = sqlx::query_as(&sql).bind(commune).bind(record).fetch_optional(&mut *conn).await?;
        let Some(row) = row else { return Ok(None) };
        let ids = [row.id.clone()];
        let steps = steps_of(conn, commune, Some(&ids)).await?.remove(&row.id).unwrap_or_default();
        Ok(Some(desk_incident(row, steps)?))
    })
}

/// A checked step to take.
pub struct NewStep<'a> {
    /// An officer or admin of the incident's commune.
    pub user: &'a AuthUser,
    pub record: &'a str,
    pub step: Step,
    /// Trimmed, non-empty.
    pub note: &'a str,
}

/// Takes a step: 404 if the incident is not in the user's commune, 409
/// `step_order` if it skips or repeats one. Answers the incident as it now
/// stands.
pub async fn take_step(db: &Db, s: &NewStep<'_>) -> DbResult<DeskIncident> {
    retry(|| take_step_once(db, s)).await
}

async fn take_step_once(db: &Db, s: &NewStep<'_>) -> DbResult<DeskIncident> {
    with_pool!(db, db => {
        let commune = s.user.commune.as_str();
        let mut tx = db.begin_write().await?;
        let Some(before) = one_on(&mut tx, commune, s.record).await? else {
            return Err(DbError::NotFound(format!("Không có sự cố {}", s.record)));
        };
        check_step(&before.steps, s.step).map_err(|r| DbError::conflict("step_order", r.message()))?;
        let at = next_change_at(&mut tx, commune, now_ms()).await?;
        let ver = next_version(&mut tx, commune).await?;
        sqlx::query(
            "INSERT INTO incident_steps (commune_id, record_id, seq, step, note, user_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(commune)
        .bind(s.record)
        .bind(i64::try_from(before.steps.len()).unwrap_or(0) + 1)
        .bind(s.step.as_str())
        .bind(s.note)
        .bind(&s.user.id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE records SET updated_at = $1, ver = $2 WHERE commune_id = $3 AND id = $4")
            .bind(at)
            .bind(ver)
            .bind(commune)
            .bind(s.record)
            .execute(&mut *tx)
            .await?;
        let detail = format!("{}: {}", s.step.label_vi(), s.note);
        let entry = NewAudit {
            commune,
            user_id: &s.user.id,
            action: AuditAction::IncidentStep,
            subject: s.record,
            record: Some(s.record),
            village: Some(&before.village),
            detail: &detail,
        };
        super::audit::record(&mut tx, &entry, at).await?;
        tx.commit().await?;
        let mut after = before;
        after.steps.push(IncidentStep { step: s.step, note: s.note.to_string(), by: s.user.name.clone(), at });
        Ok(after)
    })
}
