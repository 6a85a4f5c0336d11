//! `sothon-server bench-seed`: the units, accounts, sessions and history the
//! scale benchmark needs (`scripts/bench-burst.sh`, BENCHMARKS.md "The
//! national burst"), written in bulk.
//!
//! A province of `communes` communes holds `villages` villages, dealt round
//! robin; every village has a head and every commune an officer, each with
//! a live session whose bearer token is printed (logging 100,000 heads in
//! would measure Argon2, not the push path: the accounts share one password
//! hash, made once). `history_months` months before the current one get an
//! approved monthly report from every village, each with its own version of
//! its commune's counter, as pushes and reviews would have left them.
//!
//! Only for a benchmark's own database: the accounts' password is printed in
//! the clear.

use crate::db::bench_seed::{insert, reserve_versions, Cell, Rows};
use crate::db::demo_history::sample_report;
use crate::db::Db;
use sothon_domain::event::Activity;
use sothon_domain::protocol::{receipt_code, Body};
use sothon_domain::{Period, PeriodKind};
use std::collections::BTreeMap;

/// What to make.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Prefix of every id and username (lowercase, digits, '-').
    pub prefix: String,
    pub communes: usize,
    pub villages: usize,
    /// Months of approved history before the current month (0: none).
    pub history_months: u32,
    /// The accounts' password.
    pub password: String,
}

/// A live session the benchmark pushes or pulls with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// `head` (of `village`) or `officer` (of `commune`).
    pub role: &'static str,
    pub commune: String,
    pub village: String,
    pub username: String,
    pub token: String,
    /// The commune's version once seeded: where a phone that had synced
    /// before the burst stands.
    pub cursor: i64,
}

impl Session {
    /// One tab-separated line: role, commune, village (`-` for an officer),
    /// username, token, cursor — what `sothon-loadgen --burst` reads.
    pub fn line(&self) -> String {
        let village = if self.village.is_empty() { "-" } else { &self.village };
        format!("{}\t{}\t{}\t{}\t{}\t{}", self.role, self.commune, village, self.username, self.token, self.cursor)
    }
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct Seeded {
    pub sessions: Vec<Session>,
    pub rows: u64,
    pub history: u64,
}

/// The id of commune `c` and of village `v` of the plan.
pub fn commune_id(plan: &Plan, c: usize) -> String {
    format!("{}-c{c:04}", plan.prefix)
}

pub fn village_id(plan: &Plan, v: usize) -> String {
    format!("{}-v{v:06}", plan.prefix)
}

/// Checks the plan before anything is written.
pub fn check(plan: &Plan) -> anyhow::Result<()> {
    let ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok(&plan.prefix) || plan.prefix.len() > 20 {
        anyhow::bail!("--prefix: 1–20 characters of a-z, 0-9 and '-'");
    }
    if plan.communes == 0 || plan.villages < plan.communes {
        anyhow::bail!("need villages ≥ communes ≥ 1");
    }
    if plan.villages > 999_999 || plan.communes > 9_999 {
        anyhow::bail!("at most 999,999 villages in 9,999 communes");
    }
    if plan.history_months > 1_200 {
        anyhow::bail!("--history-months: at most 1,200 (a hundred years)");
    }
    Ok(())
}

/// Writes the plan into `db` (migrated, without these ids yet).
pub async fn seed(db: &Db, plan: &Plan, now: i64) -> anyhow::Result<Seeded> {
    check(plan)?;
    let hash = crate::auth::hash_password_off_thread(plan.password.clone()).await?;
    let expires = now + 30 * 86_400_000;
    let text = |s: &str| Cell::Text(s.to_string());
    let province = plan.prefix.clone();

    let mut units = Rows { table: "communes", columns: &["id", "name", "kind", "province_id"], rows: Vec::new() };
    units.rows.push(vec![text(&province), text("Tỉnh thử tải"), text("province"), Cell::Null]);
    for c in 0..plan.communes {
        let name = format!("Xã thử tải {}", c + 1);
        units.rows.push(vec![Cell::Text(commune_id(plan, c)), Cell::Text(name), text("commune"), text(&province)]);
    }
    let mut villages = Rows { table: "villages", columns: &["commune_id", "id", "name", "sample"], rows: Vec::new() };
    let mut users = Rows {
        table: "users",
        columns: &["id", "username", "name", "role", "commune_id", "village_id", "password_hash", "created_at"],
        rows: Vec::new(),
    };
    let mut tokens =
        Rows { table: "tokens", columns: &["token_hash", "user_id", "created_at", "expires_at"], rows: Vec::new() };
    let mut sessions = Vec::with_capacity(plan.villages + plan.communes);
    let mut account = |role: &'static str, commune: String, village: String, n: usize| {
        let id = crate::db::new_id();
        let username = match role {
            "head" => format!("{}.h{n}", plan.prefix),
            _ => format!("{}.o{n}", plan.prefix),
        };
        let (db_role, name) = match role {
            "head" => ("village_head", format!("Trưởng thôn thử tải {}", n + 1)),
            _ => ("officer", format!("Cán bộ xã thử tải {}", n + 1)),
        };
        let village_cell = if village.is_empty() { Cell::Null } else { Cell::Text(village.clone()) };
        users.rows.push(vec![
            Cell::Text(id.clone()),
            Cell::Text(username.clone()),
            Cell::Text(name),
            Cell::Text(db_role.into()),
            Cell::Text(commune.clone()),
            village_cell,
            Cell::Text(hash.clone()),
            Cell::Int(now),
        ]);
        let token = crate::auth::new_token();
        tokens.rows.push(vec![
            Cell::Text(crate::auth::token_hash(&token)),
            Cell::Text(id),
            Cell::Int(now),
            Cell::Int(expires),
        ]);
        sessions.push(Session { role, commune, village, username, token, cursor: 0 });
    };
    for c in 0..plan.communes {
        account("officer", commune_id(plan, c), String::new(), c);
    }
    for v in 0..plan.villages {
        let (commune, village) = (commune_id(plan, v % plan.communes), village_id(plan, v));
        villages.rows.push(vec![
            Cell::Text(commune.clone()),
            Cell::Text(village.clone()),
            Cell::Text(format!("Thôn thử tải {}", v + 1)),
            Cell::Bool(false),
        ]);
        account("head", commune, village, v);
    }
    let mut rows = insert(db, &[units, villages, users, tokens]).await?;
    let (history, versions) = seed_history(db, plan, now).await?;
    rows += history;
    for s in &mut sessions {
        s.cursor = versions.get(&s.commune).copied().unwrap_or(0);
    }
    Ok(Seeded { sessions, rows, history })
}

