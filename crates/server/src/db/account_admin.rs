//! The admin's changes to existing accounts — edit, disable, re-enable,
//! reset the password — and a person's own password change. Each change and
//! its audit line (`AuditAction::Account`) are one transaction.
//!
//! Disabling deletes the account's bearer tokens in the same transaction
//! (and `user_for_token` refuses a disabled account's tokens anyway); login
//! answers a disabled account 403 `disabled`, after the password check. A
//! reset stores the temporary password's hash, sets `must_change_password`
//! and deletes the tokens: the person logs in with it and is let through
//! only to `POST /api/v1/password`.
//!
//! The admin cannot disable their own account nor take away their own admin
//! role (409 `own_account`): a commune must not lock itself out.

use super::accounts::{normalize_username, role_str, UserDbRow, UserRow, USER_SELECT};
use super::audit::NewAudit;
use super::{now_ms, retry};
use super::{AsConn, Db, Writer};
use super::{DbError, DbResult};
use crate::auth::AuthUser;
use sothon_domain::api::AuditAction;
use sothon_domain::protocol::Role;

/// The account `username` of `commune`, if any.
pub async fn find(db: &Db, commune: &str, username: &str) -> DbResult<Option<UserRow>> {
    with_pool!(db, db => {
        let mut conn = db.acquire().await?;
        find_on(&mut conn, commune, username).await
    })
}

async fn find_on(conn: &mut impl AsConn, commune: &str, username: &str) -> DbResult<Option<UserRow>> {
    with_conn!(conn, conn => {
        let row: Option<UserDbRow> = sqlx::query_as(&format!("{USER_SELECT} WHERE commune_id = $1 AND username = $2"))
            .bind(commune)
            .bind(normalize_username(username))
            .fetch_optional(&mut *conn)
            .await?;
        row.map(UserDbRow::account).transpose()
    })
}

fn not_found(username: &str) -> DbError {
    DbError::NotFound(format!("Không có tài khoản {username}"))
}

/// Checked new details of an account.
pub struct Edit<'a> {
    pub name: &'a str,
    pub role: Role,
    pub village: Option<&'a str>,
    /// Cleaned (`sothon_domain::accounts::clean_phone`); empty: none.
    pub phone: &'a str,
}

/// What changed, in plain Vietnamese, for the audit line.
fn describe(before: &UserRow, e: &Edit<'_>) -> String {
    let mut parts = Vec::new();
    if before.name != e.name {
        parts.push(format!("họ tên «{}» → «{}»", before.name, e.name));
    }
    if before.role != e.role {
        parts.push(format!("vai trò {} → {}", before.role.label_vi(), e.role.label_vi()));
    }
    if before.village.as_deref() != e.village {
        let v = |x: Option<&str>| x.unwrap_or("—").to_string();
        parts.push(format!("thôn {} → {}", v(before.village.as_deref()), v(e.village)));
    }
    if before.phone != e.phone {
        parts.push("số điện thoại".to_string());
    }
    if parts.is_empty() {
        "Sửa tài khoản: không đổi gì".to_string()
    } else {
        format!("Sửa tài khoản: {}", parts.join("; "))
    }
}

/// Applies an edit: 404 for an account of another commune (or none).
pub async fn edit(db: &Db, admin: &AuthUser, username: &str, e: &Edit<'_>) -> DbResult<UserRow> {
    with_pool!(db, db => {
        retry(|| async {
            let mut tx = db.begin_write().await?;
            let before = find_on(&mut tx, &admin.commune, username).await?.ok_or_else(|| not_found(username))?;
            if before.id == admin.id && e.role != Role::Admin {
                return Err(DbError::conflict("own_account", "Không thể bỏ vai trò quản trị của chính mình"));
            }
            let detail = describe(&before, e);
            sqlx::query("UPDATE users SET name = $1, role = $2, village_id = $3, phone = $4 WHERE id = $5")
                .bind(e.name)
                .bind(role_str(e.role))
                .bind(e.village)
                .bind(e.phone)
                .bind(&before.id)
                .execute(&mut *tx)
                .await?;
            audit(&mut tx, admin, &before, &detail).await?;
            let after = find_on(&mut tx, &admin.commune, username).await?.ok_or_else(|| not_found(username))?;
            tx.commit().await?;
            Ok(after)
        })
        .await
    })
}

