//! argon2id password hashes.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::{ApiError, FieldError};

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

pub fn hash(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(ApiError::internal)?;
    let salt = SaltString::encode_b64(&salt).map_err(ApiError::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spends the time of a real check, so unknown logins are not faster than wrong passwords.
pub fn verify_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("dummy-password-for-timing").unwrap_or_default());
    let _ = verify(password, stored);
}

pub fn check_strength(field: &str, password: &str) -> Result<(), FieldError> {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return Err(FieldError::new(
            field,
            "too_short",
            format!("must be at least {MIN_LENGTH} characters"),
        ));
    }
    if len > MAX_LENGTH {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("must be at most {MAX_LENGTH} characters"),
        ));
    }
    let has_letter = password.chars().any(char::is_alphabetic);
    let has_digit = password.chars().any(|c| c.is_ascii_digit());
    if !has_letter || !has_digit {
        return Err(FieldError::new(
            field,
            "invalid_value",
            "must contain letters and digits",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let a = hash("s3cret-pass").unwrap();
        let b = hash("s3cret-pass").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify("s3cret-pass", &a));
        assert!(!verify("wrong-pass1", &a));
        assert!(!verify("s3cret-pass", "not a hash"));
    }

    #[test]
    fn strength() {
        assert!(check_strength("p", "short1").is_err());
        assert!(check_strength("p", "lettersonly").is_err());
        assert!(check_strength("p", "letters4nd").is_ok());
    }
}
