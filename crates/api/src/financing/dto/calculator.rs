//! The calculators' wire types. Rates are JSON numbers with up to 4 decimals, read exactly.
//! The loan limits (amounts, terms, rates, the down payment, the balloon) are the domain's:
//! the calculator reports them field by field, the schema attributes state them.

use std::str::FromStr;

use autocrm_domain::financing::{self as fin, Affordability, Method};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::app::{FieldError, ServiceError, ServiceResult};
use crate::financing::service::calculator::{ComparedPlan, Comparison, PlanOption, Pricing};
use crate::financing::stored::{QuoteDto, example_loan, example_quote_of};
use crate::validate::schema::{TrimmedMax, UuidText};

/// The most plans one comparison prices.
pub const MAX_COMPARE_PLANS: usize = 20;

/// A JSON number read through its text, so 4.85 is exactly 4.85 and never 4.8499999….
pub fn decimal(field: &str, value: &serde_json::Number) -> Result<Decimal, FieldError> {
    let text = value.to_string();
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .map(|d| d.normalize())
        .map_err(|_| FieldError::new(field, "out_of_range", "not a representable decimal number"))
}

/// A rate in percent a year, 0 to the domain's highest (its decimals are the domain's to
/// check).
fn annual_rate(value: &serde_json::Number) -> Result<(), ValidationError> {
    in_range(value, fin::MAX_ANNUAL_RATE_PERCENT)
}

/// A percentage, 0 to 100.
fn percent(value: &serde_json::Number) -> Result<(), ValidationError> {
    in_range(value, Decimal::ONE_HUNDRED)
}

fn in_range(value: &serde_json::Number, max: Decimal) -> Result<(), ValidationError> {
    match decimal("", value) {
        Ok(d) if d >= Decimal::ZERO && d <= max => Ok(()),
        Ok(_) => Err(ValidationError::new("out_of_range")
            .with_message(format!("must be between 0 and {max}").into())),
        // Unreadable numbers are reported by the conversion, with their own message.
        Err(_) => Ok(()),
    }
}

/// The "exactly one of cents and percent" rule, with every field error at once. A
/// percentage that was given but could not be read is reported once, not also as missing.
pub fn down_payment(
    cents: Option<i64>,
    percent: Option<&serde_json::Number>,
) -> ServiceResult<fin::DownPayment> {
    let percent = percent
        .map(|p| decimal("down_payment_percent", p))
        .transpose()
        .map_err(|e| ServiceError::Invalid(vec![e]))?;
    fin::DownPayment::from_fields(cents, percent)
        .map_err(|e| ServiceError::invalid(&e.field, e.code, e.message))
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

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "vehicle_price_cents": 25000000, "down_payment_percent": 30, "term_months": 36,
    "annual_rate_percent": 4.85, "method": "equal_installment", "fees_cents": 200000,
    "fees_financed": false, "start_date": "2026-12-15"
}))]
pub struct CalculateRequest {
    /// > 0
    #[serde(deserialize_with = "crate::validate::integer")]
    #[validate(range(min = 1, max = "fin::MAX_AMOUNT_CENTS"))]
    #[schema(example = 25000000, minimum = 1, maximum = 10_000_000_000_000i64)]
    pub vehicle_price_cents: i64,
    /// Exactly one of this and `down_payment_percent`; at most the price.
    #[serde(default, deserialize_with = "crate::validate::optional_integer")]
    #[validate(range(min = 0, max = "fin::MAX_AMOUNT_CENTS"))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000i64)]
    pub down_payment_cents: Option<i64>,
    /// 0 to 100; exactly one of this and `down_payment_cents`.
    #[validate(custom(function = "percent"))]
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 100)]
    pub down_payment_percent: Option<serde_json::Number>,
    /// 1 to 120.
    #[serde(deserialize_with = "crate::validate::integer")]
    #[validate(range(min = 1, max = "fin::MAX_TERM_MONTHS"))]
    #[schema(example = 36, minimum = 1, maximum = 120)]
    pub term_months: u32,
    /// 0 to 36, at most 4 decimals.
    #[validate(custom(function = "annual_rate"))]
    #[schema(value_type = f64, example = 4.85, minimum = 0, maximum = 36, multiple_of = 0.0001)]
    pub annual_rate_percent: serde_json::Number,
    pub method: MethodDto,
    /// Only for `balloon`: less than the financed amount.
    #[serde(default, deserialize_with = "crate::validate::optional_integer")]
    #[validate(range(min = 1, max = "fin::MAX_AMOUNT_CENTS"))]
    #[schema(minimum = 1, maximum = 10_000_000_000_000i64)]
    pub balloon_cents: Option<i64>,
    /// Lender fees paid at signing; default 0.
    #[serde(default, deserialize_with = "crate::validate::integer")]
    #[validate(range(min = 0, max = "fin::MAX_AMOUNT_CENTS"))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000i64)]
    pub fees_cents: i64,
    /// True adds the fees to the financed amount; default false.
    #[serde(default)]
    pub fees_financed: bool,
    /// Period k is due k months after this date (month ends clamp). Default: today in the
    /// organisation's time zone.
    pub start_date: Option<NaiveDate>,
}

