//! Downloads an export: fetch it with the session's token (a plain link
//! could not carry the bearer token), then hand the bytes to the browser as
//! a Blob, under the name the server gives in `Content-Disposition`.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The file name from `filename*=UTF-8''…` (else `filename="…"`).
fn file_name(cd: &str) -> Option<String> {
    if let Some(enc) = cd.split("filename*=UTF-8''").nth(1) {
        let enc = enc.split(';').next().unwrap_or(enc).trim();
        if let Some(s) = js_sys::decode_uri_component(enc).ok().and_then(|s| s.as_string()) {
            return Some(s);
        }
    }
    cd.split("filename=\"").nth(1).and_then(|s| s.split('"').next()).map(str::to_string)
}

/// Fetches `path` with `token` and saves it; returns the file's name, or a
/// Vietnamese reason.
pub async fn download(token: &str, path: &str) -> Result<String, String> {
    let fail = |e: wasm_bindgen::JsValue| format!("Không tải được tệp: {e:?}");
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_cache(web_sys::RequestCache::NoStore);
    let headers = web_sys::Headers::new().map_err(fail)?;
    headers.set("Authorization", &format!("Bearer {token}")).map_err(fail)?;
    init.set_headers(&headers);
    let window = web_sys::window().ok_or("no window")?;
    let resp = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|_| "Chưa kết nối được máy chủ, vui lòng thử lại khi có mạng".to_string())?;
    let resp: web_sys::Response = resp.dyn_into().map_err(fail)?;
    if !resp.ok() {
        let text = JsFuture::from(resp.text().map_err(fail)?).await.map_err(fail)?.as_string().unwrap_or_default();
        let msg = sothon_domain::json::from_str::<sothon_domain::protocol::ApiError>(&text)
            .map(|e| e.message)
            .unwrap_or_else(|_| format!("HTTP {}", resp.status()));
        return Err(msg);
    }
    let name = resp
        .headers()
        .get("Content-Disposition")
        .ok()
        .flatten()
        .and_then(|cd| file_name(&cd))
        .unwrap_or_else(|| "sothon-export".into());
    let blob: web_sys::Blob =
        JsFuture::from(resp.blob().map_err(fail)?).await.map_err(fail)?.dyn_into().map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let doc = window.document().ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement =
        doc.create_element("a").map_err(fail)?.dyn_into().map_err(|_| "no anchor element".to_string())?;
    a.set_href(&url);
    a.set_download(&name);
    a.click();
    web_sys::Url::revoke_object_url(&url).map_err(fail)?;
    Ok(name)
}
