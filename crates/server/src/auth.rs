//! Who is asking: passwords, bearer tokens, the [`AuthUser`] extractor and
//! the login throttle's rules (its counts live in [`crate::db::throttle`]).

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
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::OnceLock;

/// Fills `buf` from the operating system's random source.
pub fn fill_random(buf: &mut [u8]) {
    OsRng.fill_bytes(buf);
}

/// Argon2id hash of a password, as a PHC string (salt and parameters
/// inside), with [`Argon2::default`]'s parameters (19 MiB, two passes:
/// OWASP's minimum). Every account is hashed with these — the sample ones
/// too — so that every login, and the dummy check for an unknown username,
/// costs the same time: the time a login takes tells nothing.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

/// Whether `password` matches a stored PHC hash (verified with the
/// parameters stored in it). A malformed hash matches nothing.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Whether a stored hash was made with other parameters than
/// [`hash_password`]'s (the light ones sample accounts had before version
/// 4): it is replaced at the account's next successful login, so its
/// logins stop answering faster than the others'.
pub fn needs_rehash(hash: &str) -> bool {
    let Ok(h) = PasswordHash::new(hash) else { return true };
    h.algorithm != argon2::ARGON2ID_IDENT
        || argon2::Params::try_from(&h).map_or(true, |p| p != argon2::Params::default())
}

/// The parameters (`m=…,t=…,p=…`) of a PHC hash, for comparing two hashes'
/// cost.
pub fn hash_params(hash: &str) -> Option<String> {
    let h = PasswordHash::new(hash).ok()?;
    Some(format!("{} v={} {}", h.algorithm, h.version.unwrap_or_default(), h.params))
}

/// [`hash_password`] on a blocking thread, off the async ones.
pub async fn hash_password_off_thread(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_password(&password)).await?
}

/// Checks a password off the async threads, a few at a time: each Argon2
/// verification takes 19 MiB and a core for a moment, and a burst of logins
/// must not take the server's memory with it.
///
/// `None` (no such user) is checked against a dummy hash made with the same
/// parameters as every account's, and fails, so timing does not tell which
/// usernames exist.
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

/// The hash an unknown username is checked against: made by
/// [`hash_password`], so it costs what an account's check costs.
pub fn dummy_hash() -> &'static str {
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
    /// The admin reset the password: until the person sets a new one, this
    /// extractor refuses the token (403 `password_change`); [`SessionUser`]
    /// lets it reach `/password`, `/me` and `/logout`.
    pub must_change_password: bool,
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

    /// A commune's account. A province account reads only the province's
    /// own routes ([`ProvinceUser`]): 403 on everything of a commune.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user = ready_user(parts, state).await?;
        if user.role == Role::Province {
            return Err(AppError::forbidden("Tài khoản cấp tỉnh chỉ xem số liệu tổng hợp của các xã trong tỉnh"));
        }
        Ok(user)
    }
}

/// The token's account, once it has set its own password.
async fn ready_user(parts: &mut Parts, state: &AppState) -> Result<AuthUser, AppError> {
    let user = SessionUser::from_request_parts(parts, state).await?.0;
    if user.must_change_password {
        return Err(AppError::PasswordChange);
    }
    Ok(user)
}

/// A province account (its `commune` is the province's unit); anyone else
/// gets 403.
#[derive(Debug, Clone)]
pub struct ProvinceUser(pub AuthUser);

impl FromRequestParts<AppState> for ProvinceUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user = ready_user(parts, state).await?;
        if user.role != Role::Province {
            return Err(AppError::forbidden("Chỉ tài khoản cấp tỉnh được xem số liệu của cả tỉnh"));
        }
        Ok(Self(user))
    }
}

/// Any live token, even one whose account must first set a new password
/// (the routes that let the person do so, see who they are, or log out).
#[derive(Debug, Clone)]
pub struct SessionUser(pub AuthUser);

impl FromRequestParts<AppState> for SessionUser {
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
            .map(Self)
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

/// How one kind of login count slows guessing down (OWASP's advice: delays
/// that grow with each failure instead of a lock an attacker could renew
/// forever to keep the owner out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delays {
    /// Failures that cost nothing: typos.
    pub free: i64,
    /// The wait after the first failure past the free ones, ms; it doubles
    /// with each further failure…
    pub first_ms: i64,
    /// …up to this.
    pub cap_ms: i64,
    /// A count nobody added to for this long is forgotten. Longer than
    /// `cap_ms`, so forgetting never cuts a delay short.
    pub forget_ms: i64,
}

