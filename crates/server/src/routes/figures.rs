//! The commune's figures beyond one period's aggregate, for officers and
//! admins of the commune (nobody sees another commune's): the breakdown by
//! village (`GET /api/v1/aggregate/villages`), the trend of one indicator
//! (`GET /api/v1/aggregate/trend`), the 2026–2030 targets and progress
//! (`GET /api/v1/targets`; the admin sets them with `POST`), the exports
//! (`GET /api/v1/export/{what}`) and what the printable periodic report is
//! made of (`GET /api/v1/print`). The rules are `sothon_domain::figures` and
//! `periodic`; the tables `crate::export`.

use super::records::parse_period;
use crate::auth::{AdminUser, OfficeUser};
use crate::db::figures as fig_db;
use crate::db::targets::{self as targets_db, NewTarget};
use crate::error::{ApiJson, ApiPath, ApiQuery, AppError, AppResult};
use crate::export::{self, FileFormat, What};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use sothon_domain::api::{
    ByVillage, IncidentLine, PrintData, TargetEntry, TargetRequest, Targets, Trend, VillageColumn, VillageNotes,
};
use sothon_domain::figures::{self, is_numeric, last_periods, year_to_date, MAX_TREND, TARGET_YEARS};
use sothon_domain::format::vn_date;
use sothon_domain::protocol::Body;
use sothon_domain::{catalogue, FieldError, Period, PeriodKind, Report};

/// Today's date in Vietnam, by the server's clock.
fn today() -> chrono::NaiveDate {
    vn_date(crate::db::now_ms())
}

/// `?period=2026-11&approved_only=true`.
#[derive(Debug, Deserialize)]
pub struct PeriodQuery {
    pub period: String,
    #[serde(default)]
    pub approved_only: bool,
}

