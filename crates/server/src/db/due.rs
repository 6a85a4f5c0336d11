//! Due dates the commune sets per period.

use super::DbResult;
use super::{Db, Writer};
use sothon_domain::protocol::DueDate;
use sothon_domain::Period;

/// Sets (or moves) the due date of `period` for `commune`, with its line in
/// the audit trail, in one transaction.
pub async fn set(db: &Db, commune: &str, d: &DueDate, user_id: &str) -> DbResult<()> {
    with_pool!(db, db => {
        let now = super::now_ms();
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "INSERT INTO due_dates (commune_id, period, due, set_by, set_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (commune_id, period) DO UPDATE SET due = excluded.due, set_by = excluded.set_by,
             set_at = excluded.set_at",
        )
        .bind(commune)
        .bind(d.period.to_string())
        .bind(d.due.to_string())
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let period = d.period.to_string();
        let detail = format!("Hạn nộp kỳ {} là ngày {}", period, sothon_domain::format::date_vi(d.due));
        let entry = super::audit::NewAudit {
            commune,
            user_id,
            action: sothon_domain::api::AuditAction::DueDate,
            subject: &period,
            record: None,
            village: None,
            detail: &detail,
        };
        super::audit::record(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    })
}

/// Every due date the commune set, by period (a few dozen rows a year).
pub async fn all(db: &Db, commune: &str) -> DbResult<Vec<DueDate>> {
    with_pool!(db, db => {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT period, due FROM due_dates WHERE commune_id = $1 ORDER BY period")
                .bind(commune)
                .fetch_all(db)
                .await?;
        Ok(parse(rows))
    })
}

/// Due dates from their rows (period, due), in the rows' order; a row
/// that does not parse is left out.
pub(super) fn parse(rows: Vec<(String, String)>) -> Vec<DueDate> {
    rows.into_iter()
        .filter_map(|(p, d)| {
            Some(DueDate { period: Period::parse(&p).ok()?, due: sothon_domain::format::parse_date_iso(&d)? })
        })
        .collect()
}

/// The due date of one period: the commune's, else the default.
pub async fn of(db: &Db, commune: &str, period: Period) -> DbResult<chrono::NaiveDate> {
    with_pool!(db, db => {
        let due: Option<String> = sqlx::query_scalar("SELECT due FROM due_dates WHERE commune_id = $1 AND period = $2")
            .bind(commune)
            .bind(period.to_string())
            .fetch_optional(db)
            .await?;
        Ok(due.and_then(|d| sothon_domain::format::parse_date_iso(&d)).unwrap_or_else(|| period.default_due()))
    })
}
