//! Hand-checked values; each one agrees with the independent Python reference.

use rust_decimal_macros::dec;

use super::*;

/// (payment, principal, interest, balance) of a row.
fn row(q: &LoanQuote, period: usize) -> (i64, i64, i64, i64) {
    let r = &q.schedule[period - 1];
    (
        r.payment_cents,
        r.principal_cents,
        r.interest_cents,
        r.balance_cents,
    )
}

#[test]
fn equal_installment_100k_at_4_85_for_36_months() {
    let q = checked(&req(
        10_000_000,
        0,
        36,
        dec!(4.85),
        Method::EqualInstallment,
    ));
    assert_eq!(q.financed_amount_cents, 10_000_000);
    assert_eq!(q.monthly_payment_cents, 299_036);
    assert_eq!(q.total_interest_cents, 765_294);
    assert_eq!(q.total_payment_cents, 10_765_294);
    assert_eq!(row(&q, 1), (299_036, 258_619, 40_417, 9_741_381));
    assert_eq!(row(&q, 36), (299_034, 297_830, 1_204, 0));
    assert!(q.schedule[1..35].iter().all(|r| r.payment_cents == 299_036));
    assert_eq!(q.apr_percent, dec!(4.8500));
    assert_eq!(q.effective_annual_rate_percent, dec!(4.9593));
}

#[test]
fn equal_principal_100k_at_4_85_for_36_months() {
    let q = checked(&req(10_000_000, 0, 36, dec!(4.85), Method::EqualPrincipal));
    assert_eq!(q.monthly_payment_cents, 318_195);
    assert_eq!(q.total_interest_cents, 747_708);
    assert_eq!(row(&q, 1), (318_195, 277_778, 40_417, 9_722_222));
    assert_eq!(row(&q, 36), (278_893, 277_770, 1_123, 0));
    // Payments fall every month.
    assert!(
        q.schedule
            .windows(2)
            .all(|w| w[1].payment_cents <= w[0].payment_cents)
    );
    assert_eq!(q.apr_percent, dec!(4.8500));
}

#[test]
fn flat_rate_apr_is_well_above_the_nominal_rate() {
    let q = checked(&req(10_000_000, 0, 36, dec!(4.85), Method::FlatRate));
    assert_eq!(q.total_interest_cents, 1_455_000);
    assert_eq!(q.monthly_payment_cents, 318_195);
    assert_eq!(row(&q, 36), (318_175, 277_770, 40_405, 0));
    assert_eq!(q.apr_percent, dec!(9.0424));
    assert_eq!(q.effective_annual_rate_percent, dec!(9.4267));

    let q = checked(&req(20_000_000, 6_000_000, 36, dec!(3.5), Method::FlatRate));
    assert_eq!(
        (q.monthly_payment_cents, q.total_interest_cents),
        (429_722, 1_470_000)
    );
    assert_eq!(q.apr_percent, dec!(6.5998));

    let q = checked(&req(10_000_000, 0, 12, dec!(12), Method::FlatRate));
    assert_eq!(q.apr_percent, dec!(21.4572));
    assert_eq!(q.effective_annual_rate_percent, dec!(23.6984));
}

#[test]
fn balloon_100k_with_30k_balloon() {
    let q = checked(&balloon(10_000_000, 0, 36, dec!(4.85), 3_000_000));
    assert_eq!(q.monthly_payment_cents, 221_450);
    assert_eq!(q.total_interest_cents, 972_208);
    assert_eq!(row(&q, 1), (221_450, 181_033, 40_417, 9_818_967));
    // The last payment carries the balloon (≈ 3,000,000 + a regular payment).
    assert_eq!(row(&q, 36), (3_221_458, 3_208_490, 12_968, 0));
    assert_eq!(q.apr_percent, dec!(4.8500));
}

