//! The PWA's files, for every path outside `/api`.
//!
//! The web build writes `foo.br` and `foo.gz` beside each file; they are sent
//! to browsers that accept them. Caching follows the file names: everything
//! under `/assets/` carries a content hash in its name and never changes, so
//! it is cached for a year; everything else (`index.html`, `sw.js`, the
//! manifest, icons) keeps its name across releases and is revalidated on
//! every use, or a new release would never reach the phones.

use crate::AppState;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::Router;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// A router that serves `dir` as its fallback.
pub fn router(dir: PathBuf) -> Router<AppState> {
    let dir = Arc::new(dir);
    Router::new().fallback(move |req: Request| {
        let dir = Arc::clone(&dir);
        async move { serve(&dir, req).await }
    })
}

/// Paths under which every address is one of the app's screens, never a
/// file: their last segment may hold a record id with dots
/// (`/incident/i.pq-t01.k3x9`). The PWA builds them in `src/app/routes.rs`.
const APP_PREFIXES: [&str; 4] = ["/report/", "/incident/", "/activity/", "/office/"];

/// Which page answers an app route: the office's bundle for `/office` and
/// everything under it, the village's for the rest.
fn page_for(path: &str) -> &'static str {
    if path == "/office" || path.starts_with("/office/") {
        "office.html"
    } else {
        "index.html"
    }
}

/// Serves one request from `dir`. A GET for one of the app's routes — a path
/// under [`APP_PREFIXES`], or one that does not name a file (no dot in its
/// last segment) — that is not a file gets the app's page ([`page_for`]), so
/// the app's own routes survive a reload and deep links work; a missing file
/// (`/assets/x.js`) stays a 404 rather than HTML that a service worker would
/// cache as script. `/api/…` never reaches here (its own router answers).
pub async fn serve(dir: &Path, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let headers = req.headers().clone();
    let app_route = matches!(method, Method::GET | Method::HEAD)
        && !path.starts_with("/api/")
        && (APP_PREFIXES.iter().any(|p| path.starts_with(p)) || !path.rsplit('/').next().unwrap_or("").contains('.'));
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    let mut res = match files.oneshot(req).await {
        Ok(res) => res.map(Body::new),
        Err(never) => match never {},
    };
    let mut served = path.clone();
    if res.status() == StatusCode::NOT_FOUND && app_route {
        let page = page_for(&path);
        let mut index = Request::new(Body::empty());
        *index.method_mut() = method;
        *index.uri_mut() = axum::http::Uri::from_static("/index.html");
        *index.headers_mut() = headers;
        let file = ServeFile::new(dir.join(page)).precompressed_br().precompressed_gzip();
        res = match file.oneshot(index).await {
            Ok(res) => res.map(Body::new),
            Err(never) => match never {},
        };
        served = format!("/{page}");
    }
    set_headers(&mut res, &served);
    res
}

fn set_headers(res: &mut Response, path: &str) {
    let ok = res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED;
    let h = res.headers_mut();
    let cache = if ok && path.starts_with("/assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    // The same URL answers br, gzip or plain bytes: shared caches must key on it.
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if res.status().is_success() {
        // Spelled out rather than left to the MIME table: a manifest or wasm
        // module with the wrong type is refused by the browser.
        let ext = path.rsplit_once('.').map(|(_, e)| e);
        let mime = match ext {
            Some("webmanifest") => Some("application/manifest+json"),
            Some("wasm") => Some("application/wasm"),
            _ => None,
        };
        if let Some(m) = mime {
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(m));
        }
    }
}
