//! Devices and the accounts they belong to (protocol rule 4).
//!
//! A device id is bound to the account that first used it, in the commune it
//! was used in; only that account may push mutations made on it. The last
//! sync of each device, and how many records it said were unsent then, is
//! kept so that an account logging in on a phone with nothing of it (a new
//! phone, or one whose browser storage was cleared) can be told what its
//! other devices left.

use super::DbResult;
use super::{AsConn, Db, Writer};
use sothon_domain::protocol::DeviceSeen;

/// Who a device belongs to after this call: binds it to `user` if nobody
/// had it. Returns the owner's user id.
pub async fn bind(conn: &mut impl AsConn, commune: &str, device: &str, user: &str, now: i64) -> DbResult<String> {
    with_conn!(conn, conn => {
        sqlx::query(
            "INSERT INTO devices (commune_id, device, user_id, first_seen, last_seen, unsent) VALUES ($1, $2, $3, $4, $5, 0)
             ON CONFLICT (commune_id, device) DO NOTHING",
        )
        .bind(commune)
        .bind(device)
        .bind(user)
        .bind(now)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok(sqlx::query_scalar("SELECT user_id FROM devices WHERE commune_id = $1 AND device = $2")
            .bind(commune)
            .bind(device)
            .fetch_one(conn)
            .await?)
    })
}

/// One sync of a device: who, when, and what it said was left unsent.
#[derive(Debug, Clone, Copy)]
pub struct Sighting<'a> {
    pub commune: &'a str,
    pub device: &'a str,
    pub user: &'a str,
    pub now: i64,
    pub unsent: Option<u32>,
}

/// Notes a sync (binding the device if new); a device bound to another
/// account is left as it is. Returns whether the device is `s.user`'s (as
/// [`bind`] would say, in the same statement: a row comes back only when
/// it was inserted or updated, and it is updated only for its owner). A
/// push does it inside its own transaction ([`super::sync::apply`]); a
/// pull alone through [`seen_pull`].
pub async fn seen(conn: &mut impl AsConn, s: Sighting<'_>) -> DbResult<bool> {
    with_conn!(conn, conn => {
        let mine: Option<String> = sqlx::query_scalar(
            "INSERT INTO devices (commune_id, device, user_id, first_seen, last_seen, unsent) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (commune_id, device) DO UPDATE SET last_seen = excluded.last_seen,
                 unsent = CASE WHEN $7 IS NULL THEN devices.unsent ELSE excluded.unsent END
             WHERE devices.user_id = excluded.user_id
             RETURNING user_id",
        )
        .bind(s.commune)
        .bind(s.device)
        .bind(s.user)
        .bind(s.now)
        .bind(s.now)
        .bind(i64::from(s.unsent.unwrap_or(0)))
        .bind(s.unsent.map(i64::from))
        .fetch_optional(conn)
        .await?;
        Ok(mine.is_some())
    })
}

/// [`seen`] for a sync that pushed nothing: its own write transaction, run
/// again if it collides.
pub async fn seen_pull(db: &Db, s: Sighting<'_>) -> DbResult<()> {
    super::retry(|| async {
        with_pool!(db, db => {
            let mut tx = db.begin_write().await?;
            seen(&mut tx, s).await?;
            Ok(tx.commit().await?)
        })
    })
    .await
}

/// The account's devices, most recently seen first.
pub async fn of_user(db: &Db, commune: &str, user: &str) -> DbResult<Vec<DeviceSeen>> {
    with_pool!(db, db => {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT device, last_seen, unsent FROM devices WHERE commune_id = $1 AND user_id = $2
             ORDER BY last_seen DESC LIMIT 20",
        )
        .bind(commune)
        .bind(user)
        .fetch_all(db)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(device, last_sync, unsent)| DeviceSeen { device, last_sync, unsent: u32::try_from(unsent).unwrap_or(0) })
            .collect())
    })
}
