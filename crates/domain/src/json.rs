//! JSON text to and from Rust values, the one way every crate of the phone
//! and the server writes it: natively with serde_json; in the browser
//! (wasm32) with the browser's own `JSON.parse`/`JSON.stringify` and
//! serde-wasm-bindgen, so the PWA ships no JSON parser, number printer or
//! float tables of its own (issue #10: serde_json was ~100 KB of its WASM).
//!
//! Both write the same JSON for the same value, with one difference a reader
//! never sees: a whole `f64` is `5.0` natively and `5` in the browser (both
//! read back as 5). `None` and `()` are `null` both ways, maps are objects.
//! The browser tests (`tests/browser.rs`) check that each side reads what the
//! other writes.

use serde::{de::DeserializeOwned, Serialize};
use std::fmt;

/// Why a value could not be written or read (the parser's message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::*;

    pub fn to_string<T: Serialize + ?Sized>(v: &T) -> Result<String, Error> {
        serde_json::to_string(v).map_err(|e| Error(e.to_string()))
    }

    pub fn from_str<T: DeserializeOwned>(s: &str) -> Result<T, Error> {
        serde_json::from_str(s).map_err(|e| Error(e.to_string()))
    }
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::*;

    /// `null` for `None` and `()`, plain objects for maps: what
    /// `JSON.stringify` turns into the same text serde_json writes.
    const SER: serde_wasm_bindgen::Serializer = serde_wasm_bindgen::Serializer::json_compatible();

    fn message(e: wasm_bindgen::JsValue) -> Error {
        let m = js_sys::Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string());
        Error(m.unwrap_or_else(|| format!("{e:?}")))
    }

    pub fn to_string<T: Serialize + ?Sized>(v: &T) -> Result<String, Error> {
        let js = v.serialize(&SER).map_err(|e| Error(e.to_string()))?;
        Ok(js_sys::JSON::stringify(&js).map_err(message)?.into())
    }

    pub fn from_str<T: DeserializeOwned>(s: &str) -> Result<T, Error> {
        let js = js_sys::JSON::parse(s).map_err(message)?;
        serde_wasm_bindgen::from_value(js).map_err(|e| Error(e.to_string()))
    }
}

/// `v` as JSON text.
pub fn to_string<T: Serialize + ?Sized>(v: &T) -> Result<String, Error> {
    imp::to_string(v)
}

/// The value JSON text `s` holds.
pub fn from_str<T: DeserializeOwned>(s: &str) -> Result<T, Error> {
    imp::from_str(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct T {
        a: Option<u32>,
        m: BTreeMap<String, f64>,
    }

    #[test]
    fn writes_and_reads_back() {
        let t = T { a: None, m: BTreeMap::from([("x".to_string(), 1.5)]) };
        let s = to_string(&t).unwrap();
        assert_eq!(s, r#"{"a":null,"m":{"x":1.5}}"#);
        assert_eq!(from_str::<T>(&s).unwrap(), t);
    }

    #[test]
    fn bad_text_is_an_error_with_a_message() {
        let e = from_str::<T>("{").unwrap_err();
        assert!(!e.to_string().is_empty());
        assert!(from_str::<T>(r#"{"a":"x","m":{}}"#).is_err());
    }
}
