use rust_decimal_macros::dec;

use super::*;

fn plan(label: &str, request: LoanRequest) -> (String, LoanRequest) {
    (label.to_owned(), request)
}

#[test]
fn cheapest_credit_first_with_stable_ties() {
    let plans = vec![
        plan("flat", req(10_000_000, 0, 36, dec!(4.85), Method::FlatRate)),
        plan(
            "annuity",
            req(10_000_000, 0, 36, dec!(4.85), Method::EqualInstallment),
        ),
        plan(
            "principal",
            req(10_000_000, 0, 36, dec!(4.85), Method::EqualPrincipal),
        ),
        plan(
            "zero+fees",
            with_fees(
                req(10_000_000, 0, 36, dec!(0), Method::EqualInstallment),
                747_708,
                false,
            ),
        ),
        plan(
            "zero",
            req(10_000_000, 0, 36, dec!(0), Method::EqualPrincipal),
        ),
    ];
    let result = compare(&plans).unwrap();
    let order: Vec<(&str, usize, i64)> = result
        .iter()
        .map(|p| (p.label.as_str(), p.index, p.total_cost_cents))
        .collect();
    assert_eq!(
        order,
        vec![
            ("zero", 4, 0),
            // Equal cost: input order kept.
            ("principal", 2, 747_708),
            ("zero+fees", 3, 747_708),
            ("annuity", 1, 765_294),
            ("flat", 0, 1_455_000),
        ]
    );
    assert_eq!(result[2].quote.fees_cents, 747_708);
}

#[test]
fn errors_are_reported_per_plan() {
    let plans = vec![
        plan(
            "ok",
            req(10_000_000, 0, 36, dec!(4.85), Method::EqualInstallment),
        ),
        plan(
            "bad",
            req(10_000_000, 0, 0, dec!(4.85), Method::EqualInstallment),
        ),
        plan("worse", req(0, 0, 36, dec!(99), Method::Balloon)),
    ];
    let e = compare(&plans).unwrap_err();
    assert_eq!(
        fields(&e),
        vec![
            ("plans[1].term_months".to_owned(), code::OUT_OF_RANGE),
            (
                "plans[2].vehicle_price_cents".to_owned(),
                code::OUT_OF_RANGE
            ),
            (
                "plans[2].annual_rate_percent".to_owned(),
                code::OUT_OF_RANGE
            ),
            ("plans[2].balloon_cents".to_owned(), code::REQUIRED),
        ]
    );
}

#[test]
fn nothing_to_compare() {
    let e = compare(&[]).unwrap_err();
    assert_eq!(fields(&e), vec![("plans".to_owned(), code::REQUIRED)]);
}
