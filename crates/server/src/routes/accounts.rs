//! The admin's work on existing accounts — `PUT /api/v1/users/{username}`
//! (name, role, village, phone), `POST …/disable`, `POST …/enable`,
//! `POST …/reset-password` — and `POST /api/v1/password`, where a person
//! sets their own new password (the only thing a reset account may do
//! besides `/me` and `/logout`). Bad input is 422 with one entry per field
//! and nothing written; another commune's account is 404.

use crate::auth::{check_password, AdminUser, SessionUser};
use crate::db::account_admin::{self, Edit};
use crate::db::accounts::{self, parse_role, UserRow, MAX_NAME, MAX_PASSWORD, MIN_PASSWORD};
use crate::error::{ApiJson, ApiPath, AppError, AppResult};
use crate::AppState;
use anyhow::Context;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use sothon_domain::accounts::clean_phone;
use sothon_domain::api::{EditUserRequest, PasswordRequest, ResetPasswordRequest};
use sothon_domain::names::{check_name, clean_name};
use sothon_domain::FieldError;

fn password_errors(field: &str, password: &str) -> Option<FieldError> {
    if password.chars().count() < MIN_PASSWORD {
        Some(FieldError::limit(field, "min", MIN_PASSWORD as f64, "Mật khẩu phải có số ký tự tối thiểu là"))
    } else if password.len() > MAX_PASSWORD {
        Some(FieldError::limit(field, "too_long", MAX_PASSWORD as f64, "Quá dài, tối đa số ký tự là"))
    } else {
        None
    }
}

async fn hash(password: &str) -> AppResult<String> {
    Ok(crate::auth::hash_password_off_thread(password.to_string()).await.context("hashing")?)
}

/// Changes an account's name, role, village and phone.
pub(crate) async fn edit_user(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(username): ApiPath<String>,
    ApiJson(req): ApiJson<EditUserRequest>,
) -> AppResult<Json<UserRow>> {
    let mut errs = Vec::new();
    errs.extend(check_name("name", &req.name, MAX_NAME, "Vui lòng nhập họ và tên"));
    // A commune's admin manages the commune's roles; province accounts are
    // made from the command line, in the province's unit.
    let role = parse_role(&req.role).filter(|r| *r != sothon_domain::protocol::Role::Province);
    let village = req.village.as_deref().filter(|v| !v.is_empty());
    match (role.map(|r| r.village_scoped()), village) {
        (None, _) => errs.push(FieldError::new(
            "role",
            "choice",
            "Vai trò phải là village_head, digital_team, officer hoặc admin",
        )),
        (Some(true), None) => errs.push(FieldError::new("village", "required", "Vai trò này cần chọn thôn")),
        (Some(false), Some(_)) => {
            errs.push(FieldError::new("village", "invalid", "Vai trò này làm việc cho cả xã, không gắn với một thôn"))
        }
        (Some(true), Some(v)) => {
            if !accounts::village_exists(&state.db, &admin.commune, v).await? {
                errs.push(FieldError::new("village", "unknown", "Không có thôn này trong xã"));
            }
        }
        (Some(false), None) => {}
    }
    let phone = clean_phone(&req.phone).map_err(|e| errs.push(e)).ok().flatten().unwrap_or_default();
    let Some(role) = role.filter(|_| errs.is_empty()) else {
        return Err(AppError::Invalid(errs));
    };
    let edit = Edit { name: clean_name(&req.name), role, village, phone: &phone };
    Ok(Json(account_admin::edit(&state.db, &admin, &username, &edit).await?))
}

/// Disables an account: it cannot log in, its sessions end.
pub(crate) async fn disable_user(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(username): ApiPath<String>,
) -> AppResult<Json<UserRow>> {
    Ok(Json(account_admin::set_disabled(&state.db, &admin, &username, true).await?))
}

/// Re-enables a disabled account.
pub(crate) async fn enable_user(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(username): ApiPath<String>,
) -> AppResult<Json<UserRow>> {
    Ok(Json(account_admin::set_disabled(&state.db, &admin, &username, false).await?))
}

/// Gives an account a temporary password, to be replaced at next login.
pub(crate) async fn reset_password(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(username): ApiPath<String>,
    ApiJson(req): ApiJson<ResetPasswordRequest>,
) -> AppResult<Json<UserRow>> {
    if let Some(e) = password_errors("password", &req.password) {
        return Err(AppError::Invalid(vec![e]));
    }
    // Looked up before hashing, so an unknown name costs no Argon2 work.
    if account_admin::find(&state.db, &admin.commune, &username).await?.is_none() {
        return Err(AppError::NotFound(format!("Không có tài khoản {username}")));
    }
    let h = hash(&req.password).await?;
    Ok(Json(account_admin::reset_password(&state.db, &admin, &username, &h).await?))
}

/// The logged-in person sets a new password (after a reset, the only thing
/// allowed): 204. The current one must be given; the new one must differ.
pub(crate) async fn change_password(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    ApiJson(req): ApiJson<PasswordRequest>,
) -> AppResult<StatusCode> {
    let mut errs: Vec<FieldError> = password_errors("new", &req.new).into_iter().collect();
    if errs.is_empty() && req.new == req.current {
        errs.push(FieldError::new("new", "same", "Mật khẩu mới phải khác mật khẩu hiện tại"));
    }
    let stored = account_admin::password_hash(&state.db, &user.id).await?.ok_or(AppError::Unauthorized)?;
    let ok = req.current.len() <= MAX_PASSWORD
        && check_password(Some(stored.clone()), req.current.clone()).await.context("password check")?;
    if !ok {
        errs.insert(0, FieldError::new("current", "wrong", "Mật khẩu hiện tại không đúng"));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let h = hash(&req.new).await?;
    account_admin::change_password(&state.db, &user, &stored, &h).await?;
    Ok(StatusCode::NO_CONTENT)
}
