//! argon2id password hashes.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use validator::ValidationError;

use crate::app::ServiceError;
use crate::validate::schema::schema_marker;

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

/// Makes password hashes. Production uses argon2's recommended parameters (19 MiB, two
/// passes); tests may use cheap ones, which no configuration file or variable can select.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: Params,
}

impl PasswordHasher {
    pub fn production() -> Self {
        Self {
            params: Params::default(),
        }
    }

    /// Fast and weak: for test suites only.
    pub fn insecure_fast() -> Self {
        Self {
            params: Params::new(Params::MIN_M_COST, 1, 1, None).unwrap_or_default(),
        }
    }

    pub fn hash(&self, password: &str) -> Result<String, ServiceError> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(ServiceError::internal)?;
        let salt = SaltString::encode_b64(&salt).map_err(ServiceError::internal)?;
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(ServiceError::internal)
    }

    /// Spends the time of a real check, so unknown logins are not faster than wrong passwords.
    pub fn verify_dummy(&self, password: &str) {
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let stored =
            DUMMY.get_or_init(|| self.hash("dummy-password-for-timing").unwrap_or_default());
        let _ = verify(password, stored);
    }
}

/// Checks a password against a stored hash, with the parameters the hash records.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new password's rule: 8 to 128 characters, with letters and digits. For
/// `#[validate(custom(function = "..."))]`.
pub fn check_strength(password: &str) -> Result<(), ValidationError> {
    let fail = |code, message: String| Err(ValidationError::new(code).with_message(message.into()));
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return fail(
            "too_short",
            format!("must be at least {MIN_LENGTH} characters"),
        );
    }
    if len > MAX_LENGTH {
        return fail(
            "too_long",
            format!("must be at most {MAX_LENGTH} characters"),
        );
    }
    let has_letter = password.chars().any(char::is_alphabetic);
    let has_digit = password.chars().any(|c| c.is_ascii_digit());
    if !has_letter || !has_digit {
        return fail("invalid_value", "must contain letters and digits".into());
    }
    Ok(())
}

/// What [`check_strength`] accepts, as far as a schema can say it: 8 to 128 characters with
/// an ASCII digit (the letter it also needs is any Unicode letter, which a pattern cannot
/// name).
pub enum NewPassword {}
schema_marker!(
    NewPassword,
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .min_length(Some(MIN_LENGTH))
        .max_length(Some(MAX_LENGTH))
        .pattern(Some("[0-9]"))
        .build()
        .into()
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let hasher = PasswordHasher::insecure_fast();
        let a = hasher.hash("s3cret-pass").unwrap();
        let b = hasher.hash("s3cret-pass").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify("s3cret-pass", &a));
        assert!(!verify("wrong-pass1", &a));
        assert!(!verify("s3cret-pass", "not a hash"));
    }

    #[test]
    fn production_hashes_use_the_recommended_parameters() {
        let hash = PasswordHasher::production().hash("s3cret-pass").unwrap();
        // OWASP's argon2id minimum: 19 MiB, 2 passes, 1 lane.
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify("s3cret-pass", &hash));
    }

    #[test]
    fn strength() {
        assert_eq!(check_strength("short1").unwrap_err().code, "too_short");
        assert!(check_strength("lettersonly").is_err());
        assert!(check_strength("letters4nd").is_ok());
    }
}