/// The history one village keeps, oldest first: its monthly reports for the
/// `months` months before `current`, as far back as periods go
/// ([`Period::FIRST_YEAR`]); past that (10× and 100× a year of history do
/// not fit in the plan's years) the digital team's activities, a few a month
/// over the same months, so that the village holds `months` records in all.
pub fn village_history(village: &str, v: u64, current: Period, months: u32) -> Vec<Body> {
    let mut back = Vec::new();
    let mut m = current;
    while back.len() < months as usize {
        match m.prev() {
            p if p.year() >= Period::FIRST_YEAR => {
                back.push(p);
                m = p;
            }
            _ => break,
        }
    }
    back.reverse();
    let mut out: Vec<Body> = back.iter().map(|p| Body::Report(sample_report(village, v, *p))).collect();
    let topics = sothon_domain::event::Topic::ALL;
    let extra = months as usize - out.len();
    for k in 0..extra {
        let Some(month) = back.get(k % back.len().max(1)) else { break };
        let day = u64::try_from(k / back.len().max(1)).unwrap_or(0) % 28;
        let participants = 3 + ((v as usize + k) % 30) as u32;
        out.push(Body::Activity(Activity {
            id: format!("hist-{k:06}"),
            village: village.to_string(),
            date: month.start() + chrono::Duration::days(i64::try_from(day).unwrap_or(0)),
            topic: topics[(v as usize + k) % topics.len()],
            participants,
            helped: participants / 3,
            note: String::new(),
        }));
    }
    out
}

