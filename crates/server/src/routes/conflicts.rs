//! `GET /api/v1/conflicts` and `POST /api/v1/conflicts/{mutation_id}/resolve`:
//! edits kept aside by the sync (see `db::conflicts`), for a person to settle.

use super::records::scope_village;
use crate::auth::AuthUser;
use crate::db::conflicts::{self as conflicts_db, ConflictRow, Keep, Resolved};
use crate::error::{ApiJson, ApiPath, ApiQuery, AppError, AppResult};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use sothon_domain::protocol::Role;
use sothon_domain::FieldError;

/// `?village=ID`, optional.
#[derive(Debug, Deserialize)]
pub struct ConflictsQuery {
    /// One village; village-scoped users get theirs when it is left out.
    pub village: Option<String>,
}

/// The unresolved conflicts the user may see: the commune office sees the
/// commune's, a village-scoped account its village's.
pub(crate) async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<ConflictsQuery>,
) -> AppResult<Json<Vec<ConflictRow>>> {
    let village = scope_village(&state, &user, q.village).await?;
    Ok(Json(conflicts_db::list(&state.db, &user.commune, village.as_deref()).await?))
}

pub use sothon_domain::api::ResolveRequest;

/// Keeps one side of a conflict. The commune office, or the head of the
/// record's village.
pub(crate) async fn resolve(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(mutation): ApiPath<String>,
    ApiJson(req): ApiJson<ResolveRequest>,
) -> AppResult<Json<Resolved>> {
    // The digital team never resolves; a village head only in the own
    // village, which is known once the conflict is found.
    if !(user.is_office() || user.role == Role::VillageHead) {
        return Err(AppError::forbidden("Chỉ cán bộ văn phòng UBND xã hoặc trưởng thôn được giải quyết xung đột"));
    }
    let Some(keep) = Keep::parse(&req.keep) else {
        return Err(AppError::Invalid(vec![FieldError::new(
            "keep",
            "choice",
            "Chọn giữ bản hiện tại (current) hoặc bản gửi đến (incoming)",
        )]));
    };
    Ok(Json(conflicts_db::resolve(&state.db, &user, &mutation, keep, i64::from(req.rev)).await?))
}
