//! One URL per screen, built here and nowhere else.
//!
//! The village bundle (`/`) and the office bundle (`/office…`, served as
//! `office.html`) share these paths, so a link written on one screen always
//! matches a `<Route>` of the other. The server
//! (`crates/server/src/routes/web.rs`) and the service worker
//! (`public/sw.js`) decide which bundle answers a navigation with the same
//! rule as [`is_office`].
//!
//! Record ids carry dots (`i.pq-t01.k3x9`): a path segment keeps them as
//! they are (the server knows the app's prefixes, so a dot there is not
//! taken for a file name); anything outside the URL's unreserved characters
//! is percent-encoded by [`seg`] and decoded by [`unseg`].

/// The village head's home.
pub const HOME: &str = "/";
/// A new incident.
pub const NEW_INCIDENT: &str = "/incident/new";
/// A new digital-team activity.
pub const NEW_ACTIVITY: &str = "/activity/new";

/// The periodic report form for a period (`/report/2026-11`).
pub fn report(period: &str) -> String {
    format!("/report/{}", seg(period))
}

/// An incident: a new one, or the record with this id.
pub fn incident(id: Option<&str>) -> String {
    id.map_or_else(|| NEW_INCIDENT.into(), |id| format!("/incident/{}", seg(id)))
}

/// A digital-team activity: a new one, or the record with this id.
pub fn activity(id: Option<&str>) -> String {
    id.map_or_else(|| NEW_ACTIVITY.into(), |id| format!("/activity/{}", seg(id)))
}

/// The commune office's screens, all under `/office`.
pub mod office {
    use super::seg;

    /// The office home: who has reported for a period.
    pub const HOME: &str = "/office";
    /// Conflicts between two phones' versions, to resolve.
    pub const CONFLICTS: &str = "/office/conflicts";
    /// The commune-wide audit trail.
    pub const AUDIT: &str = "/office/audit";
    /// The completeness grid (villages × periods) and reminders.
    pub const GRID: &str = "/office/grid";
    /// The incidents desk.
    pub const INCIDENTS: &str = "/office/incidents";
    /// Accounts (admin).
    pub const ACCOUNTS: &str = "/office/accounts";
    /// Aggregate figures across villages.
    pub const FIGURES: &str = "/office/figures";
    /// The plan's targets (admin) and progress toward them.
    pub const TARGETS: &str = "/office/targets";

    /// One village's report for a period, field by field.
    pub fn review(village: &str, period: &str) -> String {
        format!("/office/review/{}/{}", seg(village), seg(period))
    }

    /// One incident on the desk.
    pub fn incident(id: &str) -> String {
        format!("/office/incidents/{}", seg(id))
    }

    /// The printable periodic report of a period.
    pub fn print(period: &str) -> String {
        format!("/office/print/{}", seg(period))
    }
}

/// Whether a path belongs to the office bundle (`/office`, `/office/…`, and
/// the bundle's own page `/office.html`).
pub fn is_office(path: &str) -> bool {
    path == "/office" || path == "/office.html" || path.starts_with("/office/")
}

