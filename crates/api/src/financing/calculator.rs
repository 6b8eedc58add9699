//! The calculators: one plan, affordability, and a side-by-side comparison.

use std::collections::HashMap;

use autocrm_domain::financing as fin;
use autocrm_persistence::DbConn;
use autocrm_persistence::models::FinanceProduct;
use chrono::NaiveDate;

use super::dto::*;
use super::products::{prefixed, stored_terms};
use crate::error::{ApiError, FieldError};

pub const MAX_COMPARE_PLANS: usize = 20;

pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

pub fn calculate(req: &CalculateRequest) -> Result<QuoteDto, ApiError> {
    let loan = req.to_domain(today())?;
    let quote = fin::calculate(&loan).map_err(domain_errors)?;
    Ok(QuoteDto::from(&quote))
}

pub fn affordability(req: &AffordabilityRequestDto) -> Result<AffordabilityResponse, ApiError> {
    let rate = decimal("annual_rate_percent", &req.annual_rate_percent)
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let result = fin::affordability(&fin::AffordabilityRequest {
        monthly_budget_cents: req.monthly_budget_cents,
        down_payment_cents: req.down_payment_cents,
        term_months: req.term_months,
        annual_rate_percent: rate,
        method: req.method.into(),
        balloon_cents: req.balloon_cents,
        fees_cents: req.fees_cents,
        fees_financed: req.fees_financed,
        start_date: Some(req.start_date.unwrap_or_else(today)),
    })
    .map_err(domain_errors)?;
    Ok(AffordabilityResponse {
        vehicle_price_cents: result.max_vehicle_price_cents,
        plan: QuoteDto::from(&result.quote),
    })
}

/// Prices every plan (products at their own rates and limits), cheapest credit first.
pub fn compare(
    conn: &mut DbConn,
    org_id: &str,
    req: &CompareRequest,
) -> Result<CompareResponse, ApiError> {
    let mut errors: Vec<FieldError> = Vec::new();
    if req.plans.is_empty() || req.plans.len() > MAX_COMPARE_PLANS {
        return Err(ApiError::invalid(
            "plans",
            "out_of_range",
            format!("give 1 to {MAX_COMPARE_PLANS} plans"),
        ));
    }
    let percent = match &req.down_payment_percent {
        Some(p) => decimal("down_payment_percent", p)
            .map_err(|e| errors.push(e))
            .ok(),
        None => None,
    };
    let down = down_payment(
        req.down_payment_cents,
        req.down_payment_percent.as_ref(),
        percent,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let Some(down) = down else {
        return Err(ApiError::internal("down payment missing after validation"));
    };
    let start = Some(req.start_date.unwrap_or_else(today));
    let mut loans = Vec::with_capacity(req.plans.len());
    let mut extras: HashMap<usize, (Option<String>, i64)> = HashMap::new();
    for (i, plan) in req.plans.iter().enumerate() {
        let field = |name: &str| format!("plans[{i}].{name}");
        let label_default;
        let loan = if let Some(product_id) = &plan.product_id {
            let product = uuid::Uuid::parse_str(product_id)
                .ok()
                .map(|id| FinanceProduct::find(conn, org_id, &id.to_string()))
                .transpose()?
                .flatten()
                .filter(|p| p.active);
            let Some(product) = product else {
                errors.push(FieldError::new(
                    field("product_id"),
                    "not_found",
                    "no such active finance product",
                ));
                continue;
            };
            let terms = stored_terms(&product)?;
            match terms.plan(
                req.vehicle_price_cents,
                down,
                plan.term_months,
                plan.method.into(),
                plan.balloon_cents,
                start,
            ) {
                Ok(planned) => {
                    extras.insert(i, (Some(product.id.clone()), planned.subsidy_cents));
                    label_default = product.name.clone();
                    fin::LoanRequest {
                        vehicle_price_cents: req.vehicle_price_cents,
                        down_payment: down,
                        term_months: plan.term_months,
                        annual_rate_percent: planned.customer.annual_rate_percent,
                        method: plan.method.into(),
                        balloon_cents: plan.balloon_cents,
                        fees_cents: terms.fees_cents,
                        fees_financed: terms.fees_financed,
                        start_date: start,
                    }
                }
                Err(e) => {
                    if let ApiError::Validation(errs) = prefixed(e, &format!("plans[{i}].")) {
                        errors.extend(errs);
                    }
                    continue;
                }
            }
        } else {
            let Some(rate) = &plan.annual_rate_percent else {
                errors.push(FieldError::new(
                    field("annual_rate_percent"),
                    "required",
                    "ad-hoc plans need a rate",
                ));
                continue;
            };
            let rate = match decimal(&field("annual_rate_percent"), rate) {
                Ok(r) => r,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            label_default = format!("plan {}", i + 1);
            fin::LoanRequest {
                vehicle_price_cents: req.vehicle_price_cents,
                down_payment: down,
                term_months: plan.term_months,
                annual_rate_percent: rate,
                method: plan.method.into(),
                balloon_cents: plan.balloon_cents,
                fees_cents: plan.fees_cents,
                fees_financed: plan.fees_financed,
                start_date: start,
            }
        };
        let label = plan
            .label
            .clone()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .unwrap_or(label_default);
        if label.chars().count() > 100 {
            errors.push(FieldError::new(
                field("label"),
                "too_long",
                "must be at most 100 characters",
            ));
        }
        loans.push((i, label, loan));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let (indices, plans): (Vec<usize>, Vec<(String, fin::LoanRequest)>) = loans
        .into_iter()
        .map(|(i, label, loan)| (i, (label, loan)))
        .unzip();
    let compared = fin::compare(&plans).map_err(domain_errors)?;
    Ok(CompareResponse {
        plans: compared
            .into_iter()
            .map(|c| {
                let original = indices[c.index];
                let (product_id, subsidy_cents) = extras.remove(&original).unwrap_or((None, 0));
                ComparedPlanDto {
                    label: c.label,
                    index: original,
                    product_id,
                    total_cost_cents: c.total_cost_cents,
                    subsidy_cents,
                    plan: QuoteDto::from(&c.quote),
                }
            })
            .collect(),
    })
}
