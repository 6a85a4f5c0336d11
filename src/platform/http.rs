//! `fetch` for the API, and the sync [`Transport`] over it.

use serde::{de::DeserializeOwned, Serialize};
use sothon_domain::protocol::{ApiError, SyncRequest, SyncResponse};
use sothon_sync::{Transport, TransportError};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// An API call's failure.
#[derive(Debug, Clone, PartialEq)]
pub enum HttpError {
    /// No answer (offline, server down, proxy error page).
    Unreachable(String),
    /// An answer with an error status and the server's JSON error.
    Status(u16, ApiError),
}

impl From<HttpError> for TransportError {
    fn from(e: HttpError) -> Self {
        match e {
            HttpError::Unreachable(s) => TransportError::Unreachable(s),
            HttpError::Status(401, _) => TransportError::Unauthorized,
            // A server stopping (503 with Retry-After) or a gateway without
            // one behind it: nothing was done; like no signal, try later.
            HttpError::Status(502..=504, _) => TransportError::Unreachable("máy chủ tạm thời chưa nhận".into()),
            HttpError::Status(status, error) => TransportError::Rejected { status, error },
        }
    }
}

/// Sends `body` as JSON to `path` and parses the JSON answer. Never goes
/// through a cache: API requests are the app's own business, not the
/// service worker's.
pub async fn call<B: Serialize, R: DeserializeOwned>(
    method: &str,
    path: &str,
    body: Option<&B>,
    token: Option<&str>,
) -> Result<R, HttpError> {
    send(method, path, body, token, false).await
}

/// [`call`], with the body gzipped when `compress` and the browser can
/// (`Content-Encoding: gzip`; the server inflates it and counts the inflated
/// size against its limit). Worth it for a push over 2G: a monthly report of
/// twenty figures is about 600 bytes of JSON and 350 gzipped.
async fn send<B: Serialize, R: DeserializeOwned>(
    method: &str,
    path: &str,
    body: Option<&B>,
    token: Option<&str>,
    compress: bool,
) -> Result<R, HttpError> {
    let unreachable = |e: wasm_bindgen::JsValue| HttpError::Unreachable(format!("{e:?}"));
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    // Answers to a POST are never cached; on a POST `no-store` would only add
    // Pragma and Cache-Control (45 bytes of the monthly push's 1 KB).
    if method == "GET" {
        init.set_cache(web_sys::RequestCache::NoStore);
    }
    // The API has no use for the page's address.
    init.set_referrer("");
    let headers = web_sys::Headers::new().map_err(unreachable)?;
    headers.set("Accept", "application/json").map_err(unreachable)?;
    if let Some(t) = token {
        headers.set("Authorization", &format!("Bearer {t}")).map_err(unreachable)?;
    }
    if let Some(b) = body {
        headers.set("Content-Type", "application/json").map_err(unreachable)?;
        let json = sothon_domain::json::to_string(b).map_err(|e| HttpError::Unreachable(e.to_string()))?;
        match if compress { gzip(&json).await } else { None } {
            Some(gz) => {
                headers.set("Content-Encoding", "gzip").map_err(unreachable)?;
                init.set_body(&gz);
            }
            None => init.set_body(&json.into()),
        }
    }
    init.set_headers(&headers);
    let window = web_sys::window().ok_or_else(|| HttpError::Unreachable("no window".into()))?;
    let resp = JsFuture::from(window.fetch_with_str_and_init(path, &init)).await.map_err(unreachable)?;
    let resp: web_sys::Response = resp.dyn_into().map_err(unreachable)?;
    let status = resp.status();
    let text = JsFuture::from(resp.text().map_err(unreachable)?).await.map_err(unreachable)?;
    let text = text.as_string().unwrap_or_default();
    if (200..300).contains(&status) {
        // 204 No Content (logout, a password change) has no body: read it as
        // `null`, which `IgnoredAny` and `()` accept.
        let text = if status == 204 && text.is_empty() { "null" } else { text.as_str() };
        return sothon_domain::json::from_str(text).map_err(|e| HttpError::Unreachable(format!("bad answer: {e}")));
    }
    // A gateway or captive-portal page is not our server: treat as unreachable.
    match sothon_domain::json::from_str::<ApiError>(&text) {
        Ok(err) => Err(HttpError::Status(status, err)),
        Err(_) => Err(HttpError::Unreachable(format!("HTTP {status}"))),
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The browser's `CompressionStream` (web-sys has it only behind
    /// `web_sys_unstable_apis`).
    type CompressionStream;
    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<CompressionStream, wasm_bindgen::JsValue>;
}

/// `json` gzipped by the browser, or `None` where it has no
/// `CompressionStream` (or it fails): the caller then sends plain JSON.
async fn gzip(json: &str) -> Option<wasm_bindgen::JsValue> {
    let global = js_sys::global();
    if !js_sys::Reflect::has(&global, &"CompressionStream".into()).unwrap_or(false) {
        return None;
    }
    let gz = CompressionStream::new("gzip").ok()?;
    let blob = web_sys::Blob::new_with_str_sequence(&js_sys::Array::of1(&json.into())).ok()?;
    // A CompressionStream is a readable/writable pair.
    let stream = blob.stream().pipe_through(gz.unchecked_ref());
    let gzipped = web_sys::Response::new_with_opt_readable_stream(Some(&stream)).ok()?;
    JsFuture::from(gzipped.array_buffer().ok()?).await.ok()
}

/// The sync transport: `POST /api/v1/sync` with the session's token.
pub struct FetchTransport {
    pub token: String,
}

impl Transport for FetchTransport {
    async fn sync(&self, req: &SyncRequest) -> Result<SyncResponse, TransportError> {
        Ok(send("POST", "/api/v1/sync", Some(req), Some(&self.token), true).await?)
    }
}
