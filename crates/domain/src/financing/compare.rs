//! Side-by-side comparison of alternative plans.

use serde::{Deserialize, Serialize};

use super::{FinancingError, LoanQuote, LoanRequest, calculate, code};

/// One priced plan in a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ComparedPlan {
    pub label: String,
    /// Position in the input, so the caller can map results back.
    pub index: usize,
    /// What the credit costs the customer: total interest + fees.
    pub total_cost_cents: i64,
    pub quote: LoanQuote,
}

/// Prices every plan and orders them cheapest credit first (ties keep input order).
///
/// Any invalid plan fails the whole comparison, with every plan's errors reported under
/// `plans[i].`-prefixed field names.
pub fn compare(plans: &[(String, LoanRequest)]) -> Result<Vec<ComparedPlan>, FinancingError> {
    if plans.is_empty() {
        return Err(FinancingError::one(
            "plans",
            code::REQUIRED,
            "give at least one plan to compare",
        ));
    }
    let mut errors = Vec::new();
    let mut compared = Vec::with_capacity(plans.len());
    for (index, (label, request)) in plans.iter().enumerate() {
        match calculate(request) {
            Ok(quote) => compared.push(ComparedPlan {
                label: label.clone(),
                index,
                total_cost_cents: quote.total_interest_cents + quote.fees_cents,
                quote,
            }),
            Err(e) => {
                let prefix = format!("plans[{index}].");
                errors.extend(
                    e.field_errors()
                        .iter()
                        .map(|fe| fe.clone().prefixed(&prefix)),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    compared.sort_by_key(|plan| plan.total_cost_cents);
    Ok(compared)
}
