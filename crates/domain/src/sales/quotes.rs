//! Quotes: priced lines in integer fen whose total is their sum to the fen, the purchase tax
//! computed from the vehicle's net price, room for a financing plan, and the quote's lifecycle.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::purchase_tax::{PurchaseTax, PurchaseTaxRules, TaxedVehicle, purchase_tax};
use crate::financing::{LoanQuote, MAX_AMOUNT_CENTS, Method};
use crate::leads::{Invalid, IssueCode, Issues};

crate::text_enum! {
    pub enum QuoteLineKind {
        /// The car's price; exactly one per quote.
        VehiclePrice = "vehicle_price",
        /// Off the vehicle price, so off the purchase tax base too.
        Discount = "discount",
        Accessory = "accessory",
        Insurance = "insurance",
        ExtendedWarranty = "extended_warranty",
        /// Licence plate and registration fees (上牌费).
        RegistrationFee = "registration_fee",
        /// Computed, never entered.
        PurchaseTax = "purchase_tax",
        /// What the dealer pays for the customer's old car (置换), off the total.
        TradeInAllowance = "trade_in_allowance",
    }
}

impl QuoteLineKind {
    /// Lines that lower the total.
    pub fn is_deduction(self) -> bool {
        matches!(
            self,
            QuoteLineKind::Discount | QuoteLineKind::TradeInAllowance
        )
    }
}

/// Most lines in a quote.
pub const QUOTE_LINES_MAX: usize = 100;
/// Longest line label, in characters.
pub const QUOTE_LABEL_MAX: usize = 100;

/// A line as entered: the amount is never negative; deductions are subtracted by their kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteLineInput {
    pub kind: QuoteLineKind,
    /// What it is (`贴膜`, `三年延保`); without one, clients show the kind.
    #[serde(default)]
    pub label: Option<String>,
    pub amount_cents: i64,
}

/// A financing plan priced by [`crate::financing::calculate`], carried with the quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteFinancing {
    pub lender: Option<String>,
    pub method: Method,
    pub term_months: u32,
    pub annual_rate_percent: Decimal,
    pub loan: LoanQuote,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteInput {
    pub lines: Vec<QuoteLineInput>,
    pub vehicle: TaxedVehicle,
    /// The expected invoice date, which decides the purchase-tax rules.
    pub purchase_date: NaiveDate,
    pub financing: Option<QuoteFinancing>,
}

/// A priced line; deductions are negative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLine {
    pub kind: QuoteLineKind,
    pub label: Option<String>,
    pub amount_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteTotals {
    /// Vehicle price less discounts: the invoice price the purchase tax is computed on.
    pub vehicle_net_cents: i64,
    /// The sum of the lines of each kind present.
    pub by_kind: BTreeMap<QuoteLineKind, i64>,
    /// The sum of all lines (落地价 less the trade-in): what the customer pays.
    pub total_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedQuote {
    /// The entered lines in their order, then the purchase tax line.
    pub lines: Vec<QuoteLine>,
    pub totals: QuoteTotals,
    /// How the tax line was computed.
    pub purchase_tax: PurchaseTax,
    pub financing: Option<QuoteFinancing>,
}

/// Prices a quote, or lists every problem with its lines.
pub fn price_quote(input: &QuoteInput, rules: &PurchaseTaxRules) -> Result<PricedQuote, Invalid> {
    let mut issues = Issues::default();
    if input.lines.len() > QUOTE_LINES_MAX {
        issues.push(
            "lines",
            IssueCode::OutOfRange,
            format!("at most {QUOTE_LINES_MAX} lines"),
        );
    }
    let mut vehicle_prices = 0;
    for (i, line) in input.lines.iter().enumerate() {
        let at = |field: &str| format!("lines[{i}].{field}");
        issues.range(&at("amount_cents"), line.amount_cents, 0, MAX_AMOUNT_CENTS);
        if line
            .label
            .as_deref()
            .is_some_and(|l| l.chars().count() > QUOTE_LABEL_MAX)
        {
            issues.push(
                at("label"),
                IssueCode::TooLong,
                format!("must be at most {QUOTE_LABEL_MAX} characters"),
            );
        }
        match line.kind {
            QuoteLineKind::PurchaseTax => issues.push(
                at("kind"),
                IssueCode::NotAllowed,
                "the purchase tax is computed from the vehicle price",
            ),
            QuoteLineKind::VehiclePrice => {
                vehicle_prices += 1;
                if vehicle_prices > 1 {
                    issues.push(
                        at("kind"),
                        IssueCode::Duplicate,
                        "one vehicle price per quote",
                    );
                } else if line.amount_cents == 0 {
                    issues.push(
                        at("amount_cents"),
                        IssueCode::OutOfRange,
                        "must be positive",
                    );
                }
            }
            _ => {}
        }
    }
    if vehicle_prices == 0 {
        issues.push(
            "lines",
            IssueCode::Required,
            "a quote needs a vehicle price line",
        );
    }
    issues.finish()?;
    // Amounts are bounded by MAX_AMOUNT_CENTS and lines by QUOTE_LINES_MAX: no sum overflows.
    let sum = |kind: QuoteLineKind| -> i64 {
        input
            .lines
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| l.amount_cents)
            .sum()
    };
    let vehicle_net_cents = sum(QuoteLineKind::VehiclePrice) - sum(QuoteLineKind::Discount);
    if vehicle_net_cents < 0 {
        return Err(Invalid::one(
            "lines",
            IssueCode::OutOfRange,
            "discounts exceed the vehicle price",
        ));
    }
    let tax = purchase_tax(
        vehicle_net_cents,
        &input.vehicle,
        input.purchase_date,
        rules,
    )
    .map_err(|e| Invalid::one("lines", IssueCode::OutOfRange, e.to_string()))?;
    let mut lines: Vec<QuoteLine> = input
        .lines
        .iter()
        .map(|l| QuoteLine {
            kind: l.kind,
            label: l.label.clone(),
            amount_cents: if l.kind.is_deduction() {
                -l.amount_cents
            } else {
                l.amount_cents
            },
        })
        .collect();
    lines.push(QuoteLine {
        kind: QuoteLineKind::PurchaseTax,
        label: None,
        amount_cents: tax.payable_cents,
    });
    let mut by_kind = BTreeMap::new();
    for line in &lines {
        *by_kind.entry(line.kind).or_insert(0) += line.amount_cents;
    }
    let total_cents = lines.iter().map(|l| l.amount_cents).sum();
    if total_cents < 0 {
        return Err(Invalid::one(
            "lines",
            IssueCode::OutOfRange,
            "the trade-in allowance exceeds what the customer pays",
        ));
    }
    Ok(PricedQuote {
        lines,
        totals: QuoteTotals {
            vehicle_net_cents,
            by_kind,
            total_cents,
        },
        purchase_tax: tax,
        financing: input.financing.clone(),
    })
}

