use rust_decimal_macros::dec;

use super::*;

fn terms() -> ProductTerms {
    ProductTerms {
        lender: "Acme Auto Finance".to_owned(),
        allowed_methods: vec![Method::EqualInstallment, Method::Balloon],
        rate_bands: vec![
            RateBand {
                max_term_months: 12,
                annual_rate_percent: dec!(3.5),
            },
            RateBand {
                max_term_months: 36,
                annual_rate_percent: dec!(4.85),
            },
            RateBand {
                max_term_months: 60,
                annual_rate_percent: dec!(5.5),
            },
        ],
        min_down_payment_percent: dec!(20),
        max_term_months: 60,
        fees_cents: 0,
        fees_financed: false,
        max_balloon_percent: Some(dec!(40)),
        promotion: None,
    }
}

fn zero_interest_promo() -> Option<Promotion> {
    Some(Promotion {
        customer_annual_rate_percent: dec!(0),
        valid_terms_months: vec![12, 24, 36],
    })
}

fn pairs(e: FinancingError) -> Vec<(String, &'static str)> {
    fields(&e)
}

#[test]
fn rate_for_picks_the_first_band_that_reaches_the_term() {
    let t = terms();
    assert_eq!(t.rate_for(1), Some(dec!(3.5)));
    assert_eq!(t.rate_for(12), Some(dec!(3.5)));
    assert_eq!(t.rate_for(13), Some(dec!(4.85)));
    assert_eq!(t.rate_for(60), Some(dec!(5.5)));
    assert_eq!(t.rate_for(61), None);
}

#[test]
fn valid_terms_pass() {
    terms().validate().unwrap();
    ProductTerms {
        promotion: zero_interest_promo(),
        ..terms()
    }
    .validate()
    .unwrap();
}

#[test]
fn validate_reports_every_problem() {
    let mut t = terms();
    t.lender = " ".to_owned();
    t.allowed_methods = vec![Method::Balloon, Method::Balloon];
    t.rate_bands[1].max_term_months = 12;
    t.rate_bands[2].annual_rate_percent = dec!(5.55555);
    t.min_down_payment_percent = dec!(100);
    t.fees_cents = -1;
    t.max_balloon_percent = Some(dec!(0));
    t.promotion = Some(Promotion {
        customer_annual_rate_percent: dec!(6),
        valid_terms_months: vec![24, 24, 61],
    });
    let f = |s: &str, c| (s.to_owned(), c);
    assert_eq!(
        pairs(t.validate().unwrap_err()),
        vec![
            f("lender", code::REQUIRED),
            f("allowed_methods[1]", code::DUPLICATE),
            f("rate_bands[1].max_term_months", code::NOT_SORTED),
            f("rate_bands[2].annual_rate_percent", code::TOO_MANY_DECIMALS),
            f("min_down_payment_percent", code::OUT_OF_RANGE),
            f("fees_cents", code::OUT_OF_RANGE),
            f("max_balloon_percent", code::OUT_OF_RANGE),
            f("promotion.customer_annual_rate_percent", code::OUT_OF_RANGE),
            f("promotion.valid_terms_months[1]", code::DUPLICATE),
            f("promotion.valid_terms_months[2]", code::OUT_OF_RANGE),
        ]
    );
}

#[test]
fn bands_must_cover_the_maximum_term() {
    let t = ProductTerms {
        max_term_months: 72,
        ..terms()
    };
    assert_eq!(
        pairs(t.validate().unwrap_err()),
        vec![("rate_bands".to_owned(), code::OUT_OF_RANGE)]
    );
    let t = ProductTerms {
        rate_bands: vec![],
        allowed_methods: vec![],
        ..terms()
    };
    assert_eq!(
        pairs(t.validate().unwrap_err()),
        vec![
            ("allowed_methods".to_owned(), code::REQUIRED),
            ("rate_bands".to_owned(), code::REQUIRED)
        ]
    );
}

