//! The HTTP surface. Each module owns its `router()`; [`router`] merges them
//! under `/api/v1`, answers every other `/api` path with a JSON 404, and
//! serves the PWA for the rest when a web folder is configured.

pub mod auth;
pub mod catalogue;
pub mod health;
pub mod records;
pub mod sync;
pub mod web;

use crate::error::AppError;
use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::routing::any;
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted (a full push of [`MAX_PUSH`] reports is far
/// below it); larger ones get a JSON 413.
///
/// [`MAX_PUSH`]: sothon_domain::protocol::MAX_PUSH
pub const MAX_BODY: usize = 1024 * 1024;

/// The whole application.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(catalogue::router())
        .merge(sync::router())
        .merge(records::router())
        // Its own fallback, or unknown /api/v1 paths would fall through to
        // the PWA's index.html.
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        // Answers are per user and per moment: no cache (the service worker
        // included) may keep them unless a route says otherwise.
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    let app =
        Router::new().nest("/api/v1", api).route("/api", any(api_not_found)).route("/api/{*rest}", any(api_not_found));
    let app = match &state.config.web_dir {
        Some(dir) => app.merge(web::router(dir.clone())),
        None => app.fallback(api_not_found),
    };
    app.layer(TraceLayer::new_for_http()).with_state(state)
}

async fn api_not_found() -> AppError {
    AppError::NotFound("Không tìm thấy địa chỉ này".into())
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}
