//! Input rules shared by every entry point. Each check pushes into a list so that one response
//! can report every problem at once.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use super::{
    DownPayment, FieldError, LoanRequest, MAX_AMOUNT_CENTS, MAX_ANNUAL_RATE_PERCENT,
    MAX_TERM_MONTHS, Method, calendar, code,
};

/// A request that passed validation, with the down payment resolved to fen.
#[derive(Debug, Clone)]
pub(crate) struct Loan {
    pub down_payment_cents: i64,
    pub financed_cents: i64,
    pub fees_cents: i64,
    pub term_months: u32,
    pub annual_rate_percent: Decimal,
    pub method: Method,
    /// 0 unless the method is balloon.
    pub balloon_cents: i64,
    pub start_date: Option<NaiveDate>,
}

impl Loan {
    /// What the customer actually gets at signing: fees come out of it either way.
    pub fn net_received_cents(&self) -> i64 {
        self.financed_cents - self.fees_cents
    }
}

pub(crate) fn validate(req: &LoanRequest) -> Result<Loan, Vec<FieldError>> {
    let mut errors = Vec::new();
    let price = req.vehicle_price_cents;
    let price_ok = check_amount("vehicle_price_cents", price, 1, &mut errors);
    let term_ok = check_term(req.term_months, &mut errors);
    check_rate("annual_rate_percent", req.annual_rate_percent, &mut errors);
    let fees_ok = check_amount("fees_cents", req.fees_cents, 0, &mut errors);
    let balloon_ok = check_balloon_presence(req.method, req.balloon_cents, &mut errors);
    let down = if price_ok {
        resolve_down_payment(price, req.down_payment, &mut errors)
    } else {
        None
    };
    if term_ok {
        check_start_date(req.start_date, req.term_months, &mut errors);
    }

    let mut financed = None;
    if let (Some(down), true) = (down, fees_ok) {
        let base = price - down;
        if !req.fees_financed && req.fees_cents >= base {
            errors.push(FieldError::new(
                "fees_cents",
                code::OUT_OF_RANGE,
                format!(
                    "fees paid at signing ({} fen) must be less than the amount financed ({base} fen)",
                    req.fees_cents
                ),
            ));
        } else {
            financed = Some(base + if req.fees_financed { req.fees_cents } else { 0 });
        }
    }
    if let (Some(financed), true, Some(balloon)) = (financed, balloon_ok, req.balloon_cents)
        && balloon >= financed
    {
        errors.push(FieldError::new(
            "balloon_cents",
            code::OUT_OF_RANGE,
            format!("the balloon must be less than the amount financed ({financed} fen)"),
        ));
    }

    match (errors.is_empty(), down, financed) {
        (true, Some(down), Some(financed)) => Ok(Loan {
            down_payment_cents: down,
            financed_cents: financed,
            fees_cents: req.fees_cents,
            term_months: req.term_months,
            annual_rate_percent: req.annual_rate_percent,
            method: req.method,
            balloon_cents: req.balloon_cents.unwrap_or(0),
            start_date: req.start_date,
        }),
        _ => Err(errors),
    }
}

/// `min ..= MAX_AMOUNT_CENTS`.
pub(crate) fn check_amount(
    field: &str,
    value: i64,
    min: i64,
    errors: &mut Vec<FieldError>,
) -> bool {
    if value < min {
        let what = if min > 0 { "positive" } else { "zero or more" };
        errors.push(FieldError::new(
            field,
            code::OUT_OF_RANGE,
            format!("must be {what}"),
        ));
        false
    } else if value > MAX_AMOUNT_CENTS {
        errors.push(FieldError::new(
            field,
            code::OUT_OF_RANGE,
            format!("must be at most {MAX_AMOUNT_CENTS} fen"),
        ));
        false
    } else {
        true
    }
}

pub(crate) fn check_term(term: u32, errors: &mut Vec<FieldError>) -> bool {
    let ok = (1..=MAX_TERM_MONTHS).contains(&term);
    if !ok {
        errors.push(FieldError::new(
            "term_months",
            code::OUT_OF_RANGE,
            format!("must be between 1 and {MAX_TERM_MONTHS} months"),
        ));
    }
    ok
}

/// 0 ..= 36 %, at most four decimals (so that the monthly rate is exactly rate / 1200).
pub(crate) fn check_rate(field: &str, rate: Decimal, errors: &mut Vec<FieldError>) -> bool {
    if rate < Decimal::ZERO || rate > MAX_ANNUAL_RATE_PERCENT {
        errors.push(FieldError::new(
            field,
            code::OUT_OF_RANGE,
            format!("must be between 0 and {MAX_ANNUAL_RATE_PERCENT} percent"),
        ));
        false
    } else if rate.normalize().scale() > 4 {
        errors.push(FieldError::new(
            field,
            code::TOO_MANY_DECIMALS,
            "must have at most 4 decimal places",
        ));
        false
    } else {
        true
    }
}

/// A balloon is required for the balloon method and refused for every other.
pub(crate) fn check_balloon_presence(
    method: Method,
    balloon: Option<i64>,
    errors: &mut Vec<FieldError>,
) -> bool {
    match (method, balloon) {
        (Method::Balloon, None) => {
            errors.push(FieldError::new(
                "balloon_cents",
                code::REQUIRED,
                "the balloon method needs balloon_cents",
            ));
            false
        }
        (Method::Balloon, Some(b)) => check_amount("balloon_cents", b, 1, errors),
        (other, Some(_)) => {
            errors.push(FieldError::new(
                "balloon_cents",
                code::NOT_ALLOWED,
                format!(
                    "balloon_cents is only for the balloon method, not {}",
                    other.as_str()
                ),
            ));
            false
        }
        (_, None) => true,
    }
}

/// The down payment in fen; it must leave something to finance.
fn resolve_down_payment(
    price: i64,
    down: DownPayment,
    errors: &mut Vec<FieldError>,
) -> Option<i64> {
    let (field, cents) = match down {
        DownPayment::Cents(c) => {
            if c < 0 || c > price {
                errors.push(FieldError::new(
                    "down_payment_cents",
                    code::OUT_OF_RANGE,
                    format!("must be between 0 and the vehicle price ({price} fen)"),
                ));
                return None;
            }
            ("down_payment_cents", c)
        }
        DownPayment::Percent(p) => {
            if p < Decimal::ZERO || p > Decimal::ONE_HUNDRED {
                errors.push(FieldError::new(
                    "down_payment_percent",
                    code::OUT_OF_RANGE,
                    "must be between 0 and 100",
                ));
                return None;
            }
            let cents = (Decimal::from(price) * p / Decimal::ONE_HUNDRED)
                .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
            ("down_payment_percent", to_fen(cents))
        }
    };
    if cents == price {
        errors.push(FieldError::new(
            field,
            code::OUT_OF_RANGE,
            "the down payment covers the whole price: there is nothing to finance",
        ));
        return None;
    }
    Some(cents)
}

/// The last due date must exist in the calendar (it does for any realistic start date).
fn check_start_date(start: Option<NaiveDate>, term: u32, errors: &mut Vec<FieldError>) {
    if let Some(start) = start
        && calendar::due_date(start, term).is_none()
    {
        errors.push(FieldError::new(
            "start_date",
            code::OUT_OF_RANGE,
            "the last due date falls outside the supported calendar",
        ));
    }
}

/// An already rounded, bounded Decimal to fen.
pub(crate) fn to_fen(rounded: Decimal) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    rounded
        .to_i64()
        .expect("amounts are bounded by MAX_AMOUNT_CENTS, far inside i64")
}
