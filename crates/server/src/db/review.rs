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
//! A return has a reason and may comment on individual fields
//! (`review_fields`, checked against the report by
//! `sothon_domain::review::check_return`: 422 and nothing written when one
//! names a field the report does not have). Each decision keeps the body it
//! was taken on (`reviews.body`), so the review sheet ([`sheet`]) can show
//! exactly what changed since the last return.
//!
//! An approved record is locked: later pushes are kept as conflicts (see
//! `db::sync`). A returned record comes back as `received` when the village
//! sends a corrected revision, which clears the comment (it was about the
//! old revision; the history keeps it).

use super::audit::NewAudit;
use super::{next_change_at, next_version, now_ms, retry};
use super::{AsConn, Db, Writer};
use super::{DbError, DbResult};
use crate::auth::AuthUser;
use sothon_domain::api::{AuditAction, FieldComment, ReturnNote, ReviewSheet};
use sothon_domain::catalogue::current as catalogue;
use sothon_domain::protocol::Body;
use sothon_domain::review::{changes, check_return, normalise, resubmitted};
use sothon_domain::{Period, Report};

pub use sothon_domain::api::{Decision, ReviewEntry, Reviewed};

/// A checked decision to apply.
pub struct NewReview<'a> {
    /// An officer or admin; the record must be in this user's commune.
    pub user: &'a AuthUser,
    pub record: &'a str,
    pub decision: Decision,
    /// Trimmed; non-empty for a return.
    pub comment: &'a str,
    /// A return's comments on individual fields.
    pub fields: &'a [FieldComment],
    /// The revision the decision was taken on.
    pub rev: i64,
}

/// Applies a decision in one transaction: 404 if the record is not in the
/// user's commune, 422 if its reason or field comments do not fit the
/// report, 409 `stale` if it is no longer at `rev`, 409 `conflict_pending`
/// while an edit waits in conflict beside it.
pub async fn review(db: &Db, r: &NewReview<'_>) -> DbResult<Reviewed> {
    retry(|| review_once(db, r)).await
}