async fn audit(conn: &mut impl AsConn, admin: &AuthUser, who: &UserRow, detail: &str) -> DbResult<()> {
    with_conn!(conn, conn => {
        let entry = NewAudit {
            commune: &admin.commune,
            user_id: &admin.id,
            action: AuditAction::Account,
            subject: &who.username,
            record: None,
            village: who.village.as_deref(),
            detail,
        };
        super::audit::record(conn, &entry, now_ms()).await
    })
}

/// Disables (`true`) or re-enables an account. Disabling an account that is
/// disabled (or enabling an enabled one) is 409 `unchanged`, nothing written.
pub async fn set_disabled(db: &Db, admin: &AuthUser, username: &str, disabled: bool) -> DbResult<UserRow> {
    with_pool!(db, db => {
        retry(|| async {
            let mut tx = db.begin_write().await?;
            let before = find_on(&mut tx, &admin.commune, username).await?.ok_or_else(|| not_found(username))?;
            if disabled && before.id == admin.id {
                return Err(DbError::conflict("own_account", "Không thể khóa tài khoản của chính mình"));
            }
            if before.disabled == disabled {
                let m = if disabled {
                    "Tài khoản này đang bị khóa rồi"
                } else {
                    "Tài khoản này đang hoạt động"
                };
                return Err(DbError::conflict("unchanged", m));
            }
            sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                .bind(disabled)
                .bind(&before.id)
                .execute(&mut *tx)
                .await?;
            if disabled {
                sqlx::query("DELETE FROM tokens WHERE user_id = $1").bind(&before.id).execute(&mut *tx).await?;
            }
            let detail = if disabled { "Khóa tài khoản" } else { "Mở khóa tài khoản" };
            audit(&mut tx, admin, &before, detail).await?;
            let after = find_on(&mut tx, &admin.commune, username).await?.ok_or_else(|| not_found(username))?;
            tx.commit().await?;
            Ok(after)
        })
        .await
    })
}

/// Gives an account a temporary password (already hashed) that must be
/// replaced at next login; its sessions end.
pub async fn reset_password(db: &Db, admin: &AuthUser, username: &str, hash: &str) -> DbResult<UserRow> {
    with_pool!(db, db => {
        retry(|| async {
            let mut tx = db.begin_write().await?;
            let before = find_on(&mut tx, &admin.commune, username).await?.ok_or_else(|| not_found(username))?;
            sqlx::query("UPDATE users SET password_hash = $1, must_change_password = TRUE WHERE id = $2")
                .bind(hash)
                .bind(&before.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM tokens WHERE user_id = $1").bind(&before.id).execute(&mut *tx).await?;
            audit(&mut tx, admin, &before, "Đặt lại mật khẩu (người dùng phải đổi khi đăng nhập)").await?;
            let after = find_on(&mut tx, &admin.commune, username).await?.ok_or_else(|| not_found(username))?;
            tx.commit().await?;
            Ok(after)
        })
        .await
    })
}

/// The password hash of an account.
pub async fn password_hash(db: &Db, user_id: &str) -> DbResult<Option<String>> {
    with_pool!(db, db => {
        Ok(sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1").bind(user_id).fetch_optional(db).await?)
    })
}

/// Stores the person's own new password (hashed), clears the reset flag and
/// ends the account's other sessions (the one in use stays), with its audit
/// line, in one transaction. `old_hash` must still be the stored one (a
/// change racing another is refused as `stale`).
pub async fn change_password(db: &Db, user: &AuthUser, old_hash: &str, new_hash: &str) -> DbResult<()> {
    with_pool!(db, db => {
        retry(|| async {
            let mut tx = db.begin_write().await?;
            let res = sqlx::query(
                "UPDATE users SET password_hash = $1, must_change_password = FALSE WHERE id = $2 AND password_hash = $3",
            )
            .bind(new_hash)
            .bind(&user.id)
            .bind(old_hash)
            .execute(&mut *tx)
            .await?;
            if res.rows_affected() == 0 {
                return Err(DbError::conflict("stale", "Mật khẩu vừa được đổi ở nơi khác, vui lòng đăng nhập lại"));
            }
            sqlx::query("DELETE FROM tokens WHERE user_id = $1 AND token_hash <> $2")
                .bind(&user.id)
                .bind(&user.token_hash)
                .execute(&mut *tx)
                .await?;
            let entry = NewAudit {
                commune: &user.commune,
                user_id: &user.id,
                action: AuditAction::Account,
                subject: &user.username,
                record: None,
                village: user.village.as_deref(),
                detail: "Tự đổi mật khẩu",
            };
            super::audit::record(&mut tx, &entry, now_ms()).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    })
}
