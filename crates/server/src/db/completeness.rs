//! Reads what the completeness grid needs ([`sothon_domain::completeness`]
//! decides every cell): the villages, their reports of the periods shown with
//! the first receipt time (`records.created_at`) and whether the office ever
//! returned an earlier revision, the due dates, and the village heads' phone
//! numbers for the reminder.

use super::Context;
use super::Db;
use super::DbResult;
use sothon_domain::completeness::{build, periods, Completeness, ReportFacts};
use sothon_domain::protocol::Village;
use sothon_domain::PeriodKind;
use std::collections::HashMap;

/// The grid of the last `count` periods of `kind` up to the one containing
/// `today` (Vietnam).
pub async fn grid(
    db: &Db,
    commune: &str,
    kind: PeriodKind,
    count: usize,
    today: chrono::NaiveDate,
) -> DbResult<Completeness> {
    let any_db = db;
    with_pool!(db, db => {
        let ps = periods(kind, count, today);
        let villages: Vec<(String, String, bool)> =
            sqlx::query_as("SELECT id, name, sample FROM villages WHERE commune_id = $1 ORDER BY id")
                .bind(commune)
                .fetch_all(db)
                .await?;
        let villages: Vec<Village> = villages.into_iter().map(|(id, name, sample)| Village { id, name, sample }).collect();
        let sql = format!(
            "SELECT r.village_id, r.period, r.id, r.state, r.created_at,
                    EXISTS (SELECT 1 FROM reviews v WHERE v.commune_id = r.commune_id AND v.record_id = r.id
                            AND v.decision = 'return' AND v.rev < r.rev) AS returned_before
             FROM records r WHERE r.commune_id = $1 AND r.kind = 'report' AND r.period IN ({})",
            super::params(2, ps.len())
        );
        let mut q = sqlx::query_as::<_, (String, String, String, String, i64, bool)>(&sql).bind(commune);
        for p in &ps {
            q = q.bind(p.to_string());
        }
        let mut reports = Vec::new();
        for (village, period, record, state, received_at, returned_before) in q.fetch_all(db).await? {
            reports.push(ReportFacts {
                period: sothon_domain::Period::parse(&period).with_context(|| format!("record {record} period"))?,
                state: sothon_domain::api::parse_state(&state).with_context(|| format!("record {record} state"))?,
                village,
                record,
                received_at,
                returned_before,
            });
        }
        let set: HashMap<_, _> = super::due::all(any_db, commune).await?.into_iter().map(|d| (d.period, d.due)).collect();
        let columns: Vec<_> = ps.iter().map(|p| (*p, set.get(p).copied().unwrap_or_else(|| p.default_due()))).collect();
        let mut phones: HashMap<String, Vec<String>> = HashMap::new();
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT village_id, phone FROM users
             WHERE commune_id = $1 AND role = 'village_head' AND NOT disabled AND phone <> '' AND village_id IS NOT NULL
             ORDER BY username",
        )
        .bind(commune)
        .fetch_all(db)
        .await?;
        for (village, phone) in rows {
            phones.entry(village).or_default().push(phone);
        }
        Ok(build(kind, &columns, &villages, &reports, &phones, today))
    })
}
