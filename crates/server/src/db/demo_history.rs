//! A year of sample history for the sample commune (`make run` asks for it
//! with `--demo-history`), so the office's grid, review, incidents and
//! figures show something on first start: the twelve months before the
//! current one, for the five sample villages — most reports approved, some
//! late, some missing, one returned and still owed, one returned and sent
//! again — and four incidents, three of them with the office's steps.
//!
//! Deterministic: every figure and every choice comes from a hash of the
//! village and the month, relative to the day it is seeded. Written in one
//! transaction with the commune's version counter, review history and audit
//! lines, as real decisions would be; the villages are already marked
//! `sample` and their names end in "(mẫu)", so the screens say it is sample
//! data. About a hundred rows: well under a second.

use super::AsConn;
use super::Context;
use super::DbResult;
use super::{next_version, now_ms};
use sothon_domain::catalogue::{current, Kind};
use sothon_domain::event::{Incident, IncidentKind, Severity};
use sothon_domain::handling::Step;
use sothon_domain::protocol::{receipt_code, Body};
use sothon_domain::{Period, PeriodKind, Report, Value};
use std::collections::BTreeMap;

const DAY: i64 = 86_400_000;

/// A small stable hash of a few numbers (FNV-1a).
fn mix(parts: &[u64]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// A plausible month of figures for village number `v`, valid by the
/// catalogue's rules (anything the rules refuse is left out).
pub fn sample_report(village: &str, v: u64, period: Period) -> Report {
    let cat = current();
    let m = u64::from(period.number()) + 12 * u64::try_from(period.year()).unwrap_or(0);
    let pop = 420.0 + 95.0 * v as f64 + (mix(&[v, m, 1]) % 9) as f64;
    let mut values: BTreeMap<String, Value> = BTreeMap::new();
    for ind in cat.asked(period.kind()).filter(|i| i.is_input()) {
        let r = mix(&[v, m, ind.key.len() as u64, ind.key.bytes().map(u64::from).sum()]);
        let value = match ind.kind {
            Kind::Count => {
                let x = match ind.key.as_str() {
                    "pop" => pop,
                    "hh" => (pop / 4.1).round(),
                    "bhyt" => (pop * (0.90 + (r % 8) as f64 / 100.0)).round(),
                    _ => (r % 12) as f64,
                };
                Value::Num(x.min(ind.max.unwrap_or(f64::MAX)))
            }
            Kind::Decimal => Value::Num(((r % 20) as f64 / 10.0).min(ind.max.unwrap_or(f64::MAX))),
            Kind::Bool => Value::Bool(!r.is_multiple_of(3)),
            Kind::Choice => match ind.choices.get((r % ind.choices.len().max(1) as u64) as usize) {
                Some(c) => Value::Text(c.key.clone()),
                None => continue,
            },
            Kind::Text | Kind::Rate => continue,
        };
        values.insert(ind.key.clone(), value);
    }
    // "No more than" another figure: clamp, twice for chains (bhyt ≤ pop, poor ≤ hh ≤ pop…).
    for _ in 0..2 {
        for ind in cat.asked(period.kind()) {
            let Some(cap) = ind.le.as_ref().and_then(|k| values.get(k)).and_then(Value::as_num) else { continue };
            if let Some(Value::Num(x)) = values.get_mut(&ind.key) {
                *x = x.min(cap);
            }
        }
    }
    let mut r = Report::new(village, period, cat.version);
    r.values = values;
    if mix(&[v, m, 7]).is_multiple_of(4) {
        r.difficulties = "Đường vào thôn trơn trượt mùa mưa, đi lại khó khăn.".into();
        r.proposals = "Đề nghị xã hỗ trợ xi măng làm đường trục thôn.".into();
    }
    // Whatever the rules still refuse is left out.
    for _ in 0..3 {
        let errs = Body::Report(r.clone()).validate(cat);
        if errs.is_empty() {
            break;
        }
        for e in errs {
            r.values.remove(&e.field);
        }
    }
    r
}

/// What became of one month's report of one village.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Missing,
    /// Received (not reviewed), `days` after the due date (negative: before).
    Received {
        days: i64,
    },
    Approved {
        days: i64,
    },
    /// Returned and not sent again.
    Returned,
    /// Returned, then sent again (revision 2, waiting for review).
    Resubmitted,
}

