//! Communes, villages, users and tokens.

use crate::auth::AuthUser;
use anyhow::{bail, Context};
use sothon_domain::protocol::{Role, Village};
use sqlx::{Row, SqlitePool};

/// How a role is spelled in the database and on the command line (the same
/// as on the wire).
pub fn role_str(role: Role) -> &'static str {
    match role {
        Role::VillageHead => "village_head",
        Role::DigitalTeam => "digital_team",
        Role::Officer => "officer",
        Role::Admin => "admin",
    }
}

/// Parses [`role_str`]'s spelling.
pub fn parse_role(s: &str) -> Option<Role> {
    Some(match s {
        "village_head" => Role::VillageHead,
        "digital_team" => Role::DigitalTeam,
        "officer" => Role::Officer,
        "admin" => Role::Admin,
        _ => return None,
    })
}

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// 3–32 characters of `a-z 0-9 . _ -`; stored lower-case.
    pub username: String,
    /// At least 8 characters.
    pub password: String,
    /// Full name, shown in the app.
    pub name: String,
    pub role: Role,
    /// The commune; `None` picks the database's only commune.
    pub commune: Option<String>,
    /// Required for village-scoped roles, refused for the others.
    pub village: Option<String>,
}

/// Creates an account with an Argon2id-hashed password; returns its id.
pub async fn add_user(db: &SqlitePool, u: NewUser) -> anyhow::Result<String> {
    let username = u.username.trim().to_lowercase();
    if !(3..=32).contains(&username.len())
        || !username.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        bail!("username must be 3–32 characters of a-z, 0-9, '.', '_' or '-'");
    }
    if u.password.chars().count() < 8 {
        bail!("password must be at least 8 characters");
    }
    if u.name.trim().is_empty() {
        bail!("name must not be empty");
    }
    let commune = match u.commune {
        Some(c) => {
            if !commune_exists(db, &c).await? {
                bail!("no commune {c}");
            }
            c
        }
        None => {
            let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM communes ORDER BY id").fetch_all(db).await?;
            match ids.as_slice() {
                [one] => one.clone(),
                [] => {
                    bail!("the database has no commune yet: add one with `commune add` (or start once with the demo)")
                }
                _ => bail!("the database has several communes ({}): say which with --commune", ids.join(", ")),
            }
        }
    };
    match (u.role.village_scoped(), &u.village) {
        (true, None) => bail!("role {} needs --village", role_str(u.role)),
        (false, Some(_)) => bail!("role {} is for the whole commune: leave out --village", role_str(u.role)),
        (true, Some(v)) => {
            if village_commune(db, v).await?.as_deref() != Some(commune.as_str()) {
                bail!("no village {v} in commune {commune}");
            }
        }
        (false, None) => {}
    }
    let hash = {
        let pw = u.password.clone();
        tokio::task::spawn_blocking(move || crate::auth::hash_password(&pw)).await??
    };
    let id = super::new_id();
    let res = sqlx::query(
        "INSERT INTO users (id, username, name, role, commune_id, village_id, password_hash, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&username)
    .bind(u.name.trim())
    .bind(role_str(u.role))
    .bind(&commune)
    .bind(&u.village)
    .bind(&hash)
    .bind(super::now_ms())
    .execute(db)
    .await;
    match res {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            bail!("username {username} is taken")
        }
        r => {
            r.context("inserting user")?;
        }
    }
    Ok(id)
}

/// Creates a commune.
pub async fn add_commune(db: &SqlitePool, id: &str, name: &str) -> anyhow::Result<()> {
    check_id(id)?;
    sqlx::query("INSERT INTO communes (id, name) VALUES (?, ?)")
        .bind(id)
        .bind(name.trim())
        .execute(db)
        .await
        .with_context(|| format!("adding commune {id}"))?;
    Ok(())
}

/// Creates a village of a commune (`None`: the only commune).
pub async fn add_village(db: &SqlitePool, id: &str, commune: Option<&str>, name: &str) -> anyhow::Result<()> {
    check_id(id)?;
    let commune = match commune {
        Some(c) => c.to_string(),
        None => {
            let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM communes").fetch_all(db).await?;
            match ids.as_slice() {
                [one] => one.clone(),
                _ => bail!("say which commune with --commune"),
            }
        }
    };
    sqlx::query("INSERT INTO villages (id, commune_id, name, sample) VALUES (?, ?, ?, 0)")
        .bind(id)
        .bind(&commune)
        .bind(name.trim())
        .execute(db)
        .await
        .with_context(|| format!("adding village {id} to commune {commune}"))?;
    Ok(())
}

/// Commune and village ids end up in record ids and URLs: keep them plain.
fn check_id(id: &str) -> anyhow::Result<()> {
    if (1..=40).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        Ok(())
    } else {
        bail!("ids are 1–40 characters of a-z, 0-9 and '-'")
    }
}

async fn commune_exists(db: &SqlitePool, id: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query("SELECT 1 FROM communes WHERE id = ?").bind(id).fetch_optional(db).await?.is_some())
}

/// The commune a village belongs to, if the village exists.
pub async fn village_commune(db: &SqlitePool, village: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT commune_id FROM villages WHERE id = ?").bind(village).fetch_optional(db).await
}

/// The user id and password hash for a login attempt.
pub async fn login_lookup(db: &SqlitePool, username: &str) -> sqlx::Result<Option<(String, String)>> {
    sqlx::query_as("SELECT id, password_hash FROM users WHERE username = ?")
        .bind(username.trim().to_lowercase())
        .fetch_optional(db)
        .await
}

/// Stores a new token's hash; drops the user's expired tokens on the way.
pub async fn store_token(db: &SqlitePool, user_id: &str, hash: &str, now: i64, expires: i64) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM tokens WHERE user_id = ? AND expires_at <= ?")
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO tokens (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
        .bind(hash)
        .bind(user_id)
        .bind(now)
        .bind(expires)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// The account of a live token.
pub async fn user_for_token(db: &SqlitePool, hash: &str, now: i64) -> anyhow::Result<Option<AuthUser>> {
    let row = sqlx::query(
        "SELECT u.id, u.username, u.name, u.role, u.commune_id, u.village_id, t.expires_at
         FROM tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = ? AND t.expires_at > ?",
    )
    .bind(hash)
    .bind(now)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let role: String = row.try_get("role")?;
    Ok(Some(AuthUser {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        name: row.try_get("name")?,
        role: parse_role(&role).with_context(|| format!("unknown role {role} in the database"))?,
        commune: row.try_get("commune_id")?,
        village: row.try_get("village_id")?,
        expires: row.try_get("expires_at")?,
    }))
}

/// The villages `user` may see, by id.
pub async fn villages_for(db: &SqlitePool, user: &AuthUser) -> sqlx::Result<Vec<Village>> {
    let rows: Vec<(String, String, bool)> = sqlx::query_as(
        "SELECT id, name, sample FROM villages WHERE commune_id = ? AND (? IS NULL OR id = ?) ORDER BY id",
    )
    .bind(&user.commune)
    .bind(user.village_scope())
    .bind(user.village_scope())
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id, name, sample)| Village { id, name, sample }).collect())
}

/// The ids of the commune's villages.
pub async fn commune_village_ids(db: &SqlitePool, commune: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT id FROM villages WHERE commune_id = ?").bind(commune).fetch_all(db).await
}