/// Every numeric indicator of the period, village by village.
pub(crate) async fn by_village(
    State(state): State<AppState>,
    OfficeUser(user): OfficeUser,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> AppResult<Json<ByVillage>> {
    let period = parse_period(&q.period)?;
    let villages = fig_db::villages(&state.db, &user.commune).await?;
    let all = fig_db::reports(&state.db, &user.commune, &[period], false).await?;
    let columns = villages
        .into_iter()
        .map(|(village, name)| {
            let state = all
                .iter()
                .find(|(r, _)| r.village == village)
                .map(|(_, s)| *s)
                .filter(|s| !q.approved_only || *s == sothon_domain::protocol::RecordState::Approved);
            VillageColumn { village, name, state }
        })
        .collect();
    let counted: Vec<Report> = all
        .into_iter()
        .filter(|(_, s)| !q.approved_only || *s == sothon_domain::protocol::RecordState::Approved)
        .map(|(r, _)| r)
        .collect();
    let b = figures::by_village(catalogue::current(), period, q.approved_only, columns, &counted)
        .map_err(anyhow::Error::msg)?;
    Ok(Json(b))
}

/// `?indicator=ds_sessions&kind=month&count=12&end=2026-11&approved_only=false`.
#[derive(Debug, Deserialize)]
pub struct TrendQuery {
    pub indicator: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub count: Option<u32>,
    /// The last period (default: the one of `kind` containing today).
    #[serde(default)]
    pub end: Option<String>,
    #[serde(default)]
    pub approved_only: bool,
}

fn parse_kind(s: &str) -> Option<PeriodKind> {
    // The spelling of its serde name (`month`, `quarter`, `half`, `year`).
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}

/// One indicator's commune figure over the last periods.
pub(crate) async fn trend(
    State(state): State<AppState>,
    OfficeUser(user): OfficeUser,
    ApiQuery(q): ApiQuery<TrendQuery>,
) -> AppResult<Json<Trend>> {
    let cat = catalogue::current();
    let mut errs = Vec::new();
    let ind = cat.indicator(&q.indicator).filter(|i| !i.retired && is_numeric(i));
    if ind.is_none() {
        errs.push(FieldError::new("indicator", "unknown", "Chỉ tiêu không có trong danh mục hoặc không phải là số"));
    }
    let kind = match q.kind.as_deref() {
        None => Some(PeriodKind::Month),
        Some(k) => parse_kind(k),
    };
    if kind.is_none() {
        errs.push(FieldError::new("kind", "choice", "Loại kỳ phải là month, quarter, half hoặc year"));
    }
    let count = q.count.unwrap_or(12);
    if !(1..=MAX_TREND).contains(&count) {
        errs.push(FieldError::limit("count", "range", f64::from(MAX_TREND), "Số kỳ phải từ 1 đến"));
    }
    let end = match (&q.end, kind) {
        (Some(e), Some(k)) => match Period::parse(e) {
            Ok(p) if p.kind() == k => Some(p),
            _ => {
                errs.push(FieldError::new("end", "invalid", "Kỳ cuối không hợp lệ hoặc không cùng loại kỳ"));
                None
            }
        },
        (None, Some(k)) => Some(Period::containing(k, today())),
        _ => None,
    };
    let (Some(ind), Some(kind), Some(end)) = (ind, kind, end) else { return Err(AppError::Invalid(errs)) };
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let periods = last_periods(end, count);
    let total = fig_db::villages(&state.db, &user.commune).await?.len();
    let reports: Vec<Report> = fig_db::reports(&state.db, &user.commune, &periods, q.approved_only)
        .await?
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    let points = figures::trend(cat, ind, &periods, &reports, total).map_err(anyhow::Error::msg)?;
    Ok(Json(Trend { indicator: ind.key.clone(), kind, approved_only: q.approved_only, points }))
}

/// `?year=2026&approved_only=false`.
#[derive(Debug, Deserialize)]
pub struct TargetsQuery {
    #[serde(default)]
    pub year: Option<i32>,
    #[serde(default)]
    pub approved_only: bool,
}

/// The commune's targets and the progress of `year` (default: this year,
/// within 2026–2030).
pub(crate) async fn targets(
    State(state): State<AppState>,
    OfficeUser(user): OfficeUser,
    ApiQuery(q): ApiQuery<TargetsQuery>,
) -> AppResult<Json<Targets>> {
    let year = q.year.unwrap_or_else(|| {
        use chrono::Datelike;
        today().year().clamp(*TARGET_YEARS.start(), *TARGET_YEARS.end())
    });
    if !TARGET_YEARS.contains(&year) {
        return Err(AppError::Invalid(vec![FieldError::new(
            "year",
            "range",
            "Năm của mục tiêu phải từ 2026 đến 2030 (theo Kế hoạch)",
        )]));
    }
    Ok(Json(targets_of(&state, &user.commune, year, q.approved_only).await?))
}

async fn targets_of(state: &AppState, commune: &str, year: i32, approved_only: bool) -> anyhow::Result<Targets> {
    let cat = catalogue::current();
    let targets = targets_db::list(&state.db, commune).await?;
    let villages = fig_db::villages(&state.db, commune).await?;
    let reports: Vec<Report> = fig_db::reports(&state.db, commune, &fig_db::periods_of_year(year), approved_only)
        .await?
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    let values = year_to_date(cat, year, &reports);
    let progress = figures::progress(cat, year, &targets, &villages, &values);
    Ok(Targets { year, approved_only, targets, progress })
}

/// The admin sets (or changes) one target; 422 with field errors and
/// nothing written when the indicator, year or value is off.
pub(crate) async fn set_target(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    ApiJson(req): ApiJson<TargetRequest>,
) -> AppResult<Json<TargetEntry>> {
    let op = figures::validate_target(catalogue::current(), &req).map_err(AppError::Invalid)?;
    let at = crate::db::now_ms();
    let t = NewTarget {
        commune: &user.commune,
        user_id: &user.id,
        indicator: &req.indicator,
        year: req.year,
        value: req.value,
        op,
    };
    targets_db::set(&state.db, &t, at).await?;
    Ok(Json(TargetEntry {
        indicator: req.indicator,
        year: req.year,
        value: req.value,
        op,
        set_by: user.name,
        set_at: at,
    }))
}

/// `?period=2026-11&format=xlsx&approved_only=false`.
#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    pub period: String,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub approved_only: bool,
}

