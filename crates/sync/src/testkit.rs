//! The acceptance suite every [`Store`] adapter must pass: the in-memory fake
//! here, localStorage in the browser tests. One suite, so the fake cannot
//! drift from the real thing.

use crate::store::{Store, StoreError};

/// Runs every store check against a fresh, empty store from `make`. Panics
/// with the failing check's name.
pub fn store_acceptance<S: Store>(make: impl Fn() -> S) {
    let s = make();
    assert_eq!(s.get("st.x"), None, "missing key reads as None");
    s.set("st.x", "1").expect("set");
    assert_eq!(s.get("st.x").as_deref(), Some("1"), "read back");
    s.set("st.x", "2").expect("overwrite");
    assert_eq!(s.get("st.x").as_deref(), Some("2"), "overwrite wins");
    s.remove("st.x");
    assert_eq!(s.get("st.x"), None, "removed");
    s.remove("st.never");

    let s = make();
    for k in ["st.o.0002", "st.o.0001", "st.r.a", "other"] {
        s.set(k, "v").expect("set");
    }
    assert_eq!(s.keys("st.o."), vec!["st.o.0001".to_string(), "st.o.0002".to_string()], "prefix keys sorted");
    assert_eq!(s.keys("st.r.").len(), 1);

    let s = make();
    let text = "Sạt lở đất ở Khuổi Đắng — 3 hộ phải di dời 🏠";
    s.set("st.vi", text).expect("unicode");
    assert_eq!(s.get("st.vi").as_deref(), Some(text), "unicode survives");
}

/// Checks that a store with a small quota refuses a write with
/// [`StoreError::Full`] and keeps the value that was there before.
pub fn store_full_keeps_old_value<S: Store>(s: &S, big: usize) {
    s.set("st.keep", "old").expect("small write fits");
    let huge = "x".repeat(big);
    assert_eq!(s.set("st.keep", &huge), Err(StoreError::Full), "quota refusal");
    assert_eq!(s.get("st.keep").as_deref(), Some("old"), "old value kept");
    s.remove("st.keep");
}

/// Runs a future that never waits (the fake transports of the engine tests
/// answer at once) to its end with one poll.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("fake transport never pends"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemStore;

    #[test]
    fn mem_store_passes_acceptance() {
        store_acceptance(MemStore::new);
        store_full_keeps_old_value(&MemStore::with_quota(1000), 2000);
    }
}
