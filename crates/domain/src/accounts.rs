//! The admin's account work (edit, disable, re-enable, reset a password)
//! and the person's own password change, as they travel. The rules a phone
//! number must keep are here too, for the form and the server alike.

use crate::record::FieldError;
use serde::{Deserialize, Serialize};

/// `PUT /api/v1/users/{username}` body: the account's new details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditUserRequest {
    pub name: String,
    /// `village_head`, `digital_team`, `officer` or `admin`.
    pub role: String,
    /// Required for `village_head` and `digital_team`, refused for the others.
    #[serde(default)]
    pub village: Option<String>,
    /// For the reminder's `sms:` link; empty: none.
    #[serde(default)]
    pub phone: String,
}

/// `POST /api/v1/users/{username}/reset-password` body: a temporary
/// password the admin gives the person, who must replace it at next login.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResetPasswordRequest {
    pub password: String,
}

/// `POST /api/v1/password` body: the logged-in person's own change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PasswordRequest {
    pub current: String,
    pub new: String,
}

/// A phone number as stored: spaces, dots and dashes dropped; `+` and 9–15
/// digits. `Ok(None)` for an empty one.
pub fn clean_phone(raw: &str) -> Result<Option<String>, FieldError> {
    let s: String = raw.chars().filter(|c| !matches!(c, ' ' | '.' | '-')).collect();
    if s.is_empty() {
        return Ok(None);
    }
    let digits = s.strip_prefix('+').unwrap_or(&s);
    if (9..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(Some(s))
    } else {
        Err(FieldError::new("phone", "invalid", "Số điện thoại gồm 9–15 chữ số (có thể bắt đầu bằng +)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_cleaned_or_refused() {
        assert_eq!(clean_phone("0912 345 678"), Ok(Some("0912345678".into())));
        assert_eq!(clean_phone("+84.912-345-678"), Ok(Some("+84912345678".into())));
        assert_eq!(clean_phone("  "), Ok(None));
        assert_eq!(clean_phone("12345").unwrap_err().field, "phone");
        assert!(clean_phone("09123abc78").is_err());
        assert!(clean_phone("+").is_err());
    }
}
