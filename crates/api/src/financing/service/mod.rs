//! Financing use cases. Each runs in the caller's unit of work; the arithmetic and the
//! rules (loan limits, product terms, the application process, who sees what) are the
//! domain's, these functions load and store around them.

pub mod applications;
pub mod calculator;
pub mod products;

use autocrm_domain::financing::FinancingError;
use chrono::NaiveDate;

use crate::app::{Ctx, FieldError, ServiceError, ServiceResult};

/// The domain's field errors, named as the request names them (relative to its root; see
/// [`ServiceError::prefixed`] for nested input).
pub fn domain_errors(err: FinancingError) -> ServiceError {
    ServiceError::Invalid(
        err.field_errors()
            .iter()
            .map(|e| FieldError::new(e.field.clone(), e.code, e.message.clone()))
            .collect(),
    )
}

/// A schedule starts on the date asked for, or today in the organisation's time zone.
fn start_date(ctx: &mut Ctx, asked: Option<NaiveDate>) -> ServiceResult<Option<NaiveDate>> {
    match asked {
        Some(date) => Ok(Some(date)),
        None => ctx.today().map(Some),
    }
}
