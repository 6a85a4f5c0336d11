//! Who is asking: passwords, bearer tokens, the [`AuthUser`] extractor and
//! login throttling.

use crate::error::AppError;
use crate::AppState;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine;
use sha2::{Digest, Sha256};
use sothon_domain::protocol::{Role, User};
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Mutex, OnceLock};

/// Fills `buf` from the operating system's random source.
pub fn fill_random(buf: &mut [u8]) {
    OsRng.fill_bytes(buf);
}

/// Argon2id hash of a password, as a PHC string (salt and parameters inside).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

/// Argon2id with light parameters (4 MiB, one pass), for the sample accounts
/// only: their password is printed at every start, so a slow hash would
/// protect nothing and only slow down first starts and tests.
pub fn hash_sample_password(password: &str) -> anyhow::Result<String> {
    let params = argon2::Params::new(4 * 1024, 1, 1, None).map_err(|e| anyhow::anyhow!("argon2 params: {e}"))?;
    let salt = SaltString::generate(&mut OsRng);
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

/// Whether `password` matches a stored PHC hash (verified with the
/// parameters stored in it). A malformed hash matches nothing.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Checks a password off the async threads, a few at a time: each Argon2
/// verification takes 19 MiB and a core for a moment, and a burst of logins
/// must not take the server's memory with it.
///
/// `None` (no such user) is checked against a dummy hash and fails, so
/// timing does not tell which usernames exist.
pub async fn check_password(hash: Option<String>, password: String) -> anyhow::Result<bool> {
    static SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);
    let _slot = SLOTS.acquire().await?;
    let ok = tokio::task::spawn_blocking(move || {
        let ok = verify_password(hash.as_deref().unwrap_or(dummy_hash()), &password);
        ok && hash.is_some()
    })
    .await?;
    Ok(ok)
}

/// A hash to verify against when the username does not exist, so that an
/// unknown user costs the same time as a wrong password.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("not a password").expect("hashing a constant"))
}

/// A new bearer token: 32 random bytes, base64url without padding.
pub fn new_token() -> String {
    let mut b = [0u8; 32];
    fill_random(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// What the database keeps of a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The account behind a request's bearer token. Extracting it answers 401
/// when the token is missing, unknown or expired.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: String,
    pub username: String,
    pub name: String,
    pub role: Role,
    pub commune: String,
    /// The user's village, for village-scoped roles.
    pub village: Option<String>,
    /// When the token expires, server ms.
    pub expires: i64,
    /// The SHA-256 of the token this request came with (logout revokes it).
    pub token_hash: String,
}

impl AuthUser {
    /// The protocol's view of the account.
    pub fn user(&self) -> User {
        User {
            username: self.username.clone(),
            name: self.name.clone(),
            role: self.role,
            village: self.village.clone(),
            commune: self.commune.clone(),
        }
    }

    /// The only village this user may see, or `None` for the whole commune.
    pub fn village_scope(&self) -> Option<&str> {
        if self.role.village_scoped() {
            // A village-scoped account always has a village (`add_user`
            // insists); an empty scope rather than the whole commune if not.
            Some(self.village.as_deref().unwrap_or(""))
        } else {
            None
        }
    }

    /// Whether the user may see and write the records of `village` (which
    /// must already be known to be in the user's commune).
    pub fn may_use_village(&self, village: &str) -> bool {
        self.village_scope().is_none_or(|v| v == village)
    }

    /// The commune office: officers and admins.
    pub fn is_office(&self) -> bool {
        matches!(self.role, Role::Officer | Role::Admin)
    }

    /// Whether the user may settle a conflict on a record of `village`: the
    /// commune office, or that village's own head (not the digital team,
    /// whose edits are often one side of the conflict).
    pub fn may_resolve(&self, village: &str) -> bool {
        self.is_office() || (self.role == Role::VillageHead && self.village.as_deref() == Some(village))
    }
}

/// An [`AuthUser`] of the commune office (officer or admin); anyone else
/// gets 403 before the body is read.
#[derive(Debug, Clone)]
pub struct OfficeUser(pub AuthUser);

impl FromRequestParts<AppState> for OfficeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        if user.is_office() {
            Ok(Self(user))
        } else {
            Err(AppError::forbidden("Chỉ cán bộ văn phòng UBND xã được thực hiện việc này"))
        }
    }
}

/// An [`AuthUser`] with the admin role; anyone else gets 403 before the body
/// is read.
#[derive(Debug, Clone)]
pub struct AdminUser(pub AuthUser);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        if user.role == Role::Admin {
            Ok(Self(user))
        } else {
            Err(AppError::forbidden("Chỉ quản trị xã được thực hiện việc này"))
        }
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AppError::Unauthorized)?;
        crate::db::accounts::user_for_token(&state.db, &token_hash(token), crate::db::now_ms())
            .await?
            .ok_or(AppError::Unauthorized)
    }
}

