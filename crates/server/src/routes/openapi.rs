//! `GET /api/v1/openapi.json`: the API described as an OpenAPI 3.1 document,
//! hand-written in `crates/server/openapi.json`. A test checks that it parses
//! and describes every route of [`super::ROUTES`], and nothing else.

use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;

/// The document, as served.
pub const OPENAPI_JSON: &str = include_str!("../../openapi.json");

pub(crate) async fn get_openapi() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        OPENAPI_JSON,
    )
}
