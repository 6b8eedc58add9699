//! Custom field rules for `#[validate(custom(function = "..."))]`. Each states what the
//! server accepts; `super::schema` states the same for the OpenAPI document. Texts are
//! trimmed when they are read into commands; lengths count the text as sent.

use autocrm_domain::contact::{Email, Phone};
use autocrm_domain::text_enum::TextEnum;
use validator::ValidationError;

fn fail(code: &'static str, message: impl Into<String>) -> ValidationError {
    ValidationError::new(code).with_message(message.into().into())
}

fn has_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
}

/// A required text: not blank, no control characters but tab and line feed.
pub fn text(value: &str) -> Result<(), ValidationError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(fail("required", "must not be empty"));
    }
    optional_text(trimmed)
}

/// An optional text (blank means absent): no control characters but tab and line feed.
pub fn optional_text(value: &str) -> Result<(), ValidationError> {
    if has_control(value.trim()) {
        return Err(fail(
            "invalid_format",
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// A phone number as `Phone::parse` reads it; blank means absent.
pub fn phone(value: &str) -> Result<(), ValidationError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(());
    }
    Phone::parse(value)
        .map(drop)
        .map_err(|e| fail("invalid_format", e.to_string()))
}

/// An email address as `Email::parse` reads it; blank means absent.
pub fn email(value: &str) -> Result<(), ValidationError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(());
    }
    Email::parse(value)
        .map(drop)
        .map_err(|e| fail("invalid_format", e.to_string()))
}

/// A required email address.
pub fn required_email(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(fail("required", "must not be empty"));
    }
    email(value)
}

/// A record id: a UUID, surrounding whitespace allowed.
pub fn id(value: &str) -> Result<(), ValidationError> {
    uuid::Uuid::parse_str(value.trim())
        .map(drop)
        .map_err(|_| fail("invalid_format", "must be a UUID"))
}

/// One of an enum's wire names, exactly.
pub fn one_of<E: TextEnum>(value: &str) -> Result<(), ValidationError> {
    one_of_names(value, E::NAMES)
}

/// One of `names`, exactly.
pub fn one_of_names(value: &str, names: &[&str]) -> Result<(), ValidationError> {
    if names.contains(&value) {
        Ok(())
    } else {
        Err(fail(
            "not_allowed",
            format!("must be one of: {}", names.join(", ")),
        ))
    }
}

/// A text that, trimmed, is blank (absent) or one of an enum's wire names.
pub fn blank_or_one_of<E: TextEnum>(value: &str) -> Result<(), ValidationError> {
    match value.trim() {
        "" => Ok(()),
        value => one_of::<E>(value),
    }
}

/// A merge-patch field the record always has: absent leaves it, `null` is refused.
/// (Declared as `Required<T>`, not `Option<Option<T>>`, so that validator hands this rule the
/// whole field rather than only a present value.)
pub fn present<T>(value: &Required<T>) -> Result<(), ValidationError> {
    match value {
        Some(None) => Err(fail("required", "must not be null")),
        _ => Ok(()),
    }
}

/// A patch field that may be absent but not `null`; see [`present`].
pub type Required<T> = Option<Option<T>>;

/// [`present`], and [`text`] on a present value.
pub fn present_text(value: &Required<String>) -> Result<(), ValidationError> {
    present(value)?;
    match value {
        Some(Some(text_value)) => text(text_value),
        _ => Ok(()),
    }
}

/// [`present`], and [`one_of`] on a present value.
pub fn present_one_of<E: TextEnum>(value: &Required<String>) -> Result<(), ValidationError> {
    present(value)?;
    match value {
        Some(Some(name)) => one_of::<E>(name),
        _ => Ok(()),
    }
}

/// The trimmed text, `None` when blank: how an optional text is read into a command.
pub fn trimmed(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// A normalised record id (after [`id`] accepted it).
pub fn normalised_id(value: &str) -> Option<String> {
    uuid::Uuid::parse_str(value.trim())
        .ok()
        .map(|id| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts() {
        assert!(text(" 张伟\t").is_ok());
        assert_eq!(text("  ").unwrap_err().code, "required");
        assert_eq!(text("a\u{0}b").unwrap_err().code, "invalid_format");
        assert!(optional_text("").is_ok());
        assert!(optional_text("两行\n文字").is_ok());
    }

    #[test]
    fn contacts_and_ids() {
        assert!(phone("+86 139-1234-5678").is_ok());
        assert!(phone("").is_ok());
        assert_eq!(phone("123").unwrap_err().code, "invalid_format");
        assert!(email("zhang.wei@example.com").is_ok());
        assert!(required_email(" ").is_err());
        assert!(id(" 0190a7c2-7f0e-7b3a-9f1e-123456789abc ").is_ok());
        assert!(id("42").is_err());
        assert_eq!(trimmed(Some("  ")), None);
        assert_eq!(trimmed(Some(" 上海 ")).as_deref(), Some("上海"));
    }
}
