//! `POST /api/v1/sync`: push the phone's outbox, pull what changed.
//!
//! Everything is checked before anything is written: one bad mutation and
//! the whole push is refused (403 for a village the user may not write, 422
//! with per-field errors named `push.{i}.{field}`), so the phone never has
//! to work out which half of a push landed.

use crate::auth::AuthUser;
use crate::db::{self, accounts, records, sync::Push};
use crate::error::{ApiJson, AppError, AppResult};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use sothon_domain::catalogue;
use sothon_domain::protocol::{valid_device_id, SyncRequest, SyncResponse, MAX_PUSH, PROTOCOL_VERSION};
use sothon_domain::FieldError;
use std::collections::HashSet;

pub(crate) async fn sync(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<SyncRequest>,
) -> AppResult<Json<SyncResponse>> {
    check(&state, &user, &req).await?;
    let push = Push { user: &user, device: &req.device, device_now: req.now, mutations: &req.push };
    let (now, results) = if req.push.is_empty() {
        (db::now_ms(), Vec::new())
    } else {
        let _turn = state.writes.lock().await;
        db::sync::apply(&state.db, &push).await?
    };
    // Pulled after the commit: the phone also gets back what it just pushed,
    // and drops it by rev.
    let (changes, cursor) = match req.cursor {
        Some(c) => {
            let changes = records::changes_since(&state.db, &user.commune, user.village_scope(), c).await?;
            let cursor = changes.iter().map(|ch| ch.at).max().unwrap_or(c);
            (changes, cursor)
        }
        None => (Vec::new(), 0),
    };
    let due = db::due::all(&state.db, &user.commune).await?;
    Ok(Json(SyncResponse { v: PROTOCOL_VERSION, now, results, changes, cursor, due }))
}

/// Every check of a push, before any write.
async fn check(state: &AppState, user: &AuthUser, req: &SyncRequest) -> AppResult<()> {
    if req.v != PROTOCOL_VERSION {
        return Err(AppError::bad_request(
            "protocol",
            format!("Ứng dụng cần được cập nhật (máy chủ dùng giao thức phiên bản {PROTOCOL_VERSION})"),
        ));
    }
    if !valid_device_id(&req.device) {
        return Err(AppError::bad_request("device", "Mã thiết bị không hợp lệ"));
    }
    if req.push.len() > MAX_PUSH {
        return Err(AppError::TooLarge(format!("Mỗi lần gửi tối đa {MAX_PUSH} thay đổi")));
    }
    if req.push.is_empty() {
        return Ok(());
    }
    let villages: HashSet<String> =
        accounts::commune_village_ids(&state.db, &user.commune).await?.into_iter().collect();
    // Mutations already stored are answered from the store, whatever the
    // catalogue says today: a replay after a catalogue change must get the
    // answer it got the first time, not a 422.
    let stored = db::sync::stored_ids(&state.db, &user.commune, req.push.iter().map(|m| m.id.as_str())).await?;
    let mut fields = Vec::new();
    for (i, m) in req.push.iter().enumerate() {
        let mut errs = m.check_shape();
        if i64::try_from(m.seq).is_err() {
            errs.push(FieldError::new("seq", "invalid", "Số thứ tự không hợp lệ"));
        }
        let village = m.body.village();
        if !villages.contains(village) || !user.may_use_village(village) {
            return Err(AppError::Forbidden("Tài khoản này không được gửi báo cáo của thôn này".into()));
        }
        if !stored.contains(&m.id) {
            errs.extend(m.body.validate(catalogue::current()));
        }
        fields.extend(errs.into_iter().map(|e| FieldError { field: format!("push.{i}.{}", e.field), ..e }));
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(fields))
    }
}
