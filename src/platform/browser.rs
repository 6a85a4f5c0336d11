//! Clocks, ids, connectivity events and the storage manager.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The phone's clock, ms since the epoch (may be wrong; the server measures
/// the skew).
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// A new random device id (16 characters of `[0-9a-z]`).
pub fn new_device_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut bytes = [0u8; 16];
    let crypto = web_sys::window().and_then(|w| w.crypto().ok());
    let filled = crypto.map(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok()).unwrap_or(false);
    if !filled {
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes.iter().map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char).collect()
}

/// A random number in [0, 1) for backoff jitter.
pub fn random() -> f64 {
    js_sys::Math::random()
}

/// Storage estimate: (used bytes, quota bytes) for the whole origin.
pub async fn storage_estimate() -> Option<(f64, f64)> {
    let storage = web_sys::window()?.navigator().storage();
    let est = JsFuture::from(storage.estimate().ok()?).await.ok()?;
    let usage = js_sys::Reflect::get(&est, &"usage".into()).ok()?.as_f64()?;
    let quota = js_sys::Reflect::get(&est, &"quota".into()).ok()?.as_f64()?;
    Some((usage, quota))
}

/// Asks the browser to keep this site's storage under pressure. Returns
/// whether it is (or already was) persisted.
pub async fn request_persistence() -> bool {
    let Some(w) = web_sys::window() else { return false };
    let storage = w.navigator().storage();
    if let Ok(p) = storage.persisted() {
        if JsFuture::from(p).await.ok().and_then(|v| v.as_bool()) == Some(true) {
            return true;
        }
    }
    match storage.persist() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|v| v.as_bool()).unwrap_or(false),
        Err(_) => false,
    }
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, text: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = doc.create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    web_sys::Url::revoke_object_url(&url)?;
    Ok(())
}

/// The phone's position, if it gives one within `timeout_ms`. Works without:
/// a refusal, no fix or no GPS is an `Err` the form shows and moves past.
pub async fn current_position(timeout_ms: u32) -> Result<sothon_domain::event::Gps, String> {
    let geo = web_sys::window()
        .ok_or("no window")?
        .navigator()
        .geolocation()
        .map_err(|_| "Điện thoại không hỗ trợ định vị".to_string())?;
    let opts = web_sys::PositionOptions::new();
    opts.set_enable_high_accuracy(true);
    opts.set_timeout(timeout_ms);
    opts.set_maximum_age(60_000);
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let _ = geo.get_current_position_with_error_callback_and_options(&resolve, Some(&reject), &opts);
    });
    let pos = JsFuture::from(promise).await.map_err(|e| {
        js_sys::Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_default()
    })?;
    let coords = js_sys::Reflect::get(&pos, &"coords".into()).map_err(|_| "no coords".to_string())?;
    let num = |k: &str| js_sys::Reflect::get(&coords, &k.into()).ok().and_then(|v| v.as_f64());
    match (num("latitude"), num("longitude"), num("accuracy")) {
        (Some(lat), Some(lon), Some(acc)) => Ok(sothon_domain::event::Gps { lat, lon, acc }),
        _ => Err("no coords".into()),
    }
}

/// An iPhone or iPad browsing the site (not the app installed to the home
/// screen): Safari deletes such a site's storage after 7 days without a visit.
pub fn ios_not_installed() -> bool {
    let Some(w) = web_sys::window() else { return false };
    let ua = w.navigator().user_agent().unwrap_or_default();
    let ios = ua.contains("iPhone") || ua.contains("iPad");
    let standalone = w.match_media("(display-mode: standalone)").ok().flatten().is_some_and(|m| m.matches());
    ios && !standalone
}

/// The report catalogue's text, from the address the page names
/// (`<meta name="sothon-catalogue">`, a content-hashed file the service
/// worker keeps with the screens): the village bundle does not carry it.
#[cfg(not(feature = "office"))]
pub async fn fetch_catalogue() -> Result<String, JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let url = window
        .document()
        .ok_or("no document")?
        .query_selector("meta[name=sothon-catalogue]")?
        .and_then(|m| m.get_attribute("content"))
        .ok_or("the page names no catalogue")?;
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str(&url)).await?.dyn_into()?;
    if !resp.ok() {
        return Err(format!("HTTP {}", resp.status()).into());
    }
    JsFuture::from(resp.text()?).await?.as_string().ok_or_else(|| "not text".into())
}
