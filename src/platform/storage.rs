//! localStorage (`web_sys::Storage`, no wrapper crate), as a
//! [`sothon_sync::Store`].
//!
//! Values are stored raw (no second JSON encoding) to keep records compact:
//! Chromium counts localStorage at two bytes a character, 10 MiB per origin.
//!
//! The app's own keys (`st.…`) are read once, then served from a copy in
//! memory kept in step with every write (issue #10: home on a phone with
//! 500 records crossed into JavaScript and decoded a string for each record
//! on every redraw, a fifth of its time on a cheap phone). Every write still
//! goes to localStorage first and reaches the copy only once the browser has
//! taken it, so a full storage is seen exactly as before. Another tab's
//! writes arrive as `storage` events and update the copy; code of this page
//! that writes localStorage behind the store's back (a test clearing it)
//! calls [`reload`].

use sothon_sync::{Store, StoreError};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::ops::Bound;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::JsCast;

/// The keys kept in memory: the app's own.
const MIRRORED: &str = "st.";

thread_local! {
    /// The app's keys and values as localStorage holds them, once read.
    static MIRROR: RefCell<Option<Mirror>> = const { RefCell::new(None) };
    static LISTENING: Cell<bool> = const { Cell::new(false) };
}

/// The copy: the keys and values, and their size in the quota's unit kept
/// as it changes (home shows it on every redraw; counting the text of 500
/// records each time was 4 % of opening home at 4× CPU).
struct Mirror {
    map: BTreeMap<String, String>,
    units: usize,
}

/// A text's length in UTF-16 code units, the unit Chromium's quota counts in.
fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

impl Mirror {
    fn new(map: BTreeMap<String, String>) -> Self {
        let units = map.iter().map(|(k, v)| units(k) + units(v)).sum();
        Self { map, units }
    }

    /// `key` now holds `value` (`None`: removed).
    fn write(&mut self, key: &str, value: Option<&str>) {
        let old = match value {
            Some(v) => self.map.insert(key.to_string(), v.to_string()),
            None => self.map.remove(key),
        };
        if let Some(old) = old {
            self.units -= units(key) + units(&old);
        }
        if let Some(v) = value {
            self.units += units(key) + units(v);
        }
    }
}

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

/// Every `st.…` key and value localStorage holds now. (One insert at a
/// time: `collect` into a map would link a second sort into the WASM.)
fn read_all(raw: &web_sys::Storage) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for i in 0..raw.length().unwrap_or(0) {
        let Some(k) = raw.key(i).ok().flatten().filter(|k| k.starts_with(MIRRORED)) else { continue };
        if let Some(v) = raw.get_item(&k).ok().flatten() {
            m.insert(k, v);
        }
    }
    m
}

/// Keeps the copy in step with other tabs' writes (the `storage` event
/// fires in every other document of the site).
fn listen() {
    if LISTENING.with(|l| l.replace(true)) {
        return;
    }
    let Some(window) = web_sys::window() else { return };
    let on_storage = Closure::<dyn Fn(web_sys::StorageEvent)>::new(|e: web_sys::StorageEvent| {
        let ours = match (e.storage_area(), LocalStore::raw()) {
            (Some(area), Some(raw)) => js_sys::Object::is(&area, &raw),
            _ => false,
        };
        if !ours {
            return;
        }
        match e.key() {
            // localStorage.clear() in another tab.
            None => reload(),
            Some(k) => mirror_write(&k, e.new_value().as_deref()),
        }
    });
    let _ = window.add_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref());
    // The listener lives as long as the page.
    on_storage.forget();
}

/// Runs `f` over the copy of the app's keys, reading localStorage first if
/// this page has not yet. `None` for a key that is not the app's, or where
/// there is no localStorage.
fn mirrored<R>(key: &str, f: impl FnOnce(&BTreeMap<String, String>) -> R) -> Option<R> {
    with_mirror(key, |m| f(&m.map))
}

fn with_mirror<R>(key: &str, f: impl FnOnce(&Mirror) -> R) -> Option<R> {
    if !key.starts_with(MIRRORED) {
        return None;
    }
    MIRROR.with(|m| {
        let mut m = m.borrow_mut();
        if m.is_none() {
            *m = Some(Mirror::new(read_all(&LocalStore::raw()?)));
            listen();
        }
        m.as_ref().map(f)
    })
}

/// Applies a write localStorage has taken (this page's, or another tab's)
/// to the copy, if it was read.
fn mirror_write(key: &str, value: Option<&str>) {
    if !key.starts_with(MIRRORED) {
        return;
    }
    MIRROR.with(|m| {
        if let Some(m) = m.borrow_mut().as_mut() {
            m.write(key, value);
        }
    });
}

/// Forgets the copy: the next read reads localStorage again. For code of
/// this page that changed localStorage other than through [`LocalStore`].
pub fn reload() {
    MIRROR.with(|m| *m.borrow_mut() = None);
}

impl Store for LocalStore {
    fn get(&self, key: &str) -> Option<String> {
        match mirrored(key, |m| m.get(key).cloned()) {
            Some(v) => v,
            None => Self::raw()?.get_item(key).ok().flatten(),
        }
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let raw = Self::raw().ok_or_else(|| StoreError::Unavailable("localStorage".into()))?;
        raw.set_item(key, value).map_err(classify)?;
        mirror_write(key, Some(value));
        Ok(())
    }

    fn remove(&self, key: &str) {
        if let Some(raw) = Self::raw() {
            let _ = raw.remove_item(key);
        }
        mirror_write(key, None);
    }

    fn keys(&self, prefix: &str) -> Vec<String> {
        let listed = mirrored(prefix, |m| {
            m.range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
                .map(|(k, _)| k)
                .take_while(|k| k.starts_with(prefix))
                .cloned()
                .collect()
        });
        if let Some(keys) = listed {
            return keys;
        }
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
    with_mirror(MIRRORED, |m| m.units).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kept count is always what counting everything again gives.
    #[test]
    fn the_mirror_keeps_its_size_as_it_changes() {
        let recount = |m: &Mirror| Mirror::new(m.map.clone()).units;
        let mut m = Mirror::new(BTreeMap::from([("st.a".to_string(), "xyz".to_string())]));
        assert_eq!(m.units, 7);
        let writes: &[(&str, Option<&str>)] = &[
            ("st.b", Some("Đã lưu trên điện thoại")),
            ("st.a", Some("longer than before")),
            ("st.a", Some("")),
            ("st.c", None),
            ("st.b", None),
            ("st.😀", Some("🌾 lúa")),
            ("st.😀", Some("🌾")),
        ];
        for (k, v) in writes {
            m.write(k, *v);
            assert_eq!(m.units, recount(&m), "after {k} = {v:?}");
        }
        assert_eq!(m.units, "st.a".len() + "st.😀".encode_utf16().count() + 2);
    }
}
