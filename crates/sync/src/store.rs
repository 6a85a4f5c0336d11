//! The storage the engine writes to: a string key-value map with small,
//! independent writes (one key per record), which is what localStorage offers.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

/// Why a write failed. Nothing is half-written: a failed `set` leaves the old
/// value in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The browser's storage quota is used up (`QuotaExceededError`).
    Full,
    /// Storage is not there at all (private mode, disabled) or failed otherwise.
    Unavailable(String),
    /// Stored data could not be read back.
    Corrupt(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Full => write!(f, "Bộ nhớ trình duyệt đã đầy"),
            StoreError::Unavailable(e) => write!(f, "Không ghi được vào bộ nhớ máy: {e}"),
            StoreError::Corrupt(e) => write!(f, "Dữ liệu trên máy bị hỏng: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// A string key-value store. Implementations: localStorage in the PWA,
/// [`MemStore`] in tests. Both pass [`crate::testkit::store_acceptance`].
pub trait Store {
    fn get(&self, key: &str) -> Option<String>;
    fn set(&self, key: &str, value: &str) -> Result<(), StoreError>;
    fn remove(&self, key: &str);
    /// Every key starting with `prefix`, sorted.
    fn keys(&self, prefix: &str) -> Vec<String>;
}

/// In-memory store, cheap to clone (clones share the data, like two tabs share
/// localStorage). An optional quota, counted like Chromium's localStorage
/// (UTF-16 code units of keys and values), makes `set` fail with `Full`.
#[derive(Clone, Default)]
pub struct MemStore {
    data: Rc<RefCell<BTreeMap<String, String>>>,
    quota: Option<usize>,
}

impl MemStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that refuses writes past `units` UTF-16 code units.
    pub fn with_quota(units: usize) -> Self {
        Self { quota: Some(units), ..Self::default() }
    }

    fn units(s: &str) -> usize {
        s.encode_utf16().count()
    }

    /// Everything stored, for tests.
    pub fn dump(&self) -> BTreeMap<String, String> {
        self.data.borrow().clone()
    }
}

impl Store for MemStore {
    fn get(&self, key: &str) -> Option<String> {
        self.data.borrow().get(key).cloned()
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let mut data = self.data.borrow_mut();
        if let Some(q) = self.quota {
            let used: usize =
                data.iter().filter(|(k, _)| k.as_str() != key).map(|(k, v)| Self::units(k) + Self::units(v)).sum();
            if used + Self::units(key) + Self::units(value) > q {
                return Err(StoreError::Full);
            }
        }
        data.insert(key.to_string(), value.to_string());
        Ok(())
    }

    fn remove(&self, key: &str) {
        self.data.borrow_mut().remove(key);
    }

    fn keys(&self, prefix: &str) -> Vec<String> {
        self.data.borrow().keys().filter(|k| k.starts_with(prefix)).cloned().collect()
    }
}
