//! The one error type of the HTTP boundary. Each variant maps to one status
//! and one machine-readable `error` code; every error body has the
//! [`ApiError`] shape. Internal causes are logged, never sent.

use crate::db::DbError;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use sothon_domain::protocol::ApiError;
use sothon_domain::FieldError;

/// Everything a request can fail with.
#[derive(Debug)]
pub enum AppError {
    /// 400 `bad_json`: the body is not JSON, or not the expected shape.
    BadJson(String),
    /// 400 with its own code (`protocol`, `device`, `bad_request`, …).
    BadRequest { code: &'static str, message: String },
    /// 401 `unauthorized`: no token, an unknown one or an expired one.
    Unauthorized,
    /// 401 `bad_credentials`: wrong username or password at login.
    BadCredentials,
    /// 403 `forbidden`: logged in, but not allowed to touch this.
    Forbidden(String),
    /// 403 `password_change`: the admin reset the password; the person must
    /// set a new one (`POST /api/v1/password`) before anything else.
    PasswordChange,
    /// 403 `disabled`: the admin disabled the account (said only after the
    /// right password).
    Disabled,
    /// 404 `not_found`.
    NotFound(String),
    /// 405 `method_not_allowed`: the path exists, the method does not.
    MethodNotAllowed,
    /// 409 with its own code: `stale` (the record changed since the client
    /// read it), `duplicate` (the id or username is taken), `resolved` (the
    /// conflict was already settled), `conflict_pending`.
    Conflict { code: &'static str, message: String },
    /// 413 `too_large`: body over the limit, or too many mutations at once.
    TooLarge(String),
    /// 422 `invalid`: the data breaks the catalogue's rules; one entry per field.
    Invalid(Vec<FieldError>),
    /// 429 `too_many_requests`, with the seconds to wait.
    TooManyRequests { retry_after: u64 },
    /// 500 `internal`: logged in full, sent as a generic message.
    Internal(anyhow::Error),
    /// 503 `unavailable`, with the seconds to wait: the server is shutting
    /// down (or not ready); nothing was done, send again.
    Unavailable { retry_after: u64, message: String },
}

/// Handlers return this.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A 400 with a code of its own.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest { code, message: message.into() }
    }

    /// A 409 with a code of its own.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict { code, message: message.into() }
    }

    /// A 403 for an account whose role may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadJson(_) | Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized | Self::BadCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::PasswordChange | Self::Disabled => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn body(self) -> ApiError {
        let (error, message, fields) = match self {
            Self::BadJson(detail) => ("bad_json", format!("Dữ liệu gửi lên không hợp lệ: {detail}"), vec![]),
            Self::BadRequest { code, message } => (code, message, vec![]),
            Self::Unauthorized => ("unauthorized", "Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại".into(), vec![]),
            Self::BadCredentials => ("bad_credentials", "Sai tên đăng nhập hoặc mật khẩu".into(), vec![]),
            Self::Forbidden(m) => ("forbidden", m, vec![]),
            Self::PasswordChange => ("password_change", "Vui lòng đặt mật khẩu mới trước khi tiếp tục".into(), vec![]),
            Self::Disabled => ("disabled", "Tài khoản đã bị khóa, vui lòng liên hệ quản trị xã".into(), vec![]),
            Self::NotFound(m) => ("not_found", m, vec![]),
            Self::MethodNotAllowed => ("method_not_allowed", "Phương thức không được hỗ trợ".into(), vec![]),
            Self::Conflict { code, message } => (code, message, vec![]),
            Self::TooLarge(m) => ("too_large", m, vec![]),
            Self::Invalid(fields) => ("invalid", "Dữ liệu chưa hợp lệ, vui lòng kiểm tra lại".into(), fields),
            Self::TooManyRequests { retry_after } => ("too_many_requests", wait_message(retry_after), vec![]),
            Self::Internal(_) => ("internal", "Máy chủ gặp lỗi, vui lòng thử lại sau".into(), vec![]),
            Self::Unavailable { message, .. } => ("unavailable", message, vec![]),
        };
        ApiError { error: error.into(), message, fields }
    }
}

