//! `GET /api/v1/records`: the stored records, for the commune office (and
//! for end-to-end tests to check that each report arrived exactly once).

use crate::auth::AuthUser;
use crate::db::{accounts, records};
use crate::error::{ApiQuery, AppError, AppResult};
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use sothon_domain::Period;

/// `/records`.
pub fn router() -> Router<AppState> {
    Router::new().route("/records", get(list))
}

/// Filters; both optional.
#[derive(Debug, Deserialize)]
pub struct RecordsQuery {
    /// One village; village-scoped users get theirs when it is left out.
    pub village: Option<String>,
    /// One period (`2026-11`, `2026-Q4`, …).
    pub period: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<RecordsQuery>,
) -> AppResult<Json<Vec<records::RecordRow>>> {
    let village = match q.village {
        Some(v) => {
            if accounts::village_commune(&state.db, &v).await?.as_deref() != Some(user.commune.as_str()) {
                return Err(AppError::NotFound(format!("Không có thôn {v}")));
            }
            if !user.may_use_village(&v) {
                return Err(AppError::Forbidden("Tài khoản này không được xem báo cáo của thôn này".into()));
            }
            Some(v)
        }
        None => user.village_scope().map(str::to_string),
    };
    let period = match q.period {
        Some(p) => {
            Some(Period::parse(&p).map_err(|e| AppError::bad_request("bad_request", e.to_string()))?.to_string())
        }
        None => None,
    };
    let rows = records::list(&state.db, &user.commune, village.as_deref(), period.as_deref()).await?;
    Ok(Json(rows))
}
