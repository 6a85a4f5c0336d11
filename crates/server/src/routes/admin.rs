//! The commune's villages and accounts: `GET`/`POST /api/v1/villages` and
//! `GET`/`POST /api/v1/users`. Listing villages is for the commune office;
//! everything else is for the commune admin. Refusals write nothing: 422
//! with one entry per field for data that breaks the rules, 409 `duplicate`
//! for an id or username that is taken.

use crate::auth::{AdminUser, OfficeUser};
use crate::db::accounts::{self, parse_role, AddUserError, NewUser, UserRow};
use crate::db::audit::{self, NewAudit};
use crate::error::{ApiJson, AppError, AppResult};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use sothon_domain::api::AuditAction;
use sothon_domain::protocol::Village;

/// The villages of the commune, by id.
pub(crate) async fn list_villages(
    State(state): State<AppState>,
    OfficeUser(user): OfficeUser,
) -> AppResult<Json<Vec<Village>>> {
    Ok(Json(accounts::villages_for(&state.db, &user).await?))
}

pub use sothon_domain::api::{NewUserRequest, NewVillageRequest};

/// Adds a village to the admin's commune: 201 with the village.
pub(crate) async fn add_village(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    ApiJson(req): ApiJson<NewVillageRequest>,
) -> AppResult<(StatusCode, Json<Village>)> {
    let errs = accounts::check_new_village(&req.id, &req.name);
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    if !accounts::insert_village(&state.db, &user.commune, &req.id, &req.name).await? {
        return Err(AppError::conflict("duplicate", format!("Mã thôn {} đã có", req.id)));
    }
    let name = sothon_domain::names::clean_name(&req.name).to_string();
    let detail = format!("Thêm thôn {name}");
    let entry = NewAudit {
        commune: &user.commune,
        user_id: &user.id,
        action: AuditAction::Village,
        subject: &req.id,
        record: None,
        village: Some(&req.id),
        detail: &detail,
    };
    audit::record_alone(&state.db, &entry).await?;
    Ok((StatusCode::CREATED, Json(Village { id: req.id, name, sample: false })))
}

/// The accounts of the commune, by username (never a password hash).
pub(crate) async fn list_users(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
) -> AppResult<Json<Vec<UserRow>>> {
    Ok(Json(accounts::list_users(&state.db, &user.commune).await?))
}

/// Creates an account in the admin's commune (password hashed with
/// Argon2id): 201 with the account.
pub(crate) async fn add_user(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiJson(req): ApiJson<NewUserRequest>,
) -> AppResult<(StatusCode, Json<UserRow>)> {
    let role = parse_role(&req.role);
    let errs = accounts::check_new_user(
        &state.db,
        &admin.commune,
        &req.username,
        &req.password,
        &req.name,
        role,
        req.village.as_deref(),
    )
    .await?;
    let Some(role) = role.filter(|_| errs.is_empty()) else {
        return Err(AppError::Invalid(errs));
    };
    let new = NewUser {
        username: req.username,
        password: req.password,
        name: req.name,
        role,
        commune: Some(admin.commune.clone()),
        village: req.village,
    };
    match accounts::create_user(&state.db, &admin.commune, &new).await {
        Ok(row) => {
            let detail = format!("Tạo tài khoản {} ({})", row.username, row.name);
            let entry = NewAudit {
                commune: &admin.commune,
                user_id: &admin.id,
                action: AuditAction::Account,
                subject: &row.username,
                record: None,
                village: row.village.as_deref(),
                detail: &detail,
            };
            audit::record_alone(&state.db, &entry).await?;
            Ok((StatusCode::CREATED, Json(row)))
        }
        Err(AddUserError::Invalid(errs)) => Err(AppError::Invalid(errs)),
        Err(AddUserError::Taken(username)) => {
            Err(AppError::conflict("duplicate", format!("Tên đăng nhập {username} đã có người dùng")))
        }
        Err(AddUserError::Db(e)) => Err(e.into()),
    }
}
