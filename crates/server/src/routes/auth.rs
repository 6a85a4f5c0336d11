//! `POST /api/v1/login`, `POST /api/v1/logout` and `GET /api/v1/me`.

use crate::auth::{check_password, new_token, token_hash, AuthUser, ClientIp};
use crate::db::{accounts, now_ms};
use crate::error::{ApiJson, AppError, AppResult};
use crate::AppState;
use anyhow::Context;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use sothon_domain::protocol::{LoginRequest, Session, User, Village};

/// Longer passwords are refused before hashing: Argon2 work should not be
/// the client's to choose.
const MAX_PASSWORD: usize = accounts::MAX_PASSWORD;

/// Checks the password (throttled per username and per address) and hands
/// out a new bearer token.
pub(crate) async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<LoginRequest>,
) -> AppResult<Json<Session>> {
    let now = now_ms();
    state.throttle.check(&req.username, ip, now).map_err(|retry_after| AppError::TooManyRequests { retry_after })?;
    let found = accounts::login_lookup(&state.db, &req.username).await?;
    let hash = found.as_ref().map(|(_, h)| h.clone());
    let password = req.password;
    let ok = password.len() <= MAX_PASSWORD && check_password(hash, password).await.context("password check")?;
    let Some((user_id, _)) = found.filter(|_| ok) else {
        state.throttle.fail(&req.username, ip, now);
        return Err(AppError::BadCredentials);
    };
    state.throttle.succeed(&req.username);
    let token = new_token();
    let expires = now + state.config.token_ttl_days * 86_400_000;
    accounts::store_token(&state.db, &user_id, &token_hash(&token), now, expires).await?;
    let user = accounts::user_for_token(&state.db, &token_hash(&token), now)
        .await?
        .context("the token just stored is missing")?;
    let villages = accounts::villages_for(&state.db, &user).await?;
    let devices = crate::db::devices::of_user(&state.db, &user.commune, &user.id).await?;
    Ok(Json(Session { token, user: user.user(), villages, expires, devices }))
}

/// `GET /api/v1/me`: the [`Session`] without its token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Me {
    pub user: User,
    pub villages: Vec<Village>,
    /// When the token expires, server ms.
    pub expires: i64,
}

pub(crate) async fn me(State(state): State<AppState>, user: AuthUser) -> AppResult<Json<Me>> {
    let villages = accounts::villages_for(&state.db, &user).await?;
    Ok(Json(Me { user: user.user(), villages, expires: user.expires }))
}

/// `POST /api/v1/logout`: revokes the token the request came with; a replay
/// of it is then 401 like any unknown token. Other sessions of the account
/// (other phones) stay. 204, no body.
pub(crate) async fn logout(State(state): State<AppState>, user: AuthUser) -> AppResult<StatusCode> {
    accounts::revoke_token(&state.db, &user.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}
