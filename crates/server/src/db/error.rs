//! The one error type of `db/`. Every storage function answers
//! [`DbResult`]; the HTTP boundary maps it to a status in one place
//! (`impl From<DbError> for AppError`, in `crate::error`).
//!
//! Two kinds of failure are kept apart: the request broke a rule of the
//! data ([`DbError::NotFound`], [`DbError::Conflict`], [`DbError::Forbidden`],
//! [`DbError::Invalid`]: the caller's to fix, said to them as it is), and
//! storage itself failed ([`DbError::Engine`], [`DbError::Migrate`],
//! [`DbError::Corrupt`], [`DbError::Setup`]: logged in full, sent as a
//! generic message). [`DbError::is_busy`] tells the one engine failure that
//! running the transaction again can cure.

use sothon_domain::FieldError;
use std::fmt;

/// Everything a storage function can fail with.
#[derive(Debug)]
pub enum DbError {
    /// The engine refused or failed a statement: connection, SQL,
    /// constraint, or a collision with another transaction
    /// ([`DbError::is_busy`]). `what` says what was being done.
    Engine { what: Option<String>, source: sqlx::Error },
    /// Running the migrations failed.
    Migrate(sqlx::migrate::MigrateError),
    /// What is stored breaks the server's own invariants: a body that does
    /// not decode, a state or period no version of the server writes.
    Corrupt(String),
    /// The database cannot be opened or used as asked: a bad URL, a backup
    /// path that exists, an engine that lacks the operation.
    Setup(String),
    /// A step of the storage work outside the engine failed (hashing a
    /// password on a worker thread, …).
    Other(String),
    /// The thing asked for does not exist (or is not the caller's to see).
    NotFound(String),
    /// The change collides with the data: `stale`, `duplicate`, `resolved`,
    /// `conflict_pending`, … (the code goes to the client as is).
    Conflict { code: &'static str, message: String },
    /// The caller's role or scope does not cover this change.
    Forbidden(String),
    /// The data breaks the catalogue's rules; one entry per field.
    Invalid(Vec<FieldError>),
}

/// What every `db/` function answers.
pub type DbResult<T> = Result<T, DbError>;

impl DbError {
    /// A 409-kind refusal with its own code.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict { code, message: message.into() }
    }

    /// A refusal for the caller's role or scope.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    /// Stored data the server cannot read back.
    pub fn corrupt(message: impl Into<String>) -> Self {
        Self::Corrupt(message.into())
    }

    /// A database that cannot be used as asked.
    pub fn setup(message: impl Into<String>) -> Self {
        Self::Setup(message.into())
    }

    /// Whether the transaction failed only because another one got in its
    /// way, so that running it again whole is right ([`super::is_busy`]).
    pub fn is_busy(&self) -> bool {
        matches!(self, Self::Engine { source, .. } if super::is_busy(source))
    }

    /// Whether this is a refusal by the data's rules rather than a failure
    /// of storage.
    pub fn is_refusal(&self) -> bool {
        matches!(self, Self::NotFound(_) | Self::Conflict { .. } | Self::Forbidden(_) | Self::Invalid(_))
    }

    /// The same error, saying what was being done when it happened.
    /// Refusals are the caller's and keep their own words.
    pub fn context(self, what: impl fmt::Display) -> Self {
        match self {
            Self::Engine { what: None, source } => Self::Engine { what: Some(what.to_string()), source },
            Self::Engine { what: Some(inner), source } => {
                Self::Engine { what: Some(format!("{what}: {inner}")), source }
            }
            Self::Corrupt(m) => Self::Corrupt(format!("{what}: {m}")),
            Self::Setup(m) => Self::Setup(format!("{what}: {m}")),
            Self::Other(m) => Self::Other(format!("{what}: {m}")),
            other => other,
        }
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Engine { what: Some(what), source } => write!(f, "{what}: {source}"),
            Self::Engine { what: None, source } => write!(f, "{source}"),
            Self::Migrate(e) => write!(f, "running migrations: {e}"),
            Self::Corrupt(m) => write!(f, "stored data: {m}"),
            Self::Setup(m) | Self::Other(m) | Self::NotFound(m) | Self::Forbidden(m) => f.write_str(m),
            Self::Conflict { code, message } => write!(f, "{code}: {message}"),
            Self::Invalid(fields) => {
                write!(f, "invalid:")?;
                for e in fields {
                    write!(f, " {}: {};", e.field, e.message)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for DbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Engine { source, .. } => Some(source),
            Self::Migrate(e) => Some(e),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for DbError {
    fn from(source: sqlx::Error) -> Self {
        Self::Engine { what: None, source }
    }
}

impl From<sqlx::migrate::MigrateError> for DbError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self::Migrate(e)
    }
}

/// A file the database work needs (a directory to create, a path).
impl From<std::io::Error> for DbError {
    fn from(e: std::io::Error) -> Self {
        Self::Setup(e.to_string())
    }
}

/// A stored body that does not decode (or a value that does not encode).
impl From<serde_json::Error> for DbError {
    fn from(e: serde_json::Error) -> Self {
        Self::Corrupt(e.to_string())
    }
}

/// A stored number out of range or unreadable, a stored period that is not
/// one: what is stored breaks the invariants.
macro_rules! stored_value_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for DbError {
            fn from(e: $t) -> Self {
                Self::Corrupt(e.to_string())
            }
        }
    )*};
}
stored_value_errors!(std::num::TryFromIntError, std::num::ParseFloatError, sothon_domain::period::PeriodError);

/// `.context(…)` / `.with_context(|| …)` on storage results, as anyhow has
/// them, keeping the error's kind: an engine error stays one (and stays
/// [`DbError::is_busy`]); on an `Option`, `None` is stored data missing
/// what it must hold ([`DbError::Corrupt`]).
pub trait Context<T> {
    fn context(self, what: impl fmt::Display) -> DbResult<T>;
    fn with_context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> DbResult<T>;
}

impl<T, E: Into<DbError>> Context<T> for Result<T, E> {
    fn context(self, what: impl fmt::Display) -> DbResult<T> {
        self.map_err(|e| e.into().context(what))
    }
    fn with_context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> DbResult<T> {
        self.map_err(|e| e.into().context(what()))
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, what: impl fmt::Display) -> DbResult<T> {
        self.ok_or_else(|| DbError::Corrupt(what.to_string()))
    }
    fn with_context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> DbResult<T> {
        self.ok_or_else(|| DbError::Corrupt(what().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_keeps_the_kind_and_adds_the_words() {
        let e: DbResult<()> = Err(sqlx::Error::RowNotFound).context("reading a record");
        let e = e.unwrap_err();
        assert!(matches!(e, DbError::Engine { .. }));
        assert_eq!(e.to_string(), format!("reading a record: {}", sqlx::Error::RowNotFound));
        assert!(!e.is_busy() && !e.is_refusal());

        let e = DbError::conflict("stale", "đã đổi").context("reviewing");
        assert_eq!(e.to_string(), "stale: đã đổi", "a refusal keeps its own words");
        assert!(e.is_refusal());

        let e: DbResult<i32> = None.context("record r1 has state zzz");
        assert!(matches!(e, Err(DbError::Corrupt(m)) if m == "record r1 has state zzz"));
    }

    #[test]
    fn a_bad_stored_body_is_corrupt_data() {
        let e: DbResult<i32> = serde_json::from_str::<i32>("{").with_context(|| "record r1 body");
        assert!(matches!(e, Err(DbError::Corrupt(m)) if m.starts_with("record r1 body: ")));
    }
}
