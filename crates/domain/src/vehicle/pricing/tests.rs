use proptest::prelude::*;

use super::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
}

fn days_ago(days: i64) -> NaiveDate {
    today() - chrono::Duration::days(days)
}

fn subject(days_in_stock: u32) -> PricingSubject {
    PricingSubject {
        brand_key: "bmw".into(),
        model_key: "bmw_3_series".into(),
        condition: Condition::Used,
        model_year: 2021,
        mileage_km: 40_000,
        days_in_stock,
    }
}

fn comp(reference: &str, source: ComparableSource, year: i32, km: i64, wan: i64) -> Comparable {
    Comparable {
        reference: reference.into(),
        source,
        brand_key: "bmw".into(),
        model_key: "bmw_3_series".into(),
        condition: Condition::Used,
        model_year: year,
        mileage_km: km,
        price_cents: wan * 1_000_000,
        date: days_ago(20),
    }
}

fn quote(source: &str, wan: i64) -> MarketReference {
    MarketReference {
        source: source.into(),
        brand_key: "bmw".into(),
        model_key: "bmw_3_series".into(),
        model_year: 2021,
        mileage_km: Some(40_000),
        price_cents: wan * 1_000_000,
        observed_on: days_ago(10),
    }
}

use ComparableSource::{Listed, Sold};

fn three() -> Vec<Comparable> {
    vec![
        comp("c1", Sold, 2020, 60_000, 20),
        comp("c2", Listed, 2021, 40_000, 23),
        comp("c3", Sold, 2022, 20_000, 26),
    ]
}

fn codes(s: &PriceSuggestion) -> Vec<&'static str> {
    s.reasons().iter().map(|r| r.code).collect()
}

#[test]
fn comparables_are_adjusted_for_year_and_mileage() {
    let s = suggest_price(
        &subject(10),
        &three(),
        &[],
        &PricingPolicy::default(),
        today(),
    );
    let PriceSuggestion::Suggested {
        low_cents,
        point_cents,
        high_cents,
        comparables,
        reasons,
    } = &s
    else {
        panic!("{s:?}");
    };
    // c1: one year older (+8 %) with 20,000 km more (+3 %): ¥20万 × 1.11.
    assert_eq!(comparables[0].reference, "c1");
    assert_eq!(comparables[0].year_adjustment_bp, 800);
    assert_eq!(comparables[0].mileage_adjustment_bp, 300);
    assert_eq!(comparables[0].adjusted_cents, 22_200_000);
    assert_eq!(comparables[0].weight, 2);
    assert_eq!(comparables[1].adjusted_cents, 23_000_000);
    assert_eq!(comparables[2].adjusted_cents, 23_140_000);
    // Weighted median of 22.2 (×2), 23.0, 23.14 (×2); the high end widens to +3 %.
    assert_eq!(
        (*low_cents, *point_cents, *high_cents),
        (22_200_000, 23_000_000, 23_690_000)
    );
    assert_eq!(
        codes(&s),
        [price_reason::COMPARABLES, price_reason::ROUNDING]
    );
    assert_eq!(
        reasons[0].message_zh,
        "可比车源3辆（成交2辆、在售1辆），按年份、里程调整后加权中位价¥23万"
    );
    assert_eq!(reasons[1].message_en, "amounts rounded half-up to ¥100");
}

#[test]
fn a_market_reference_is_blended_in() {
    let s = suggest_price(
        &subject(10),
        &three(),
        &[quote("che300", 24)],
        &PricingPolicy::default(),
        today(),
    );
    let PriceSuggestion::Suggested {
        low_cents,
        point_cents,
        high_cents,
        reasons,
        ..
    } = &s
    else {
        panic!("{s:?}");
    };
    // 23.0 × 70 % + 24.0 × 30 %.
    assert_eq!(*point_cents, 23_300_000);
    assert_eq!((*low_cents, *high_cents), (22_200_000, 24_000_000));
    assert_eq!(
        codes(&s),
        [
            price_reason::COMPARABLES,
            price_reason::MARKET_REFERENCE,
            price_reason::BLEND,
            price_reason::ROUNDING
        ]
    );
    assert_eq!(
        reasons[1].message_zh,
        "市场参考价¥24万（1条，来源：che300）"
    );
    assert_eq!(
        reasons[2].message_zh,
        "可比车源与市场参考价按70%比30%综合：¥23.3万"
    );
}