#[test]
fn plan_at_the_standard_rate_has_no_subsidy() {
    let p = terms()
        .plan(
            12_500_000,
            DownPayment::Cents(2_500_000),
            36,
            Method::EqualInstallment,
            None,
            None,
        )
        .unwrap();
    assert!(!p.promotion_applied);
    assert_eq!(p.lender, "Acme Auto Finance");
    assert_eq!(p.quote.monthly_payment_cents, 299_036);
    assert_eq!(p.customer.annual_rate_percent, dec!(4.85));
    assert_eq!(p.customer, p.standard);
    assert_eq!(p.subsidy_cents, 0);
}

#[test]
fn zero_interest_promotion_costs_the_dealer_the_standard_interest() {
    let t = ProductTerms {
        promotion: zero_interest_promo(),
        ..terms()
    };
    let p = t
        .plan(
            12_500_000,
            DownPayment::Percent(dec!(20)),
            36,
            Method::EqualInstallment,
            None,
            None,
        )
        .unwrap();
    assert!(p.promotion_applied);
    assert_eq!(p.quote.financed_amount_cents, 10_000_000);
    assert_eq!(p.quote.total_interest_cents, 0);
    assert_eq!(p.customer.apr_percent, dec!(0.0000));
    assert_eq!(p.standard.annual_rate_percent, dec!(4.85));
    assert_eq!(p.standard.monthly_payment_cents, 299_036);
    assert_eq!(p.standard.total_interest_cents, 765_294);
    assert_eq!(p.subsidy_cents, 765_294);

    // 48 months is outside the promotion: standard 5.5 %.
    let p = t
        .plan(
            12_500_000,
            DownPayment::Percent(dec!(20)),
            48,
            Method::EqualInstallment,
            None,
            None,
        )
        .unwrap();
    assert!(!p.promotion_applied);
    assert_eq!(p.customer.annual_rate_percent, dec!(5.5));
    assert_eq!(p.subsidy_cents, 0);
}

#[test]
fn partial_subsidy_on_a_balloon_with_fees() {
    let t = ProductTerms {
        fees_cents: 150_000,
        fees_financed: true,
        promotion: Some(Promotion {
            customer_annual_rate_percent: dec!(1.99),
            valid_terms_months: vec![36],
        }),
        ..terms()
    };
    let p = t
        .plan(
            15_000_000,
            DownPayment::Cents(3_000_000),
            36,
            Method::Balloon,
            Some(6_000_000),
            None,
        )
        .unwrap();
    assert_eq!(p.quote.financed_amount_cents, 12_150_000);
    assert!(p.subsidy_cents > 0);
    assert_eq!(
        p.subsidy_cents,
        p.standard.total_interest_cents - p.quote.total_interest_cents
    );
    // The customer's APR reflects the fees on top of 1.99 %.
    assert!(p.customer.apr_percent > dec!(1.99));
}

#[test]
fn plan_reports_product_and_loan_errors_together() {
    let e = terms()
        .plan(
            10_000_000,
            DownPayment::Cents(1_000_000),
            72,
            Method::FlatRate,
            Some(5_000_000),
            None,
        )
        .unwrap_err();
    let f = |s: &str, c| (s.to_owned(), c);
    assert_eq!(
        pairs(e),
        vec![
            f("method", code::NOT_ALLOWED),
            f("term_months", code::OUT_OF_RANGE),
            f("down_payment_cents", code::OUT_OF_RANGE),
            f("balloon_cents", code::OUT_OF_RANGE),
        ]
    );
    // Percent down payments compare as given, not after rounding.
    let e = terms()
        .plan(
            10_000_000,
            DownPayment::Percent(dec!(19.99)),
            36,
            Method::EqualInstallment,
            None,
            None,
        )
        .unwrap_err();
    assert_eq!(
        pairs(e),
        vec![f("down_payment_percent", code::OUT_OF_RANGE)]
    );
    // Exactly at the limits is fine.
    terms()
        .plan(
            10_000_000,
            DownPayment::Cents(2_000_000),
            60,
            Method::Balloon,
            Some(4_000_000),
            None,
        )
        .unwrap();
    // An invalid product is refused before planning.
    let broken = ProductTerms {
        rate_bands: vec![],
        ..terms()
    };
    let e = broken
        .plan(
            10_000_000,
            DownPayment::Cents(2_000_000),
            36,
            Method::EqualInstallment,
            None,
            None,
        )
        .unwrap_err();
    assert_eq!(pairs(e), vec![f("rate_bands", code::REQUIRED)]);
}