/// Every village's history ([`village_history`]), approved, a commune at a
/// time (a commune's versions are taken in one step, then numbered); with
/// each commune's version afterwards.
async fn seed_history(db: &Db, plan: &Plan, now: i64) -> anyhow::Result<(u64, BTreeMap<String, i64>)> {
    let mut versions = BTreeMap::new();
    if plan.history_months == 0 {
        return Ok((0, versions));
    }
    let current = Period::containing(PeriodKind::Month, sothon_domain::format::vn_date(now));
    let mut written = 0u64;
    for c in 0..plan.communes {
        let commune = commune_id(plan, c);
        let mine: Vec<usize> = (c..plan.villages).step_by(plan.communes).collect();
        let bodies: Vec<(usize, Vec<Body>)> = mine
            .iter()
            .map(|&v| (v, village_history(&village_id(plan, v), v as u64, current, plan.history_months)))
            .collect();
        let n = i64::try_from(bodies.iter().map(|(_, b)| b.len()).sum::<usize>())?;
        if n == 0 {
            continue;
        }
        let mut ver = reserve_versions(db, &commune, n).await?;
        let mut records = Rows {
            table: "records",
            columns: &[
                "commune_id",
                "id",
                "village_id",
                "kind",
                "period",
                "body",
                "rev",
                "state",
                "receipt",
                "last_device",
                "created_at",
                "updated_at",
                "device_at",
                "skew_ms",
                "ver",
            ],
            rows: Vec::with_capacity(usize::try_from(n)?),
        };
        for (v, history) in bodies {
            for body in history {
                let period = body.period();
                // Written on the 5th of the month after (activities: their month's).
                let at = (period.end() + chrono::Duration::days(5))
                    .and_hms_opt(3, 0, 0)
                    .map_or(now, |t| t.and_utc().timestamp_millis())
                    .min(now);
                let id = body.record_id();
                let receipt = receipt_code(&id, 1);
                records.rows.push(vec![
                    Cell::Text(commune.clone()),
                    Cell::Text(id),
                    Cell::Text(village_id(plan, v)),
                    Cell::Text(body.kind().into()),
                    Cell::Text(period.to_string()),
                    Cell::Text(serde_json::to_string(&body)?),
                    Cell::Int(1),
                    Cell::Text("approved".into()),
                    Cell::Text(receipt),
                    Cell::Text("bench-history".into()),
                    Cell::Int(at),
                    Cell::Int(at),
                    Cell::Int(at),
                    Cell::Int(0),
                    Cell::Int(ver),
                ]);
                ver += 1;
            }
        }
        written += insert(db, std::slice::from_ref(&records)).await?;
        versions.insert(commune, ver - 1);
    }
    Ok((written, versions))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan { prefix: "b".into(), communes: 3, villages: 10, history_months: 2, password: "x".repeat(12) }
    }

    #[test]
    fn a_plan_is_checked_before_anything_is_written() {
        assert!(check(&plan()).is_ok());
        assert!(check(&Plan { prefix: "Bad Prefix".into(), ..plan() }).is_err());
        assert!(check(&Plan { villages: 2, ..plan() }).is_err());
        assert!(check(&Plan { communes: 0, ..plan() }).is_err());
        assert!(check(&Plan { history_months: 1_201, ..plan() }).is_err());
    }

    #[test]
    fn history_stays_within_the_plans_years_and_passes_the_domains_rules() {
        let current = Period::parse("2026-12").unwrap();
        let cat = sothon_domain::catalogue::current();
        // A year: twelve reports, oldest first.
        let year = village_history("b-v000001", 1, current, 12);
        assert_eq!(year.len(), 12);
        assert!(year.iter().all(|b| matches!(b, Body::Report(_))));
        assert_eq!(year[0].period().to_string(), "2025-12");
        assert_eq!(year[11].period().to_string(), "2026-11");
        // A hundred years' worth: every month back to 2020-01, then activities.
        let many = village_history("b-v000001", 1, current, 1_200);
        assert_eq!(many.len(), 1_200);
        let reports = many.iter().filter(|b| matches!(b, Body::Report(_))).count();
        assert_eq!(reports, 83, "2020-01 … 2026-11");
        let ids: std::collections::BTreeSet<String> = many.iter().map(Body::record_id).collect();
        assert_eq!(ids.len(), 1_200, "every record its own id");
        for b in &many {
            assert!(b.period().year() >= Period::FIRST_YEAR, "{b:?}");
            assert_eq!(b.validate(cat), vec![], "{b:?}");
        }
    }

    #[test]
    fn a_session_line_has_six_fields() {
        let s = Session {
            role: "officer",
            commune: "b-c0000".into(),
            village: String::new(),
            username: "b.o0".into(),
            token: "t".into(),
            cursor: 42,
        };
        assert_eq!(s.line(), "officer\tb-c0000\t-\tb.o0\tt\t42");
    }
}
