//! `POST /api/v1/login`, `POST /api/v1/logout` and `GET /api/v1/me`.

use crate::auth::{
    account_key, address_key, check_password, needs_rehash, new_token, token_hash, ClientIp, SessionUser,
};
use crate::db::throttle::{self, Attempt, Gate, Ticket};
use crate::db::{accounts, now_ms, retry};
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
/// A device token is 43 characters; anything much longer is not one.
const MAX_DEVICE_TOKEN: usize = 128;

/// Checks the password and hands out a new bearer token (and, to a phone
/// that has none for this account yet, a device token).
///
/// The attempt is counted before the password is checked
/// ([`throttle::reserve`]); while the account or the address is in a delay
/// the answer is 429 with `Retry-After` and no password is checked. A phone
/// sending a device token this account gave it is counted apart and not
/// slowed by anyone else's guesses. An unknown username is checked against
/// a dummy hash of the same cost and answered exactly like a wrong password.
pub(crate) async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<LoginRequest>,
) -> AppResult<Json<Session>> {
    let now = now_ms();
    let account = account_key(&req.username);
    let address = address_key(ip);
    let found = accounts::login_lookup(&state.db, &req.username).await?;
    let device = req.device_token.as_deref().filter(|t| (1..=MAX_DEVICE_TOKEN).contains(&t.len())).map(token_hash);
    let attempt = Attempt {
        account: &account,
        address: &address,
        device: device.as_deref().zip(found.as_ref().map(|(id, _)| id.as_str())),
    };
    let ticket = match retry(|| throttle::reserve(&state.db, attempt, now)).await? {
        Gate::Wait(ms) => return Err(AppError::TooManyRequests { retry_after: wait_secs(ms) }),
        Gate::Check(ticket) => ticket,
    };
    let password = req.password;
    let ok = password.len() <= MAX_PASSWORD
        && check_password(found.as_ref().map(|(_, h)| h.clone()), password.clone()).await.context("password check")?;
    let Some((user_id, stored)) = found.filter(|_| ok) else {
        // Already counted: nothing more to write.
        return Err(AppError::BadCredentials);
    };
    retry(|| throttle::settle_success(&state.db, &ticket, now)).await?;
    // The right password of a disabled account: say so (it tells nothing to
    // someone who does not know the password), hand out nothing.
    if accounts::is_disabled(&state.db, &user_id).await? {
        return Err(AppError::Disabled);
    }
    if needs_rehash(&stored) {
        let new = crate::auth::hash_password_off_thread(password).await.context("rehashing")?;
        accounts::upgrade_password_hash(&state.db, &user_id, &stored, &new).await?;
    }
    let token = new_token();
    let expires = now + state.config.token_ttl_days * 86_400_000;
    accounts::store_token(&state.db, &user_id, &token_hash(&token), now, expires).await?;
    let user = accounts::user_for_token(&state.db, &token_hash(&token), now)
        .await?
        .context("the token just stored is missing")?;
    let device_token = match ticket {
        // The phone keeps the token it came with.
        Ticket::Device(_) => req.device_token,
        Ticket::Normal { .. } => {
            let t = new_token();
            throttle::store_device_token(&state.db, &user.commune, &user_id, &token_hash(&t), now).await?;
            Some(t)
        }
    };
    let villages = accounts::villages_for(&state.db, &user).await?;
    let devices = crate::db::devices::of_user(&state.db, &user.commune, &user.id).await?;
    let must_change_password = user.must_change_password;
    Ok(Json(Session { token, user: user.user(), villages, expires, device_token, devices, must_change_password }))
}

/// `Retry-After` in whole seconds, at least 1.
fn wait_secs(ms: i64) -> u64 {
    u64::try_from(ms).unwrap_or(0).div_ceil(1000).max(1)
}

/// `GET /api/v1/me`: the [`Session`] without its token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Me {
    pub user: User,
    pub villages: Vec<Village>,
    /// When the token expires, server ms.
    pub expires: i64,
}

pub(crate) async fn me(State(state): State<AppState>, SessionUser(user): SessionUser) -> AppResult<Json<Me>> {
    let villages = accounts::villages_for(&state.db, &user).await?;
    Ok(Json(Me { user: user.user(), villages, expires: user.expires }))
}

/// `POST /api/v1/logout`: revokes the token the request came with; a replay
/// of it is then 401 like any unknown token. Other sessions of the account
/// (other phones) stay. 204, no body.
pub(crate) async fn logout(State(state): State<AppState>, SessionUser(user): SessionUser) -> AppResult<StatusCode> {
    accounts::revoke_token(&state.db, &user.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}