async fn review_once(db: &Db, r: &NewReview<'_>) -> DbResult<Reviewed> {
    with_pool!(db, db => {
        let commune = r.user.commune.as_str();
        let mut tx = db.begin_write().await?;
        let current: Option<(i64, String, String, String, Option<String>, String)> = sqlx::query_as(
            "SELECT rev, state, village_id, receipt, entered_by, body FROM records WHERE commune_id = $1 AND id = $2",
        )
        .bind(commune)
        .bind(r.record)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((rev, state, village, receipt, entered_by, body)) = current else {
            return Err(DbError::NotFound(format!("Không có bản ghi {}", r.record)));
        };
        let cat = catalogue();
        let fields = match serde_json::from_str::<Body>(&body) {
            Ok(Body::Report(report)) => {
                let errs = check_return(cat, &report, r.decision, r.comment, r.fields);
                if !errs.is_empty() {
                    return Err(DbError::Invalid(errs));
                }
                normalise(cat, r.fields)
            }
            // Incidents and activities are reviewed as a whole.
            Ok(_) if r.fields.is_empty() => Vec::new(),
            Ok(_) => {
                let e = sothon_domain::FieldError::new("fields", "invalid", "Chỉ báo cáo định kỳ có ý kiến từng mục");
                return Err(DbError::Invalid(vec![e]));
            }
            Err(e) => return Err(DbError::corrupt(format!("record {} body: {e}", r.record))),
        };
        if rev != r.rev {
            return Err(DbError::conflict(
                "stale",
                format!("Bản ghi đã có phiên bản mới ({rev}), vui lòng tải lại trước khi duyệt"),
            ));
        }
        if state == "conflict" {
            return Err(DbError::conflict(
                "conflict_pending",
                "Bản ghi đang có thay đổi xung đột chưa giải quyết, vui lòng giải quyết trước khi duyệt",
            ));
        }
        if r.decision == Decision::Approve && entered_by.as_deref() == Some(r.user.id.as_str()) {
            return Err(DbError::conflict(
                "own_entry",
                "Không thể tự duyệt báo cáo do chính mình nhập hộ; cần một cán bộ khác duyệt",
            ));
        }
        let at = next_change_at(&mut tx, commune, now_ms()).await?;
        let ver = next_version(&mut tx, commune).await?;
        let new_state = r.decision.state();
        sqlx::query("UPDATE records SET state = $1, comment = $2, updated_at = $3, ver = $4 WHERE commune_id = $5 AND id = $6")
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
            "INSERT INTO reviews (commune_id, id, record_id, rev, decision, comment, user_id, at, body)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
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
        .bind(&body)
        .execute(&mut *tx)
        .await?;
        for (pos, f) in fields.iter().enumerate() {
            sqlx::query("INSERT INTO review_fields (commune_id, review_id, field, comment, pos) VALUES ($1, $2, $3, $4, $5)")
                .bind(commune)
                .bind(&id)
                .bind(&f.field)
                .bind(&f.comment)
                .bind(pos as i64)
                .execute(&mut *tx)
                .await?;
        }
        let detail = match r.decision {
            Decision::Approve => format!("Duyệt phiên bản {rev}"),
            Decision::Return if fields.is_empty() => format!("Trả lại phiên bản {rev}: {}", r.comment),
            Decision::Return => {
                let named: Vec<String> = fields
                    .iter()
                    .map(|f| {
                        format!("{}: {}", cat.indicator(&f.field).map_or(f.field.as_str(), |i| i.vi.as_str()), f.comment)
                    })
                    .collect();
                format!("Trả lại phiên bản {rev}: {} — {}", r.comment, named.join("; "))
            }
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
pub async fn record_village(db: &Db, commune: &str, record: &str) -> DbResult<Option<String>> {
    with_pool!(db, db => {
        Ok(sqlx::query_scalar("SELECT village_id FROM records WHERE commune_id = $1 AND id = $2")
            .bind(commune)
            .bind(record)
            .fetch_optional(db)
            .await?)
    })
}

/// A record's review history, oldest first, each return with its field
/// comments.
pub async fn history(db: &Db, commune: &str, record: &str) -> DbResult<Vec<ReviewEntry>> {
    with_pool!(db, db => {
        let mut conn = db.acquire().await?;
        history_on(&mut conn, commune, record).await
    })
}

async fn history_on(conn: &mut impl AsConn, commune: &str, record: &str) -> DbResult<Vec<ReviewEntry>> {
    with_conn!(conn, conn => {
        let fields: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT f.review_id, f.field, f.comment
             FROM review_fields f JOIN reviews v ON v.commune_id = f.commune_id AND v.id = f.review_id
             WHERE f.commune_id = $1 AND v.record_id = $2
             ORDER BY f.review_id, f.pos",
        )
        .bind(commune)
        .bind(record)
        .fetch_all(&mut *conn)
        .await?;
        let rows: Vec<ReviewRow> = sqlx::query_as(
            "SELECT v.id, v.rev, v.decision, v.comment, u.username, u.name, v.at
             FROM reviews v JOIN users u ON u.id = v.user_id
             WHERE v.commune_id = $1 AND v.record_id = $2
             ORDER BY v.at",
        )
        .bind(commune)
        .bind(record)
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(ReviewEntry {
                    decision: Decision::parse(&r.decision)?,
                    fields: fields
                        .iter()
                        .filter(|(rv, _, _)| *rv == r.id)
                        .map(|(_, field, comment)| FieldComment { field: field.clone(), comment: comment.clone() })
                        .collect(),
                    id: r.id,
                    rev: r.rev,
                    comment: r.comment,
                    username: r.username,
                    name: r.name,
                    at: r.at,
                })
            })
            .collect())
    })
}