#[test]
fn standing_in_stock_earns_a_discount() {
    let s = suggest_price(
        &subject(75),
        &three(),
        &[],
        &PricingPolicy::default(),
        today(),
    );
    let PriceSuggestion::Suggested {
        point_cents,
        reasons,
        ..
    } = &s
    else {
        panic!("{s:?}");
    };
    assert_eq!(*point_cents, 21_850_000);
    let aging = reasons
        .iter()
        .find(|r| r.code == price_reason::AGING_DISCOUNT)
        .unwrap();
    assert_eq!(aging.amount_cents, Some(1_150_000));
    assert_eq!(
        aging.message_zh,
        "在库75天（超过60天），建议让价5%（约¥1.15万）"
    );
    assert_eq!(
        aging.message_en,
        "75 days in stock (over 60): 5% aging discount (about ¥11,500)"
    );
    assert_eq!(PricingPolicy::default().aging_discount(29), None);
    assert_eq!(
        PricingPolicy::default()
            .aging_discount(90)
            .map(|s| s.discount_bp),
        Some(800)
    );
}

#[test]
fn too_few_comparables_and_no_market_reference_is_said_not_guessed() {
    let mut comparables = three();
    comparables.truncate(2);
    comparables.push(Comparable {
        date: days_ago(300),
        ..comp("stale", Sold, 2021, 40_000, 23)
    });
    comparables.push(Comparable {
        model_key: "bmw_5_series".into(),
        ..comp("other-model", Sold, 2021, 40_000, 40)
    });
    comparables.push(comp("too-old", Sold, 2018, 40_000, 15));
    comparables.push(Comparable {
        condition: Condition::New,
        ..comp("new", Listed, 2021, 0, 30)
    });
    let stale_quote = MarketReference {
        observed_on: days_ago(200),
        ..quote("che300", 24)
    };
    let s = suggest_price(
        &subject(10),
        &comparables,
        &[stale_quote],
        &PricingPolicy::default(),
        today(),
    );
    assert!(
        matches!(s, PriceSuggestion::InsufficientData { .. }),
        "{s:?}"
    );
    assert_eq!(
        codes(&s),
        [
            price_reason::IGNORED,
            price_reason::INSUFFICIENT_COMPARABLES,
            price_reason::NO_MARKET_REFERENCE
        ]
    );
    assert_eq!(
        s.reasons()[0].message_zh,
        "5条记录因车系、年份、车况、价格或时效不符未采用"
    );
    assert_eq!(
        s.reasons()[1].message_en,
        "Too few comparable cars: 2, at least 3 needed"
    );
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["status"], "insufficient_data");
}

#[test]
fn market_references_alone_make_a_range() {
    let s = suggest_price(
        &subject(10),
        &three()[..1],
        &[quote("che300", 24), quote("jingzhengu", 22)],
        &PricingPolicy::default(),
        today(),
    );
    let PriceSuggestion::Suggested {
        low_cents,
        point_cents,
        high_cents,
        reasons,
        ..
    } = &s
    else {
        panic!("{s:?}");
    };
    assert_eq!(
        (*low_cents, *point_cents, *high_cents),
        (22_000_000, 23_000_000, 24_000_000)
    );
    assert_eq!(
        reasons[0].message_zh,
        "可比车源仅1辆（至少需要3辆），按市场参考价估算"
    );
    assert_eq!(
        reasons[1].message_en,
        "market reference ¥230,000 (2 quotes from che300, jingzhengu)"
    );
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["status"], "suggested");
    assert_eq!(json["point_cents"], 23_000_000);
}

#[test]
fn adjustments_are_capped() {
    let comparables = vec![
        comp("high-mileage", Sold, 2020, 300_000, 10),
        comp("b", Sold, 2021, 40_000, 13),
        comp("c", Sold, 2021, 40_000, 13),
    ];
    let s = suggest_price(
        &subject(0),
        &comparables,
        &[],
        &PricingPolicy::default(),
        today(),
    );
    let PriceSuggestion::Suggested { comparables, .. } = s else {
        panic!()
    };
    let capped = comparables
        .iter()
        .find(|c| c.reference == "high-mileage")
        .unwrap();
    // +8 % for the year and +39 % for 260,000 km fewer, capped at +30 %.
    assert!(capped.capped);
    assert_eq!(capped.mileage_adjustment_bp, 3900);
    assert_eq!(capped.adjusted_cents, 13_000_000);
}

