//! Conflicts: edits `db::sync` could not apply (based on a revision another
//! device replaced, or made to an approved record), kept for a person.
//!
//! Listing shows both sides: the record as it stands and the edit that
//! waits. Resolving keeps one of them:
//!
//! * `current`: the record stays at its revision; the edit is set aside;
//! * `incoming`: the waiting edit's body becomes the next revision (rev + 1,
//!   a new receipt, state `received`, comment cleared), as if it had been
//!   applied, with its origin device and device time.
//!
//! Either way the conflict is marked resolved (how, by whom, when, at which
//! revision) and the record's `updated_at` moves, so phones pull the
//! outcome. While other edits of the same record still wait, the record
//! stays in state `conflict` (an approved record kept as is stays
//! `approved`). When the last one is settled by keeping the current
//! revision, the record goes back to the state it had before: `returned` if
//! the office's latest decision on that revision was a return, otherwise
//! `received`.
//!
//! The stored answer of the conflicting mutation is never changed: a replay
//! of it still gets `conflict`, as the protocol promises.

use super::Context;
use super::{next_change_at, next_version, now_ms, retry};
use super::{Db, Writer};
use super::{DbError, DbResult};
use crate::auth::AuthUser;
use sothon_domain::protocol::receipt_code;

/// A conflict's public id: "c-" and 16 hex digits of the SHA-256 of its
/// mutation id, so that lists and URLs do not show device ids.
pub fn public_id(mutation_id: &str) -> String {
    use sha2::Digest;
    let h = sha2::Sha256::digest(mutation_id.as_bytes());
    let hex: String = h.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("c-{hex}")
}

/// Gives conflicts stored before public ids existed theirs (run at start-up).
pub async fn fill_public_ids(db: &Db) -> DbResult<()> {
    with_pool!(db, db => {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT commune_id, mutation_id FROM conflicts WHERE public_id IS NULL").fetch_all(db).await?;
        for (commune, m) in rows {
            sqlx::query("UPDATE conflicts SET public_id = $1 WHERE commune_id = $2 AND mutation_id = $3")
                .bind(public_id(&m))
                .bind(&commune)
                .bind(&m)
                .execute(db)
                .await?;
        }
        Ok(())
    })
}

pub use sothon_domain::api::{Conflict as ConflictRow, CurrentSide, IncomingSide, Keep, Resolved};

#[derive(sqlx::FromRow)]
struct ListRow {
    public_id: String,
    mutation_id: String,
    record_id: String,
    base: i64,
    incoming_body: String,
    received_at: i64,
    incoming_device_at: Option<i64>,
    username: Option<String>,
    name: Option<String>,
    village_id: String,
    kind: String,
    period: Option<String>,
    rev: i64,
    state: String,
    receipt: String,
    comment: String,
    device_at: i64,
    updated_at: i64,
    body: String,
}

