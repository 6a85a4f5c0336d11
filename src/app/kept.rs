//! The office's kept answers: the last answer of every GET, with the time it
//! was fetched, so the office's screens still show something — and say how
//! old it is — when the server cannot be reached (issue 8, point 9).
//!
//! Only reads are kept. A decision (approve, return, resolve, due date…) is
//! never queued offline: it is taken on a revision that must be the current
//! one, and an hour-old list cannot promise that, so without a connection it
//! is refused with "Cần có mạng để …; chưa có gì thay đổi" and nothing is
//! written anywhere.
//!
//! Kept answers are per account (the key holds the username) and all of
//! them go at logout. They are a cache: when storage is full they are the
//! first thing dropped, never a village's unsent record.

use crate::i18n::Lang;
use sothon_domain::format::{date_vi, time_vi, vn_date};
use sothon_sync::{Store, StoreError};

/// Every kept answer's key starts with this.
pub const PREFIX: &str = "st.kept.";

fn key(account: &str, path: &str) -> String {
    format!("{PREFIX}{account}:{path}")
}

/// Keeps `json`, the answer to GET `path`, fetched at `at` (ms). When
/// storage is full, every kept answer is dropped and it is tried once more.
pub fn keep<S: Store>(s: &S, account: &str, path: &str, json: &str, at: i64) -> Result<(), StoreError> {
    let value = format!("{at}\n{json}");
    match s.set(&key(account, path), &value) {
        Err(StoreError::Full) => {
            clear(s);
            s.set(&key(account, path), &value)
        }
        other => other,
    }
}

/// The kept answer to GET `path` for `account`: when it was fetched, and the JSON.
pub fn kept<S: Store>(s: &S, account: &str, path: &str) -> Option<(i64, String)> {
    let v = s.get(&key(account, path))?;
    let (at, json) = v.split_once('\n')?;
    Some((at.parse().ok()?, json.to_string()))
}

/// Drops every kept answer (logout, or storage full).
pub fn clear<S: Store>(s: &S) {
    for k in s.keys(PREFIX) {
        s.remove(&k);
    }
}

/// "Số liệu lúc 14:05 ngày 02/12/2026 — chưa có mạng": how fresh a kept
/// answer is, in Vietnam time.
pub fn fresh_line(lang: Lang, at: i64) -> String {
    let t = lang.rv();
    format!("{} {} {} {} — {}", t.figures_at, time_vi(at), t.date_word, date_vi(vn_date(at)), t.no_network)
}

/// What a decision says when the server cannot be reached.
pub fn offline_refusal(lang: Lang, what: &str) -> String {
    let t = lang.rv();
    format!("{} {what}; {}", t.needs_network, t.nothing_changed_yet)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sothon_sync::MemStore;

    #[test]
    fn an_answer_is_kept_per_account_and_path_with_its_time() {
        let s = MemStore::new();
        keep(&s, "canbo", "/api/v1/overview?period=2026-11", r#"{"a":1}"#, 1_764_655_500_000).unwrap();
        assert_eq!(
            kept(&s, "canbo", "/api/v1/overview?period=2026-11"),
            Some((1_764_655_500_000, r#"{"a":1}"#.to_string()))
        );
        assert_eq!(kept(&s, "quantri", "/api/v1/overview?period=2026-11"), None, "another account's");
        assert_eq!(kept(&s, "canbo", "/api/v1/overview?period=2026-10"), None);
        // A newer answer replaces the old one.
        keep(&s, "canbo", "/api/v1/overview?period=2026-11", "{}", 2).unwrap();
        assert_eq!(kept(&s, "canbo", "/api/v1/overview?period=2026-11"), Some((2, "{}".into())));
    }

    #[test]
    fn logout_drops_every_kept_answer_and_nothing_else() {
        let s = MemStore::new();
        keep(&s, "canbo", "/a", "1", 1).unwrap();
        keep(&s, "quantri", "/b", "2", 1).unwrap();
        s.set("st.session", "x").unwrap();
        clear(&s);
        assert!(s.keys(PREFIX).is_empty());
        assert_eq!(s.get("st.session").as_deref(), Some("x"));
    }

    #[test]
    fn a_full_store_drops_old_answers_first() {
        let s = MemStore::with_quota(150);
        keep(&s, "canbo", "/old", &"x".repeat(60), 1).unwrap();
        keep(&s, "canbo", "/new", &"y".repeat(60), 2).unwrap();
        assert_eq!(kept(&s, "canbo", "/old"), None, "dropped to make room");
        assert_eq!(kept(&s, "canbo", "/new").map(|(at, _)| at), Some(2));
    }

    #[test]
    fn the_freshness_line_is_in_vietnam_time() {
        // 2026-12-02 07:05 UTC is 14:05 in Hà Nội.
        let at = 1_796_195_100_000;
        assert_eq!(fresh_line(Lang::Vi, at), "Số liệu lúc 14:05 ngày 02/12/2026 — chưa có mạng");
        assert_eq!(fresh_line(Lang::En, at), "Figures as of 14:05 on 02/12/2026 — no connection");
        assert_eq!(
            offline_refusal(Lang::Vi, "duyệt hoặc trả lại báo cáo"),
            "Cần có mạng để duyệt hoặc trả lại báo cáo; chưa có gì thay đổi."
        );
    }
}
