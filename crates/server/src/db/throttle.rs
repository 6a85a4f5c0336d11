//! The login throttle's counts and the device tokens, in the database so
//! that every server process sharing it sees the same counts.
//!
//! An attempt is counted *before* its password is checked, in one write
//! transaction with the decision to check it ([`reserve`]): a burst of
//! concurrent guesses is let through only as far as the count allows, never
//! all at once. A successful login takes its count back ([`settle_success`]).
//! The delays themselves are [`crate::auth::Delays`].

use super::DbResult;
use super::{AsConn, Db, Writer};
use crate::auth::{Delays, ACCOUNT_DELAYS, ADDRESS_DELAYS, DEVICE_DELAYS};

/// How many device tokens an account keeps; logging in on one more phone
/// forgets the one used longest ago.
pub const DEVICE_TOKENS_PER_USER: i64 = 10;
/// A device token not used for this long no longer counts (ms).
pub const DEVICE_TOKEN_TTL_MS: i64 = 365 * 86_400_000;

/// What the throttle says about one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Counted: check the password now, then [`settle_success`] if it matched.
    Check(Ticket),
    /// Not counted, not checked: try again after this many ms.
    Wait(i64),
}

/// An attempt that was counted, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ticket {
    /// Against the account's and the address's counts.
    Normal { account: String, address: String },
    /// Against a known device's own count only (its token hash).
    Device(String),
}

/// Who is trying: the keys the counts are kept under.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// The normalised username (known or not), cut to a bounded length.
    pub account: &'a str,
    /// The client address key ([`crate::auth::address_key`]).
    pub address: &'a str,
    /// The SHA-256 of the device token sent, with the id of the account the
    /// username names: only a token of that account is trusted.
    pub device: Option<(&'a str, &'a str)>,
}

/// Counts the attempt and says whether its password may be checked now.
///
/// A device token of this account, still in use, is counted against its
/// own failures only, so guesses from elsewhere (however many, from the same
/// address or not) never keep its phone out. Anything else — no token, a
/// token of another account, or one in its own delay after wrong passwords
/// — is counted against the account and the address, and waits while
/// either is in a delay; a refused attempt is not counted (it checked
/// nothing).
pub async fn reserve(db: &Db, a: Attempt<'_>, now: i64) -> DbResult<Gate> {
    with_pool!(db, db => {
        // IMMEDIATE: the read and the count are one step for every process.
        let mut tx = db.begin_write().await?;
        prune(&mut tx, now).await?;
        if let Some((hash, user_id)) = a.device {
            let row: Option<(i64, i64)> = sqlx::query_as(
                "SELECT failures, next_at FROM device_tokens WHERE token_hash = $1 AND user_id = $2 AND last_used > $3",
            )
            .bind(hash)
            .bind(user_id)
            .bind(now - DEVICE_TOKEN_TTL_MS)
            .fetch_optional(&mut *tx)
            .await?;
            // A token in its own delay (someone has been guessing with it) is
            // worth nothing more: the attempt is counted like any other.
            if let Some((failures, _)) = row.filter(|&(_, next_at)| next_at <= now) {
                let failures = failures + 1;
                sqlx::query("UPDATE device_tokens SET failures = $1, next_at = $2 WHERE token_hash = $3")
                    .bind(failures)
                    .bind(now + DEVICE_DELAYS.delay_ms(failures))
                    .bind(hash)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                return Ok(Gate::Check(Ticket::Device(hash.to_string())));
            }
        }
        let account = count_of(&mut tx, "account", a.account, &ACCOUNT_DELAYS, now).await?;
        let address = count_of(&mut tx, "address", a.address, &ADDRESS_DELAYS, now).await?;
        // `now` was read when the request came in; a transaction run again
        // after collisions may find counts written later than that. Time does
        // not run back past them: else a free try counted a moment "after"
        // this request's clock would look like a delay still to wait.
        let now = now.max(account.last_at).max(address.last_at);
        let wait = (account.next_at - now).max(address.next_at - now).max(0);
        if wait > 0 {
            return Ok(Gate::Wait(wait));
        }
        bump(&mut tx, "account", a.account, account.failures + 1, &ACCOUNT_DELAYS, now).await?;
        bump(&mut tx, "address", a.address, address.failures + 1, &ADDRESS_DELAYS, now).await?;
        tx.commit().await?;
        Ok(Gate::Check(Ticket::Normal { account: a.account.to_string(), address: a.address.to_string() }))
    })
}

