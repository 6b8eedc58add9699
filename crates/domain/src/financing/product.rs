//! A lender's finance product: which plans it offers, at what rates, and what a dealer-funded
//! promotion (贴息) costs the dealer. Stored by the API as JSON.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::validate::{check_amount, check_rate};
use super::{
    DownPayment, FieldError, FinancingError, LoanQuote, LoanRequest, MAX_TERM_MONTHS, Method,
    calculate, code,
};

/// The standard rate for terms up to `max_term_months` (and above the previous band's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct RateBand {
    pub max_term_months: u32,
    pub annual_rate_percent: Decimal,
}

/// A subsidised rate: the customer pays `customer_annual_rate_percent` (often 0) and the dealer
/// pays the lender the interest difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Promotion {
    pub customer_annual_rate_percent: Decimal,
    /// Terms the promotion applies to (e.g. 12, 24, 36); other terms pay the standard rate.
    pub valid_terms_months: Vec<u32>,
}

/// One lender's product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ProductTerms {
    pub lender: String,
    pub allowed_methods: Vec<Method>,
    /// Ascending by `max_term_months`; the last band must reach `max_term_months`.
    pub rate_bands: Vec<RateBand>,
    pub min_down_payment_percent: Decimal,
    pub max_term_months: u32,
    pub fees_cents: i64,
    pub fees_financed: bool,
    /// Largest balloon as a percentage of the vehicle price; `None`: only the loan's own limit.
    pub max_balloon_percent: Option<Decimal>,
    pub promotion: Option<Promotion>,
}

/// Key numbers of a quote, for showing the standard plan beside the promoted one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct QuoteSummary {
    pub annual_rate_percent: Decimal,
    pub monthly_payment_cents: i64,
    pub total_interest_cents: i64,
    pub total_payment_cents: i64,
    pub apr_percent: Decimal,
    pub effective_annual_rate_percent: Decimal,
}

impl QuoteSummary {
    fn of(annual_rate_percent: Decimal, quote: &LoanQuote) -> Self {
        Self {
            annual_rate_percent,
            monthly_payment_cents: quote.monthly_payment_cents,
            total_interest_cents: quote.total_interest_cents,
            total_payment_cents: quote.total_payment_cents,
            apr_percent: quote.apr_percent,
            effective_annual_rate_percent: quote.effective_annual_rate_percent,
        }
    }
}

/// A plan under a product: what the customer pays, what it would cost at the standard rate, and
/// the dealer's subsidy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct PlannedLoan {
    pub lender: String,
    pub promotion_applied: bool,
    /// The plan at the rate the customer pays.
    pub quote: LoanQuote,
    pub customer: QuoteSummary,
    /// The same loan at the lender's standard band rate.
    pub standard: QuoteSummary,
    /// Standard-rate interest − customer-rate interest, paid by the dealer; 0 without promotion.
    pub subsidy_cents: i64,
}