impl CalculateRequest {
    /// The loan to price; without `start_date`, the service starts it today.
    pub fn to_loan(&self) -> ServiceResult<fin::LoanRequest> {
        let rate = decimal("annual_rate_percent", &self.annual_rate_percent);
        let down = down_payment(self.down_payment_cents, self.down_payment_percent.as_ref());
        let (annual_rate_percent, down_payment) = match (rate, down) {
            (Ok(rate), Ok(down)) => (rate, down),
            (rate, down) => {
                let mut errors: Vec<FieldError> = rate.err().into_iter().collect();
                if let Err(ServiceError::Invalid(e)) = down {
                    errors.extend(e);
                }
                return Err(ServiceError::Invalid(errors));
            }
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
            start_date: self.start_date,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "monthly_budget_cents": 900000, "down_payment_cents": 4500000, "term_months": 12,
    "annual_rate_percent": 3.5, "method": "equal_installment", "start_date": "2026-12-15"
}))]
pub struct AffordabilityRequestDto {
    /// The most the customer wants to pay a month.
    #[serde(deserialize_with = "crate::validate::integer")]
    #[validate(range(min = 1, max = "fin::MAX_AMOUNT_CENTS"))]
    #[schema(minimum = 1, maximum = 10_000_000_000_000i64)]
    pub monthly_budget_cents: i64,
    #[serde(default, deserialize_with = "crate::validate::integer")]
    #[validate(range(min = 0, max = "fin::MAX_AMOUNT_CENTS"))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000i64)]
    pub down_payment_cents: i64,
    /// 1 to 120.
    #[serde(deserialize_with = "crate::validate::integer")]
    #[validate(range(min = 1, max = "fin::MAX_TERM_MONTHS"))]
    #[schema(minimum = 1, maximum = 120)]
    pub term_months: u32,
    /// 0 to 36, at most 4 decimals.
    #[validate(custom(function = "annual_rate"))]
    #[schema(value_type = f64, example = 4.85, minimum = 0, maximum = 36, multiple_of = 0.0001)]
    pub annual_rate_percent: serde_json::Number,
    pub method: MethodDto,
    /// Only for `balloon`.
    #[serde(default, deserialize_with = "crate::validate::optional_integer")]
    #[validate(range(min = 1, max = "fin::MAX_AMOUNT_CENTS"))]
    #[schema(minimum = 1, maximum = 10_000_000_000_000i64)]
    pub balloon_cents: Option<i64>,
    /// Fixed lender fees; financed ones come out of the budget.
    #[serde(default, deserialize_with = "crate::validate::integer")]
    #[validate(range(min = 0, max = "fin::MAX_AMOUNT_CENTS"))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000i64)]
    pub fees_cents: i64,
    #[serde(default)]
    pub fees_financed: bool,
    pub start_date: Option<NaiveDate>,
}