/// The client's address as the socket saw it. Behind a reverse proxy this is
/// the proxy; throttling per address then throttles everyone together, which
/// errs on the safe side.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        Ok(Self(ip))
    }
}

/// Failed logins are counted over this window…
pub const THROTTLE_WINDOW_MS: i64 = 10 * 60 * 1000;
/// …and after this many for one username, that username must wait…
pub const THROTTLE_PER_USER: usize = 5;
/// …and after this many from one address, that address must wait.
pub const THROTTLE_PER_IP: usize = 20;

/// In-memory counts of recent failed logins.
#[derive(Debug, Default)]
pub struct Throttle {
    inner: Mutex<ThrottleMaps>,
}

#[derive(Debug, Default)]
struct ThrottleMaps {
    by_user: HashMap<String, VecDeque<i64>>,
    by_ip: HashMap<IpAddr, VecDeque<i64>>,
}

fn prune(q: &mut VecDeque<i64>, now: i64) {
    while q.front().is_some_and(|&t| t <= now - THROTTLE_WINDOW_MS) {
        q.pop_front();
    }
}

/// Seconds until the oldest counted failure leaves the window, if the queue
/// is at its limit.
fn wait(q: Option<&mut VecDeque<i64>>, limit: usize, now: i64) -> Option<u64> {
    let q = q?;
    prune(q, now);
    (q.len() >= limit).then(|| {
        let oldest = q.front().copied().unwrap_or(now);
        ((oldest + THROTTLE_WINDOW_MS - now).max(1000) as u64).div_ceil(1000)
    })
}

/// Usernames are at most 32 characters; a longer guess is counted under its
/// start, so a flood of huge usernames cannot fill memory.
fn user_key(username: &str) -> String {
    username.chars().take(40).collect::<String>().to_lowercase()
}

impl Throttle {
    fn maps(&self) -> std::sync::MutexGuard<'_, ThrottleMaps> {
        // A panic while holding the lock leaves plain counters behind: still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `Err(seconds to wait)` when this username or address has failed too
    /// often lately. Checked before the password, so guessing stays slow even
    /// with the right password among the guesses.
    pub fn check(&self, username: &str, ip: IpAddr, now: i64) -> Result<(), u64> {
        let mut m = self.maps();
        let m = &mut *m;
        let user = wait(m.by_user.get_mut(&user_key(username)), THROTTLE_PER_USER, now);
        let ip = wait(m.by_ip.get_mut(&ip), THROTTLE_PER_IP, now);
        match user.max(ip) {
            Some(secs) => Err(secs),
            None => Ok(()),
        }
    }

    /// Counts a failed login.
    pub fn fail(&self, username: &str, ip: IpAddr, now: i64) {
        let mut m = self.maps();
        // Keeps memory bounded when someone sprays many usernames.
        if m.by_user.len() + m.by_ip.len() > 10_000 {
            m.by_user.retain(|_, q| {
                prune(q, now);
                !q.is_empty()
            });
            m.by_ip.retain(|_, q| {
                prune(q, now);
                !q.is_empty()
            });
        }
        m.by_user.entry(user_key(username)).or_default().push_back(now);
        m.by_ip.entry(ip).or_default().push_back(now);
    }

    /// A successful login forgets that username's failures.
    pub fn succeed(&self, username: &str) {
        self.maps().by_user.remove(&user_key(username));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_hashed() {
        let t = new_token();
        assert_eq!(t.len(), 43);
        assert_ne!(t, new_token());
        assert_eq!(token_hash(&t), token_hash(&t));
        assert_eq!(token_hash(&t).len(), 64);
    }

    #[test]
    fn throttle_counts_per_user_and_per_ip() {
        let th = Throttle::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..THROTTLE_PER_USER {
            assert!(th.check("An", ip, 0).is_ok());
            th.fail("An", ip, 0);
        }
        assert_eq!(th.check("an", ip, 1000), Err(599));
        assert!(th.check("binh", "10.0.0.2".parse().unwrap(), 1000).is_ok());
        assert!(th.check("an", ip, THROTTLE_WINDOW_MS).is_ok(), "the window slides");
        for i in 0..THROTTLE_PER_IP {
            th.fail(&format!("u{i}"), ip, THROTTLE_WINDOW_MS);
        }
        assert!(th.check("someone", ip, THROTTLE_WINDOW_MS + 1).is_err());
        th.succeed("u1");
        assert!(th.check("someone", ip, THROTTLE_WINDOW_MS + 1).is_err(), "the address stays throttled");
    }
}
