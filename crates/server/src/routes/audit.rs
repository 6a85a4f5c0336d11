//! The audit trail: `GET /api/v1/audit`, for the commune office. Newest
//! first; `?record=` for one record's trail, `?village=`, `?action=`,
//! `?before=` (server ms, to page back) and `?limit=` (1–1000, default 200).

use crate::auth::OfficeUser;
use crate::db::audit::{self, Filter};
use crate::error::{ApiQuery, AppError, AppResult};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use sothon_domain::api::{AuditAction, AuditEntry};
use sothon_domain::FieldError;

/// The trail's filters, as the query string spells them.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    pub record: Option<String>,
    pub village: Option<String>,
    pub action: Option<String>,
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

/// Most lines one answer holds.
pub const MAX_AUDIT_LIMIT: i64 = 1000;

pub(crate) async fn list(
    State(state): State<AppState>,
    OfficeUser(user): OfficeUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> AppResult<Json<Vec<AuditEntry>>> {
    let mut errs = Vec::new();
    let action = match q.action.as_deref() {
        None | Some("") => None,
        Some(a) => {
            let parsed = AuditAction::parse(a);
            if parsed.is_none() {
                errs.push(FieldError::new("action", "choice", "Loại thao tác không có trong danh sách"));
            }
            parsed
        }
    };
    let limit = q.limit.unwrap_or(200);
    if !(1..=MAX_AUDIT_LIMIT).contains(&limit) {
        errs.push(FieldError::limit("limit", "range", MAX_AUDIT_LIMIT as f64, "Số dòng từ 1 đến"));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let f = Filter { record: q.record.as_deref(), village: q.village.as_deref(), action, before: q.before, limit };
    Ok(Json(audit::list(&state.db, &user.commune, &f).await?))
}