impl AffordabilityRequestDto {
    /// The question to answer; without `start_date`, the service starts the plan today.
    pub fn to_request(&self) -> ServiceResult<fin::AffordabilityRequest> {
        let rate = decimal("annual_rate_percent", &self.annual_rate_percent)
            .map_err(|e| ServiceError::Invalid(vec![e]))?;
        Ok(fin::AffordabilityRequest {
            monthly_budget_cents: self.monthly_budget_cents,
            down_payment_cents: self.down_payment_cents,
            term_months: self.term_months,
            annual_rate_percent: rate,
            method: self.method.into(),
            balloon_cents: self.balloon_cents,
            fees_cents: self.fees_cents,
            fees_financed: self.fees_financed,
            start_date: self.start_date,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = AffordabilityResponse::example)]
pub struct AffordabilityResponse {
    /// The highest price whose regular payment fits the budget; one fen more would not.
    pub vehicle_price_cents: i64,
    pub plan: QuoteDto,
}

impl From<&Affordability> for AffordabilityResponse {
    fn from(a: &Affordability) -> Self {
        Self {
            vehicle_price_cents: a.max_vehicle_price_cents,
            plan: QuoteDto::from(&a.quote),
        }
    }
}

impl AffordabilityResponse {
    /// What 9,000 CNY a month buys with 45,000 CNY down over 12 months at 3.5 %.
    fn example() -> serde_json::Value {
        let request = fin::AffordabilityRequest {
            monthly_budget_cents: 900_000,
            down_payment_cents: 4_500_000,
            term_months: 12,
            annual_rate_percent: Decimal::new(35, 1),
            method: Method::EqualInstallment,
            balloon_cents: None,
            fees_cents: 0,
            fees_financed: false,
            start_date: NaiveDate::from_ymd_opt(2026, 12, 15),
        };
        fin::affordability(&request)
            .ok()
            .and_then(|a| serde_json::to_value(Self::from(&a)).ok())
            .unwrap_or_default()
    }
}

/// A label is at most 100 characters once trimmed.
fn label_rule(value: &str) -> Result<(), ValidationError> {
    if value.trim().chars().count() > 100 {
        return Err(
            ValidationError::new("too_long").with_message("must be at most 100 characters".into())
        );
    }
    Ok(())
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"label": "建行 3.5% 12期", "term_months": 12, "method": "equal_installment", "annual_rate_percent": 3.5}))]
pub struct ComparePlan {
    /// Shown back in the answer; defaults to the product name or "plan N". At most 100
    /// characters once trimmed.
    #[validate(custom(function = "label_rule"))]
    #[schema(value_type = Option<TrimmedMax<100>>, inline)]
    pub label: Option<String>,
    /// Price the plan with this finance product's rate, fees and limits.
    #[schema(value_type = Option<UuidText>, inline)]
    pub product_id: Option<String>,
    /// 1 to 120 (and within the product's maximum).
    #[serde(deserialize_with = "crate::validate::integer")]
    #[validate(range(min = 1, max = "fin::MAX_TERM_MONTHS"))]
    #[schema(minimum = 1, maximum = 120)]
    pub term_months: u32,
    pub method: MethodDto,
    /// Required for ad-hoc plans; ignored for products. 0 to 36, at most 4 decimals.
    #[validate(custom(function = "annual_rate"))]
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 36, multiple_of = 0.0001)]
    pub annual_rate_percent: Option<serde_json::Number>,
    #[serde(default, deserialize_with = "crate::validate::optional_integer")]
    #[validate(range(min = 1, max = "fin::MAX_AMOUNT_CENTS"))]
    #[schema(minimum = 1, maximum = 10_000_000_000_000i64)]
    pub balloon_cents: Option<i64>,
    /// Ad-hoc plans only.
    #[serde(default, deserialize_with = "crate::validate::integer")]
    #[validate(range(min = 0, max = "fin::MAX_AMOUNT_CENTS"))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000i64)]
    pub fees_cents: i64,
    #[serde(default)]
    pub fees_financed: bool,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "vehicle_price_cents": 15000000, "down_payment_percent": 30, "start_date": "2026-12-15",
    "plans": [
        {"product_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a30", "term_months": 12, "method": "equal_installment"},
        {"label": "建行 3.5% 12期", "term_months": 12, "method": "equal_installment", "annual_rate_percent": 3.5}
    ]
}))]
pub struct CompareRequest {
    #[serde(deserialize_with = "crate::validate::integer")]
    #[validate(range(min = 1, max = "fin::MAX_AMOUNT_CENTS"))]
    #[schema(minimum = 1, maximum = 10_000_000_000_000i64)]
    pub vehicle_price_cents: i64,
    /// Exactly one of this and `down_payment_percent`; at most the price.
    #[serde(default, deserialize_with = "crate::validate::optional_integer")]
    #[validate(range(min = 0, max = "fin::MAX_AMOUNT_CENTS"))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000i64)]
    pub down_payment_cents: Option<i64>,
    /// 0 to 100.
    #[validate(custom(function = "percent"))]
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 100)]
    pub down_payment_percent: Option<serde_json::Number>,
    pub start_date: Option<NaiveDate>,
    /// 1 to 20 plans.
    #[validate(
        length(
            min = 1,
            max = 20,
            code = "out_of_range",
            message = "give 1 to 20 plans"
        ),
        nested
    )]
    #[schema(min_items = 1, max_items = 20)]
    pub plans: Vec<ComparePlan>,
}

