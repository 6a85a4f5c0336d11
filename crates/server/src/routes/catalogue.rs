//! `GET /api/v1/catalogue`: the indicator catalogue the server validates
//! against, public so the login page can already show it.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sothon_domain::catalogue::{self, CATALOGUE_JSON};

/// The embedded catalogue file as is, with `ETag: "cat-v{version}"`, so a
/// phone revalidates (`no-cache`) and gets a 304 until the version changes.
pub(crate) async fn get_catalogue(headers: HeaderMap) -> Response {
    let etag = format!("\"cat-v{}\"", catalogue::current().version);
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|t| t == etag || t == "*"));
    let etag = HeaderValue::from_str(&etag).expect("ascii etag");
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if matches {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag), cache]).into_response();
    }
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json")), (header::ETAG, etag), cache],
        CATALOGUE_JSON,
    )
        .into_response()
}
