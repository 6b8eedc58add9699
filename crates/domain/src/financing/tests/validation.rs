use chrono::NaiveDate;
use rust_decimal_macros::dec;

use super::*;

fn f(field: &str, code: &'static str) -> (String, &'static str) {
    (field.to_owned(), code)
}

fn ei() -> LoanRequest {
    req(
        10_000_000,
        2_000_000,
        36,
        dec!(4.85),
        Method::EqualInstallment,
    )
}

#[test]
fn every_bad_field_is_reported_at_once() {
    let r = LoanRequest {
        vehicle_price_cents: 0,
        term_months: 0,
        annual_rate_percent: dec!(-1),
        fees_cents: -5,
        balloon_cents: Some(1),
        ..ei()
    };
    assert_eq!(
        err_fields(&r),
        vec![
            f("vehicle_price_cents", code::OUT_OF_RANGE),
            f("term_months", code::OUT_OF_RANGE),
            f("annual_rate_percent", code::OUT_OF_RANGE),
            f("fees_cents", code::OUT_OF_RANGE),
            f("balloon_cents", code::NOT_ALLOWED),
        ]
    );
    let e = calculate(&r).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("invalid financing input: vehicle_price_cents: ")
    );
}

#[test]
fn price_bounds() {
    for price in [0, -1] {
        let r = LoanRequest {
            vehicle_price_cents: price,
            ..ei()
        };
        assert_eq!(
            err_fields(&r),
            vec![f("vehicle_price_cents", code::OUT_OF_RANGE)]
        );
    }
    let r = LoanRequest {
        vehicle_price_cents: MAX_AMOUNT_CENTS + 1,
        ..ei()
    };
    assert_eq!(
        err_fields(&r),
        vec![f("vehicle_price_cents", code::OUT_OF_RANGE)]
    );
}

#[test]
fn down_payment_rules() {
    let mut r = ei();
    r.down_payment = DownPayment::Cents(10_000_001);
    assert_eq!(
        err_fields(&r),
        vec![f("down_payment_cents", code::OUT_OF_RANGE)]
    );
    r.down_payment = DownPayment::Cents(-1);
    assert_eq!(
        err_fields(&r),
        vec![f("down_payment_cents", code::OUT_OF_RANGE)]
    );
    // Paying the whole price leaves nothing to finance, even with financed fees.
    r.down_payment = DownPayment::Cents(10_000_000);
    assert_eq!(
        err_fields(&r),
        vec![f("down_payment_cents", code::OUT_OF_RANGE)]
    );
    assert_eq!(
        err_fields(&with_fees(r.clone(), 1_000, true)),
        vec![f("down_payment_cents", code::OUT_OF_RANGE)]
    );
    r.down_payment = DownPayment::Percent(dec!(100.01));
    assert_eq!(
        err_fields(&r),
        vec![f("down_payment_percent", code::OUT_OF_RANGE)]
    );
    r.down_payment = DownPayment::Percent(dec!(-0.5));
    assert_eq!(
        err_fields(&r),
        vec![f("down_payment_percent", code::OUT_OF_RANGE)]
    );
    r.down_payment = DownPayment::Percent(dec!(100));
    assert_eq!(
        err_fields(&r),
        vec![f("down_payment_percent", code::OUT_OF_RANGE)]
    );
    // 99.99999 % of 10,000,000 rounds to the whole price.
    r.down_payment = DownPayment::Percent(dec!(99.999999));
    assert_eq!(
        err_fields(&r),
        vec![f("down_payment_percent", code::OUT_OF_RANGE)]
    );
}

#[test]
fn down_payment_from_two_optional_fields() {
    assert_eq!(
        DownPayment::from_fields(Some(5), None),
        Ok(DownPayment::Cents(5))
    );
    assert_eq!(
        DownPayment::from_fields(None, Some(dec!(20))),
        Ok(DownPayment::Percent(dec!(20)))
    );
    let both = DownPayment::from_fields(Some(5), Some(dec!(20))).unwrap_err();
    assert_eq!(
        (both.field.as_str(), both.code),
        ("down_payment_percent", code::EXCLUSIVE)
    );
    let neither = DownPayment::from_fields(None, None).unwrap_err();
    assert_eq!(
        (neither.field.as_str(), neither.code),
        ("down_payment_cents", code::REQUIRED)
    );
}

#[test]
fn term_bounds() {
    for term in [0, 121, u32::MAX] {
        let r = LoanRequest {
            term_months: term,
            ..ei()
        };
        assert_eq!(err_fields(&r), vec![f("term_months", code::OUT_OF_RANGE)]);
    }
    for term in [1, 120] {
        checked(&LoanRequest {
            term_months: term,
            ..ei()
        });
    }
}

