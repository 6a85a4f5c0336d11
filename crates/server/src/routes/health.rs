//! `GET /api/v1/health`: the PWA's reachability probe (liveness);
//! `GET /api/v1/ready`: readiness; the guard that lets a stop finish writes.

use crate::error::{AppError, AppResult};
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use sothon_domain::catalogue;
use sothon_domain::protocol::PROTOCOL_VERSION;

/// `{"ok":true,"protocol":1,"catalogue":<version>,"now":<server ms>}`. It
/// touches the database, so "reachable" also means "can store reports".
/// Never cached (`no-store` from the API layer).
pub(crate) async fn health(State(state): State<AppState>) -> AppResult<Json<Value>> {
    crate::db::ping(&state.db).await?;
    Ok(Json(json!({
        "ok": true,
        "protocol": PROTOCOL_VERSION,
        "catalogue": catalogue::current().version,
        "now": crate::db::now_ms(),
    })))
}

/// `GET /api/v1/ready`: whether this instance should get traffic (a load
/// balancer's readiness check). 200 `{"ready":true}` when the database
/// answers and the server is not stopping; 503 `unavailable` otherwise.
/// `/health` stays the liveness probe.
pub(crate) async fn ready(State(state): State<AppState>) -> AppResult<Json<Value>> {
    if state.drain.draining() {
        return Err(stopping());
    }
    if let Err(e) = crate::db::ping(&state.db).await {
        tracing::warn!("not ready: {e}");
        return Err(AppError::Unavailable { retry_after: 5, message: "Cơ sở dữ liệu chưa sẵn sàng".into() });
    }
    Ok(Json(json!({ "ready": true })))
}

fn stopping() -> AppError {
    AppError::Unavailable {
        retry_after: 5,
        message: "Máy chủ đang khởi động lại; chưa có gì được ghi, vui lòng gửi lại sau ít giây".into(),
    }
}

/// Every write (any method but GET/HEAD) under `/api/v1` is counted in
/// flight, so that a stop waits for it to commit and answer; once a stop
/// began, a new write is refused with 503 and `Retry-After`, before anything
/// is read or written.
pub(crate) async fn guard_writes(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    match state.drain.enter() {
        Some(guard) => {
            let res = next.run(req).await;
            drop(guard);
            res
        }
        None => stopping().into_response(),
    }
}

/// `GET /api/v1/metrics`: Prometheus text format (see [`crate::metrics`]).
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    let text = state.metrics.render(state.db.size(), state.db.num_idle(), crate::db::retry_counts());
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}

/// Counts every answered API request by method, route template and status.
pub(crate) async fn count_requests(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_string();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let res = next.run(req).await;
    state.metrics.request(&method, &route, res.status().as_u16());
    res
}