/// "Wait N seconds" or "wait N minutes", in Vietnamese: the delays grow
/// from one second to a quarter of an hour.
fn wait_message(secs: u64) -> String {
    if secs < 60 {
        format!("Thử quá nhiều lần, vui lòng đợi {} giây rồi thử lại", secs.max(1))
    } else {
        format!("Thử quá nhiều lần, vui lòng đợi {} phút rồi thử lại", secs.div_ceil(60))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let Self::Internal(e) = &self {
            tracing::error!("internal error: {e:#}");
        }
        let retry_after = match &self {
            Self::TooManyRequests { retry_after } | Self::Unavailable { retry_after, .. } => Some(*retry_after),
            _ => None,
        };
        let mut res = (status, axum::Json(self.body())).into_response();
        // An error is about one moment: never worth caching.
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(secs) = retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

/// The one place a storage error becomes an HTTP answer. A refusal by the
/// data's rules is said to the client as it is; a collision that outlasted
/// the retries ([`crate::db::retry`]) is a 503 the phone sends again (it
/// treats 503 as no signal, and the mutation ids keep that exactly-once);
/// anything else is a 500, logged in full.
impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound(m) => Self::NotFound(m),
            DbError::Conflict { code, message } => Self::Conflict { code, message },
            DbError::Forbidden(m) => Self::Forbidden(m),
            DbError::Invalid(fields) => Self::Invalid(fields),
            e if e.is_busy() => {
                tracing::warn!("still colliding after the retries: {e}");
                Self::Unavailable {
                    retry_after: 1, message: "Máy chủ đang bận, vui lòng gửi lại sau giây lát".into()
                }
            }
            e => Self::Internal(e.into()),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        Self::Internal(e)
    }
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return Self::TooLarge("Dữ liệu gửi lên quá lớn".into());
        }
        // Missing content type, syntax errors and wrong types alike: the
        // client sent something that is not the expected JSON.
        Self::BadJson(r.body_text())
    }
}

/// `axum::Json`, but a body that does not parse is a JSON [`AppError`] (400
/// `bad_json`, or 413) rather than axum's plain-text rejection.
///
/// Numbers are read as JSON (and JSON Schema, and so the OpenAPI document)
/// reads them: `971.0` is the integer 971, where serde alone refuses it for
/// an integer field. A body that fails only for that is read again with its
/// integral numbers written as integers; the usual body pays nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Self::Rejection::TooLarge("Dữ liệu gửi lên quá lớn".into())
            } else {
                Self::Rejection::BadJson(r.body_text())
            }
        })?;
        let again = Request::from_parts(parts, axum::body::Body::from(bytes.clone()));
        match axum::Json::<T>::from_request(again, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(JsonRejection::JsonDataError(e)) => match integral_as_integers(&bytes) {
                Some(fixed) => Ok(Self(axum::Json::<T>::from_bytes(&fixed)?.0)),
                None => Err(JsonRejection::JsonDataError(e).into()),
            },
            Err(r) => Err(r.into()),
        }
    }
}

/// The JSON text with every integral float (`971.0`, `1e3`, `-0.0`)
/// written as an integer, or `None` if it has none.
fn integral_as_integers(bytes: &[u8]) -> Option<Vec<u8>> {
    fn fix(v: &mut serde_json::Value) -> bool {
        use serde_json::Value;
        match v {
            Value::Number(n) if n.is_f64() => {
                let f = n.as_f64().unwrap_or(f64::NAN);
                // Beyond ±2^63 it stays a float, which no integer field takes.
                if f.fract() != 0.0 || f.abs() >= 9_223_372_036_854_775_808.0 {
                    return false;
                }
                *v = if f >= 0.0 { Value::from(f as u64) } else { Value::from(f as i64) };
                true
            }
            Value::Array(a) => a.iter_mut().fold(false, |changed, x| fix(x) | changed),
            Value::Object(o) => o.values_mut().fold(false, |changed, x| fix(x) | changed),
            _ => false,
        }
    }
    let mut v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    fix(&mut v).then(|| serde_json::to_vec(&v).ok()).flatten()
}