/// The field comments of a record's latest decision when it is a return
/// (what the village's phone shows beside the flagged fields).
pub async fn return_fields(db: &Db, commune: &str, record: &str) -> DbResult<Vec<FieldComment>> {
    with_pool!(db, db => {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT f.field, f.comment FROM review_fields f
             WHERE f.commune_id = $1 AND f.review_id = (
                 SELECT v.id FROM reviews v WHERE v.commune_id = $2 AND v.record_id = $3 AND v.decision = 'return'
                   AND v.at = (SELECT MAX(w.at) FROM reviews w WHERE w.commune_id = v.commune_id AND w.record_id = v.record_id))
             ORDER BY f.pos",
        )
        .bind(commune)
        .bind(commune)
        .bind(record)
        .fetch_all(db)
        .await?;
        Ok(rows.into_iter().map(|(field, comment)| FieldComment { field, comment }).collect())
    })
}

#[derive(sqlx::FromRow)]
struct SheetRow {
    rev: i64,
    state: String,
    receipt: String,
    updated_at: i64,
    body: String,
    entered_by: Option<String>,
}

/// The review sheet of `village`'s report for `period` in `commune`: `None`
/// when the village is not the commune's, or has not reported. Read in one
/// transaction, so the revision, body and history agree.
pub async fn sheet(db: &Db, commune: &str, village: &str, period: Period) -> DbResult<Option<ReviewSheet>> {
    with_pool!(db, db => {
        let mut tx = db.begin_write().await?;
        let name: Option<String> = sqlx::query_scalar("SELECT name FROM villages WHERE commune_id = $1 AND id = $2")
            .bind(commune)
            .bind(village)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(village_name) = name else { return Ok(None) };
        let record = Report::record_id(village, &period);
        let report = |commune: &str, id: &str| {
            sqlx::query_as::<_, SheetRow>(
                "SELECT r.rev, r.state, r.receipt, r.updated_at, r.body, u.name AS entered_by
                 FROM records r LEFT JOIN users u ON u.id = r.entered_by
                 WHERE r.commune_id = $1 AND r.id = $2",
            )
            .bind(commune.to_string())
            .bind(id.to_string())
        };
        let Some(row) = report(commune, &record).fetch_optional(&mut *tx).await? else { return Ok(None) };
        let as_report = |json: &str| match serde_json::from_str::<Body>(json) {
            Ok(Body::Report(r)) => Ok(r),
            Ok(_) => Err(DbError::corrupt(format!("record {record} is not a report"))),
            Err(e) => Err(DbError::corrupt(format!("record {record} body: {e}"))),
        };
        let body = as_report(&row.body)?;
        let previous_period = period.prev();
        let previous = match report(commune, &Report::record_id(village, &previous_period)).fetch_optional(&mut *tx).await?
        {
            Some(p) => Some(as_report(&p.body)?),
            None => None,
        };
        let state = sothon_domain::api::parse_state(&row.state)
            .ok_or_else(|| DbError::corrupt(format!("record {record} has state {}", row.state)))?;
        let history = history_on(&mut tx, commune, &record).await?;
        let last_return = history.iter().rev().find(|e| e.decision == Decision::Return);
        let returned_body: Option<String> = match last_return {
            Some(e) => {
                sqlx::query_scalar("SELECT body FROM reviews WHERE commune_id = $1 AND id = $2")
                    .bind(commune)
                    .bind(&e.id)
                    .fetch_one(&mut *tx)
                    .await?
            }
            None => None,
        };
        tx.commit().await?;
        let changed_since_return = match (last_return, returned_body) {
            (Some(e), Some(b)) if e.rev != row.rev => changes(catalogue(), &as_report(&b)?, &body),
            _ => Vec::new(),
        };
        let returned = last_return.map(|e| ReturnNote {
            rev: u32::try_from(e.rev).unwrap_or(0),
            reason: e.comment.clone(),
            fields: e.fields.clone(),
            by: e.name.clone(),
            at: e.at,
        });
        Ok(Some(ReviewSheet {
            resubmitted: resubmitted(state, &history),
            record,
            village: village.to_string(),
            village_name,
            period,
            rev: u32::try_from(row.rev).unwrap_or(0),
            state,
            receipt: row.receipt,
            updated_at: row.updated_at,
            entered_by: row.entered_by,
            body,
            previous_period,
            previous,
            returned,
            changed_since_return,
            history,
        }))
    })
}