/// The unresolved conflicts of `commune` (of one village when given), oldest
/// first.
pub async fn list(db: &Db, commune: &str, village: Option<&str>) -> DbResult<Vec<ConflictRow>> {
    with_pool!(db, db => {
        let rows: Vec<ListRow> = sqlx::query_as(
            "SELECT c.public_id, c.mutation_id, c.record_id, c.base, c.body AS incoming_body, c.at AS received_at,
                    m.device_at AS incoming_device_at, u.username, u.name,
                    r.village_id, r.kind, r.period, r.rev, r.state, r.receipt, r.comment,
                    r.device_at, r.updated_at, r.body
             FROM conflicts c
             JOIN records r ON r.commune_id = c.commune_id AND r.id = c.record_id
             LEFT JOIN mutations m ON m.commune_id = c.commune_id AND m.id = c.mutation_id
             LEFT JOIN users u ON u.id = m.user_id
             WHERE c.commune_id = $1 AND NOT c.resolved AND ($2 IS NULL OR r.village_id = $3)
             ORDER BY c.at, c.mutation_id",
        )
        .bind(commune)
        .bind(village)
        .bind(village)
        .fetch_all(db)
        .await?;
        rows.into_iter()
            .map(|r| {
                let body = serde_json::from_str(&r.body).with_context(|| format!("record {} body", r.record_id))?;
                let state = sothon_domain::api::parse_state(&r.state)
                    .with_context(|| format!("record {} has state {}", r.record_id, r.state))?;
                let period = r.period.as_deref().and_then(|p| sothon_domain::Period::parse(p).ok());
                let incoming =
                    serde_json::from_str(&r.incoming_body).with_context(|| format!("conflict {} body", r.mutation_id))?;
                Ok(ConflictRow {
                    current: CurrentSide {
                        rev: r.rev,
                        state,
                        receipt: r.receipt,
                        comment: r.comment,
                        device_at: r.device_at,
                        updated_at: r.updated_at,
                        body,
                    },
                    incoming: IncomingSide {
                        base: r.base,
                        username: r.username.unwrap_or_default(),
                        name: r.name.unwrap_or_default(),
                        received_at: r.received_at,
                        device_at: r.incoming_device_at.unwrap_or(r.received_at),
                        body: incoming,
                    },
                    mutation: r.public_id,
                    record: r.record_id,
                    village: r.village_id,
                    kind: r.kind,
                    period,
                })
            })
            .collect()
    })
}

#[derive(sqlx::FromRow)]
struct Target {
    mutation_id: String,
    record_id: String,
    resolved: bool,
    device: String,
    body: String,
    received_at: i64,
    village_id: String,
    rev: i64,
    state: String,
    incoming_device_at: Option<i64>,
    incoming_skew: Option<i64>,
}

/// Settles one conflict in one transaction: 404 if there is no such
/// conflict in the user's commune, 403 unless [`AuthUser::may_resolve`], 409
/// `resolved` if it was settled already, 409 `stale` if the record is no
/// longer at `rev`.
pub async fn resolve(db: &Db, user: &AuthUser, mutation: &str, keep: Keep, rev: i64) -> DbResult<Resolved> {
    retry(|| resolve_once(db, user, mutation, keep, rev)).await
}