impl ProductTerms {
    /// Checks the product's own consistency, so that `rate_for` and `plan` can rely on it.
    pub fn validate(&self) -> Result<(), FinancingError> {
        let mut errors = Vec::new();
        if self.lender.trim().is_empty() {
            errors.push(FieldError::new(
                "lender",
                code::REQUIRED,
                "must not be empty",
            ));
        }
        if self.allowed_methods.is_empty() {
            errors.push(FieldError::new(
                "allowed_methods",
                code::REQUIRED,
                "allow at least one method",
            ));
        }
        for (i, method) in self.allowed_methods.iter().enumerate() {
            if self.allowed_methods[..i].contains(method) {
                errors.push(FieldError::new(
                    format!("allowed_methods[{i}]"),
                    code::DUPLICATE,
                    format!("{} is listed twice", method.as_str()),
                ));
            }
        }
        let term_ok = (1..=MAX_TERM_MONTHS).contains(&self.max_term_months);
        if !term_ok {
            errors.push(FieldError::new(
                "max_term_months",
                code::OUT_OF_RANGE,
                format!("must be between 1 and {MAX_TERM_MONTHS}"),
            ));
        }
        self.validate_bands(term_ok, &mut errors);
        if self.min_down_payment_percent < Decimal::ZERO
            || self.min_down_payment_percent >= Decimal::ONE_HUNDRED
        {
            errors.push(FieldError::new(
                "min_down_payment_percent",
                code::OUT_OF_RANGE,
                "must be at least 0 and below 100",
            ));
        }
        check_amount("fees_cents", self.fees_cents, 0, &mut errors);
        if let Some(max) = self.max_balloon_percent
            && (max <= Decimal::ZERO || max >= Decimal::ONE_HUNDRED)
        {
            errors.push(FieldError::new(
                "max_balloon_percent",
                code::OUT_OF_RANGE,
                "must be above 0 and below 100",
            ));
        }
        if let Some(promotion) = &self.promotion {
            self.validate_promotion(promotion, &mut errors);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.into())
        }
    }

    fn validate_bands(&self, term_ok: bool, errors: &mut Vec<FieldError>) {
        if self.rate_bands.is_empty() {
            errors.push(FieldError::new(
                "rate_bands",
                code::REQUIRED,
                "give at least one rate band",
            ));
            return;
        }
        for (i, band) in self.rate_bands.iter().enumerate() {
            let field = format!("rate_bands[{i}].max_term_months");
            if !(1..=MAX_TERM_MONTHS).contains(&band.max_term_months) {
                errors.push(FieldError::new(
                    field,
                    code::OUT_OF_RANGE,
                    format!("must be between 1 and {MAX_TERM_MONTHS}"),
                ));
            } else if i > 0 && band.max_term_months <= self.rate_bands[i - 1].max_term_months {
                errors.push(FieldError::new(
                    field,
                    code::NOT_SORTED,
                    "bands must be in strictly ascending order of max_term_months",
                ));
            }
            check_rate(
                &format!("rate_bands[{i}].annual_rate_percent"),
                band.annual_rate_percent,
                errors,
            );
        }
        let covered = self.rate_bands.iter().map(|b| b.max_term_months).max();
        if term_ok && covered < Some(self.max_term_months) {
            errors.push(FieldError::new(
                "rate_bands",
                code::OUT_OF_RANGE,
                "the bands must cover every term up to max_term_months",
            ));
        }
    }

    fn validate_promotion(&self, promotion: &Promotion, errors: &mut Vec<FieldError>) {
        let rate_ok = check_rate(
            "promotion.customer_annual_rate_percent",
            promotion.customer_annual_rate_percent,
            errors,
        );
        if promotion.valid_terms_months.is_empty() {
            errors.push(FieldError::new(
                "promotion.valid_terms_months",
                code::REQUIRED,
                "list the terms the promotion applies to",
            ));
        }
        for (i, &term) in promotion.valid_terms_months.iter().enumerate() {
            let field = format!("promotion.valid_terms_months[{i}]");
            if term == 0 || term > self.max_term_months {
                errors.push(FieldError::new(
                    field,
                    code::OUT_OF_RANGE,
                    "must be between 1 and the product's max_term_months",
                ));
            } else if promotion.valid_terms_months[..i].contains(&term) {
                errors.push(FieldError::new(field, code::DUPLICATE, "listed twice"));
            } else if let Some(standard) = self.rate_for(term)
                && rate_ok
                && promotion.customer_annual_rate_percent > standard
            {
                errors.push(FieldError::new(
                    "promotion.customer_annual_rate_percent",
                    code::OUT_OF_RANGE,
                    format!("must not exceed the standard rate ({standard} %) for {term} months"),
                ));
            }
        }
    }

    /// The standard rate: the first band whose `max_term_months` reaches `term_months`.
    pub fn rate_for(&self, term_months: u32) -> Option<Decimal> {
        self.rate_bands
            .iter()
            .find(|band| band.max_term_months >= term_months)
            .map(|band| band.annual_rate_percent)
    }

    /// Prices a plan under this product at the customer's rate, with the dealer's subsidy.
    ///
    /// Reports the product's limits (method, term, minimum down payment, maximum balloon)
    /// together with the loan's own field errors.
    pub fn plan(
        &self,
        vehicle_price_cents: i64,
        down_payment: DownPayment,
        term_months: u32,
        method: Method,
        balloon_cents: Option<i64>,
        start_date: Option<NaiveDate>,
    ) -> Result<PlannedLoan, FinancingError> {
        self.validate()?;
        let mut errors = Vec::new();
        if !self.allowed_methods.contains(&method) {
            errors.push(FieldError::new(
                "method",
                code::NOT_ALLOWED,
                format!("{} does not offer {}", self.lender, method.as_str()),
            ));
        }
        if term_months > self.max_term_months {
            errors.push(FieldError::new(
                "term_months",
                code::OUT_OF_RANGE,
                format!(
                    "{} lends for at most {} months",
                    self.lender, self.max_term_months
                ),
            ));
        }
        let price = Decimal::from(vehicle_price_cents);
        let min_down = self.min_down_payment_percent;
        let (down_field, down_short) = match down_payment {
            DownPayment::Cents(c) => (
                "down_payment_cents",
                Decimal::from(c) * Decimal::ONE_HUNDRED < price * min_down,
            ),
            DownPayment::Percent(p) => ("down_payment_percent", p < min_down),
        };
        if down_short {
            errors.push(FieldError::new(
                down_field,
                code::OUT_OF_RANGE,
                format!("{} requires at least {min_down} % down", self.lender),
            ));
        }
        if let (Some(balloon), Some(max)) = (balloon_cents, self.max_balloon_percent)
            && Decimal::from(balloon) * Decimal::ONE_HUNDRED > price * max
        {
            errors.push(FieldError::new(
                "balloon_cents",
                code::OUT_OF_RANGE,
                format!(
                    "{} allows a balloon of at most {max} % of the price",
                    self.lender
                ),
            ));
        }

        // validate() guarantees a band up to max_term_months; longer terms are already refused.
        let standard_rate = self
            .rate_for(term_months)
            .or_else(|| self.rate_bands.last().map(|b| b.annual_rate_percent))
            .unwrap_or_default();
        let promotion = self
            .promotion
            .as_ref()
            .filter(|p| p.valid_terms_months.contains(&term_months));
        let customer_rate = promotion.map_or(standard_rate, |p| p.customer_annual_rate_percent);
        let request = |annual_rate_percent| LoanRequest {
            vehicle_price_cents,
            down_payment,
            term_months,
            annual_rate_percent,
            method,
            balloon_cents,
            fees_cents: self.fees_cents,
            fees_financed: self.fees_financed,
            start_date,
        };

        let quote = calculate(&request(customer_rate));
        let quote = match (quote, errors.is_empty()) {
            (Ok(quote), true) => quote,
            (result, _) => {
                // Add the loan's own errors, unless a product rule already explains that field.
                if let Err(e) = result {
                    for fe in e.field_errors() {
                        if !errors.iter().any(|known| known.field == fe.field) {
                            errors.push(fe.clone());
                        }
                    }
                }
                return Err(errors.into());
            }
        };
        let customer = QuoteSummary::of(customer_rate, &quote);
        let standard = if promotion.is_some() {
            QuoteSummary::of(standard_rate, &calculate(&request(standard_rate))?)
        } else {
            customer.clone()
        };
        // A lower rate never costs more interest; the clamp only guards fen-level rounding noise.
        let subsidy_cents = (standard.total_interest_cents - customer.total_interest_cents).max(0);
        Ok(PlannedLoan {
            lender: self.lender.clone(),
            promotion_applied: promotion.is_some(),
            quote,
            customer,
            standard,
            subsidy_cents,
        })
    }
}