#[test]
fn the_policy_is_checked_and_reads_partial_settings() {
    let policy = PricingPolicy::default();
    assert_eq!(policy.check(), Ok(()));
    let bad = PricingPolicy {
        aging: vec![
            AgingStep {
                after_days: 60,
                discount_bp: 500,
            },
            AgingStep {
                after_days: 30,
                discount_bp: 200,
            },
        ],
        ..PricingPolicy::default()
    };
    assert_eq!(bad.check().unwrap_err().field, "aging");
    let bad = PricingPolicy {
        rounding_cents: 0,
        ..PricingPolicy::default()
    };
    assert_eq!(bad.check().unwrap_err().field, "rounding_cents");
    let bad = PricingPolicy {
        min_comparables: 0,
        ..PricingPolicy::default()
    };
    assert_eq!(bad.check().unwrap_err().field, "min_comparables");
    let partial: PricingPolicy =
        serde_json::from_str(r#"{"year_rate_bp": 600, "aging": []}"#).unwrap();
    assert_eq!(partial.year_rate_bp, 600);
    assert_eq!(partial.min_comparables, 3);
    assert_eq!(partial.aging_discount(400), None);
    assert!(serde_json::from_str::<PricingPolicy>(r#"{"rate": 1}"#).is_err());
}

#[test]
fn quantiles_are_weighted() {
    assert_eq!(quantile(&[(10, 1), (20, 1)], 1, 2), 15);
    assert_eq!(quantile(&[(10, 1), (20, 2)], 1, 2), 20);
    assert_eq!(quantile(&[(10, 1), (20, 1), (30, 1)], 1, 2), 20);
    assert_eq!(quantile(&[(10, 1), (20, 1), (30, 1), (40, 1)], 1, 4), 15);
    assert_eq!(quantile(&[(7, 3)], 3, 4), 7);
    assert_eq!(percent(250), "2.5");
    assert_eq!(percent(1234), "12.34");
}

prop_compose! {
    fn any_comparable()(
        sold in any::<bool>(),
        year in 2018i32..2025,
        km in 0i64..250_000,
        price in -1i64..60_000_000,
        age in 0i64..400,
        other_model in proptest::bool::weighted(0.1),
    ) -> Comparable {
        Comparable {
            date: days_ago(age),
            price_cents: price,
            model_key: if other_model { "bmw_5_series".into() } else { "bmw_3_series".into() },
            ..comp("r", if sold { Sold } else { Listed }, year, km, 0)
        }
    }
}

prop_compose! {
    fn any_quote()(year in 2018i32..2025, km in proptest::option::of(0i64..250_000),
                   price in 1i64..60_000_000, age in 0i64..200) -> MarketReference {
        MarketReference {
            model_year: year,
            mileage_km: km,
            price_cents: price,
            observed_on: days_ago(age),
            ..quote("q", 0)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn suggestions_are_ordered_rounded_and_honest(
        comparables in proptest::collection::vec(any_comparable(), 0..8),
        market in proptest::collection::vec(any_quote(), 0..3),
        days in 0u32..200,
    ) {
        let policy = PricingPolicy::default();
        let subject = subject(days);
        let s = suggest_price(&subject, &comparables, &market, &policy, today());
        let usable = comparables.iter().filter(|c| {
            c.model_key == subject.model_key
                && (c.model_year - subject.model_year).abs() <= 1
                && c.price_cents > 0
                && (c.source == Listed || (today() - c.date).num_days() <= 180)
        }).count();
        let fresh = market.iter().filter(|m| {
            (m.model_year - subject.model_year).abs() <= 1 && (today() - m.observed_on).num_days() <= 90
        }).count();
        match s {
            PriceSuggestion::Suggested { low_cents, point_cents, high_cents, comparables: used, .. } => {
                prop_assert!(usable >= 3 || fresh > 0);
                prop_assert!(0 <= low_cents && low_cents <= point_cents && point_cents <= high_cents);
                for amount in [low_cents, point_cents, high_cents] {
                    prop_assert_eq!(amount % policy.rounding_cents, 0);
                }
                prop_assert_eq!(used.len(), usable);
            }
            PriceSuggestion::InsufficientData { .. } => {
                prop_assert!(usable < 3 && fresh == 0);
            }
        }
    }
}
