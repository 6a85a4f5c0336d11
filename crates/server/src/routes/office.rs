//! The commune office's work on the villages' records: review decisions
//! (`POST /api/v1/records/{id}/review`, history at `GET …/reviews`, the
//! field-by-field sheet at `GET /api/v1/review/{village}/{period}`), the
//! overview of who has reported (`GET /api/v1/overview`) and the commune
//! figures (`GET /api/v1/aggregate`).

use super::records::parse_period;
use crate::auth::{AuthUser, OfficeUser};
use crate::db::office::{self as office_db, CommuneFigures, Overview};
use crate::db::review::{self as review_db, Decision, NewReview, ReviewEntry, Reviewed};
use crate::error::{ApiJson, ApiPath, ApiQuery, AppError, AppResult};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use sothon_domain::api::ReviewSheet;
use sothon_domain::catalogue::MAX_TEXT;
use sothon_domain::FieldError;

pub use sothon_domain::api::{DueRequest, ReviewRequest};

/// Officers and admins approve or return one revision of a record.
pub(crate) async fn review(
    State(state): State<AppState>,
    OfficeUser(user): OfficeUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ReviewRequest>,
) -> AppResult<Json<Reviewed>> {
    let comment = req.comment.trim();
    let Some(decision) = Decision::parse(&req.decision) else {
        let mut fields =
            vec![FieldError::new("decision", "choice", "Quyết định phải là approve (duyệt) hoặc return (trả lại)")];
        if comment.chars().count() > MAX_TEXT {
            fields.push(FieldError::limit("comment", "too_long", MAX_TEXT as f64, "Quá dài, tối đa số ký tự là"));
        }
        return Err(AppError::Invalid(fields));
    };
    // The reason and the field comments are checked against the report
    // itself, inside the decision's transaction (db::review).
    let r = NewReview { user: &user, record: &id, decision, comment, fields: &req.fields, rev: i64::from(req.rev) };
    Ok(Json(review_db::review(&state.db, &r).await?))
}

/// The review sheet of a village's report for a period: the commune office,
/// or the village's own accounts (403 for another village; 404 when the
/// village is not the commune's or has not reported).
pub(crate) async fn sheet(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath((village, period)): ApiPath<(String, String)>,
) -> AppResult<Json<ReviewSheet>> {
    let period = parse_period(&period)?;
    if !user.may_use_village(&village) {
        return Err(AppError::forbidden("Tài khoản này không được xem báo cáo của thôn này"));
    }
    review_db::sheet(&state.db, &user.commune, &village, period)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("Thôn {village} chưa có báo cáo kỳ {period}")))
}

/// A record's review history, for anyone who may see the record.
pub(crate) async fn reviews(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> AppResult<Json<Vec<ReviewEntry>>> {
    let village = review_db::record_village(&state.db, &user.commune, &id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Không có bản ghi {id}")))?;
    if !user.may_use_village(&village) {
        return Err(AppError::forbidden("Tài khoản này không được xem báo cáo của thôn này"));
    }
    Ok(Json(review_db::history(&state.db, &user.commune, &id).await?))
}

/// `?period=2026-11` (required) for the overview and the aggregate;
/// `approved_only=true` counts only approved reports in the aggregate.
#[derive(Debug, Deserialize)]
pub struct PeriodQuery {
    pub period: String,
    #[serde(default)]
    pub approved_only: bool,
}

/// Every village of the commune and where its report for the period stands.
pub(crate) async fn overview(
    State(state): State<AppState>,
    OfficeUser(user): OfficeUser,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> AppResult<Json<Overview>> {
    let period = parse_period(&q.period)?;
    Ok(Json(office_db::overview(&state.db, &user.commune, period).await?))
}

/// Sets the due date of a period for the commune; phones get it with their
/// next pull.
pub(crate) async fn set_due(
    State(state): State<AppState>,
    OfficeUser(user): OfficeUser,
    ApiJson(req): ApiJson<DueRequest>,
) -> AppResult<Json<sothon_domain::protocol::DueDate>> {
    let mut errs = Vec::new();
    let period = sothon_domain::Period::parse(&req.period).ok();
    if period.is_none() {
        errs.push(FieldError::new("period", "invalid", "Kỳ báo cáo không hợp lệ"));
    }
    let due = sothon_domain::format::parse_date_iso(&req.due);
    match (period, due) {
        (_, None) => errs.push(FieldError::new("due", "invalid", "Ngày không hợp lệ (dạng 2026-12-05)")),
        (Some(p), Some(d)) if d < p.start() || d > p.end() + chrono::Days::new(366) => {
            errs.push(FieldError::new("due", "range", "Hạn nộp phải sau ngày đầu kỳ và không quá một năm sau kỳ"))
        }
        _ => {}
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let d = sothon_domain::protocol::DueDate { period: period.expect("checked"), due: due.expect("checked") };
    crate::db::due::set(&state.db, &user.commune, &d, &user.id).await?;
    Ok(Json(d))
}

/// The commune figures of the period (`sothon_domain::aggregate`).
pub(crate) async fn aggregate(
    State(state): State<AppState>,
    OfficeUser(user): OfficeUser,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> AppResult<Json<CommuneFigures>> {
    let period = parse_period(&q.period)?;
    Ok(Json(office_db::aggregate(&state.db, &user.commune, period, q.approved_only).await?))
}