/// The fate of village `v`'s report `ago` months back (1 = last month).
fn fate(v: u64, ago: u64) -> Fate {
    let r = mix(&[v, ago, 42]) % 20;
    let days = (mix(&[v, ago, 43]) % 6) as i64 - 4; // four days early to one late
    match (v, ago) {
        // Cốc Lùng is the village that struggles: it misses a month in four.
        (4, a) if a % 4 == 1 => Fate::Missing,
        // Last month: one returned and owed, one sent again, one late, the rest in review.
        (2, 1) => Fate::Returned,
        (1, 1) => Fate::Resubmitted,
        (3, 1) => Fate::Received { days: 2 },
        (_, 1) => Fate::Received { days },
        (_, 2) if r < 3 => Fate::Received { days: days + 3 },
        (_, _) if r == 0 => Fate::Missing,
        (_, _) if r < 4 => Fate::Approved { days: 2 + r as i64 },
        _ => Fate::Approved { days },
    }
}

/// Writes the year of history. The caller holds the transaction in which
/// the sample commune was just created.
pub async fn seed(conn: &mut impl AsConn, commune: &str, villages: &[(&str, &str)]) -> DbResult<()> {
    with_conn!(conn, conn => {
        let officer: String = sqlx::query_scalar("SELECT id FROM users WHERE commune_id = $1 AND role = 'officer' LIMIT 1")
            .bind(commune)
            .fetch_one(&mut *conn)
            .await
            .context("the sample officer")?;
        let now = now_ms();
        let today = sothon_domain::format::vn_date(now);
        // Every write takes an instant of its own, in order, all in the past.
        let mut clock = now - 400 * DAY;
        let mut tick = |at: i64| {
            clock = clock.max(at) + 1;
            clock
        };
        let mut month = Period::containing(PeriodKind::Month, today);
        for ago in 1..=12u64 {
            month = month.prev();
            let due_ms = month.default_due().and_hms_opt(10, 0, 0).context("due time")?.and_utc().timestamp_millis();
            for (v, (village, _)) in villages.iter().enumerate() {
                let v = v as u64;
                let fate = fate(v, ago);
                if fate == Fate::Missing {
                    continue;
                }
                let report = sample_report(village, v, month);
                let days = match fate {
                    Fate::Received { days } | Fate::Approved { days } => days,
                    _ => -2,
                };
                let received = (due_ms + days * DAY).min(now - DAY);
                let id = report.id();
                let mut body = report.clone();
                let (mut rev, mut state) = (1i64, "received");
                let created = tick(received);
                let mut updated = created;
                let mut reviews: Vec<(i64, &str, &str, i64)> = Vec::new();
                match fate {
                    Fate::Approved { .. } => {
                        state = "approved";
                        updated = tick(received + 2 * DAY);
                        reviews.push((1, "approve", "", updated));
                    }
                    Fate::Returned | Fate::Resubmitted => {
                        updated = tick(received + DAY);
                        reviews.push((
                            1,
                            "return",
                            "Số thẻ BHYT lớn hơn tháng trước nhiều, đề nghị thôn kiểm tra lại",
                            updated,
                        ));
                        state = "returned";
                        if fate == Fate::Resubmitted {
                            if let Some(Value::Num(x)) = body.values.get_mut("bhyt") {
                                *x = (*x - 12.0).max(0.0);
                            }
                            rev = 2;
                            state = "received";
                            updated = tick(received + 2 * DAY);
                        }
                    }
                    _ => {}
                }
                let comment = if state == "returned" { reviews[0].2 } else { "" };
                let ver = next_version(conn, commune).await?;
                let json = serde_json::to_string(&Body::Report(body))?;
                sqlx::query(
                    "INSERT INTO records (commune_id, id, village_id, kind, period, body, rev, state, receipt, comment,
                                          last_device, created_at, updated_at, device_at, skew_ms, ver)
                     VALUES ($1, $2, $3, 'report', $4, $5, $6, $7, $8, $9, 'sample-history', $10, $11, $12, 0, $13)",
                )
                .bind(commune)
                .bind(&id)
                .bind(village)
                .bind(month.to_string())
                .bind(&json)
                .bind(rev)
                .bind(state)
                .bind(receipt_code(&id, u32::try_from(rev)?))
                .bind(comment)
                .bind(created)
                .bind(updated)
                .bind(updated)
                .bind(ver)
                .execute(&mut *conn)
                .await
                .with_context(|| format!("sample report {id}"))?;
                for (rev, decision, comment, at) in reviews {
                    sqlx::query(
                        "INSERT INTO reviews (commune_id, id, record_id, rev, decision, comment, user_id, at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(commune)
                    .bind(super::new_id())
                    .bind(&id)
                    .bind(rev)
                    .bind(decision)
                    .bind(comment)
                    .bind(&officer)
                    .bind(at)
                    .execute(&mut *conn)
                    .await?;
                    let (action, detail) = if decision == "approve" {
                        (sothon_domain::api::AuditAction::Approve, format!("Duyệt phiên bản {rev}"))
                    } else {
                        (sothon_domain::api::AuditAction::Return, format!("Trả lại phiên bản {rev}: {comment}"))
                    };
                    let entry = super::audit::NewAudit {
                        commune,
                        user_id: &officer,
                        action,
                        subject: &id,
                        record: Some(&id),
                        village: Some(village),
                        detail: &detail,
                    };
                    super::audit::record(conn, &entry, at).await?;
                }
            }
        }
        seed_incidents(conn, commune, villages, &officer, now, &mut tick).await
    })
}

