//! Sending a text out of the app: the Web Share API where the browser has it
//! (Android's share sheet lists Zalo), else the clipboard. Both are looked up
//! at run time (`Reflect`), so a browser without them is told apart from a
//! refusal, and no web-sys feature is needed.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// What became of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    /// The share sheet took it.
    Shared,
    /// Copied to the clipboard.
    Copied,
    /// Neither worked (no API, no permission).
    Failed,
}

fn method(target: &JsValue, name: &str) -> Option<Function> {
    Reflect::get(target, &name.into()).ok()?.dyn_into::<Function>().ok()
}

async fn settle(p: Result<JsValue, JsValue>) -> bool {
    match p.ok().and_then(|p| p.dyn_into::<Promise>().ok()) {
        Some(p) => JsFuture::from(p).await.is_ok(),
        None => false,
    }
}

/// Copies `text` to the clipboard.
pub async fn copy(text: &str) -> Shared {
    let Some(nav) = web_sys::window().map(|w| JsValue::from(w.navigator())) else { return Shared::Failed };
    let Some(clipboard) = Reflect::get(&nav, &"clipboard".into()).ok().filter(|c| !c.is_undefined()) else {
        return Shared::Failed;
    };
    match method(&clipboard, "writeText") {
        Some(f) if settle(f.call1(&clipboard, &text.into())).await => Shared::Copied,
        _ => Shared::Failed,
    }
}

/// Opens the share sheet with `text`; copies it where there is none (or the
/// person closed it without choosing).
pub async fn share_or_copy(title: &str, text: &str) -> Shared {
    if let Some(nav) = web_sys::window().map(|w| JsValue::from(w.navigator())) {
        if let Some(share) = method(&nav, "share") {
            let data = Object::new();
            let _ = Reflect::set(&data, &"title".into(), &title.into());
            let _ = Reflect::set(&data, &"text".into(), &text.into());
            if settle(share.call1(&nav, &data)).await {
                return Shared::Shared;
            }
        }
    }
    copy(text).await
}
