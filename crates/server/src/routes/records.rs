//! `GET /api/v1/records`: the stored records, for the commune office (and
//! for end-to-end tests to check that each report arrived exactly once).

use crate::auth::AuthUser;
use crate::db::{accounts, records};
use crate::error::{ApiQuery, AppError, AppResult};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use sothon_domain::Period;

/// Filters; both optional.
#[derive(Debug, Deserialize)]
pub struct RecordsQuery {
    /// One village; village-scoped users get theirs when it is left out.
    pub village: Option<String>,
    /// One period (`2026-11`, `2026-Q4`, …).
    pub period: Option<String>,
}

/// The village a listing is limited to: the one asked for (404 if it is not
/// a village of the user's commune, 403 if the user may not see it), or
/// else the user's own village for village-scoped roles, or `None` (the
/// whole commune).
pub(crate) async fn scope_village(
    state: &AppState,
    user: &AuthUser,
    asked: Option<String>,
) -> AppResult<Option<String>> {
    match asked {
        Some(v) => {
            if !accounts::village_exists(&state.db, &user.commune, &v).await? {
                return Err(AppError::NotFound(format!("Không có thôn {v}")));
            }
            if !user.may_use_village(&v) {
                return Err(AppError::Forbidden("Tài khoản này không được xem báo cáo của thôn này".into()));
            }
            Ok(Some(v))
        }
        None => Ok(user.village_scope().map(str::to_string)),
    }
}

/// A period from a query string; 400 `bad_request` if it does not parse.
pub(crate) fn parse_period(p: &str) -> AppResult<Period> {
    Period::parse(p).map_err(|e| AppError::bad_request("bad_request", e.to_string()))
}

pub(crate) async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<RecordsQuery>,
) -> AppResult<Json<Vec<records::RecordRow>>> {
    let village = scope_village(&state, &user, q.village).await?;
    let period = q.period.as_deref().map(parse_period).transpose()?.map(|p| p.to_string());
    let rows = records::list(&state.db, &user.commune, village.as_deref(), period.as_deref()).await?;
    Ok(Json(rows))
}
