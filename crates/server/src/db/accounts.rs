//! Communes, villages, users and tokens.

use super::{Context, DbError, DbResult};
use super::{Db, Writer};
use crate::auth::AuthUser;
use sothon_domain::names::{check_name, clean_name};
use sothon_domain::protocol::{Role, Village};
use sothon_domain::FieldError;
use sqlx::Row;
use unicode_normalization::UnicodeNormalization;

/// How a role is spelled in the database and on the command line (the same
/// as on the wire).
pub fn role_str(role: Role) -> &'static str {
    match role {
        Role::VillageHead => "village_head",
        Role::DigitalTeam => "digital_team",
        Role::Officer => "officer",
        Role::Admin => "admin",
        Role::Province => "province",
    }
}

/// Parses [`role_str`]'s spelling.
pub fn parse_role(s: &str) -> Option<Role> {
    Some(match s {
        "village_head" => Role::VillageHead,
        "digital_team" => Role::DigitalTeam,
        "officer" => Role::Officer,
        "admin" => Role::Admin,
        "province" => Role::Province,
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

/// Shortest password accepted for a new account.
pub const MIN_PASSWORD: usize = 8;
/// Longest password accepted (bytes): Argon2 work should not be the client's
/// to choose. Login refuses longer ones before hashing too.
pub const MAX_PASSWORD: usize = 1024;
/// Longest full name or village name, in characters.
pub const MAX_NAME: usize = 100;

/// How a username is stored, looked up and throttled: without spaces or
/// invisible characters at either end, lower-case, in Unicode NFC. One
/// spelling per account, so `" TruongThon2"` (pasted with a space, or
/// capitalised by the phone's keyboard) is the same account and the same
/// throttle count as `truongthon2`; an NFD spelling of a name (some
/// keyboards send the accents as separate marks) is the same as its NFC one.
pub fn normalize_username(username: &str) -> String {
    clean_name(username).to_lowercase().nfc().collect()
}

/// Whether a (normalized) username is 3–32 characters of `a-z 0-9 . _ -`.
pub fn valid_username(username: &str) -> bool {
    (3..=32).contains(&username.len())
        && username.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// Every problem with the fields of a new account in `commune` that needs no
/// write: the rules shared by `POST /api/v1/users` and `user add`. `role` is
/// `None` when the given role was not one of the four (reported here too).
pub async fn check_new_user(
    db: &Db,
    commune: &str,
    username: &str,
    password: &str,
    name: &str,
    role: Option<Role>,
    village: Option<&str>,
) -> DbResult<Vec<FieldError>> {
    let mut errs = Vec::new();
    if !valid_username(&normalize_username(username)) {
        errs.push(FieldError::new(
            "username",
            "invalid",
            "Tên đăng nhập gồm 3–32 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch dưới hoặc gạch ngang",
        ));
    }
    if password.chars().count() < MIN_PASSWORD {
        errs.push(FieldError::limit("password", "min", MIN_PASSWORD as f64, "Mật khẩu phải có số ký tự tối thiểu là"));
    } else if password.len() > MAX_PASSWORD {
        errs.push(FieldError::limit("password", "too_long", MAX_PASSWORD as f64, "Quá dài, tối đa số ký tự là"));
    }
    errs.extend(check_name("name", name, MAX_NAME, "Vui lòng nhập họ và tên"));
    match (role.map(Role::village_scoped), village) {
        (None, _) => errs.push(FieldError::new(
            "role",
            "choice",
            "Vai trò phải là village_head, digital_team, officer, admin hoặc province",
        )),
        (Some(true), None) => {
            errs.push(FieldError::new("village", "required", "Vai trò này cần chọn thôn"));
        }
        (Some(false), Some(_)) => {
            errs.push(FieldError::new("village", "invalid", "Vai trò này làm việc cho cả xã, không gắn với một thôn"))
        }
        (Some(true), Some(v)) => {
            if !village_exists(db, commune, v).await? {
                errs.push(FieldError::new("village", "unknown", "Không có thôn này trong xã"));
            }
        }
        (Some(false), None) => {}
    }
    // A province's accounts belong to its unit; a commune's to a commune.
    let province_unit = super::units::kind(db, commune).await?.as_deref() == Some("province");
    match role {
        Some(Role::Province) if !province_unit => {
            errs.push(FieldError::new("role", "choice", "Tài khoản cấp tỉnh phải thuộc một tỉnh (--commune MÃ_TỈNH)"))
        }
        Some(r) if r != Role::Province && province_unit => {
            errs.push(FieldError::new("role", "choice", "Đơn vị này là một tỉnh: chỉ tạo được tài khoản cấp tỉnh"))
        }
        _ => {}
    }
    Ok(errs)
}

/// Why an account was not created.
#[derive(Debug)]
pub enum AddUserError {
    /// The fields break the rules ([`check_new_user`]); nothing was written.
    Invalid(Vec<FieldError>),
    /// The username is taken; nothing was written.
    Taken(String),
    /// Storage failed.
    Db(DbError),
}

impl From<DbError> for AddUserError {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

impl From<sqlx::Error> for AddUserError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(e.into())
    }
}

/// The commune an account is created in: the one given (which must exist),
/// or the database's only commune.
async fn pick_commune(db: &Db, commune: Option<&str>) -> DbResult<String> {
    let any_db = db;
    with_pool!(db, db => {
        match commune {
            Some(c) => {
                if !commune_exists(any_db, c).await? {
                    return Err(DbError::NotFound(format!("no commune {c}")));
                }
                Ok(c.to_string())
            }
            None => {
                let ids: Vec<String> =
                    sqlx::query_scalar("SELECT id FROM communes WHERE kind = 'commune' ORDER BY id").fetch_all(db).await?;
                match ids.as_slice() {
                    [one] => Ok(one.clone()),
                    [] => Err(DbError::setup(
                        "the database has no commune yet: add one with `commune add` (or start once with the demo)",
                    )),
                    _ => Err(DbError::setup(format!(
                        "the database has several communes ({}): say which with --commune",
                        ids.join(", ")
                    ))),
                }
            }
        }
    })
}

/// Creates an account in `commune` with an Argon2id-hashed password, after
/// [`check_new_user`]; returns the stored account. Nothing is written when
/// it fails.
pub async fn create_user(db: &Db, commune: &str, u: &NewUser) -> Result<UserRow, AddUserError> {
    let any_db = db;
    with_pool!(db, db => {
        let errs =
            check_new_user(any_db, commune, &u.username, &u.password, &u.name, Some(u.role), u.village.as_deref()).await?;
        if !errs.is_empty() {
            return Err(AddUserError::Invalid(errs));
        }
        let username = normalize_username(&u.username);
        // Checked before hashing, so a taken name costs no Argon2 work; the
        // UNIQUE constraint below still decides a race.
        if login_lookup(any_db, &username).await?.is_some() {
            return Err(AddUserError::Taken(username));
        }
        let hash = crate::auth::hash_password_off_thread(u.password.clone())
            .await
            .map_err(|e| DbError::Other(format!("hashing the password: {e:#}")))?;
        let row = UserRow {
            id: super::new_id(),
            username,
            name: clean_name(&u.name).to_string(),
            role: u.role,
            village: u.village.clone(),
            created_at: super::now_ms(),
            phone: String::new(),
            disabled: false,
            must_change_password: false,
        };
        let res = sqlx::query(
            "INSERT INTO users (id, username, name, role, commune_id, village_id, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&row.id)
        .bind(&row.username)
        .bind(&row.name)
        .bind(role_str(row.role))
        .bind(commune)
        .bind(&row.village)
        .bind(&hash)
        .bind(row.created_at)
        .execute(db)
        .await;
        match res {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(AddUserError::Taken(row.username)),
            Err(e) => Err(AddUserError::Db(DbError::from(e).context("inserting user"))),
            Ok(_) => Ok(row),
        }
    })
}

/// Creates an account (the command line's `user add`); returns its id.
pub async fn add_user(db: &Db, u: NewUser) -> DbResult<String> {
    let commune = pick_commune(db, u.commune.as_deref()).await?;
    match create_user(db, &commune, &u).await {
        Ok(row) => Ok(row.id),
        Err(AddUserError::Invalid(errs)) => Err(DbError::Invalid(errs)),
        Err(AddUserError::Taken(username)) => {
            Err(DbError::conflict("duplicate", format!("username {username} is taken")))
        }
        Err(AddUserError::Db(e)) => Err(e),
    }
}

/// An account as `GET /api/v1/users` lists it.
pub use sothon_domain::api::Account as UserRow;

/// The accounts of `commune`, by username.
pub async fn list_users(db: &Db, commune: &str) -> DbResult<Vec<UserRow>> {
    with_pool!(db, db => {
        let rows: Vec<UserDbRow> = sqlx::query_as(&format!("{USER_SELECT} WHERE commune_id = $1 ORDER BY username"))
            .bind(commune)
            .fetch_all(db)
            .await?;
        rows.into_iter().map(UserDbRow::account).collect()
    })
}

/// The columns [`UserDbRow`] reads.
pub(crate) const USER_SELECT: &str =
    "SELECT id, username, name, role, village_id, created_at, phone, disabled, must_change_password FROM users";

/// An account row as stored.
#[derive(sqlx::FromRow)]
pub(crate) struct UserDbRow {
    id: String,
    username: String,
    name: String,
    role: String,
    village_id: Option<String>,
    created_at: i64,
    phone: String,
    disabled: bool,
    must_change_password: bool,
}

impl UserDbRow {
    pub(crate) fn account(self) -> DbResult<UserRow> {
        let role = parse_role(&self.role).with_context(|| format!("unknown role {} in the database", self.role))?;
        Ok(UserRow {
            id: self.id,
            username: self.username,
            name: self.name,
            role,
            village: self.village_id,
            created_at: self.created_at,
            phone: self.phone,
            disabled: self.disabled,
            must_change_password: self.must_change_password,
        })
    }
}

/// Every problem with a new village's fields.
pub fn check_new_village(id: &str, name: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if check_id(id).is_err() {
        errs.push(FieldError::new(
            "id",
            "invalid",
            "Mã thôn gồm 1–40 ký tự: chữ thường không dấu, chữ số hoặc gạch ngang",
        ));
    }
    errs.extend(check_name("name", name, MAX_NAME, "Vui lòng nhập tên thôn"));
    errs
}

/// Inserts a (checked) village into `commune`; `false` if the commune
/// already has a village with that id (another commune's is no obstacle:
/// village ids are scoped to their commune).
pub async fn insert_village(db: &Db, commune: &str, id: &str, name: &str) -> DbResult<bool> {
    with_pool!(db, db => {
        let res = sqlx::query("INSERT INTO villages (commune_id, id, name, sample) VALUES ($1, $2, $3, FALSE)")
            .bind(commune)
            .bind(id)
            .bind(clean_name(name))
            .execute(db)
            .await;
        match res {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(e.into()),
            Ok(_) => Ok(true),
        }
    })
}

/// Revokes one token (logout). Returns whether it existed.
pub async fn revoke_token(db: &Db, hash: &str) -> DbResult<bool> {
    with_pool!(db, db => {
        let res = sqlx::query("DELETE FROM tokens WHERE token_hash = $1").bind(hash).execute(db).await?;
        Ok(res.rows_affected() > 0)
    })
}

/// Creates a commune.
pub async fn add_commune(db: &Db, id: &str, name: &str) -> DbResult<()> {
    with_pool!(db, db => {
        check_id(id)?;
        if let Some(e) = check_name("name", name, MAX_NAME, "Vui lòng nhập tên xã") {
            return Err(DbError::Invalid(vec![e]));
        }
        sqlx::query("INSERT INTO communes (id, name) VALUES ($1, $2)")
            .bind(id)
            .bind(clean_name(name))
            .execute(db)
            .await
            .with_context(|| format!("adding commune {id}"))?;
        Ok(())
    })
}

/// Creates a village of a commune (`None`: the only commune), by the same
/// rules as `POST /api/v1/villages` ([`check_new_village`]).
pub async fn add_village(db: &Db, id: &str, commune: Option<&str>, name: &str) -> DbResult<()> {
    let commune = pick_commune(db, commune).await?;
    let errs = check_new_village(id, name);
    if !errs.is_empty() {
        return Err(DbError::Invalid(errs));
    }
    if !insert_village(db, &commune, id, name).await.with_context(|| format!("adding village {id}"))? {
        return Err(DbError::conflict("duplicate", format!("commune {commune} already has a village {id}")));
    }
    Ok(())
}

/// Whether a commune, province or village id is plain: 1–40 characters of
/// a–z, 0–9 and `-`.
pub fn valid_unit_id(id: &str) -> bool {
    (1..=40).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Commune and village ids end up in record ids and URLs: keep them plain.
fn check_id(id: &str) -> DbResult<()> {
    if valid_unit_id(id) {
        Ok(())
    } else {
        Err(DbError::Invalid(vec![FieldError::new("id", "invalid", "ids are 1–40 characters of a-z, 0-9 and '-'")]))
    }
}

async fn commune_exists(db: &Db, id: &str) -> DbResult<bool> {
    with_pool!(db, db => {
        Ok(sqlx::query("SELECT 1 FROM communes WHERE id = $1").bind(id).fetch_optional(db).await?.is_some())
    })
}

/// Whether `commune` has a village `village`.
pub async fn village_exists(db: &Db, commune: &str, village: &str) -> DbResult<bool> {
    with_pool!(db, db => {
        let found = sqlx::query("SELECT 1 FROM villages WHERE commune_id = $1 AND id = $2")
            .bind(commune)
            .bind(village)
            .fetch_optional(db)
            .await?;
        Ok(found.is_some())
    })
}

/// The user id and password hash for a login attempt (the username is
/// normalised first: [`normalize_username`]).
pub async fn login_lookup(db: &Db, username: &str) -> DbResult<Option<(String, String)>> {
    with_pool!(db, db => {
        Ok(sqlx::query_as("SELECT id, password_hash FROM users WHERE username = $1")
            .bind(normalize_username(username))
            .fetch_optional(db)
            .await?)
    })
}

/// Whether an account is disabled (checked after its password, so the
/// answer tells nothing to someone who does not know it).
pub async fn is_disabled(db: &Db, user_id: &str) -> DbResult<bool> {
    with_pool!(db, db => {
        Ok(sqlx::query_scalar::<_, bool>("SELECT disabled FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(db)
            .await?
            .unwrap_or(true))
    })
}

/// Replaces an account's password hash with one of the same password made
/// with the current parameters, unless it changed meanwhile.
pub async fn upgrade_password_hash(db: &Db, user_id: &str, old: &str, new: &str) -> DbResult<()> {
    with_pool!(db, db => {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3")
            .bind(new)
            .bind(user_id)
            .bind(old)
            .execute(db)
            .await?;
        Ok(())
    })
}

/// Stores a new token's hash; drops the user's expired tokens on the way.
pub async fn store_token(db: &Db, user_id: &str, hash: &str, now: i64, expires: i64) -> DbResult<()> {
    with_pool!(db, db => {
        let mut tx = db.begin_write().await?;
        sqlx::query("DELETE FROM tokens WHERE user_id = $1 AND expires_at <= $2")
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO tokens (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(hash)
            .bind(user_id)
            .bind(now)
            .bind(expires)
            .execute(&mut *tx)
            .await?;
        Ok(tx.commit().await?)
    })
}

/// The account of a live token.
pub async fn user_for_token(db: &Db, hash: &str, now: i64) -> DbResult<Option<AuthUser>> {
    with_pool!(db, db => {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.name, u.role, u.commune_id, u.village_id, t.expires_at, u.must_change_password
             FROM tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1 AND t.expires_at > $2 AND u.disabled = FALSE",
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
            token_hash: hash.to_string(),
            must_change_password: row.try_get("must_change_password")?,
        }))
    })
}

/// The villages `user` may see, by id.
pub async fn villages_for(db: &Db, user: &AuthUser) -> DbResult<Vec<Village>> {
    with_pool!(db, db => {
        let rows: Vec<(String, String, bool)> = sqlx::query_as(
            "SELECT id, name, sample FROM villages WHERE commune_id = $1 AND ($2 IS NULL OR id = $3) ORDER BY id",
        )
        .bind(&user.commune)
        .bind(user.village_scope())
        .bind(user.village_scope())
        .fetch_all(db)
        .await?;
        Ok(rows.into_iter().map(|(id, name, sample)| Village { id, name, sample }).collect())
    })
}
