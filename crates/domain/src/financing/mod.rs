//! Car-loan financing: repayment schedules, effective APR, affordability, plan comparison and
//! lender product terms (DESIGN.md §5 "Financing").
//!
//! Money is integer fen (`i64`); "round" means half-up to the fen. Quotients that can be exact
//! (interest per period, equal shares) are computed exactly on integers, the annuity payment in
//! `rust_decimal` (see `schedule.rs`). Only the IRR search behind the APR uses `f64`, for a rate,
//! never for money (see `apr.rs`).

mod affordability;
mod application;
mod apr;
mod calendar;
mod compare;
mod error;
mod product;
mod schedule;
mod validate;

#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use affordability::{Affordability, AffordabilityRequest, affordability};
pub use application::{ApplicationStatus, InvalidTransition, StepActor};
pub use compare::{ComparedPlan, compare};
pub use error::{FieldError, FinancingError, code};
pub use product::{PlannedLoan, ProductTerms, Promotion, QuoteSummary, RateBand};

/// Upper bound for prices, down payments, fees, balloons and budgets (100 billion CNY), so that
/// every intermediate sum stays far inside `i64` and `Decimal`.
pub const MAX_AMOUNT_CENTS: i64 = 10_000_000_000_000;
/// Longest loan term accepted.
pub const MAX_TERM_MONTHS: u32 = 120;
/// Highest nominal annual rate accepted, in percent.
pub const MAX_ANNUAL_RATE_PERCENT: Decimal = Decimal::from_parts(36, 0, 0, false, 0);

/// How the loan is repaid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// 等额本息: the same payment every month (annuity).
    EqualInstallment,
    /// 等额本金: the same principal every month, interest on the falling balance.
    EqualPrincipal,
    /// Interest on the original amount for the whole term, spread evenly.
    FlatRate,
    /// 尾款: annuity payments on the amount less a final lump sum.
    Balloon,
}

impl Method {
    /// The wire name, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EqualInstallment => "equal_installment",
            Self::EqualPrincipal => "equal_principal",
            Self::FlatRate => "flat_rate",
            Self::Balloon => "balloon",
        }
    }
}

/// The down payment, given either as an amount or as a share of the vehicle price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownPayment {
    /// `down_payment_cents`: 0 ..= price.
    Cents(i64),
    /// `down_payment_percent`: 0 ..= 100; the amount is price × percent / 100, rounded half-up.
    Percent(Decimal),
}

impl DownPayment {
    /// The API receives two optional fields; this applies the "exactly one" rule with the same
    /// field errors, so they can be merged with those of [`calculate`].
    pub fn from_fields(cents: Option<i64>, percent: Option<Decimal>) -> Result<Self, FieldError> {
        match (cents, percent) {
            (Some(c), None) => Ok(Self::Cents(c)),
            (None, Some(p)) => Ok(Self::Percent(p)),
            (Some(_), Some(_)) => Err(FieldError::new(
                "down_payment_percent",
                code::EXCLUSIVE,
                "give either down_payment_cents or down_payment_percent, not both",
            )),
            (None, None) => Err(FieldError::new(
                "down_payment_cents",
                code::REQUIRED,
                "give down_payment_cents or down_payment_percent",
            )),
        }
    }
}

/// A loan to price. Fields mirror the API request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanRequest {
    pub vehicle_price_cents: i64,
    pub down_payment: DownPayment,
    pub term_months: u32,
    /// Nominal annual rate in percent, at most four decimals (4.85 = 4.85 %/year).
    pub annual_rate_percent: Decimal,
    pub method: Method,
    /// The final lump sum; required for (and only for) [`Method::Balloon`].
    pub balloon_cents: Option<i64>,
    /// Lender fees due at signing.
    pub fees_cents: i64,
    /// `true`: the fees are added to the loan instead of paid out of pocket.
    pub fees_financed: bool,
    /// Period k falls due k months after this date (clamped to month end); `None`: no dates.
    pub start_date: Option<NaiveDate>,
}

/// One scheduled monthly payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Installment {
    /// 1-based.
    pub period: u32,
    pub due_date: Option<NaiveDate>,
    pub payment_cents: i64,
    pub principal_cents: i64,
    pub interest_cents: i64,
    /// Outstanding principal after this payment.
    pub balance_cents: i64,
}

/// The priced loan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct LoanQuote {
    /// The down payment in fen (resolved when it was given as a percentage).
    pub down_payment_cents: i64,
    pub fees_cents: i64,
    /// Price − down payment (+ fees when financed).
    pub financed_amount_cents: i64,
    /// The regular payment: the first one (equal principal: the highest); when the term is one
    /// month, the single payment.
    pub monthly_payment_cents: i64,
    pub total_interest_cents: i64,
    /// All scheduled payments, balloon included; down payment and fees excluded.
    pub total_payment_cents: i64,
    /// 12 × the monthly IRR of the customer's real cash flows (fees included), in percent,
    /// four decimals.
    pub apr_percent: Decimal,
    /// (1 + monthly IRR)^12 − 1, in percent, four decimals.
    pub effective_annual_rate_percent: Decimal,
    pub schedule: Vec<Installment>,
}

/// Prices one loan: full schedule, totals and the effective APR.
pub fn calculate(request: &LoanRequest) -> Result<LoanQuote, FinancingError> {
    let loan = validate::validate(request)?;
    quote(&loan)
}

/// Builds the quote of an already validated loan.
fn quote(loan: &validate::Loan) -> Result<LoanQuote, FinancingError> {
    let pricing = schedule::Pricing::new(loan.term_months, loan.annual_rate_percent);
    let schedule = schedule::build(loan, &pricing)?;
    let payments: Vec<i64> = schedule.iter().map(|row| row.payment_cents).collect();
    let rates = apr::rates(
        loan.net_received_cents(),
        &payments,
        pricing.monthly_rate_f64(),
    )
    .ok_or_else(|| {
        FinancingError::one(
            "fees_cents",
            code::OUT_OF_RANGE,
            "the fees are so large against the amount financed that the effective rate cannot be \
             represented",
        )
    })?;
    let total_interest_cents = schedule.iter().map(|row| row.interest_cents).sum();
    let total_payment_cents = payments.iter().sum();
    Ok(LoanQuote {
        down_payment_cents: loan.down_payment_cents,
        fees_cents: loan.fees_cents,
        financed_amount_cents: loan.financed_cents,
        monthly_payment_cents: schedule[0].payment_cents,
        total_interest_cents,
        total_payment_cents,
        apr_percent: rates.apr_percent,
        effective_annual_rate_percent: rates.effective_annual_rate_percent,
        schedule,
    })
}