crate::text_enum! {
    pub enum QuoteStatus {
        Draft = "draft",
        Sent = "sent",
        Accepted = "accepted",
        /// The customer turned it down, with a reason (客户拒绝报价).
        Declined = "declined",
        Expired = "expired",
        /// A newer version replaced it; the quote itself is never changed.
        Superseded = "superseded",
    }
}

/// An organisation's quote settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuoteConfig {
    /// A sent quote holds for this many days.
    pub validity_days: u32,
}

impl Default for QuoteConfig {
    fn default() -> Self {
        QuoteConfig { validity_days: 7 }
    }
}

impl QuoteConfig {
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut issues = Issues::default();
        issues.range("validity_days", self.validity_days, 1, 90);
        issues.finish()
    }
}

/// When a quote sent at `sent_at` expires.
pub fn expires_at(sent_at: DateTime<Utc>, config: &QuoteConfig) -> DateTime<Utc> {
    sent_at + TimeDelta::days(i64::from(config.validity_days))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum QuoteStatusError {
    #[error("a quote cannot go from {from} to {to}")]
    Illegal { from: QuoteStatus, to: QuoteStatus },
    #[error("the quote expired at {expires_at}")]
    Expired { expires_at: DateTime<Utc> },
    #[error("the quote is valid until {expires_at}")]
    NotExpired { expires_at: DateTime<Utc> },
}

impl QuoteStatus {
    /// The status as of `now`: a sent quote past its expiry reads as expired even before a job
    /// records it.
    pub fn at(self, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> QuoteStatus {
        match (self, expires_at) {
            (QuoteStatus::Sent, Some(expiry)) if now >= expiry => QuoteStatus::Expired,
            (status, _) => status,
        }
    }

    /// Draft → sent or superseded; sent → accepted or declined (before it expires), expired
    /// (once it has), or superseded. Accepted, declined, expired and superseded are final.
    pub fn transition(
        self,
        to: QuoteStatus,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<QuoteStatus, QuoteStatusError> {
        use QuoteStatus::*;
        let expired = expires_at.filter(|&expiry| now >= expiry);
        match (self, to) {
            (Draft, Sent | Superseded) | (Sent, Superseded) => Ok(to),
            (Sent, Accepted | Declined) => match expired {
                Some(expires_at) => Err(QuoteStatusError::Expired { expires_at }),
                None => Ok(to),
            },
            (Sent, Expired) => match (expired, expires_at) {
                (Some(_), _) => Ok(to),
                (None, Some(expires_at)) => Err(QuoteStatusError::NotExpired { expires_at }),
                (None, None) => Err(QuoteStatusError::Illegal { from: self, to }),
            },
            (from, to) => Err(QuoteStatusError::Illegal { from, to }),
        }
    }
}

#[cfg(test)]
mod tests;
