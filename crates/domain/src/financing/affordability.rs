//! From a monthly budget to the highest vehicle price.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::schedule::Pricing;
use super::validate::{check_amount, check_balloon_presence, check_rate, check_term};
use super::{
    DownPayment, FinancingError, LoanQuote, LoanRequest, MAX_AMOUNT_CENTS, Method, calculate, code,
};

/// The loan terms held fixed while the price varies.
///
/// Fees are a fixed lender charge, independent of the price. When financed they are inside the
/// loan, so the budget has to carry them (the price found is lower by about the fees); when not
/// financed they are paid at signing and do not touch the monthly payment, but the price must
/// still leave an amount financed above them. The down payment and the balloon are fixed
/// amounts, not shares of the price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffordabilityRequest {
    /// The most the customer can pay per month.
    pub monthly_budget_cents: i64,
    pub down_payment_cents: i64,
    pub term_months: u32,
    pub annual_rate_percent: Decimal,
    pub method: Method,
    pub balloon_cents: Option<i64>,
    pub fees_cents: i64,
    pub fees_financed: bool,
    pub start_date: Option<NaiveDate>,
}

/// The most expensive car the budget allows, with the plan that pays for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Affordability {
    /// One fen more and the regular payment would exceed the budget.
    pub max_vehicle_price_cents: i64,
    pub quote: LoanQuote,
}

/// Finds the highest price whose regular payment (equal principal: the first, highest one) fits
/// the budget, exact to the fen.
///
/// The payment is monotone in the amount financed, so this is a binary search over integer fen
/// using only the payment formula; the full quote is built once, at the answer.
pub fn affordability(req: &AffordabilityRequest) -> Result<Affordability, FinancingError> {
    let mut errors = Vec::new();
    check_amount(
        "monthly_budget_cents",
        req.monthly_budget_cents,
        1,
        &mut errors,
    );
    check_amount("down_payment_cents", req.down_payment_cents, 0, &mut errors);
    check_term(req.term_months, &mut errors);
    check_rate("annual_rate_percent", req.annual_rate_percent, &mut errors);
    check_balloon_presence(req.method, req.balloon_cents, &mut errors);
    check_amount("fees_cents", req.fees_cents, 0, &mut errors);
    if !errors.is_empty() {
        return Err(errors.into());
    }

    let pricing = Pricing::new(req.term_months, req.annual_rate_percent);
    let balloon = req.balloon_cents.unwrap_or(0);
    let payment = |financed: i64| pricing.first_payment(req.method, financed, balloon);
    let fees_in_loan = if req.fees_financed { req.fees_cents } else { 0 };

    // In terms of the amount financed P (price = P − fees_in_loan + down): the loan must exceed
    // the fees (financed fees: price > down; fees at signing: price − down > fees) and the
    // balloon, and the price must stay within MAX_AMOUNT_CENTS.
    let lowest = req.fees_cents.max(balloon) + 1;
    let highest = MAX_AMOUNT_CENTS - req.down_payment_cents + fees_in_loan;
    if highest < lowest {
        return Err(FinancingError::one(
            "down_payment_cents",
            code::OUT_OF_RANGE,
            format!("leaves no room below the maximum price of {MAX_AMOUNT_CENTS} fen"),
        ));
    }
    if payment(lowest) > req.monthly_budget_cents {
        return Err(FinancingError::one(
            "monthly_budget_cents",
            code::OUT_OF_RANGE,
            format!(
                "too small: even the smallest possible loan under these terms costs {} fen a month",
                payment(lowest)
            ),
        ));
    }
    if payment(highest) <= req.monthly_budget_cents {
        return Err(FinancingError::one(
            "monthly_budget_cents",
            code::OUT_OF_RANGE,
            format!("too large: it affords more than the maximum price of {MAX_AMOUNT_CENTS} fen"),
        ));
    }
    // Invariant: payment(fits) <= budget < payment(exceeds).
    let (mut fits, mut exceeds) = (lowest, highest);
    while exceeds - fits > 1 {
        let mid = fits + (exceeds - fits) / 2;
        if payment(mid) <= req.monthly_budget_cents {
            fits = mid;
        } else {
            exceeds = mid;
        }
    }

    let price = fits - fees_in_loan + req.down_payment_cents;
    let quote = calculate(&LoanRequest {
        vehicle_price_cents: price,
        down_payment: DownPayment::Cents(req.down_payment_cents),
        term_months: req.term_months,
        annual_rate_percent: req.annual_rate_percent,
        method: req.method,
        balloon_cents: req.balloon_cents,
        fees_cents: req.fees_cents,
        fees_financed: req.fees_financed,
        start_date: req.start_date,
    })?;
    debug_assert_eq!(quote.monthly_payment_cents, payment(fits));
    Ok(Affordability {
        max_vehicle_price_cents: price,
        quote,
    })
}