#[test]
fn zero_rate_is_exactly_zero_apr() {
    let q = checked(&req(10_000_000, 0, 36, dec!(0), Method::EqualInstallment));
    assert_eq!(
        (q.monthly_payment_cents, q.total_interest_cents),
        (277_778, 0)
    );
    assert_eq!(row(&q, 36), (277_770, 277_770, 0, 0));
    assert_eq!(q.apr_percent.to_string(), "0.0000");
    assert_eq!(q.effective_annual_rate_percent.to_string(), "0.0000");

    let q = checked(&balloon(10_000_000, 0, 36, dec!(0), 3_000_000));
    assert_eq!(q.monthly_payment_cents, 194_444);
    assert_eq!(row(&q, 36), (3_194_460, 3_194_460, 0, 0));
    assert_eq!(q.apr_percent.to_string(), "0.0000");

    for method in [Method::EqualPrincipal, Method::FlatRate] {
        let q = checked(&req(10_000_000, 0, 36, dec!(0), method));
        assert_eq!((q.total_interest_cents, q.apr_percent), (0, dec!(0)));
    }
}

#[test]
fn single_month_pays_everything_at_once() {
    for method in [
        Method::EqualInstallment,
        Method::EqualPrincipal,
        Method::FlatRate,
    ] {
        let q = checked(&req(10_000_000, 0, 1, dec!(4.85), method));
        assert_eq!(q.schedule.len(), 1);
        assert_eq!(
            row(&q, 1),
            (10_040_417, 10_000_000, 40_417, 0),
            "{method:?}"
        );
        assert_eq!(q.monthly_payment_cents, 10_040_417);
        assert_eq!(q.apr_percent, dec!(4.8500));
        assert_eq!(q.effective_annual_rate_percent, dec!(4.9593));
    }
    let q = checked(&balloon(10_000_000, 0, 1, dec!(4.85), 3_000_000));
    assert_eq!(row(&q, 1), (10_040_417, 10_000_000, 40_417, 0));
}

#[test]
fn single_month_apr_on_an_exact_midpoint_rounds_up() {
    // net 3,200,000, payment 3,200,001: APR = 1200 / 3,200,000 % = 0.000375 % exactly.
    let q = checked(&with_fees(
        req(3_200_001, 0, 1, dec!(0), Method::EqualInstallment),
        1,
        false,
    ));
    assert_eq!(q.apr_percent, dec!(0.0004));
}

#[test]
fn ten_year_terms() {
    let q = checked(&req(
        10_000_000,
        0,
        120,
        dec!(4.85),
        Method::EqualInstallment,
    ));
    assert_eq!(
        (q.monthly_payment_cents, q.total_interest_cents),
        (105_334, 2_640_062)
    );
    assert_eq!(row(&q, 120), (105_316, 104_892, 424, 0));
    assert_eq!(q.apr_percent, dec!(4.8500));

    let q = checked(&req(10_000_000, 0, 120, dec!(36), Method::EqualInstallment));
    assert_eq!(
        (q.monthly_payment_cents, q.total_interest_cents),
        (308_899, 27_068_077)
    );
    assert_eq!(row(&q, 1), (308_899, 8_899, 300_000, 9_991_101));
    assert_eq!(row(&q, 120), (309_096, 300_093, 9_003, 0));
    assert_eq!(q.apr_percent, dec!(36.0000));
    assert_eq!(q.effective_annual_rate_percent, dec!(42.5761));
}

#[test]
fn large_prices() {
    let q = checked(&req(
        10_000_000_000,
        0,
        120,
        dec!(4.85),
        Method::EqualInstallment,
    ));
    assert_eq!(q.monthly_payment_cents, 105_333_841);
    assert_eq!(q.total_interest_cents, 2_640_060_907);
    assert_eq!(row(&q, 120), (105_333_828, 104_909_817, 424_011, 0));

    let q = checked(&req(
        10_000_000_000,
        2_000_000_000,
        60,
        dec!(7.5),
        Method::EqualPrincipal,
    ));
    assert_eq!(q.financed_amount_cents, 8_000_000_000);
    assert_eq!(
        (q.monthly_payment_cents, q.total_interest_cents),
        (183_333_333, 1_525_000_000)
    );
    assert_eq!(row(&q, 60), (134_166_686, 133_333_353, 833_333, 0));
    assert_eq!(q.apr_percent, dec!(7.5000));
    assert_eq!(q.effective_annual_rate_percent, dec!(7.7633));

    // The largest accepted price, at the highest rate, for the longest term.
    checked(&req(
        MAX_AMOUNT_CENTS,
        0,
        120,
        dec!(36),
        Method::EqualInstallment,
    ));
    checked(&balloon(
        MAX_AMOUNT_CENTS,
        0,
        120,
        dec!(36),
        MAX_AMOUNT_CENTS - 1,
    ));
}