#[test]
fn rate_bounds_and_decimals() {
    for (rate, code) in [
        (dec!(-0.0001), code::OUT_OF_RANGE),
        (dec!(36.0001), code::OUT_OF_RANGE),
        (dec!(100), code::OUT_OF_RANGE),
        (dec!(4.85001), code::TOO_MANY_DECIMALS),
    ] {
        let r = LoanRequest {
            annual_rate_percent: rate,
            ..ei()
        };
        assert_eq!(
            err_fields(&r),
            vec![f("annual_rate_percent", code)],
            "{rate}"
        );
    }
    // Trailing zeros are not extra decimals; the bounds are inclusive.
    for rate in [dec!(4.850000), dec!(36), dec!(0), dec!(0.0001)] {
        checked(&LoanRequest {
            annual_rate_percent: rate,
            ..ei()
        });
    }
}

#[test]
fn fee_rules() {
    let r = with_fees(ei(), -1, false);
    assert_eq!(err_fields(&r), vec![f("fees_cents", code::OUT_OF_RANGE)]);
    // Fees at signing must be below the amount financed (8,000,000 here)...
    let r = with_fees(ei(), 8_000_000, false);
    assert_eq!(err_fields(&r), vec![f("fees_cents", code::OUT_OF_RANGE)]);
    checked(&with_fees(ei(), 4_000_000, false));
    // ...financed fees always are.
    checked(&with_fees(ei(), 8_000_000, true));
}

#[test]
fn fees_that_make_the_rate_unrepresentable_are_refused() {
    // The customer nets 1 fen and repays 10,000,000 over 120 months.
    let r = with_fees(
        req(10_000_000, 0, 120, dec!(0), Method::EqualInstallment),
        9_999_999,
        false,
    );
    assert_eq!(err_fields(&r), vec![f("fees_cents", code::OUT_OF_RANGE)]);
    // Nets 10 % and repays at once: monthly IRR 900 %, still representable.
    let q = checked(&with_fees(
        req(1_000_000, 0, 1, dec!(0), Method::EqualInstallment),
        900_000,
        false,
    ));
    assert_eq!(q.apr_percent, dec!(10800.0000));
}

#[test]
fn balloon_rules() {
    let mut r = balloon(10_000_000, 2_000_000, 36, dec!(4.85), 3_000_000);
    r.balloon_cents = None;
    assert_eq!(err_fields(&r), vec![f("balloon_cents", code::REQUIRED)]);
    for b in [0, -1] {
        r.balloon_cents = Some(b);
        assert_eq!(err_fields(&r), vec![f("balloon_cents", code::OUT_OF_RANGE)]);
    }
    // Must be below the amount financed (8,000,000), which includes financed fees.
    r.balloon_cents = Some(8_000_000);
    assert_eq!(err_fields(&r), vec![f("balloon_cents", code::OUT_OF_RANGE)]);
    checked(&with_fees(r.clone(), 1, true));
    r.balloon_cents = Some(7_999_999);
    checked(&r);
    for method in [
        Method::EqualInstallment,
        Method::EqualPrincipal,
        Method::FlatRate,
    ] {
        let r = LoanRequest {
            balloon_cents: Some(1),
            ..req(10_000_000, 0, 12, dec!(1), method)
        };
        assert_eq!(err_fields(&r), vec![f("balloon_cents", code::NOT_ALLOWED)]);
    }
}

#[test]
fn a_near_total_balloon_at_the_top_rate_never_amortises_negatively() {
    // The regular payment barely exceeds the interest, but never falls below it.
    let q = checked(&balloon(10_000_000, 0, 120, dec!(36), 9_999_999));
    assert!(q.schedule[..119].iter().all(|r| r.principal_cents <= 1));
    assert_eq!(
        q.schedule[119].principal_cents,
        q.schedule[118].balance_cents
    );
}

#[test]
fn amounts_too_small_for_the_term_are_refused_not_made_negative() {
    // 100 fen over 120 months: round(100/120) = 1 fen a month would overpay by month 100.
    for method in [
        Method::EqualInstallment,
        Method::EqualPrincipal,
        Method::FlatRate,
    ] {
        let r = req(100, 0, 120, dec!(0), method);
        assert_eq!(
            err_fields(&r),
            vec![f("term_months", code::OUT_OF_RANGE)],
            "{method:?}"
        );
    }
    // Flat interest of 70 fen spread as 1 fen a month would overshoot too.
    let r = req(700_000, 0, 120, dec!(0.01), Method::FlatRate);
    assert_eq!(err_fields(&r), vec![f("term_months", code::OUT_OF_RANGE)]);
    // Tiny amounts that divide cleanly are fine.
    let q = checked(&req(1, 0, 120, dec!(36), Method::EqualInstallment));
    assert_eq!(q.schedule[119].payment_cents, 1);
}

#[test]
fn start_date_at_the_end_of_the_calendar() {
    let r = LoanRequest {
        start_date: Some(NaiveDate::MAX),
        ..ei()
    };
    assert_eq!(err_fields(&r), vec![f("start_date", code::OUT_OF_RANGE)]);
}
