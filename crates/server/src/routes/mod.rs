//! The HTTP surface. Every route under `/api/v1` is listed once, in the
//! `api!` table below, which makes both the router and [`ROUTES`] (the list
//! the OpenAPI document is checked against); the handlers live in the
//! modules by area. [`router`] nests them under `/api/v1`, answers every
//! other `/api` path with a JSON 404, and serves the PWA for the rest when a
//! web folder is configured.

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod catalogue;
pub mod conflicts;
pub mod desk;
pub mod figures;
pub mod health;
pub mod office;
pub mod openapi;
pub mod province;
pub mod records;
pub mod sync;
pub mod web;

use crate::error::AppError;
use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::routing::any;
use axum::Router;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted (a full push of [`MAX_PUSH`] reports is far
/// below it); larger ones get a JSON 413.
///
/// [`MAX_PUSH`]: sothon_domain::protocol::MAX_PUSH
pub const MAX_BODY: usize = 1024 * 1024;

/// Builds [`ROUTES`] and `api_routes()` from one table, so that a route
/// cannot be served without being listed (and then documented).
macro_rules! api {
    ($($method:ident $path:literal => $handler:path;)*) => {
        /// Every route served under `/api/v1`: method (lower-case, as OpenAPI
        /// spells it) and path (with `{param}` segments, as both axum and
        /// OpenAPI spell them).
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        fn api_routes() -> Router<AppState> {
            Router::new()$(.route($path, axum::routing::$method($handler)))*
        }
    };
}

api! {
    get "/health" => health::health;
    get "/ready" => health::ready;
    get "/metrics" => health::metrics;
    get "/catalogue" => catalogue::get_catalogue;
    get "/openapi.json" => openapi::get_openapi;
    post "/login" => auth::login;
    post "/logout" => auth::logout;
    get "/me" => auth::me;
    post "/sync" => sync::sync;
    get "/records" => records::list;
    post "/records/{id}/review" => office::review;
    get "/records/{id}/reviews" => office::reviews;
    get "/review/{village}/{period}" => office::sheet;
    get "/conflicts" => conflicts::list;
    post "/conflicts/{mutation_id}/resolve" => conflicts::resolve;
    get "/overview" => office::overview;
    get "/aggregate" => office::aggregate;
    get "/aggregate/villages" => figures::by_village;
    get "/aggregate/trend" => figures::trend;
    get "/targets" => figures::targets;
    post "/targets" => figures::set_target;
    get "/export/{what}" => figures::export;
    get "/print" => figures::print;
    post "/due" => office::set_due;
    get "/audit" => audit::list;
    get "/villages" => admin::list_villages;
    post "/villages" => admin::add_village;
    get "/users" => admin::list_users;
    post "/users" => admin::add_user;
    put "/users/{username}" => accounts::edit_user;
    post "/users/{username}/disable" => accounts::disable_user;
    post "/users/{username}/enable" => accounts::enable_user;
    post "/users/{username}/reset-password" => accounts::reset_password;
    post "/password" => accounts::change_password;
    get "/completeness" => desk::completeness;
    get "/incidents" => desk::list_incidents;
    get "/incidents/{id}" => desk::incident;
    post "/incidents/{id}/steps" => desk::take_step;
    get "/province/overview" => province::overview;
    get "/province/figures" => province::figures;
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let api = api_routes()
        // Its own fallback, or unknown /api/v1 paths would fall through to
        // the PWA's index.html.
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        // Outside the body limit: a refused write reads nothing of its body.
        .layer(axum::middleware::from_fn_with_state(state.clone(), health::guard_writes))
        .layer(axum::middleware::from_fn_with_state(state.clone(), health::count_requests))
        // Answers are per user and per moment: no cache (the service worker
        // included) may keep them unless a route says otherwise.
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        // Answers go over 2G: a monthly report's sync answer is 1.4 KB of
        // JSON, 0.6 KB compressed. Fast levels: the CPU is the server's, the
        // bytes are the village's. (Static files are compressed at build time.)
        .layer(
            tower_http::compression::CompressionLayer::new()
                .gzip(true)
                .br(true)
                .quality(tower_http::CompressionLevel::Fastest),
        );
    let app =
        Router::new().nest("/api/v1", api).route("/api", any(api_not_found)).route("/api/{*rest}", any(api_not_found));
    let app = match &state.config.web_dir {
        Some(dir) => app.merge(web::router(dir.clone())),
        None => app.fallback(api_not_found),
    };
    // Every request gets an id (or keeps the one a proxy gave it in
    // `x-request-id`), sent back in the answer and named in its log lines.
    app.layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
        }))
        .layer(SetRequestIdLayer::x_request_id(RequestIds::default()))
        .with_state(state)
}

async fn api_not_found() -> AppError {
    AppError::NotFound("Không tìm thấy địa chỉ này".into())
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}

/// Request ids: this process's start time and a counter (`1a2b3c-42`),
/// unique enough to find one request's lines across instances.
#[derive(Clone)]
struct RequestIds {
    boot: u64,
    next: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Default for RequestIds {
    fn default() -> Self {
        Self { boot: crate::db::now_ms() as u64 % 0xff_ffff, next: Default::default() }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        HeaderValue::from_str(&format!("{:06x}-{n}", self.boot)).ok().map(RequestId::new)
    }
}