impl Delays {
    /// How long to wait after the `failures`-th counted attempt.
    pub fn delay_ms(&self, failures: i64) -> i64 {
        if failures < self.free {
            return 0;
        }
        let doublings = (failures - self.free).min(40) as u32;
        self.first_ms.saturating_mul(1i64 << doublings.min(40)).min(self.cap_ms)
    }
}

const MINUTE_MS: i64 = 60_000;

/// Per account (normalised username, known or not): five free tries, then
/// 1 s, 2 s, 4 s … up to 15 minutes between tries — about 100 guesses a day
/// at most, while the owner's known phones are not slowed at all.
pub const ACCOUNT_DELAYS: Delays =
    Delays { free: 5, first_ms: 1000, cap_ms: 15 * MINUTE_MS, forget_ms: 24 * 60 * MINUTE_MS };
/// Per address: generous, since a whole village can sit behind one carrier
/// NAT and a successful login takes its attempt back; it stops one address
/// from spraying guesses over many accounts.
pub const ADDRESS_DELAYS: Delays =
    Delays { free: 100, first_ms: 1000, cap_ms: 15 * MINUTE_MS, forget_ms: 60 * MINUTE_MS };
/// Per device token: a phone that logged in before has its own count, so a
/// stolen token cannot be used to guess faster than anyone else.
pub const DEVICE_DELAYS: Delays = ACCOUNT_DELAYS;

/// The key an address is counted under: IPv4 as is, IPv6 by its /64 (one
/// home or phone gets a whole /64, so single addresses would be free to
/// change).
pub fn address_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// The key a username is counted under: normalised like the lookup, cut to
/// 64 characters (usernames have at most 32), so one person typing it
/// differently gets one count, and huge made-up names stay small rows.
pub fn account_key(username: &str) -> String {
    crate::db::accounts::normalize_username(username).chars().take(64).collect()
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
    fn delays_are_free_at_first_then_double_up_to_a_cap() {
        let d = ACCOUNT_DELAYS;
        let waits: Vec<i64> = (1..=9).map(|n| d.delay_ms(n)).collect();
        assert_eq!(waits, [0, 0, 0, 0, 1000, 2000, 4000, 8000, 16000]);
        assert_eq!(d.delay_ms(20), 15 * 60_000);
        assert_eq!(d.delay_ms(i64::MAX), 15 * 60_000, "no overflow");
        for d in [ACCOUNT_DELAYS, ADDRESS_DELAYS, DEVICE_DELAYS] {
            assert!(d.forget_ms > d.cap_ms, "forgetting must never cut a delay short");
        }
        const { assert!(ADDRESS_DELAYS.free >= 20 * ACCOUNT_DELAYS.free, "an address is shared by many people") };
    }

    #[test]
    fn addresses_are_keyed_by_ipv4_or_ipv6_slash_64() {
        let k = |s: &str| address_key(s.parse().unwrap());
        assert_eq!(k("203.0.113.7"), "203.0.113.7");
        assert_eq!(k("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(k("2001:db8:1:2:aaaa::1"), k("2001:db8:1:2:bbbb::2"));
        assert_eq!(k("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_ne!(k("2001:db8:1:2::1"), k("2001:db8:1:3::1"));
    }

    #[test]
    fn one_account_key_however_the_username_is_typed() {
        assert_eq!(account_key(" truongthon2"), "truongthon2");
        assert_eq!(account_key("TruongThon2\t"), "truongthon2");
        // NFD and NFC spellings of one name are one key.
        assert_eq!(account_key("Tr\u{01b0}\u{1edd}ng"), account_key("Tru\u{031b}o\u{031b}\u{0300}ng"));
        assert_eq!(account_key("Tru\u{031b}o\u{031b}\u{0300}ng"), "tr\u{01b0}\u{1edd}ng");
        assert_eq!(account_key(&"x".repeat(1000)).chars().count(), 64);
    }
}