/// A table of the period as CSV or XLSX, named after the commune and period.
pub(crate) async fn export(
    State(state): State<AppState>,
    OfficeUser(user): OfficeUser,
    ApiPath(what): ApiPath<String>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> AppResult<Response> {
    let what = What::parse(&what).ok_or_else(|| {
        AppError::NotFound(format!("Không có bảng “{what}” để xuất (reports, incidents, activities, aggregate)"))
    })?;
    let period = parse_period(&q.period)?;
    let fmt = FileFormat::parse(q.format.as_deref().unwrap_or("xlsx")).ok_or_else(|| {
        AppError::Invalid(vec![FieldError::new("format", "choice", "Định dạng phải là csv hoặc xlsx")])
    })?;
    let cat = catalogue::current();
    let months: Vec<String> = crate::db::office::months_of(period);
    let sheet = match what {
        What::Reports => {
            let stored =
                fig_db::stored(&state.db, &user.commune, "report", &[period.to_string()], q.approved_only).await?;
            export::reports_sheet(cat, period.kind(), &stored)
        }
        What::Incidents => {
            export::incidents_sheet(&fig_db::stored(&state.db, &user.commune, "incident", &months, false).await?)
        }
        What::Activities => {
            export::activities_sheet(&fig_db::stored(&state.db, &user.commune, "activity", &months, false).await?)
        }
        What::Aggregate => {
            let f = crate::db::office::aggregate(&state.db, &user.commune, period, q.approved_only).await?;
            export::aggregate_sheet(cat, &f)
        }
    };
    let bytes = match fmt {
        FileFormat::Csv => export::to_csv(&sheet),
        FileFormat::Xlsx => export::to_xlsx(&sheet).map_err(|e| anyhow::anyhow!("writing the XLSX: {e}"))?,
    };
    let name = fig_db::commune_name(&state.db, &user.commune).await?;
    let cd = export::content_disposition(
        &export::ascii_name(what, &user.commune, period, fmt),
        &export::vi_name(what, &name, period, fmt),
    );
    let cd = HeaderValue::from_str(&cd).map_err(|e| anyhow::anyhow!("content-disposition: {e}"))?;
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static(fmt.content_type())), (header::CONTENT_DISPOSITION, cd)],
        bytes,
    )
        .into_response())
}

/// Everything the printable periodic report of the period is made of.
pub(crate) async fn print(
    State(state): State<AppState>,
    OfficeUser(user): OfficeUser,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> AppResult<Json<PrintData>> {
    let period = parse_period(&q.period)?;
    let commune = user.commune.as_str();
    let figures = crate::db::office::aggregate(&state.db, commune, period, q.approved_only).await?;
    let previous = crate::db::office::aggregate(&state.db, commune, period.prev(), q.approved_only).await?;
    let year = period.year();
    let progress = if TARGET_YEARS.contains(&year) {
        targets_of(&state, commune, year, q.approved_only).await?.progress
    } else {
        Vec::new()
    };
    let months = crate::db::office::months_of(period);
    let mut incidents: Vec<IncidentLine> = fig_db::stored(&state.db, commune, "incident", &months, false)
        .await?
        .into_iter()
        .filter_map(|s| match s.body {
            Body::Incident(i) => Some(IncidentLine {
                people: i.followups.iter().rev().find_map(|f| f.people).or(i.people),
                households: i.followups.iter().rev().find_map(|f| f.households).or(i.households),
                village: s.village,
                name: s.village_name,
                kind: i.kind,
                at: i.at,
                severity: i.severity,
                description: i.description,
                state: s.state,
            }),
            _ => None,
        })
        .collect();
    incidents.sort_by_key(|i| i.at);
    let notes = fig_db::stored(&state.db, commune, "report", &[period.to_string()], q.approved_only)
        .await?
        .into_iter()
        .filter_map(|s| match s.body {
            Body::Report(r) if !(r.difficulties.trim().is_empty() && r.proposals.trim().is_empty()) => {
                Some(VillageNotes {
                    village: s.village,
                    name: s.village_name,
                    difficulties: r.difficulties,
                    proposals: r.proposals,
                })
            }
            _ => None,
        })
        .collect();
    Ok(Json(PrintData {
        commune_name: fig_db::commune_name(&state.db, commune).await?,
        period,
        figures,
        previous,
        progress,
        incidents,
        notes,
    }))
}
