//! The commune office's review decisions: approve a record, or return it to
//! the village for correction with a comment.
//!
//! A decision is taken on one revision (`rev`): if the record changed since
//! the officer read it, the decision is refused as `stale` rather than
//! applied to content nobody reviewed. A decision sets the record's state and
//! comment and moves its `updated_at`, so the next pull brings it to the
//! village's phones; it is also kept in `reviews`, the history.
//!
//! A revision the commune office entered on the village's behalf ("nhập
//! hộ", `records.entered_by`) cannot be approved by the officer who entered
//! it (409 `own_entry`): four eyes on every approved figure.
//!
//! An approved record is locked: later pushes are kept as conflicts (see
//! `db::sync`). A returned record comes back as `received` when the village
//! sends a corrected revision, which clears the comment (it was about the
//! old revision; the history keeps it).

use super::audit::NewAudit;
use super::{next_change_at, next_version, now_ms, retry_busy};
use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use sothon_domain::api::AuditAction;
use sqlx::SqlitePool;

pub use sothon_domain::api::{Decision, ReviewEntry, Reviewed};

/// A checked decision to apply.
pub struct NewReview<'a> {
    /// An officer or admin; the record must be in this user's commune.
    pub user: &'a AuthUser,
    pub record: &'a str,
    pub decision: Decision,
    /// Trimmed; non-empty for a return.
    pub comment: &'a str,
    /// The revision the decision was taken on.
    pub rev: i64,
}

/// Applies a decision in one transaction: 404 if the record is not in the
/// user's commune, 409 `stale` if it is no longer at `rev`, 409
/// `conflict_pending` while an edit waits in conflict beside it.
pub async fn review(db: &SqlitePool, r: &NewReview<'_>) -> AppResult<Reviewed> {
    retry_busy(|| review_once(db, r)).await
}

async fn review_once(db: &SqlitePool, r: &NewReview<'_>) -> AppResult<Reviewed> {
    let commune = r.user.commune.as_str();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let current: Option<(i64, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT rev, state, village_id, receipt, entered_by FROM records WHERE commune_id = ? AND id = ?",
    )
    .bind(commune)
    .bind(r.record)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((rev, state, village, receipt, entered_by)) = current else {
        return Err(AppError::NotFound(format!("Không có bản ghi {}", r.record)));
    };
    if rev != r.rev {
        return Err(AppError::conflict(
            "stale",
            format!("Bản ghi đã có phiên bản mới ({rev}), vui lòng tải lại trước khi duyệt"),
        ));
    }
    if state == "conflict" {
        return Err(AppError::conflict(
            "conflict_pending",
            "Bản ghi đang có thay đổi xung đột chưa giải quyết, vui lòng giải quyết trước khi duyệt",
        ));
    }
    if r.decision == Decision::Approve && entered_by.as_deref() == Some(r.user.id.as_str()) {
        return Err(AppError::conflict(
            "own_entry",
            "Không thể tự duyệt báo cáo do chính mình nhập hộ; cần một cán bộ khác duyệt",
        ));
    }
    let at = next_change_at(&mut tx, commune, now_ms()).await?;
    let ver = next_version(&mut tx, commune).await?;
    let new_state = r.decision.state();
    sqlx::query("UPDATE records SET state = ?, comment = ?, updated_at = ?, ver = ? WHERE commune_id = ? AND id = ?")
        .bind(sothon_domain::api::state_str(new_state))
        .bind(r.comment)
        .bind(at)
        .bind(ver)
        .bind(commune)
        .bind(r.record)
        .execute(&mut *tx)
        .await?;
    let id = super::new_id();
    sqlx::query(
        "INSERT INTO reviews (commune_id, id, record_id, rev, decision, comment, user_id, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(commune)
    .bind(&id)
    .bind(r.record)
    .bind(rev)
    .bind(r.decision.as_str())
    .bind(r.comment)
    .bind(&r.user.id)
    // The record's new change time: strictly increasing in the commune, so
    // the history has an order even when two decisions share a millisecond.
    .bind(at)
    .execute(&mut *tx)
    .await?;
    let detail = match r.decision {
        Decision::Approve => format!("Duyệt phiên bản {rev}"),
        Decision::Return => format!("Trả lại phiên bản {rev}: {}", r.comment),
    };
    let action = match r.decision {
        Decision::Approve => AuditAction::Approve,
        Decision::Return => AuditAction::Return,
    };
    let entry = NewAudit {
        commune,
        user_id: &r.user.id,
        action,
        subject: r.record,
        record: Some(r.record),
        village: Some(&village),
        detail: &detail,
    };
    super::audit::record(&mut tx, &entry, at).await?;
    tx.commit().await?;
    Ok(Reviewed {
        id,
        record: r.record.to_string(),
        village,
        rev,
        state: new_state,
        receipt,
        comment: r.comment.to_string(),
        updated_at: at,
    })
}

#[derive(sqlx::FromRow)]
struct ReviewRow {
    id: String,
    rev: i64,
    decision: String,
    comment: String,
    username: String,
    name: String,
    at: i64,
}

/// The village of a record of `commune`, if it exists.
pub async fn record_village(db: &SqlitePool, commune: &str, record: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT village_id FROM records WHERE commune_id = ? AND id = ?")
        .bind(commune)
        .bind(record)
        .fetch_optional(db)
        .await
}

/// A record's review history, oldest first.
pub async fn history(db: &SqlitePool, commune: &str, record: &str) -> sqlx::Result<Vec<ReviewEntry>> {
    let rows: Vec<ReviewRow> = sqlx::query_as(
        "SELECT v.id, v.rev, v.decision, v.comment, u.username, u.name, v.at
         FROM reviews v JOIN users u ON u.id = v.user_id
         WHERE v.commune_id = ? AND v.record_id = ?
         ORDER BY v.at",
    )
    .bind(commune)
    .bind(record)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(ReviewEntry {
                decision: Decision::parse(&r.decision)?,
                id: r.id,
                rev: r.rev,
                comment: r.comment,
                username: r.username,
                name: r.name,
                at: r.at,
            })
        })
        .collect())
}
