//! The commune's 2026–2030 targets, one per indicator and year: read them,
//! set one (with its audit line in the same transaction), and the sample
//! commune's targets.

use super::audit::{self, NewAudit};
use super::Context;
use super::DbResult;
use super::{AsConn, Db, Writer};
use sothon_domain::api::{AuditAction, TargetEntry, TargetOp};
use sothon_domain::catalogue;

fn op_str(op: TargetOp) -> &'static str {
    match op {
        TargetOp::Ge => "ge",
        TargetOp::Le => "le",
        TargetOp::Eq => "eq",
    }
}

/// The value as stored: Rust's shortest round-trip decimal ("95.5", "100").
fn value_str(x: f64) -> String {
    format!("{x}")
}

#[derive(sqlx::FromRow)]
struct Row {
    indicator: String,
    year: i64,
    value: String,
    op: String,
    name: String,
    set_at: i64,
}

/// Every target of `commune`, by indicator (catalogue order), then year.
pub async fn list(db: &Db, commune: &str) -> DbResult<Vec<TargetEntry>> {
    with_pool!(db, db => {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT t.indicator, t.year, t.value, t.op, u.name, t.set_at
             FROM targets t JOIN users u ON u.id = t.set_by
             WHERE t.commune_id = $1 ORDER BY t.indicator, t.year",
        )
        .bind(commune)
        .fetch_all(db)
        .await?;
        let cat = catalogue::current();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(TargetEntry {
                value: r.value.parse().with_context(|| format!("target {} {}: value {}", r.indicator, r.year, r.value))?,
                op: TargetOp::parse(&r.op).with_context(|| format!("target {} {}: op {}", r.indicator, r.year, r.op))?,
                year: i32::try_from(r.year)?,
                indicator: r.indicator,
                set_by: r.name,
                set_at: r.set_at,
            });
        }
        let pos = |k: &str| cat.indicators.iter().position(|i| i.key == k).unwrap_or(usize::MAX);
        out.sort_by(|a, b| pos(&a.indicator).cmp(&pos(&b.indicator)).then(a.year.cmp(&b.year)));
        Ok(out)
    })
}

/// A checked target to store.
pub struct NewTarget<'a> {
    pub commune: &'a str,
    pub user_id: &'a str,
    pub indicator: &'a str,
    pub year: i32,
    pub value: f64,
    pub op: TargetOp,
}

/// Sets (or changes) one target and writes its audit line, in one
/// transaction, at server time `at`.
pub async fn set(db: &Db, t: &NewTarget<'_>, at: i64) -> DbResult<()> {
    with_pool!(db, db => {
        let mut tx = db.begin_write().await?;
        let before: Option<(String, String)> =
            sqlx::query_as("SELECT value, op FROM targets WHERE commune_id = $1 AND indicator = $2 AND year = $3")
                .bind(t.commune)
                .bind(t.indicator)
                .bind(t.year)
                .fetch_optional(&mut *tx)
                .await?;
        upsert(&mut tx, t, at).await?;
        let label = catalogue::current().indicator(t.indicator).map_or(t.indicator, |i| i.vi.as_str());
        let now = format!("{} {}", t.op.symbol(), sothon_domain::format::number_vi(t.value, 6));
        let detail = match before {
            None => format!("Đặt mục tiêu năm {} cho “{label}”: {now}", t.year),
            Some((v, op)) => {
                let old = v.parse::<f64>().map(|x| sothon_domain::format::number_vi(x, 6)).unwrap_or(v);
                let sym = TargetOp::parse(&op).map_or("", TargetOp::symbol);
                format!("Sửa mục tiêu năm {} cho “{label}”: {sym} {old} → {now}", t.year)
            }
        };
        let subject = format!("{} {}", t.indicator, t.year);
        let a = NewAudit {
            commune: t.commune,
            user_id: t.user_id,
            action: AuditAction::Target,
            subject: &subject,
            record: None,
            village: None,
            detail: &detail,
        };
        audit::record(&mut tx, &a, at).await?;
        tx.commit().await?;
        Ok(())
    })
}

async fn upsert(conn: &mut impl AsConn, t: &NewTarget<'_>, at: i64) -> DbResult<()> {
    with_conn!(conn, conn => {
        sqlx::query(
            "INSERT INTO targets (commune_id, indicator, year, value, op, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (commune_id, indicator, year)
             DO UPDATE SET value = excluded.value, op = excluded.op, set_by = excluded.set_by, set_at = excluded.set_at",
        )
        .bind(t.commune)
        .bind(t.indicator)
        .bind(t.year)
        .bind(value_str(t.value))
        .bind(op_str(t.op))
        .bind(t.user_id)
        .bind(at)
        .execute(conn)
        .await?;
        Ok(())
    })
}

/// The sample targets: indicator, op, values for 2026…2030.
const DEMO_TARGETS: &[(&str, TargetOp, [f64; 5])] = &[
    ("bhyt_rate", TargetOp::Ge, [95.0, 96.5, 98.0, 99.0, 100.0]),
    ("dropout_econ", TargetOp::Le, [0.0; 5]),
    ("relapse_hh", TargetOp::Le, [0.0; 5]),
    ("fibre", TargetOp::Eq, [1.0; 5]),
    ("mobile_good_all", TargetOp::Eq, [1.0; 5]),
    ("ds_sessions", TargetOp::Ge, [60.0, 70.0, 80.0, 90.0, 100.0]),
    ("dvc_helped", TargetOp::Ge, [300.0, 400.0, 500.0, 600.0, 700.0]),
    ("poor_rate", TargetOp::Le, [8.0, 7.0, 6.0, 5.0, 4.0]),
    ("waste_col_rate", TargetOp::Ge, [70.0, 75.0, 80.0, 85.0, 90.0]),
    ("road_km", TargetOp::Ge, [2.0, 2.0, 2.5, 2.5, 3.0]),
];

/// The sample commune's targets, year by year 2026–2030: the plan's own
/// (health insurance 100 % by 2030, no pupil dropping out for want of money,
/// no household falling back into poverty, fibre and good signal in every
/// village) and, where the plan's appendix is not at hand, plausible sample
/// steps toward them. Set by the commune's admin account; sample data, like
/// the villages. Runs inside the seeding transaction.
pub async fn seed_demo(conn: &mut impl AsConn, commune: &str, at: i64) -> DbResult<()> {
    with_conn!(conn, conn => {
        let admin: String =
            sqlx::query_scalar("SELECT id FROM users WHERE commune_id = $1 AND role = 'admin' ORDER BY username LIMIT 1")
                .bind(commune)
                .fetch_one(&mut *conn)
                .await
                .context("the sample commune has no admin")?;
        for (indicator, op, values) in DEMO_TARGETS {
            for (year, value) in (2026..).zip(values) {
                let t = NewTarget { commune, user_id: &admin, indicator, year, value: *value, op: *op };
                upsert(conn, &t, at).await?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sothon_domain::api::TargetRequest;
    use sothon_domain::figures::validate_target;

    #[test]
    fn the_sample_targets_pass_the_rules_admins_are_held_to() {
        let cat = catalogue::current();
        for (k, op, values) in DEMO_TARGETS {
            for (year, v) in (2026..).zip(values) {
                let r = TargetRequest { indicator: k.to_string(), year, value: *v, op: Some(*op) };
                assert_eq!(validate_target(cat, &r), Ok(*op), "{k} {year}");
            }
        }
        assert_eq!(value_str(95.5), "95.5");
        assert_eq!(value_str(100.0), "100");
        assert_eq!("100".parse::<f64>().unwrap(), 100.0);
    }
}
