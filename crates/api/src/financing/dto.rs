//! Wire types for financing: rates are JSON numbers with up to 4 decimals, read exactly.

use std::str::FromStr;

use autocrm_domain::financing::{self as fin, Installment, LoanQuote, Method};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, FieldError};
use crate::validate::schema::{TrimmedMax, UuidText};

/// A JSON number read through its text, so 4.85 is exactly 4.85 and never 4.8499999….
pub fn decimal(field: &str, value: &serde_json::Number) -> Result<Decimal, FieldError> {
    let text = value.to_string();
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .map(|d| d.normalize())
        .map_err(|_| FieldError::new(field, "out_of_range", "not a representable decimal number"))
}

/// Decimal answers as JSON numbers; at most 4 decimals, so the float prints them exactly.
pub fn number(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

/// The "exactly one of cents and percent" rule. A percentage that was given but could not be
/// read has already been reported; it must not also count as missing.
pub fn down_payment(
    cents: Option<i64>,
    percent_given: Option<&serde_json::Number>,
    percent: Option<Decimal>,
    errors: &mut Vec<FieldError>,
) -> Option<fin::DownPayment> {
    if percent_given.is_some() && percent.is_none() {
        return None;
    }
    fin::DownPayment::from_fields(cents, percent)
        .map_err(|e| errors.push(FieldError::new(e.field, e.code, e.message)))
        .ok()
}

pub fn domain_errors(err: fin::FinancingError) -> ApiError {
    ApiError::Validation(
        err.field_errors()
            .iter()
            .map(|e| FieldError::new(e.field.clone(), e.code, e.message.clone()))
            .collect(),
    )
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MethodDto {
    /// 等额本息 (annuity)
    EqualInstallment,
    /// 等额本金
    EqualPrincipal,
    FlatRate,
    /// 尾款
    Balloon,
}

impl From<MethodDto> for Method {
    fn from(m: MethodDto) -> Self {
        match m {
            MethodDto::EqualInstallment => Method::EqualInstallment,
            MethodDto::EqualPrincipal => Method::EqualPrincipal,
            MethodDto::FlatRate => Method::FlatRate,
            MethodDto::Balloon => Method::Balloon,
        }
    }
}

impl From<Method> for MethodDto {
    fn from(m: Method) -> Self {
        match m {
            Method::EqualInstallment => MethodDto::EqualInstallment,
            Method::EqualPrincipal => MethodDto::EqualPrincipal,
            Method::FlatRate => MethodDto::FlatRate,
            Method::Balloon => MethodDto::Balloon,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalculateRequest {
    /// > 0
    #[serde(deserialize_with = "crate::validate::integer")]
    #[schema(example = 25000000, minimum = 1, maximum = 10_000_000_000_000i64)]
    pub vehicle_price_cents: i64,
    /// Exactly one of this and `down_payment_percent`; at most the price.
    #[serde(default, deserialize_with = "crate::validate::optional_integer")]
    #[schema(minimum = 0, maximum = 10_000_000_000_000i64)]
    pub down_payment_cents: Option<i64>,
    /// 0 to 100; exactly one of this and `down_payment_cents`.
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 100)]
    pub down_payment_percent: Option<serde_json::Number>,
    /// 1 to 120.
    #[serde(deserialize_with = "crate::validate::integer")]
    #[schema(example = 36, minimum = 1, maximum = 120)]
    pub term_months: u32,
    /// 0 to 36, at most 4 decimals.
    #[schema(value_type = f64, example = 4.85, minimum = 0, maximum = 36, multiple_of = 0.0001)]
    pub annual_rate_percent: serde_json::Number,
    pub method: MethodDto,
    /// Only for `balloon`: less than the financed amount.
    #[serde(default, deserialize_with = "crate::validate::optional_integer")]
    #[schema(minimum = 1, maximum = 10_000_000_000_000i64)]
    pub balloon_cents: Option<i64>,
    /// Lender fees paid at signing; default 0.
    #[serde(default, deserialize_with = "crate::validate::integer")]
    #[schema(minimum = 0, maximum = 10_000_000_000_000i64)]
    pub fees_cents: i64,
    /// True adds the fees to the financed amount; default false.
    #[serde(default)]
    pub fees_financed: bool,
    /// Period k is due k months after this date (month ends clamp). Default: today (UTC).
    pub start_date: Option<NaiveDate>,
}

impl CalculateRequest {
    pub fn to_domain(&self, today: NaiveDate) -> Result<fin::LoanRequest, ApiError> {
        let mut errors = Vec::new();
        let rate = decimal("annual_rate_percent", &self.annual_rate_percent)
            .map_err(|e| errors.push(e))
            .ok();
        let percent = match &self.down_payment_percent {
            Some(p) => decimal("down_payment_percent", p)
                .map_err(|e| errors.push(e))
                .ok(),
            None => None,
        };
        let down = down_payment(
            self.down_payment_cents,
            self.down_payment_percent.as_ref(),
            percent,
            &mut errors,
        );
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let (Some(annual_rate_percent), Some(down_payment)) = (rate, down) else {
            return Err(ApiError::internal(
                "financing fields missing after validation",
            ));
        };
        Ok(fin::LoanRequest {
            vehicle_price_cents: self.vehicle_price_cents,
            down_payment,
            term_months: self.term_months,
            annual_rate_percent,
            method: self.method.into(),
            balloon_cents: self.balloon_cents,
            fees_cents: self.fees_cents,
            fees_financed: self.fees_financed,
            start_date: Some(self.start_date.unwrap_or(today)),
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InstallmentDto {
    pub period: u32,
    pub due_date: Option<NaiveDate>,
    pub payment_cents: i64,
    pub principal_cents: i64,
    pub interest_cents: i64,
    /// Still owed after this period.
    pub balance_cents: i64,
}

impl From<&Installment> for InstallmentDto {
    fn from(i: &Installment) -> Self {
        Self {
            period: i.period,
            due_date: i.due_date,
            payment_cents: i.payment_cents,
            principal_cents: i.principal_cents,
            interest_cents: i.interest_cents,
            balance_cents: i.balance_cents,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuoteDto {
    pub down_payment_cents: i64,
    pub fees_cents: i64,
    /// Price − down payment (+ fees when financed).
    pub financed_amount_cents: i64,
    /// The regular payment (equal_principal: the first one).
    pub monthly_payment_cents: i64,
    pub total_interest_cents: i64,
    /// All scheduled payments, balloon included; down payment and fees excluded.
    pub total_payment_cents: i64,
    /// 12 × monthly IRR of the real cash flows (fees included), 4 decimals.
    pub apr_percent: f64,
    /// (1 + monthly IRR)^12 − 1, 4 decimals.
    pub effective_annual_rate_percent: f64,
    pub schedule: Vec<InstallmentDto>,
}

impl From<&LoanQuote> for QuoteDto {
    fn from(q: &LoanQuote) -> Self {
        Self {
            down_payment_cents: q.down_payment_cents,
            fees_cents: q.fees_cents,
            financed_amount_cents: q.financed_amount_cents,
            monthly_payment_cents: q.monthly_payment_cents,
            total_interest_cents: q.total_interest_cents,
            total_payment_cents: q.total_payment_cents,
            apr_percent: number(q.apr_percent),
            effective_annual_rate_percent: number(q.effective_annual_rate_percent),
            schedule: q.schedule.iter().map(InstallmentDto::from).collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AffordabilityRequestDto {
    /// The most the customer wants to pay a month.
    #[serde(deserialize_with = "crate::validate::integer")]
    #[schema(minimum = 1, maximum = 10_000_000_000_000i64)]
    pub monthly_budget_cents: i64,
    #[serde(default, deserialize_with = "crate::validate::integer")]
    #[schema(minimum = 0, maximum = 10_000_000_000_000i64)]
    pub down_payment_cents: i64,
    /// 1 to 120.
    #[serde(deserialize_with = "crate::validate::integer")]
    #[schema(minimum = 1, maximum = 120)]
    pub term_months: u32,
    /// 0 to 36, at most 4 decimals.
    #[schema(value_type = f64, example = 4.85, minimum = 0, maximum = 36, multiple_of = 0.0001)]
    pub annual_rate_percent: serde_json::Number,
    pub method: MethodDto,
    /// Only for `balloon`.
    #[serde(default, deserialize_with = "crate::validate::optional_integer")]
    #[schema(minimum = 1, maximum = 10_000_000_000_000i64)]
    pub balloon_cents: Option<i64>,
    /// Fixed lender fees; financed ones come out of the budget.
    #[serde(default, deserialize_with = "crate::validate::integer")]
    #[schema(minimum = 0, maximum = 10_000_000_000_000i64)]
    pub fees_cents: i64,
    #[serde(default)]
    pub fees_financed: bool,
    pub start_date: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AffordabilityResponse {
    /// The highest price whose regular payment fits the budget; one fen more would not.
    pub vehicle_price_cents: i64,
    pub plan: QuoteDto,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComparePlan {
    /// Shown back in the answer; defaults to the product name or "plan N". At most 100
    /// characters once trimmed.
    #[schema(value_type = Option<TrimmedMax<100>>, inline)]
    pub label: Option<String>,
    /// Price the plan with this finance product's rate, fees and limits.
    #[schema(value_type = Option<UuidText>, inline)]
    pub product_id: Option<String>,
    /// 1 to 120 (and within the product's maximum).
    #[serde(deserialize_with = "crate::validate::integer")]
    #[schema(minimum = 1, maximum = 120)]
    pub term_months: u32,
    pub method: MethodDto,
    /// Required for ad-hoc plans; ignored for products. 0 to 36, at most 4 decimals.
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 36, multiple_of = 0.0001)]
    pub annual_rate_percent: Option<serde_json::Number>,
    #[serde(default, deserialize_with = "crate::validate::optional_integer")]
    #[schema(minimum = 1, maximum = 10_000_000_000_000i64)]
    pub balloon_cents: Option<i64>,
    /// Ad-hoc plans only.
    #[serde(default, deserialize_with = "crate::validate::integer")]
    #[schema(minimum = 0, maximum = 10_000_000_000_000i64)]
    pub fees_cents: i64,
    #[serde(default)]
    pub fees_financed: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompareRequest {
    #[serde(deserialize_with = "crate::validate::integer")]
    #[schema(minimum = 1, maximum = 10_000_000_000_000i64)]
    pub vehicle_price_cents: i64,
    /// Exactly one of this and `down_payment_percent`; at most the price.
    #[serde(default, deserialize_with = "crate::validate::optional_integer")]
    #[schema(minimum = 0, maximum = 10_000_000_000_000i64)]
    pub down_payment_cents: Option<i64>,
    /// 0 to 100.
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 100)]
    pub down_payment_percent: Option<serde_json::Number>,
    pub start_date: Option<NaiveDate>,
    /// 1 to 20 plans.
    #[schema(min_items = 1, max_items = 20)]
    pub plans: Vec<ComparePlan>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComparedPlanDto {
    pub label: String,
    /// Position in the request's `plans`.
    pub index: usize,
    pub product_id: Option<String>,
    /// Total interest plus fees: what the credit costs.
    pub total_cost_cents: i64,
    /// Dealer subsidy (贴息) when a product's promotion applies.
    pub subsidy_cents: i64,
    pub plan: QuoteDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompareResponse {
    /// Cheapest first.
    pub plans: Vec<ComparedPlanDto>,
}
