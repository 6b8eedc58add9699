//! What a use case can answer besides success. Services speak this, never HTTP; the api
//! layer maps it to a problem document in one place (`error.rs`).

/// One invalid field of a command.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The request field, as written in the request (`phone`, `plans[1].term_months`).
    pub field: String,
    /// Stable machine code, e.g. `required`, `invalid_format`, `out_of_range`.
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// The same error under `prefix` (`plan.` + `term_months`).
    pub fn prefixed(mut self, prefix: &str) -> Self {
        self.field = format!("{prefix}{}", self.field);
        self
    }
}

/// Limits a caller can run into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Too many failed sign-ins.
    AccountLocked,
    /// A sign-in code was sent to this phone a moment ago, or too many today.
    SignInCodeThrottled,
    /// A user's daily cap of personal-data reveals.
    RevealDailyLimit,
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// The caller's token no longer stands (deactivated, demoted, revoked).
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("invalid credentials: {0}")]
    InvalidCredentials(String),
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// The record exists already; `existing_id` names it when the caller may know it.
    #[error("duplicate: {detail}")]
    Duplicate {
        detail: String,
        existing_id: Option<String>,
    },
    /// The record was merged into another one (a customer merge source): gone, with the
    /// record that took its place.
    #[error("merged into {survivor_id}")]
    Merged { survivor_id: String },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid transition: {0}")]
    InvalidTransition(String),
    /// `If-Match` named a version the record has left.
    #[error("stale version")]
    Stale { current_version: i64 },
    #[error("limited: {detail}")]
    Limited {
        limit: Limit,
        detail: String,
        retry_after_secs: u64,
    },
    #[error("service unavailable")]
    Unavailable,
    /// Logged where it was made; callers see only that it happened.
    #[error("internal error")]
    Internal,
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    /// Logs an unexpected failure in the current span and hides its cause.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        ServiceError::Internal
    }

    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        ServiceError::Invalid(vec![FieldError::new(field, code, message)])
    }

    pub fn duplicate(detail: impl Into<String>, existing_id: Option<String>) -> Self {
        ServiceError::Duplicate {
            detail: detail.into(),
            existing_id,
        }
    }

    /// The same validation errors under `prefix`; other errors unchanged.
    pub fn prefixed(self, prefix: &str) -> Self {
        match self {
            ServiceError::Invalid(errors) => {
                ServiceError::Invalid(errors.into_iter().map(|e| e.prefixed(prefix)).collect())
            }
            other => other,
        }
    }
}

impl From<diesel::result::Error> for ServiceError {
    /// A unique constraint that refuses a row is a duplicate (409), whoever forgot to check
    /// first; anything else from the database is unexpected.
    fn from(err: diesel::result::Error) -> Self {
        if autocrm_persistence::db::is_unique_violation(&err) {
            return ServiceError::duplicate("a record with these details already exists", None);
        }
        ServiceError::internal(format!("database: {err}"))
    }
}

/// The domain's field-by-field problems (settings of leads and sales, quotes): 422 with one
/// entry per field.
impl From<autocrm_domain::leads::Invalid> for ServiceError {
    fn from(invalid: autocrm_domain::leads::Invalid) -> Self {
        ServiceError::Invalid(
            invalid
                .issues
                .into_iter()
                .map(|i| FieldError::new(i.field, i.code.as_str(), i.message))
                .collect(),
        )
    }
}

impl From<crate::pii::PiiError> for ServiceError {
    fn from(err: crate::pii::PiiError) -> Self {
        ServiceError::internal(err)
    }
}

/// Collects every invalid field of a command before answering, so a caller fixes them all
/// at once.
#[derive(Debug, Default)]
pub struct Invalid(Vec<FieldError>);

impl Invalid {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn extend(&mut self, errors: impl IntoIterator<Item = FieldError>) {
        self.0.extend(errors);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was invalid.
    pub fn or<T>(self, value: T) -> ServiceResult<T> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(ServiceError::Invalid(self.0))
        }
    }

    pub fn finish(self) -> ServiceResult<()> {
        self.or(())
    }
}