/// The password matched: the account's failures are forgotten, the address
/// gets this attempt back (a carrier NAT full of people logging in is not an
/// attack), a device's own count starts again.
pub async fn settle_success(db: &Db, ticket: &Ticket, now: i64) -> DbResult<()> {
    with_pool!(db, db => {
        let mut tx = db.begin_write().await?;
        match ticket {
            Ticket::Normal { account, address } => {
                sqlx::query("DELETE FROM login_throttle WHERE kind = 'account' AND subject = $1")
                    .bind(account)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE login_throttle SET failures = failures - 1
                     WHERE kind = 'address' AND subject = $1 AND failures > 0",
                )
                .bind(address)
                .execute(&mut *tx)
                .await?;
            }
            Ticket::Device(hash) => {
                sqlx::query("UPDATE device_tokens SET failures = 0, next_at = 0, last_used = $1 WHERE token_hash = $2")
                    .bind(now)
                    .bind(hash)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        Ok(tx.commit().await?)
    })
}

/// Stores a new device token's hash for an account, forgetting the
/// account's tokens beyond the [`DEVICE_TOKENS_PER_USER`] used last.
pub async fn store_device_token(db: &Db, commune: &str, user_id: &str, hash: &str, now: i64) -> DbResult<()> {
    with_pool!(db, db => {
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "INSERT INTO device_tokens (token_hash, commune_id, user_id, created_at, last_used, failures, next_at)
             VALUES ($1, $2, $3, $4, $5, 0, 0)",
        )
        .bind(hash)
        .bind(commune)
        .bind(user_id)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM device_tokens WHERE user_id = $1 AND token_hash NOT IN
               (SELECT token_hash FROM device_tokens WHERE user_id = $2 ORDER BY last_used DESC, token_hash LIMIT $3)",
        )
        .bind(user_id)
        .bind(user_id)
        .bind(DEVICE_TOKENS_PER_USER)
        .execute(&mut *tx)
        .await?;
        Ok(tx.commit().await?)
    })
}

/// A subject's live count: failures not yet forgotten, and how long it
/// must still wait (0: it may try now).
struct Count {
    failures: i64,
    /// When it may try again, and when it was last counted (0 and 0 when
    /// forgotten or never counted).
    next_at: i64,
    last_at: i64,
}

async fn count_of(conn: &mut impl AsConn, kind: &str, subject: &str, delays: &Delays, now: i64) -> DbResult<Count> {
    with_conn!(conn, conn => {
        let row: Option<(i64, i64, i64)> =
            sqlx::query_as("SELECT failures, next_at, last_at FROM login_throttle WHERE kind = $1 AND subject = $2")
                .bind(kind)
                .bind(subject)
                .fetch_optional(conn)
                .await?;
        Ok(match row {
            Some((failures, next_at, last_at)) if last_at + delays.forget_ms > now => Count { failures, next_at, last_at },
            _ => Count { failures: 0, next_at: 0, last_at: 0 },
        })
    })
}

async fn bump(
    conn: &mut impl AsConn,
    kind: &str,
    subject: &str,
    failures: i64,
    delays: &Delays,
    now: i64,
) -> DbResult<()> {
    with_conn!(conn, conn => {
        sqlx::query(
            "INSERT INTO login_throttle (kind, subject, failures, next_at, last_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (kind, subject) DO UPDATE
             SET failures = excluded.failures, next_at = excluded.next_at, last_at = excluded.last_at",
        )
        .bind(kind)
        .bind(subject)
        .bind(failures)
        .bind(now + delays.delay_ms(failures))
        .bind(now)
        .execute(conn)
        .await?;
        Ok(())
    })
}

/// Drops counts nobody has added to for longer than their forget time
/// (by then their delay is long over: see `Delays::forget_ms`), so a spray
/// of made-up usernames does not fill the table.
async fn prune(conn: &mut impl AsConn, now: i64) -> DbResult<()> {
    with_conn!(conn, conn => {
        for (kind, delays) in [("account", &ACCOUNT_DELAYS), ("address", &ADDRESS_DELAYS)] {
            sqlx::query("DELETE FROM login_throttle WHERE last_at < $1 AND kind = $2")
                .bind(now - delays.forget_ms)
                .bind(kind)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    })
}
