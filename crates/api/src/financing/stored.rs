//! What an application keeps in its JSON columns: the quote and the document references, in
//! the very form the API answers with, so that a read gives back exactly what was quoted.
//! Both the wire types (`dto`) and the use cases (`service`) use these; they depend on
//! nothing else of the api crate.

use autocrm_domain::financing::{self as fin, DownPayment, Installment, LoanQuote, Method};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::validate::rules;
use crate::validate::schema::Text;

/// Decimal answers as JSON numbers; at most 4 decimals, so the float prints them exactly.
pub fn number(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = InstallmentDto::example)]
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

impl InstallmentDto {
    /// The first month of [`QuoteDto::example`].
    pub fn example() -> serde_json::Value {
        QuoteDto::example()["schedule"][0].clone()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = QuoteDto::example)]
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

/// The loan the examples of the financing schemas price: a 150,000 CNY car, 30 % down,
/// 12 months at 3.5 % (等额本息), the first payment a month after 15 December 2026.
pub fn example_loan() -> fin::LoanRequest {
    fin::LoanRequest {
        vehicle_price_cents: 15_000_000,
        down_payment: DownPayment::Percent(Decimal::from(30)),
        term_months: 12,
        annual_rate_percent: Decimal::new(35, 1),
        method: Method::EqualInstallment,
        balloon_cents: None,
        fees_cents: 0,
        fees_financed: false,
        start_date: NaiveDate::from_ymd_opt(2026, 12, 15),
    }
}

/// A quote as JSON, for schema examples: priced by the calculator itself, so that an example
/// can never disagree with the arithmetic.
pub fn example_quote_of(loan: &fin::LoanRequest) -> serde_json::Value {
    fin::calculate(loan)
        .ok()
        .and_then(|q| serde_json::to_value(QuoteDto::from(&q)).ok())
        .unwrap_or_default()
}

impl QuoteDto {
    /// The quote of [`example_loan`].
    pub fn example() -> serde_json::Value {
        example_quote_of(&example_loan())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "id_card", "name": "身份证.pdf", "uri": "s3://autocrm-docs/2026/12/id-card-li-na.pdf"}))]
pub struct DocumentRef {
    /// e.g. id_card, driving_licence, income_proof, bank_statement, contract.
    #[validate(length(max = 40), custom(function = "rules::text"))]
    #[schema(value_type = Text<40>, inline)]
    pub kind: String,
    #[validate(length(max = 200), custom(function = "rules::text"))]
    #[schema(value_type = Text<200>, inline)]
    pub name: String,
    /// Where the file lives (object storage key or URL).
    #[validate(length(max = 1000), custom(function = "rules::text"))]
    #[schema(value_type = Text<1000>, inline)]
    pub uri: String,
}

/// The most documents an application keeps.
pub const MAX_DOCUMENTS: usize = 50;
