//! The commune office's desk: the completeness grid
//! (`GET /api/v1/completeness`) and the incidents desk (`GET /api/v1/incidents`,
//! `GET /api/v1/incidents/{id}`, `POST /api/v1/incidents/{id}/steps`). For
//! officers and admins of the commune; another commune's incident is 404.

use crate::auth::OfficeUser;
use crate::db::incidents::{self, NewStep};
use crate::error::{ApiJson, ApiPath, ApiQuery, AppError, AppResult};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use sothon_domain::completeness::{default_count, Completeness, MAX_COUNT};
use sothon_domain::handling::{DeskIncident, Step, StepRequest, MAX_NOTE};
use sothon_domain::{FieldError, PeriodKind};

/// `?kind=month|quarter|half|year` (default `month`) and `count` (1–24,
/// default 12 months, 4 quarters, 2 half-years or 2 years).
#[derive(Debug, Deserialize)]
pub struct GridQuery {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub count: Option<usize>,
}

/// Villages × periods with each cell's state and the rates per period.
pub(crate) async fn completeness(
    State(state): State<AppState>,
    OfficeUser(user): OfficeUser,
    ApiQuery(q): ApiQuery<GridQuery>,
) -> AppResult<Json<Completeness>> {
    let kind = match q.kind.as_deref() {
        None | Some("month") => PeriodKind::Month,
        Some("quarter") => PeriodKind::Quarter,
        Some("half") => PeriodKind::Half,
        Some("year") => PeriodKind::Year,
        Some(_) => {
            return Err(AppError::bad_request("bad_request", "Loại kỳ phải là month, quarter, half hoặc year"));
        }
    };
    let count = q.count.unwrap_or_else(|| default_count(kind));
    if !(1..=MAX_COUNT).contains(&count) {
        return Err(AppError::bad_request("bad_request", format!("Số kỳ phải từ 1 đến {MAX_COUNT}")));
    }
    let today = sothon_domain::format::vn_date(crate::db::now_ms());
    Ok(Json(crate::db::completeness::grid(&state.db, &user.commune, kind, count, today).await?))
}

/// Every incident of the commune: open first, most severe, newest.
pub(crate) async fn list_incidents(
    State(state): State<AppState>,
    OfficeUser(user): OfficeUser,
) -> AppResult<Json<Vec<DeskIncident>>> {
    Ok(Json(incidents::list(&state.db, &user.commune).await?))
}

/// One incident with its steps.
pub(crate) async fn incident(
    State(state): State<AppState>,
    OfficeUser(user): OfficeUser,
    ApiPath(id): ApiPath<String>,
) -> AppResult<Json<DeskIncident>> {
    incidents::one(&state.db, &user.commune, &id)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("Không có sự cố {id}")))
}

/// Takes the next step on an incident, with a note for the village.
pub(crate) async fn take_step(
    State(state): State<AppState>,
    OfficeUser(user): OfficeUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<StepRequest>,
) -> AppResult<Json<DeskIncident>> {
    let step = Step::parse(&req.step);
    let note = req.note.trim();
    let mut errs = Vec::new();
    if step.is_none() {
        errs.push(FieldError::new("step", "choice", "Bước phải là acknowledged, handling hoặc handled"));
    }
    if note.is_empty() {
        errs.push(FieldError::new("note", "required", "Vui lòng ghi nội dung để thôn biết xã đã làm gì"));
    } else if note.chars().count() > MAX_NOTE {
        errs.push(FieldError::limit("note", "too_long", MAX_NOTE as f64, "Quá dài, tối đa số ký tự là"));
    }
    let Some(step) = step.filter(|_| errs.is_empty()) else {
        return Err(AppError::Invalid(errs));
    };
    Ok(Json(incidents::take_step(&state.db, &NewStep { user: &user, record: &id, step, note }).await?))
}
