//! localStorage (`web_sys::Storage`, no wrapper crate), as a
//! [`sothon_sync::Store`].
//!
//! Values are stored raw (no second JSON encoding) to keep records compact:
//! Chromium counts localStorage at two bytes a character, 10 MiB per origin.

use sothon_sync::{Store, StoreError};
use wasm_bindgen::JsCast;

/// The browser's localStorage.
#[derive(Clone, Copy, Default)]
pub struct LocalStore;

impl LocalStore {
    /// `None` where the browser has none (disabled, or refused to this page).
    fn raw() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok().flatten()
    }
}

/// `QuotaExceededError` (and the legacy Firefox name) means full; anything
/// else is reported as unavailable.
fn classify(err: wasm_bindgen::JsValue) -> StoreError {
    match err.dyn_ref::<web_sys::DomException>() {
        Some(e) if e.name() == "QuotaExceededError" || e.name() == "NS_ERROR_DOM_QUOTA_REACHED" => StoreError::Full,
        Some(e) => StoreError::Unavailable(e.message()),
        None => StoreError::Unavailable(format!("{err:?}")),
    }
}

impl Store for LocalStore {
    fn get(&self, key: &str) -> Option<String> {
        Self::raw()?.get_item(key).ok().flatten()
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let raw = Self::raw().ok_or_else(|| StoreError::Unavailable("localStorage".into()))?;
        raw.set_item(key, value).map_err(classify)
    }

    fn remove(&self, key: &str) {
        if let Some(raw) = Self::raw() {
            let _ = raw.remove_item(key);
        }
    }

    fn keys(&self, prefix: &str) -> Vec<String> {
        let Some(raw) = Self::raw() else { return Vec::new() };
        let n = raw.length().unwrap_or(0);
        let mut keys: Vec<String> =
            (0..n).filter_map(|i| raw.key(i).ok().flatten()).filter(|k| k.starts_with(prefix)).collect();
        sothon_domain::sort::sort(&mut keys);
        keys
    }
}

/// Characters stored by this app (keys and values), the unit Chromium's
/// quota counts in (UTF-16 code units).
pub fn used_units() -> usize {
    let s = LocalStore;
    s.keys("st.")
        .iter()
        .map(|k| k.encode_utf16().count() + s.get(k).map(|v| v.encode_utf16().count()).unwrap_or(0))
        .sum()
}
