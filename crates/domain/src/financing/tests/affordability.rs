use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;

fn afford(
    budget: i64,
    down: i64,
    term: u32,
    rate: Decimal,
    method: Method,
) -> AffordabilityRequest {
    AffordabilityRequest {
        monthly_budget_cents: budget,
        down_payment_cents: down,
        term_months: term,
        annual_rate_percent: rate,
        method,
        balloon_cents: None,
        fees_cents: 0,
        fees_financed: false,
        start_date: None,
    }
}

/// The request that the answer's quote was built from, at another price.
fn at_price(a: &AffordabilityRequest, price: i64) -> LoanRequest {
    LoanRequest {
        vehicle_price_cents: price,
        down_payment: DownPayment::Cents(a.down_payment_cents),
        term_months: a.term_months,
        annual_rate_percent: a.annual_rate_percent,
        method: a.method,
        balloon_cents: a.balloon_cents,
        fees_cents: a.fees_cents,
        fees_financed: a.fees_financed,
        start_date: a.start_date,
    }
}

/// Asserts the answer is exact to the fen and returns the price.
pub(super) fn exact(a: &AffordabilityRequest) -> i64 {
    let found = affordability(a).unwrap_or_else(|e| panic!("{a:?}: {e}"));
    let price = found.max_vehicle_price_cents;
    assert_invariants(&found.quote);
    assert_eq!(found.quote, calculate(&at_price(a, price)).unwrap());
    assert!(found.quote.monthly_payment_cents <= a.monthly_budget_cents);
    // One fen more costs more than the budget (or, for a few fen over many months, cannot be
    // scheduled at all).
    match calculate(&at_price(a, price + 1)) {
        Ok(above) => assert!(
            above.monthly_payment_cents > a.monthly_budget_cents,
            "{a:?}"
        ),
        Err(e) => assert_eq!(
            fields(&e),
            vec![("term_months".to_owned(), code::OUT_OF_RANGE)]
        ),
    }
    price
}

#[test]
fn known_prices_per_method() {
    // Independent Python binary search over the same formulas.
    assert_eq!(
        exact(&afford(
            299_036,
            0,
            36,
            dec!(4.85),
            Method::EqualInstallment
        )),
        10_000_017
    );
    let base = afford(500_000, 3_000_000, 60, dec!(3.99), Method::EqualInstallment);
    assert_eq!(exact(&base), 30_156_215);
    let ep = AffordabilityRequest {
        method: Method::EqualPrincipal,
        ..base.clone()
    };
    assert_eq!(exact(&ep), 28_010_429);
    let flat = AffordabilityRequest {
        method: Method::FlatRate,
        ..base.clone()
    };
    assert_eq!(exact(&flat), 28_010_429);
    let b = AffordabilityRequest {
        balloon_cents: Some(4_000_000),
        ..afford(300_000, 5_000_000, 36, dec!(5.5), Method::Balloon)
    };
    assert_eq!(exact(&b), 18_327_993);
    assert_eq!(
        exact(&afford(
            300_000,
            5_000_000,
            36,
            dec!(0),
            Method::EqualInstallment
        )),
        15_800_017
    );
}

#[test]
fn financed_fees_take_a_share_of_the_budget() {
    let base = AffordabilityRequest {
        fees_cents: 300_000,
        ..afford(400_000, 2_000_000, 48, dec!(4.2), Method::EqualInstallment)
    };
    let upfront = exact(&base);
    let financed = exact(&AffordabilityRequest {
        fees_financed: true,
        ..base.clone()
    });
    assert_eq!((upfront, financed), (19_645_527, 19_345_527));
    assert_eq!(upfront - financed, base.fees_cents);
}

#[test]
fn one_month_and_tiny_budgets() {
    assert_eq!(
        exact(&afford(1, 0, 12, dec!(4.85), Method::EqualInstallment)),
        17
    );
    let one = afford(10_040_417, 0, 1, dec!(4.85), Method::EqualInstallment);
    assert_eq!(exact(&one), 10_000_000);
    exact(&afford(
        10_000_000,
        0,
        120,
        dec!(36),
        Method::EqualPrincipal,
    ));
}

#[test]
fn invalid_inputs() {
    let e = affordability(&AffordabilityRequest {
        term_months: 0,
        balloon_cents: Some(5),
        ..afford(0, -1, 36, dec!(40), Method::FlatRate)
    })
    .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![
            ("monthly_budget_cents".to_owned(), code::OUT_OF_RANGE),
            ("down_payment_cents".to_owned(), code::OUT_OF_RANGE),
            ("term_months".to_owned(), code::OUT_OF_RANGE),
            ("annual_rate_percent".to_owned(), code::OUT_OF_RANGE),
            ("balloon_cents".to_owned(), code::NOT_ALLOWED),
        ]
    );
    let e = affordability(&afford(1, 0, 12, dec!(4.85), Method::Balloon)).unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("balloon_cents".to_owned(), code::REQUIRED)]
    );
}

#[test]
fn budgets_out_of_reach() {
    // Too small: a 2,000,000-fen balloon loan needs more than 1 fen a month.
    let small = AffordabilityRequest {
        balloon_cents: Some(2_000_000),
        ..afford(1, 0, 36, dec!(4.85), Method::Balloon)
    };
    let e = affordability(&small).unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("monthly_budget_cents".to_owned(), code::OUT_OF_RANGE)]
    );
    // Too large for MAX_AMOUNT_CENTS rather than overflowing.
    let big = afford(
        MAX_AMOUNT_CENTS,
        0,
        12,
        dec!(4.85),
        Method::EqualInstallment,
    );
    let e = affordability(&big).unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("monthly_budget_cents".to_owned(), code::OUT_OF_RANGE)]
    );
    // A down payment at the maximum price leaves no room.
    let e = affordability(&afford(
        1_000,
        MAX_AMOUNT_CENTS,
        12,
        dec!(1),
        Method::FlatRate,
    ))
    .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("down_payment_cents".to_owned(), code::OUT_OF_RANGE)]
    );
}