impl CompareRequest {
    /// The comparison to price: the down payment is read here (its errors come alone, as
    /// they concern every plan); each plan's own errors are reported together by the service.
    pub fn to_comparison(&self) -> ServiceResult<Comparison> {
        let down_payment =
            down_payment(self.down_payment_cents, self.down_payment_percent.as_ref())?;
        let plans = self
            .plans
            .iter()
            .enumerate()
            .map(|(i, plan)| {
                let pricing = match &plan.product_id {
                    Some(id) => Pricing::Product(id.clone()),
                    None => {
                        let field = format!("plans[{i}].annual_rate_percent");
                        let rate = match &plan.annual_rate_percent {
                            Some(rate) => decimal(&field, rate),
                            None => Err(FieldError::new(
                                field,
                                "required",
                                "ad-hoc plans need a rate",
                            )),
                        };
                        Pricing::AdHoc {
                            annual_rate_percent: rate,
                            fees_cents: plan.fees_cents,
                            fees_financed: plan.fees_financed,
                        }
                    }
                };
                PlanOption {
                    label: crate::validate::rules::trimmed(plan.label.as_deref()),
                    term_months: plan.term_months,
                    method: plan.method.into(),
                    balloon_cents: plan.balloon_cents,
                    pricing,
                }
            })
            .collect();
        Ok(Comparison {
            vehicle_price_cents: self.vehicle_price_cents,
            down_payment,
            start_date: self.start_date,
            plans,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = ComparedPlanDto::example)]
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

impl From<&ComparedPlan> for ComparedPlanDto {
    fn from(c: &ComparedPlan) -> Self {
        Self {
            label: c.label.clone(),
            index: c.index,
            product_id: c.product_id.clone(),
            total_cost_cents: c.total_cost_cents,
            subsidy_cents: c.subsidy_cents,
            plan: QuoteDto::from(&c.quote),
        }
    }
}

impl ComparedPlanDto {
    /// The ad-hoc plan of [`CompareResponse::example`].
    fn example() -> serde_json::Value {
        CompareResponse::example()["plans"][1].clone()
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = CompareResponse::example)]
pub struct CompareResponse {
    /// Cheapest first.
    pub plans: Vec<ComparedPlanDto>,
}

impl CompareResponse {
    /// The answer to [`CompareRequest`]'s example: a 12-month 0 % promotion (the dealer pays
    /// the lender's standard 3.5 %) against a bank's 3.5 %.
    fn example() -> serde_json::Value {
        let loan = example_loan();
        let promoted = fin::LoanRequest {
            annual_rate_percent: Decimal::ZERO,
            ..loan.clone()
        };
        let at_rate = |loan: &fin::LoanRequest| example_quote_of(loan);
        let promoted_quote = at_rate(&promoted);
        let bank_quote = at_rate(&loan);
        let interest = |q: &serde_json::Value| q["total_interest_cents"].as_i64().unwrap_or(0);
        serde_json::json!({"plans": [
            {
                "label": "12期免息", "index": 0,
                "product_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a30",
                "total_cost_cents": interest(&promoted_quote),
                "subsidy_cents": interest(&bank_quote),
                "plan": promoted_quote,
            },
            {
                "label": "建行 3.5% 12期", "index": 1, "product_id": null,
                "total_cost_cents": interest(&bank_quote),
                "subsidy_cents": 0,
                "plan": bank_quote,
            },
        ]})
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::validate::check;

    fn errors(result: ServiceResult<impl Sized>) -> Vec<(String, String)> {
        match result {
            Err(ServiceError::Invalid(errors)) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            Err(other) => panic!("expected field errors, got {other:?}"),
            Ok(_) => panic!("expected field errors, got a value"),
        }
    }

    fn pair(field: &str, code: &str) -> (String, String) {
        (field.to_owned(), code.to_owned())
    }

    fn calculate(changes: Value) -> CalculateRequest {
        let mut body = json!({"vehicle_price_cents": 10_000_000, "down_payment_cents": 0,
            "term_months": 36, "annual_rate_percent": 4.85, "method": "equal_installment"});
        for (k, v) in changes.as_object().unwrap() {
            body[k] = v.clone();
        }
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn rates_are_read_exactly_and_the_down_payment_once() {
        let loan = calculate(json!({})).to_loan().unwrap();
        assert_eq!(loan.annual_rate_percent, Decimal::new(485, 2));
        assert_eq!(loan.down_payment, fin::DownPayment::Cents(0));
        assert_eq!(loan.start_date, None, "the service starts it today");
        // An unreadable percentage is one error, not also a missing down payment.
        let request = calculate(json!({"down_payment_cents": null, "down_payment_percent": 1e-30}));
        assert_eq!(
            errors(request.to_loan()),
            [pair("down_payment_percent", "out_of_range")]
        );
        let request = calculate(json!({"down_payment_percent": 20, "annual_rate_percent": 1e-30}));
        assert_eq!(
            errors(request.to_loan()),
            [
                pair("annual_rate_percent", "out_of_range"),
                pair("down_payment_percent", "exclusive")
            ]
        );
        let request = calculate(json!({"down_payment_cents": null}));
        assert_eq!(
            errors(request.to_loan()),
            [pair("down_payment_cents", "required")]
        );
    }

    #[test]
    fn a_comparison_keeps_each_plans_rate_error_for_the_service() {
        let request: CompareRequest = serde_json::from_value(json!({
            "vehicle_price_cents": 15_000_000, "down_payment_percent": 30,
            "plans": [
                {"label": "  建行  ", "term_months": 12, "method": "equal_installment"},
                {"label": " ", "product_id": "not-a-uuid", "term_months": 12, "method": "balloon"},
                {"term_months": 24, "method": "flat_rate", "annual_rate_percent": 1e-30}
            ]
        }))
        .unwrap();
        let comparison = request.to_comparison().unwrap();
        assert_eq!(
            comparison.down_payment,
            fin::DownPayment::Percent(Decimal::from(30))
        );
        let [first, second, third] = &comparison.plans[..] else {
            panic!("three plans");
        };
        assert_eq!(first.label.as_deref(), Some("建行"));
        assert!(matches!(
            &first.pricing,
            Pricing::AdHoc { annual_rate_percent: Err(e), .. }
                if e.field == "plans[0].annual_rate_percent" && e.code == "required"
        ));
        assert_eq!(second.label, None);
        assert!(matches!(&second.pricing, Pricing::Product(id) if id == "not-a-uuid"));
        assert!(matches!(
            &third.pricing,
            Pricing::AdHoc { annual_rate_percent: Err(e), .. }
                if e.field == "plans[2].annual_rate_percent" && e.code == "out_of_range"
        ));
    }

    #[test]
    fn plans_are_counted_and_labels_measured_by_the_field_rules() {
        let plan =
            json!({"term_months": 12, "method": "equal_installment", "annual_rate_percent": 3.5});
        let request = |plans: Vec<Value>| -> CompareRequest {
            serde_json::from_value(
                json!({"vehicle_price_cents": 1, "down_payment_cents": 0, "plans": plans}),
            )
            .unwrap()
        };
        for count in [0, MAX_COMPARE_PLANS + 1] {
            assert_eq!(
                errors(check(&request(vec![plan.clone(); count]))),
                [pair("plans", "out_of_range")],
                "{count} plans"
            );
        }
        assert!(check(&request(vec![plan.clone(); MAX_COMPARE_PLANS])).is_ok());
        let mut long = plan.clone();
        long["label"] = json!(format!("  {}  ", "贷".repeat(100)));
        assert!(
            check(&request(vec![long.clone()])).is_ok(),
            "trimmed, 100 fit"
        );
        long["label"] = json!("贷".repeat(101));
        assert_eq!(
            errors(check(&request(vec![plan, long]))),
            [pair("plans[1].label", "too_long")]
        );
    }
}
