//! What a province account reads: how its communes stand for a period
//! (`GET /api/v1/province/overview`) and the figures over all of them
//! (`GET /api/v1/province/figures`). Nothing of a village, no decision.

use super::office::PeriodQuery;
use super::records::parse_period;
use crate::auth::ProvinceUser;
use crate::db::{office as office_db, units};
use crate::error::{ApiQuery, AppResult};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use sothon_domain::api::{CommuneFigures, ProvinceCommune, ProvinceOverview, Summary};

/// Each commune of the province: its counts over its villages for the period.
pub(crate) async fn overview(
    State(state): State<AppState>,
    ProvinceUser(user): ProvinceUser,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> AppResult<Json<ProvinceOverview>> {
    let period = parse_period(&q.period)?;
    let mut summary = Summary::default();
    let mut communes = Vec::new();
    for (id, name) in units::communes_of(&state.db, &user.commune).await? {
        let o = office_db::overview(&state.db, &id, period).await?;
        summary.add(&o.summary);
        communes.push(ProvinceCommune { commune: id, name, due: o.due, summary: o.summary });
    }
    Ok(Json(ProvinceOverview {
        name: units::name(&state.db, &user.commune).await?,
        province: user.commune,
        period,
        label: period.label_vi(),
        summary,
        communes,
    }))
}

/// The figures of the period over every village of the province's communes
/// (`approved_only=true`: their approved reports only).
pub(crate) async fn figures(
    State(state): State<AppState>,
    ProvinceUser(user): ProvinceUser,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> AppResult<Json<CommuneFigures>> {
    let period = parse_period(&q.period)?;
    let total = office_db::village_count_of_province(&state.db, &user.commune).await?;
    let reports = office_db::reports_of_province(&state.db, &user.commune, period, q.approved_only).await?;
    Ok(Json(office_db::figures(period, &reports, total, q.approved_only)?))
}