/// A sample incident: village, local id, kind, severity, days ago, people
/// and households affected, description, how many steps the office took.
type SampleIncident<'a> = (&'a str, &'a str, IncidentKind, Severity, i64, u32, u32, &'a str, usize);

async fn seed_incidents(
    conn: &mut impl AsConn,
    commune: &str,
    villages: &[(&str, &str)],
    officer: &str,
    now: i64,
    tick: &mut impl FnMut(i64) -> i64,
) -> DbResult<()> {
    with_conn!(conn, conn => {
        use IncidentKind as K;
        let v = |i: usize| villages.get(i).map(|(id, _)| *id).unwrap_or("pq-t01");
        let list: [SampleIncident; 4] = [
            (
                v(2),
                "mau-satlo-01",
                K::Landslide,
                Severity::High,
                1,
                6,
                2,
                "Sạt lở taluy dương đoạn qua nhà văn hóa thôn, đất đá lấp nửa mặt đường",
                0,
            ),
            (v(1), "mau-lu-01", K::FlashFlood, Severity::High, 9, 12, 4, "Lũ quét qua suối Nà Pài, cuốn trôi cầu tạm", 2),
            (
                v(0),
                "mau-lanchiem-01",
                K::CorridorEncroachment,
                Severity::Low,
                40,
                0,
                1,
                "Dựng lán tạm lấn hành lang đường điện",
                3,
            ),
            (
                v(3),
                "mau-kenh-01",
                K::DamCanal,
                Severity::Medium,
                3,
                0,
                8,
                "Kênh mương nội đồng bị vỡ một đoạn khoảng 5 m",
                1,
            ),
        ];
        let notes = [
            (Step::Acknowledged, "Xã đã nhận tin, đã báo Ban chỉ huy phòng chống thiên tai"),
            (Step::Handling, "Đội xung kích xã đang xử lý, đề nghị thôn cắm biển cảnh báo"),
            (Step::Handled, "Đã xử lý xong, đường đi lại bình thường"),
        ];
        for (village, local, kind, severity, ago, people, households, description, steps) in list {
            let at = now - ago * DAY;
            let inc = Incident {
                id: local.into(),
                village: village.into(),
                kind,
                at,
                severity,
                gps: None,
                people: (people > 0).then_some(people),
                households: Some(households),
                description: description.into(),
                followups: Vec::new(),
            };
            let id = inc.record_id();
            let created = tick(at + 3_600_000);
            let mut updated = created;
            let mut taken = Vec::new();
            for (seq, (step, note)) in notes.iter().take(steps).enumerate() {
                updated = tick(created + (seq as i64 + 1) * 6 * 3_600_000);
                taken.push((seq as i64 + 1, *step, *note, updated));
            }
            let ver = next_version(conn, commune).await?;
            sqlx::query(
                "INSERT INTO records (commune_id, id, village_id, kind, period, body, rev, state, receipt, comment,
                                      last_device, created_at, updated_at, device_at, skew_ms, ver)
                 VALUES ($1, $2, $3, 'incident', $4, $5, 1, 'received', $6, '', 'sample-history', $7, $8, $9, 0, $10)",
            )
            .bind(commune)
            .bind(&id)
            .bind(village)
            .bind(Body::Incident(inc.clone()).period().to_string())
            .bind(serde_json::to_string(&Body::Incident(inc))?)
            .bind(receipt_code(&id, 1))
            .bind(created)
            .bind(updated)
            .bind(at)
            .bind(ver)
            .execute(&mut *conn)
            .await
            .with_context(|| format!("sample incident {id}"))?;
            for (seq, step, note, at) in taken {
                sqlx::query(
                    "INSERT INTO incident_steps (commune_id, record_id, seq, step, note, user_id, at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(commune)
                .bind(&id)
                .bind(seq)
                .bind(step.as_str())
                .bind(note)
                .bind(officer)
                .bind(at)
                .execute(&mut *conn)
                .await?;
                let detail = format!("{}: {note}", step.label_vi());
                let entry = super::audit::NewAudit {
                    commune,
                    user_id: officer,
                    action: sothon_domain::api::AuditAction::IncidentStep,
                    subject: &id,
                    record: Some(&id),
                    village: Some(village),
                    detail: &detail,
                };
                super::audit::record(conn, &entry, at).await?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_reports_keep_the_catalogues_rules_and_look_alive() {
        let p = Period::parse("2026-10").unwrap();
        for v in 0..5 {
            let r = sample_report("pq-t01", v, p);
            assert!(Body::Report(r.clone()).validate(current()).is_empty(), "village {v}");
            assert!(r.values.len() > 30, "village {v}: {} figures", r.values.len());
            let num = |k: &str| r.values.get(k).and_then(Value::as_num).unwrap();
            assert!(num("bhyt") <= num("pop") && num("hh") <= num("pop"));
        }
        assert_eq!(sample_report("pq-t02", 1, p), sample_report("pq-t02", 1, p), "deterministic");
    }

    #[test]
    fn the_year_has_every_kind_of_fate() {
        let fates: Vec<Fate> = (0..5).flat_map(|v| (1..=12).map(move |a| fate(v, a))).collect();
        assert!(fates.contains(&Fate::Missing));
        assert!(fates.contains(&Fate::Returned));
        assert!(fates.contains(&Fate::Resubmitted));
        assert!(fates.iter().any(|f| matches!(f, Fate::Approved { .. })));
        assert!(fates.iter().any(|f| matches!(f, Fate::Received { days } if *days > 0)), "someone is late");
        assert!(fates.iter().any(|f| matches!(f, Fate::Approved { days } if *days > 0)), "late, then approved");
    }
}