async fn resolve_once(db: &Db, user: &AuthUser, mutation: &str, keep: Keep, rev: i64) -> DbResult<Resolved> {
    with_pool!(db, db => {
        let commune = user.commune.as_str();
        let mut tx = db.begin_write().await?;
        let target: Option<Target> = sqlx::query_as(
            "SELECT c.mutation_id, c.record_id, c.resolved, c.device, c.body, c.at AS received_at,
                    r.village_id, r.rev, r.state, m.device_at AS incoming_device_at, m.skew_ms AS incoming_skew
             FROM conflicts c
             JOIN records r ON r.commune_id = c.commune_id AND r.id = c.record_id
             LEFT JOIN mutations m ON m.commune_id = c.commune_id AND m.id = c.mutation_id
             WHERE c.commune_id = $1 AND c.public_id = $2",
        )
        .bind(commune)
        .bind(mutation)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(t) = target else {
            return Err(DbError::NotFound(format!("Không có xung đột {mutation}")));
        };
        if !user.may_resolve(&t.village_id) {
            return Err(DbError::forbidden(
                "Chỉ cán bộ văn phòng UBND xã hoặc trưởng thôn của thôn này được giải quyết xung đột",
            ));
        }
        if t.resolved {
            return Err(DbError::conflict("resolved", "Xung đột này đã được giải quyết"));
        }
        if t.rev != rev {
            return Err(DbError::conflict(
                "stale",
                format!("Bản ghi đã có phiên bản mới ({}), vui lòng tải lại trước khi giải quyết", t.rev),
            ));
        }
        let now = now_ms();
        let at = next_change_at(&mut tx, commune, now).await?;
        let ver = next_version(&mut tx, commune).await?;
        let remaining: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM conflicts WHERE commune_id = $1 AND record_id = $2 AND NOT resolved AND mutation_id <> $3",
        )
        .bind(commune)
        .bind(&t.record_id)
        .bind(&t.mutation_id)
        .fetch_one(&mut *tx)
        .await?;

        let (new_rev, state) = match keep {
            Keep::Incoming => {
                let new_rev = t.rev + 1;
                let state = if remaining > 0 { "conflict" } else { "received" };
                let receipt = receipt_code(&t.record_id, u32::try_from(new_rev).unwrap_or(u32::MAX));
                sqlx::query(
                    "UPDATE records SET body = $1, rev = $2, state = $3, receipt = $4, comment = '', last_device = $5,
                            updated_at = $6, device_at = $7, skew_ms = $8, ver = $9, entered_by = NULL
                     WHERE commune_id = $10 AND id = $11",
                )
                .bind(&t.body)
                .bind(new_rev)
                .bind(state)
                .bind(receipt)
                .bind(&t.device)
                .bind(at)
                .bind(t.incoming_device_at.unwrap_or(t.received_at))
                .bind(t.incoming_skew.unwrap_or(0))
                .bind(ver)
                .bind(commune)
                .bind(&t.record_id)
                .execute(&mut *tx)
                .await?;
                (new_rev, state.to_string())
            }
            Keep::Current => {
                let state = if t.state != "conflict" {
                    // Approved (locked) or already settled otherwise: stays.
                    t.state.clone()
                } else if remaining > 0 {
                    "conflict".to_string()
                } else {
                    let last: Option<String> = sqlx::query_scalar(
                        "SELECT decision FROM reviews WHERE commune_id = $1 AND record_id = $2 AND rev = $3
                         ORDER BY at DESC LIMIT 1",
                    )
                    .bind(commune)
                    .bind(&t.record_id)
                    .bind(t.rev)
                    .fetch_optional(&mut *tx)
                    .await?;
                    match last.as_deref() {
                        Some("return") => "returned".to_string(),
                        _ => "received".to_string(),
                    }
                };
                sqlx::query("UPDATE records SET state = $1, updated_at = $2, ver = $3 WHERE commune_id = $4 AND id = $5")
                    .bind(&state)
                    .bind(at)
                    .bind(ver)
                    .bind(commune)
                    .bind(&t.record_id)
                    .execute(&mut *tx)
                    .await?;
                (t.rev, state)
            }
        };
        sqlx::query(
            "UPDATE conflicts SET resolved = TRUE, resolution = $1, resolved_by = $2, resolved_at = $3, resolved_rev = $4
             WHERE commune_id = $5 AND mutation_id = $6",
        )
        .bind(keep.as_str())
        .bind(&user.id)
        .bind(now)
        .bind(new_rev)
        .bind(commune)
        .bind(&t.mutation_id)
        .execute(&mut *tx)
        .await?;
        let receipt: String = sqlx::query_scalar("SELECT receipt FROM records WHERE commune_id = $1 AND id = $2")
            .bind(commune)
            .bind(&t.record_id)
            .fetch_one(&mut *tx)
            .await?;
        let detail = match keep {
            Keep::Incoming => format!("Giữ bản gửi đến (thành phiên bản {new_rev})"),
            Keep::Current => format!("Giữ bản hiện có (phiên bản {new_rev})"),
        };
        let entry = super::audit::NewAudit {
            commune,
            user_id: &user.id,
            action: sothon_domain::api::AuditAction::ResolveConflict,
            subject: mutation,
            record: Some(&t.record_id),
            village: Some(&t.village_id),
            detail: &detail,
        };
        super::audit::record(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(Resolved {
            mutation: mutation.to_string(),
            record: t.record_id,
            village: t.village_id,
            keep,
            rev: new_rev,
            state: sothon_domain::api::parse_state(&state).context("resolved state")?,
            receipt,
            updated_at: at,
            remaining,
        })
    })
}