/// A value as one path segment: unreserved characters (`A–Z a–z 0–9 - . _ ~`)
/// as they are, every other byte percent-encoded.
pub fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The inverse of [`seg`]; a malformed escape is kept as typed (it can only
/// come from a hand-edited URL, which then names no record).
pub fn unseg(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// A village screen, as the village bundle reads its URL. The village bundle
/// matches its few paths itself ([`village`]); leptos_router, which the
/// office's nested routes need, is left to the office bundle (it was about
/// 15 KB of the village head's first download, brotli).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Village {
    /// `/` and `/index.html`.
    Home,
    /// `/report/{period}`.
    Report(String),
    /// `/incident/new` or `/incident/{id}`.
    Incident(Option<String>),
    /// `/activity/new` or `/activity/{id}`.
    Activity(Option<String>),
    /// `/office` and everything under it: the office bundle's.
    Office,
    /// Anything else.
    NotFound,
}

/// Which village screen `path` (a URL's path, as the browser gives it)
/// names. Matches as the office bundle's router does: one trailing `/`
/// is ignored, a parameter is one non-empty segment, and it is decoded
/// as the router decodes it ([`param`]).
pub fn village(path: &str) -> Village {
    let path = if path.len() > 1 { path.strip_suffix('/').unwrap_or(path) } else { path };
    if path.is_empty() || path == HOME || path == "/index.html" {
        return Village::Home;
    }
    if path == office::HOME || path.starts_with("/office/") {
        return Village::Office;
    }
    let Some(rest) = path.strip_prefix('/') else { return Village::NotFound };
    let mut parts = rest.split('/');
    let (Some(screen), Some(arg), None) = (parts.next(), parts.next(), parts.next()) else {
        return Village::NotFound;
    };
    if arg.is_empty() {
        return Village::NotFound;
    }
    let record = || (arg != "new").then(|| param(arg));
    match screen {
        "report" => Village::Report(param(arg)),
        "incident" => Village::Incident(record()),
        "activity" => Village::Activity(record()),
        _ => Village::NotFound,
    }
}

/// A path parameter's value: percent-decoded as `decodeURIComponent` does
/// (left as it is when that would fail), which the router does to every
/// parameter, then [`unseg`], which the screens do after it.
pub fn param(raw: &str) -> String {
    unseg(&decode_component(raw))
}

/// `decodeURIComponent`, or `s` unchanged where it throws (a `%` without
/// two hex digits, or bytes that are not UTF-8).
fn decode_component(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |c: Option<&u8>| c.and_then(|c| (*c as char).to_digit(16));
            match (hex(b.get(i + 1)), hex(b.get(i + 2))) {
                (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                _ => return s.to_string(),
            }
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_with_dots_stay_one_readable_segment() {
        assert_eq!(incident(Some("i.pq-t01.k3x9")), "/incident/i.pq-t01.k3x9");
        assert_eq!(activity(Some("a.pq-t02.z_1")), "/activity/a.pq-t02.z_1");
        assert_eq!(incident(None), NEW_INCIDENT);
        assert_eq!(activity(None), NEW_ACTIVITY);
        assert_eq!(report("2026-11"), "/report/2026-11");
        assert_eq!(report("2026-Q4"), "/report/2026-Q4");
    }

    #[test]
    fn office_paths_are_under_office() {
        assert_eq!(office::review("pq-t01", "2026-11"), "/office/review/pq-t01/2026-11");
        assert_eq!(office::incident("i.pq-t01.x"), "/office/incidents/i.pq-t01.x");
        assert_eq!(office::print("2026-H2"), "/office/print/2026-H2");
        for p in [office::HOME, office::CONFLICTS, office::AUDIT, office::GRID, office::ACCOUNTS, "/office.html"] {
            assert!(is_office(p), "{p}");
        }
        for p in ["/", "/officer", "/report/2026-11", "/office-x/1"] {
            assert!(!is_office(p), "{p}");
        }
    }

    #[test]
    fn odd_characters_are_escaped_and_come_back() {
        for s in ["i.pq-t01.k3x9", "thôn 1/2", "a%b", "?x#y", ""] {
            let e = seg(s);
            assert!(!e.contains('/') && !e.contains('?') && !e.contains('#') && !e.contains(' '), "{e}");
            assert_eq!(unseg(&e), s);
        }
        assert_eq!(seg("thôn 1"), "th%C3%B4n%201");
        // A malformed escape is left alone.
        assert_eq!(unseg("50%"), "50%");
        assert_eq!(unseg("%zz"), "%zz");
    }

    #[test]
    fn the_village_bundle_reads_its_paths_like_the_router() {
        use Village::*;
        let cases = [
            ("/", Home),
            ("", Home),
            ("/index.html", Home),
            ("/index.html/", Home),
            ("/report/2026-11", Report("2026-11".into())),
            ("/report/2026-Q4/", Report("2026-Q4".into())),
            ("/incident/new", Incident(None)),
            ("/incident/new/", Incident(None)),
            ("/incident/i.pq-t01.k3x9", Incident(Some("i.pq-t01.k3x9".into()))),
            ("/activity/new", Activity(None)),
            ("/activity/a.pq-t02.z_1", Activity(Some("a.pq-t02.z_1".into()))),
            ("/office", Office),
            ("/office/", Office),
            ("/office/review/pq-t01/2026-11", Office),
            ("/officer", NotFound),
            ("/report", NotFound),
            ("/report/", NotFound),
            ("/report//", NotFound),
            ("/report/2026-11/x", NotFound),
            ("/incident", NotFound),
            ("/nope", NotFound),
            ("/nope/x", NotFound),
            ("//", Home),
        ];
        for (path, want) in cases {
            assert_eq!(village(path), want, "{path}");
        }
        // Every path the app builds opens its screen.
        assert_eq!(village(&report("thôn 1/2")), Report("thôn 1/2".into()));
        assert_eq!(village(&incident(Some("i.pq-t01.k3x9"))), Incident(Some("i.pq-t01.k3x9".into())));
        assert_eq!(village(&activity(None)), Activity(None));
        assert!(village(office::HOME) == Office && village(&office::print("2026-H2")) == Office);
    }

    #[test]
    fn parameters_are_decoded_once_by_the_router_then_by_unseg() {
        assert_eq!(param("th%C3%B4n%201"), "thôn 1");
        // The router's decoding, then the screen's.
        assert_eq!(param("a%2541"), "aA");
        // Where decodeURIComponent throws, the router keeps the text.
        assert_eq!(param("50%"), "50%");
        assert_eq!(param("%zz"), "%zz");
        assert_eq!(param("%C3"), "%C3");
        assert_eq!(param("%FF%41"), "%FF%41");
    }
}
