//! The calculators: one plan, affordability, and a side-by-side comparison of products and
//! ad-hoc rates. Nothing is written; comparing reads the organisation's products.

use std::collections::HashMap;

use autocrm_domain::financing::{
    self as fin, Affordability, AffordabilityRequest, DownPayment, LoanQuote, LoanRequest, Method,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::products::{active_product, stored_terms};
use super::{domain_errors, start_date};
use crate::app::{Ctx, FieldError, Invalid, ServiceResult};

/// Prices one plan; without a start date, the schedule starts today.
pub fn calculate(ctx: &mut Ctx, mut loan: LoanRequest) -> ServiceResult<LoanQuote> {
    loan.start_date = start_date(ctx, loan.start_date)?;
    fin::calculate(&loan).map_err(domain_errors)
}

/// The highest vehicle price a monthly budget pays for, with its plan.
pub fn affordability(
    ctx: &mut Ctx,
    mut request: AffordabilityRequest,
) -> ServiceResult<Affordability> {
    request.start_date = start_date(ctx, request.start_date)?;
    fin::affordability(&request).map_err(domain_errors)
}

/// One car and down payment, priced under several plans.
pub struct Comparison {
    pub vehicle_price_cents: i64,
    pub down_payment: DownPayment,
    pub start_date: Option<NaiveDate>,
    /// In the request's order: errors and answers name a plan by its position.
    pub plans: Vec<PlanOption>,
}

pub struct PlanOption {
    /// Trimmed and not blank; `None`: the product's name, or "plan N".
    pub label: Option<String>,
    pub term_months: u32,
    pub method: Method,
    pub balloon_cents: Option<i64>,
    pub pricing: Pricing,
}

/// What a plan is priced with.
pub enum Pricing {
    /// A finance product's rate, fees and limits: its id as sent (an id that names no active
    /// product of the organisation, well-formed or not, is `not_found`).
    Product(String),
    /// An ad-hoc rate, as read from the request: a missing or unreadable rate is that field's
    /// error, reported together with every other plan's.
    AdHoc {
        annual_rate_percent: Result<Decimal, FieldError>,
        fees_cents: i64,
        fees_financed: bool,
    },
}

/// One priced plan of a comparison.
pub struct ComparedPlan {
    pub label: String,
    /// Position in the comparison's `plans`.
    pub index: usize,
    pub product_id: Option<String>,
    /// Total interest plus fees: what the credit costs.
    pub total_cost_cents: i64,
    /// Dealer subsidy (贴息) when a product's promotion applies.
    pub subsidy_cents: i64,
    pub quote: LoanQuote,
}

/// Prices every plan (products at their own rates and limits), cheapest credit first. Every
/// plan's errors are reported at once, named `plans[i].field`.
pub fn compare(ctx: &mut Ctx, comparison: Comparison) -> ServiceResult<Vec<ComparedPlan>> {
    let start = start_date(ctx, comparison.start_date)?;
    let down = comparison.down_payment;
    let price = comparison.vehicle_price_cents;
    let mut invalid = Invalid::new();
    let mut loans = Vec::with_capacity(comparison.plans.len());
    let mut extras: HashMap<usize, (Option<String>, i64)> = HashMap::new();
    for (i, plan) in comparison.plans.into_iter().enumerate() {
        let field = |name: &str| format!("plans[{i}].{name}");
        let (default_label, loan) = match plan.pricing {
            Pricing::Product(product_id) => {
                let Some(product) = active_product(ctx, &product_id)? else {
                    invalid.add(
                        &field("product_id"),
                        "not_found",
                        "no such active finance product",
                    );
                    continue;
                };
                let terms = stored_terms(&product)?;
                let planned = match terms.plan(
                    price,
                    down,
                    plan.term_months,
                    plan.method,
                    plan.balloon_cents,
                    start,
                ) {
                    Ok(planned) => planned,
                    Err(e) => {
                        for error in e.field_errors() {
                            invalid.push(FieldError::new(
                                field(&error.field),
                                error.code,
                                error.message.clone(),
                            ));
                        }
                        continue;
                    }
                };
                extras.insert(i, (Some(product.id.clone()), planned.subsidy_cents));
                let loan = LoanRequest {
                    vehicle_price_cents: price,
                    down_payment: down,
                    term_months: plan.term_months,
                    annual_rate_percent: planned.customer.annual_rate_percent,
                    method: plan.method,
                    balloon_cents: plan.balloon_cents,
                    fees_cents: terms.fees_cents,
                    fees_financed: terms.fees_financed,
                    start_date: start,
                };
                (product.name, loan)
            }
            Pricing::AdHoc {
                annual_rate_percent,
                fees_cents,
                fees_financed,
            } => {
                let rate = match annual_rate_percent {
                    Ok(rate) => rate,
                    Err(error) => {
                        invalid.push(error);
                        continue;
                    }
                };
                let loan = LoanRequest {
                    vehicle_price_cents: price,
                    down_payment: down,
                    term_months: plan.term_months,
                    annual_rate_percent: rate,
                    method: plan.method,
                    balloon_cents: plan.balloon_cents,
                    fees_cents,
                    fees_financed,
                    start_date: start,
                };
                (format!("plan {}", i + 1), loan)
            }
        };
        loans.push((i, (plan.label.unwrap_or(default_label), loan)));
    }
    invalid.finish()?;
    let (indices, plans): (Vec<usize>, Vec<(String, LoanRequest)>) = loans.into_iter().unzip();
    let compared = fin::compare(&plans).map_err(domain_errors)?;
    Ok(compared
        .into_iter()
        .map(|c| {
            let index = indices[c.index];
            let (product_id, subsidy_cents) = extras.remove(&index).unwrap_or((None, 0));
            ComparedPlan {
                label: c.label,
                index,
                product_id,
                total_cost_cents: c.total_cost_cents,
                subsidy_cents,
                quote: c.quote,
            }
        })
        .collect())
}
