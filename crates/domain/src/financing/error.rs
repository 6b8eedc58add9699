//! Structured validation errors: the API turns them into a problem response field by field.

use serde::Serialize;

/// Stable error codes; clients branch on these, so never rename one.
pub mod code {
    /// A number outside its allowed range, or inconsistent with another field.
    pub const OUT_OF_RANGE: &str = "out_of_range";
    /// A field that must be given for this combination of inputs.
    pub const REQUIRED: &str = "required";
    /// A field (or value) that is not allowed for this combination of inputs.
    pub const NOT_ALLOWED: &str = "not_allowed";
    /// A rate with more than four decimal places.
    pub const TOO_MANY_DECIMALS: &str = "too_many_decimals";
    /// Two fields of which at most one may be given.
    pub const EXCLUSIVE: &str = "exclusive";
    /// A list that must be in ascending order.
    pub const NOT_SORTED: &str = "not_sorted";
    /// A list entry that appears twice.
    pub const DUPLICATE: &str = "duplicate";
}

/// One rejected input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The snake_case request field, prefixed for nested input (`plans[2].term_months`).
    pub field: String,
    /// One of [`code`].
    pub code: &'static str,
    /// English explanation for humans.
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }

    pub(crate) fn prefixed(mut self, prefix: &str) -> Self {
        self.field = format!("{prefix}{}", self.field);
        self
    }
}

/// Why a financing calculation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FinancingError {
    /// The input was rejected; every problem found is listed, not just the first.
    #[error("invalid financing input: {}", summary(.0))]
    Invalid(Vec<FieldError>),
}

impl FinancingError {
    /// The individual field errors.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Invalid(errors) => errors,
        }
    }

    pub(crate) fn one(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self::Invalid(vec![FieldError::new(field, code, message)])
    }
}

impl From<Vec<FieldError>> for FinancingError {
    fn from(errors: Vec<FieldError>) -> Self {
        Self::Invalid(errors)
    }
}

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}
