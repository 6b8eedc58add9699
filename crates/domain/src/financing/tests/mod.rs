//! Financing tests. Known values were cross-checked against an independent Python
//! implementation of the spec (decimal module at 50 digits, IRR by bisection).

mod affordability;
mod compare;
mod dates;
mod known_values;
mod product;
mod properties;
mod reference;
mod serde_shape;
mod validation;

use rust_decimal::Decimal;

use super::*;

/// A request without dates, down payment in fen.
pub(super) fn req(price: i64, down: i64, term: u32, rate: Decimal, method: Method) -> LoanRequest {
    LoanRequest {
        vehicle_price_cents: price,
        down_payment: DownPayment::Cents(down),
        term_months: term,
        annual_rate_percent: rate,
        method,
        balloon_cents: None,
        fees_cents: 0,
        fees_financed: false,
        start_date: None,
    }
}

pub(super) fn balloon(price: i64, down: i64, term: u32, rate: Decimal, b: i64) -> LoanRequest {
    LoanRequest {
        balloon_cents: Some(b),
        ..req(price, down, term, rate, Method::Balloon)
    }
}

pub(super) fn with_fees(mut request: LoanRequest, fees: i64, financed: bool) -> LoanRequest {
    request.fees_cents = fees;
    request.fees_financed = financed;
    request
}

/// Asserts every schedule invariant and returns the quote.
pub(super) fn checked(request: &LoanRequest) -> LoanQuote {
    let q = calculate(request).unwrap_or_else(|e| panic!("{request:?}: {e}"));
    assert_invariants(&q);
    q
}

pub(super) fn assert_invariants(q: &LoanQuote) {
    let principal: i64 = q.schedule.iter().map(|r| r.principal_cents).sum();
    let interest: i64 = q.schedule.iter().map(|r| r.interest_cents).sum();
    let payments: i64 = q.schedule.iter().map(|r| r.payment_cents).sum();
    assert_eq!(
        principal, q.financed_amount_cents,
        "principal sums to financed"
    );
    assert_eq!(interest, q.total_interest_cents);
    assert_eq!(payments, q.total_payment_cents);
    assert_eq!(
        q.total_payment_cents,
        q.financed_amount_cents + q.total_interest_cents
    );
    assert_eq!(
        q.schedule.last().map(|r| r.balance_cents),
        Some(0),
        "final balance 0"
    );
    assert_eq!(q.monthly_payment_cents, q.schedule[0].payment_cents);
    let mut balance = q.financed_amount_cents;
    for (i, row) in q.schedule.iter().enumerate() {
        assert_eq!(row.period as usize, i + 1);
        assert!(
            row.principal_cents >= 0 && row.interest_cents >= 0,
            "{row:?}"
        );
        assert_eq!(row.payment_cents, row.principal_cents + row.interest_cents);
        balance -= row.principal_cents;
        assert_eq!(row.balance_cents, balance);
        assert!(balance >= 0);
    }
    assert!(q.apr_percent >= Decimal::ZERO && q.effective_annual_rate_percent >= Decimal::ZERO);
    assert_eq!(q.apr_percent.scale(), 4);
}

/// (field, code) pairs of an error, for compact assertions.
pub(super) fn fields(e: &FinancingError) -> Vec<(String, &'static str)> {
    e.field_errors()
        .iter()
        .map(|fe| (fe.field.clone(), fe.code))
        .collect()
}

pub(super) fn err_fields(request: &LoanRequest) -> Vec<(String, &'static str)> {
    fields(&calculate(request).expect_err("should be rejected"))
}
