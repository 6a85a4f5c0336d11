//! `POST /api/v1/sync`: push the phone's outbox, pull what changed.
//!
//! Everything is checked before anything is written. A mutation this account
//! may not send (another village's, another account's device, an id reused
//! with other content) is `refused` alone in the results and the rest of the
//! push goes through (protocol rule 4): a shared phone never jams. A
//! malformed or invalid mutation refuses the whole push with 422 and
//! per-field errors named `push.{i}.{field}`; the phone sends those back to
//! draft and pushes the rest again.

use crate::auth::AuthUser;
use crate::db::sync::{Known, Push};
use crate::db::{self, records};
use crate::error::{ApiJson, AppError, AppResult};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use sothon_domain::catalogue;
use sothon_domain::protocol::{valid_device_id, SyncRequest, SyncResponse, MAX_PUSH, PROTOCOL_VERSION};
use sothon_domain::FieldError;

pub(crate) async fn sync(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<SyncRequest>,
) -> AppResult<Json<SyncResponse>> {
    let started = std::time::Instant::now();
    check_request(&req)?;
    // One read before the write turn: what the checks need, and the due
    // dates for the answer.
    let mut villages: Vec<&str> = req.push.iter().map(|m| m.body.village()).collect();
    villages.sort_unstable();
    villages.dedup();
    let ids: Vec<&str> = req.push.iter().map(|m| m.id.as_str()).collect();
    let known = db::sync::known(&state.db, &user.commune, &villages, &ids).await?;
    let (allowed, replayed) = check_push(&user, &req, &known)?;
    let push = Push {
        user: &user,
        device: &req.device,
        device_now: req.now,
        mutations: &req.push,
        allowed: &allowed,
        unsent: req.unsent,
    };
    let (now, results, wrote) = {
        let _turn = state.writes.acquire().await.map_err(|_| AppError::Unavailable {
            message: "Máy chủ đang dừng; máy sẽ gửi lại sau".into(),
            retry_after: 1,
        })?;
        if req.push.is_empty() {
            let now = db::now_ms();
            let sighting = db::devices::Sighting {
                commune: &user.commune,
                device: &req.device,
                user: &user.id,
                now,
                unsent: req.unsent,
            };
            db::devices::seen_pull(&state.db, sighting).await?;
            (now, Vec::new(), Vec::new())
        } else {
            db::sync::apply(&state.db, &push).await?
        }
    };
    // Pulled after the commit: the phone also gets back what it just pushed,
    // and drops it by ver; those bodies are copied from the request, not
    // read back from their JSON.
    let fresh: records::Fresh = req
        .push
        .iter()
        .zip(&results)
        .zip(&wrote)
        .filter(|(_, wrote)| **wrote)
        .map(|((m, r), _)| ((r.record.as_str(), r.ver), &m.body))
        .collect();
    let (changes, cursor) = match req.cursor {
        Some(c) => records::changes_since(&state.db, &user.commune, user.village_scope(), c, &fresh).await?,
        None => (Vec::new(), 0),
    };
    if !req.push.is_empty() {
        state.metrics.mutations(&results, replayed);
        state.metrics.push_took(started.elapsed());
    }
    Ok(Json(SyncResponse { v: PROTOCOL_VERSION, now, results, changes, cursor, due: known.due }))
}

/// The checks of the request itself, before anything is read.
fn check_request(req: &SyncRequest) -> AppResult<()> {
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
    if req.unsent.is_some_and(|n| n > 100_000) {
        return Err(AppError::bad_request("unsent", "Số bản ghi chưa gửi không hợp lệ"));
    }
    Ok(())
}

/// Every check of a push, before any write. Returns, per mutation, whether
/// the account may write its village (the others are refused alone), and
/// how many of them are stored already (replays, for the metrics).
fn check_push(user: &AuthUser, req: &SyncRequest, known: &Known) -> AppResult<(Vec<bool>, usize)> {
    let mut fields = Vec::new();
    let mut allowed = Vec::with_capacity(req.push.len());
    for (i, m) in req.push.iter().enumerate() {
        let mut errs = m.check_shape();
        if i64::try_from(m.seq).is_err() {
            errs.push(FieldError::new("seq", "invalid", "Số thứ tự không hợp lệ"));
        }
        let village = m.body.village();
        let may = known.villages.contains(village) && user.may_use_village(village);
        allowed.push(may);
        // A mutation refused for its village is not this account's to fix.
        // Mutations already stored are answered from the store, whatever
        // the catalogue says today: a replay after a catalogue change must
        // get the answer it got the first time, not a 422.
        if may && !known.stored.contains(&m.id) {
            errs.extend(m.body.validate(catalogue::current()));
        }
        fields.extend(errs.into_iter().map(|e| FieldError { field: format!("push.{i}.{}", e.field), ..e }));
    }
    if fields.is_empty() {
        Ok((allowed, known.stored.len()))
    } else {
        Err(AppError::Invalid(fields))
    }
}
