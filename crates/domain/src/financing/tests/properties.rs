//! Invariants over random plans (256 cases each, to keep the suite fast).

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::affordability::exact;
use super::*;

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::EqualInstallment),
        Just(Method::EqualPrincipal),
        Just(Method::FlatRate),
        Just(Method::Balloon),
    ]
}

/// 0 ..= 36 % with four decimals; a third of the time a round rate, sometimes zero.
fn rate() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (0i64..=360_000).prop_map(|u| Decimal::new(u, 4)),
        (0i64..=36).prop_map(Decimal::from),
        Just(Decimal::ZERO),
    ]
}

prop_compose! {
    fn loan()(
        price in 100_000i64..=10_000_000_000,
        down_pct in 0i64..=90,
        term in 1u32..=120,
        rate in rate(),
        method in method(),
        balloon_pct in 1i64..=60,
        fee_permille in 0i64..=50,
        fees_financed in any::<bool>(),
    ) -> LoanRequest {
        let down = price * down_pct / 100;
        let fees = price * fee_permille / 1000;
        let financed = price - down + if fees_financed { fees } else { 0 };
        LoanRequest {
            balloon_cents: (method == Method::Balloon).then(|| financed * balloon_pct / 100),
            ..with_fees(req(price, down, term, rate, method), fees, fees_financed)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn schedules_keep_every_invariant(request in loan()) {
        match calculate(&request) {
            Ok(q) => {
                assert_invariants(&q);
                let expected = request.vehicle_price_cents - q.down_payment_cents
                    + if request.fees_financed { request.fees_cents } else { 0 };
                prop_assert_eq!(q.financed_amount_cents, expected);
            }
            // Only a flat rate so low that its interest cannot be spread in whole fen.
            Err(e) => {
                prop_assert_eq!(request.method, Method::FlatRate);
                prop_assert_eq!(fields(&e), vec![("term_months".to_owned(), code::OUT_OF_RANGE)]);
            }
        }
    }

    #[test]
    fn without_fees_the_apr_is_the_nominal_rate_except_for_flat(request in loan()) {
        let request = with_fees(request, 0, false);
        prop_assume!(request.vehicle_price_cents - down_cents(&request) >= 1_000_000);
        if let Ok(q) = calculate(&request) {
            let rate = request.annual_rate_percent;
            prop_assert!(q.apr_percent >= Decimal::ZERO);
            if request.method == Method::FlatRate {
                prop_assert!(q.apr_percent >= rate - Decimal::new(1, 2), "{} < {}", q.apr_percent, rate);
                if request.term_months > 1 && rate >= Decimal::ONE {
                    prop_assert!(q.apr_percent > rate);
                }
            } else {
                prop_assert!((q.apr_percent - rate).abs() < Decimal::new(1, 2), "{} vs {}", q.apr_percent, rate);
            }
        }
    }

    #[test]
    fn fees_at_signing_raise_the_apr(request in loan(), fees in 1i64..=500_000) {
        let bare = with_fees(request, 0, false);
        if let (Ok(without), Ok(with)) = (calculate(&bare), calculate(&with_fees(bare.clone(), fees, false))) {
            prop_assert_eq!(&without.schedule, &with.schedule);
            prop_assert!(with.apr_percent >= without.apr_percent);
            prop_assert!(with.effective_annual_rate_percent >= with.apr_percent);
        }
    }

    #[test]
    fn affordability_is_exact_to_the_fen(
        budget in 10_000i64..=50_000_000,
        down in 0i64..=100_000_000,
        term in 1u32..=120,
        rate in rate(),
        method in method(),
        balloon in 1i64..=20_000_000,
        fees in 0i64..=500_000,
        fees_financed in any::<bool>(),
    ) {
        let request = AffordabilityRequest {
            monthly_budget_cents: budget,
            down_payment_cents: down,
            term_months: term,
            annual_rate_percent: rate,
            method,
            balloon_cents: (method == Method::Balloon).then_some(balloon),
            fees_cents: fees,
            fees_financed,
            start_date: None,
        };
        match affordability(&request) {
            Ok(_) => {
                exact(&request);
            }
            Err(e) => {
                // A budget below even the smallest loan (a big balloon or fees), or a flat rate
                // too low to spread, are the only refusals.
                let f = fields(&e);
                prop_assert!(
                    f == vec![("monthly_budget_cents".to_owned(), code::OUT_OF_RANGE)]
                        || f == vec![("term_months".to_owned(), code::OUT_OF_RANGE)],
                    "{:?}", e
                );
            }
        }
    }

    #[test]
    fn compare_orders_by_total_cost(a in loan(), b in loan(), c in loan()) {
        let plans = vec![("a".to_owned(), a), ("b".to_owned(), b), ("c".to_owned(), c)];
        if let Ok(result) = compare(&plans) {
            prop_assert_eq!(result.len(), 3);
            for pair in result.windows(2) {
                prop_assert!(pair[0].total_cost_cents <= pair[1].total_cost_cents);
                if pair[0].total_cost_cents == pair[1].total_cost_cents {
                    prop_assert!(pair[0].index < pair[1].index);
                }
            }
            for plan in &result {
                prop_assert_eq!(plan.total_cost_cents, plan.quote.total_interest_cents + plan.quote.fees_cents);
                prop_assert_eq!(&plan.label, &plans[plan.index].0);
            }
        }
    }
}

fn down_cents(request: &LoanRequest) -> i64 {
    match request.down_payment {
        DownPayment::Cents(c) => c,
        DownPayment::Percent(_) => unreachable!("the generator gives cents"),
    }
}