#[test]
fn fees_paid_at_signing_versus_financed() {
    let base = req(
        20_000_000,
        6_000_000,
        36,
        dec!(4.85),
        Method::EqualInstallment,
    );
    let upfront = checked(&with_fees(base.clone(), 200_000, false));
    assert_eq!(upfront.financed_amount_cents, 14_000_000);
    assert_eq!(upfront.monthly_payment_cents, 418_650);
    assert_eq!(upfront.total_interest_cents, 1_071_412);
    assert_eq!(upfront.apr_percent, dec!(5.8123));
    assert_eq!(upfront.effective_annual_rate_percent, dec!(5.9697));

    let financed = checked(&with_fees(base.clone(), 200_000, true));
    assert_eq!(financed.financed_amount_cents, 14_200_000);
    assert_eq!(financed.monthly_payment_cents, 424_631);
    assert_eq!(financed.total_interest_cents, 1_086_719);
    assert_eq!(financed.apr_percent, dec!(5.7987));
    assert_eq!(financed.effective_annual_rate_percent, dec!(5.9553));

    // Without fees the APR is the nominal rate.
    assert_eq!(checked(&base).apr_percent, dec!(4.8500));
}

#[test]
fn fees_give_a_zero_rate_loan_a_real_cost() {
    let q = checked(&with_fees(
        req(20_000_000, 6_000_000, 36, dec!(0), Method::EqualInstallment),
        200_000,
        false,
    ));
    assert_eq!(q.total_interest_cents, 0);
    assert_eq!(q.apr_percent, dec!(0.9358));
    assert_eq!(q.effective_annual_rate_percent, dec!(0.9398));
}

#[test]
fn balloon_with_financed_fees() {
    let q = checked(&with_fees(
        balloon(15_000_000, 3_000_000, 48, dec!(5.99), 4_000_000),
        150_000,
        true,
    ));
    assert_eq!(q.financed_amount_cents, 12_150_000);
    assert_eq!(
        (q.monthly_payment_cents, q.total_interest_cents),
        (211_332, 1_993_949)
    );
    assert_eq!(row(&q, 48), (4_211_345, 4_190_428, 20_917, 0));
    assert_eq!(q.apr_percent, dec!(6.4923));
    assert_eq!(q.effective_annual_rate_percent, dec!(6.6890));
}

#[test]
fn odd_amounts_and_tiny_rates() {
    let q = checked(&req(333_333, 0, 7, dec!(7.7777), Method::EqualInstallment));
    assert_eq!(
        (q.monthly_payment_cents, q.total_interest_cents),
        (48_862, 8_697)
    );
    assert_eq!(row(&q, 7), (48_858, 48_543, 315, 0));
    assert_eq!(q.apr_percent, dec!(7.7771));
    assert_eq!(q.effective_annual_rate_percent, dec!(8.0604));

    let q = checked(&req(
        10_000_000,
        0,
        24,
        dec!(0.0001),
        Method::EqualPrincipal,
    ));
    assert_eq!(
        (q.monthly_payment_cents, q.total_interest_cents),
        (416_668, 10)
    );
    assert_eq!(q.apr_percent, dec!(0.0001));
}

#[test]
fn down_payment_percent_rounds_half_up() {
    // 33.335 % of 1,000,001 fen = 333,350.33 → 333,350; 50 % of 1,000,001 = 500,000.5 → 500,001.
    let mut r = req(1_000_001, 0, 12, dec!(4.85), Method::EqualInstallment);
    r.down_payment = DownPayment::Percent(dec!(50));
    let q = checked(&r);
    assert_eq!(
        (q.down_payment_cents, q.financed_amount_cents),
        (500_001, 500_000)
    );
    r.down_payment = DownPayment::Percent(dec!(33.335));
    assert_eq!(checked(&r).down_payment_cents, 333_350);
    r.down_payment = DownPayment::Percent(dec!(0));
    assert_eq!(checked(&r).financed_amount_cents, 1_000_001);
}
