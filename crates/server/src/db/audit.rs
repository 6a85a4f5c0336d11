//! The audit trail: who decided what, when. [`record`] is called inside the
//! decision's own transaction (review, conflict resolution, incident step,
//! due date, account and village changes, targets), so a decision and its
//! line in the trail commit together or not at all.

use super::DbResult;
use super::{AsConn, Db};
use sothon_domain::api::{AuditAction, AuditEntry};

/// A decision to write into the trail.
pub struct NewAudit<'a> {
    pub commune: &'a str,
    /// The deciding account.
    pub user_id: &'a str,
    pub action: AuditAction,
    /// What it is about: a record id, a username, a period, a village id…
    pub subject: &'a str,
    pub record: Option<&'a str>,
    pub village: Option<&'a str>,
    /// What was decided, in plain Vietnamese.
    pub detail: &'a str,
}

/// Writes one line of the trail at server time `at` (ms), on the caller's
/// connection (inside its transaction).
pub async fn record(conn: &mut impl AsConn, a: &NewAudit<'_>, at: i64) -> DbResult<()> {
    with_conn!(conn, conn => {
        sqlx::query(
            "INSERT INTO audit (commune_id, id, at, user_id, action, subject, record_id, village_id, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(a.commune)
        .bind(super::new_id())
        .bind(at)
        .bind(a.user_id)
        .bind(a.action.as_str())
        .bind(a.subject)
        .bind(a.record)
        .bind(a.village)
        .bind(a.detail)
        .execute(conn)
        .await?;
        Ok(())
    })
}

/// [`record`] on its own, for a change that is one statement already made
/// (a village or account created through the API), at the current time.
pub async fn record_alone(db: &Db, a: &NewAudit<'_>) -> DbResult<()> {
    with_pool!(db, db => {
        let mut conn = db.acquire().await?;
        record(&mut conn, a, super::now_ms()).await
    })
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    at: i64,
    action: String,
    username: String,
    name: String,
    subject: String,
    record_id: Option<String>,
    village_id: Option<String>,
    detail: String,
}

/// Which lines of the trail to read.
#[derive(Debug, Default, Clone)]
pub struct Filter<'a> {
    /// Only lines about this record.
    pub record: Option<&'a str>,
    /// Only lines about this village.
    pub village: Option<&'a str>,
    pub action: Option<AuditAction>,
    /// Only lines before this server time (ms), for paging back.
    pub before: Option<i64>,
    /// At most this many lines (newest first).
    pub limit: i64,
}

/// The commune's trail, newest first, as [`Filter`] narrows it.
pub async fn list(db: &Db, commune: &str, f: &Filter<'_>) -> DbResult<Vec<AuditEntry>> {
    with_pool!(db, db => {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT a.id, a.at, a.action, u.username, u.name, a.subject, a.record_id, a.village_id, a.detail
             FROM audit a JOIN users u ON u.id = a.user_id
             WHERE a.commune_id = $1
               AND ($2 IS NULL OR a.record_id = $3)
               AND ($4 IS NULL OR a.village_id = $5)
               AND ($6 IS NULL OR a.action = $7)
               AND ($8 IS NULL OR a.at < $9)
             ORDER BY a.at DESC, a.id DESC
             LIMIT $10",
        )
        .bind(commune)
        .bind(f.record)
        .bind(f.record)
        .bind(f.village)
        .bind(f.village)
        .bind(f.action.map(AuditAction::as_str))
        .bind(f.action.map(AuditAction::as_str))
        .bind(f.before)
        .bind(f.before)
        .bind(f.limit.clamp(1, 1000))
        .fetch_all(db)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(AuditEntry {
                    action: AuditAction::parse(&r.action)?,
                    id: r.id,
                    at: r.at,
                    username: r.username,
                    name: r.name,
                    subject: r.subject,
                    record: r.record_id,
                    village: r.village_id,
                    detail: r.detail,
                })
            })
            .collect())
    })
}