/// `axum::extract::Query`, with a JSON 400 when the query string is wrong.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|r: QueryRejection| AppError::bad_request("bad_request", r.body_text()))
    }
}

/// `axum::extract::Path`, with a JSON 400 when a path segment cannot be
/// decoded (bad percent-encoding, not UTF-8) rather than axum's plain text.
#[derive(Debug, Clone, Default)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|r: PathRejection| AppError::bad_request("bad_request", r.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::integral_as_integers;

    #[test]
    fn integral_floats_become_integers_and_nothing_else_changes() {
        let fixed = |s: &str| integral_as_integers(s.as_bytes()).map(|b| String::from_utf8(b).unwrap());
        assert_eq!(
            fixed(r#"{"rev":971.0,"a":[1e3,-2.0,0.5],"s":"1.0"}"#).as_deref(),
            Some(r#"{"a":[1000,-2,0.5],"rev":971,"s":"1.0"}"#)
        );
        assert_eq!(fixed(r#"{"rev":971,"x":0.5}"#), None, "nothing to change");
        assert_eq!(fixed(r#"{"big":1e300}"#), None, "too big for any integer field: stays a float");
        assert_eq!(fixed("not json"), None);
    }
}

#[cfg(test)]
mod db_errors {
    use super::AppError;
    use crate::db::DbError;
    use axum::http::StatusCode;
    use std::borrow::Cow;

    /// An engine error with a SQLSTATE of our choosing.
    #[derive(Debug)]
    struct Coded(&'static str);
    impl std::fmt::Display for Coded {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "sqlstate {}", self.0)
        }
    }
    impl std::error::Error for Coded {}
    impl sqlx::error::DatabaseError for Coded {
        fn message(&self) -> &str {
            "coded"
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(self.0.into())
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::Other
        }
    }
    fn engine(code: &'static str) -> DbError {
        DbError::from(sqlx::Error::Database(Box::new(Coded(code))))
    }
    fn status(e: DbError) -> StatusCode {
        AppError::from(e).status()
    }

    #[test]
    fn refusals_keep_their_status_and_failures_are_500() {
        assert_eq!(status(DbError::NotFound("x".into())), StatusCode::NOT_FOUND);
        assert_eq!(status(DbError::conflict("stale", "x")), StatusCode::CONFLICT);
        assert_eq!(status(DbError::forbidden("x")), StatusCode::FORBIDDEN);
        assert_eq!(status(DbError::Invalid(vec![])), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(status(DbError::corrupt("record r1 body")), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(status(engine("23505")), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(status(DbError::from(sqlx::Error::PoolTimedOut)), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn a_collision_that_outlasts_the_retries_is_a_503_to_send_again() {
        // PostgreSQL's serialization failure and deadlock, SQLite's busy (5) and locked (6, 262 = 6 | 1 << 8).
        for code in ["40001", "40P01", "5", "6", "262"] {
            let e = engine(code).context("pushing");
            assert!(e.is_busy(), "{code}");
            let app = AppError::from(e);
            assert_eq!(app.status(), StatusCode::SERVICE_UNAVAILABLE, "{code}");
            assert!(matches!(app, AppError::Unavailable { retry_after: 1, .. }));
        }
        assert!(!engine("23505").is_busy(), "a unique violation is not a collision");
    }

    #[tokio::test]
    async fn a_retried_transaction_is_counted_for_the_metrics() {
        let (retries, _) = crate::db::retry_counts();
        let mut tries = 0;
        let out = crate::db::retry(|| {
            tries += 1;
            let t = tries;
            async move {
                if t < 3 {
                    Err(engine("40001"))
                } else {
                    Ok(t)
                }
            }
        })
        .await
        .expect("the third try commits");
        assert_eq!(out, 3);
        // Other tests may retry at the same time: at least these two.
        assert!(crate::db::retry_counts().0 >= retries + 2);
    }
}
