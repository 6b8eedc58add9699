use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;
use crate::vehicle::find_city;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn city(name: &str) -> Location {
    Location::of_city(find_city(name).unwrap())
}

/// A used 2021 BMW 325Li sedan in Hangzhou, ¥12.8万.
fn bmw() -> VehicleFacts {
    VehicleFacts {
        body_type: Some(BodyType::Sedan),
        energy_type: Some(EnergyType::Gasoline),
        transmission: Some(Transmission::Automatic),
        seats: Some(5),
        model_year: Some(2021),
        first_registration: Some(date(2021, 3, 15)),
        mileage_km: 32_000,
        colour: Some("珍珠白".into()),
        location: Some(city("杭州")),
        ..VehicleFacts::new("BMW", "325Li", Condition::Used, 12_800_000)
    }
}

fn needs() -> Needs {
    Needs {
        budget_max_cents: Some(15_000_000),
        body_types: BTreeSet::from([BodyType::Sedan]),
        brands: vec!["宝马".into()],
        ..Needs::default()
    }
}

fn reason(m: &VehicleMatch, criterion: NeedCriterion) -> &MatchReason {
    m.reasons
        .iter()
        .find(|r| r.criterion == criterion)
        .unwrap_or_else(|| panic!("no {criterion} reason"))
}

#[test]
fn a_fitting_car_scores_full_marks_with_its_reasons() {
    let settings = MatchSettings::default();
    let needs = needs();
    let m = Matcher::new(&needs, None, &settings, today())
        .score(&bmw())
        .unwrap();
    assert_eq!(m.score, 100);
    assert_eq!(m.reasons.len(), 3);
    let budget = reason(&m, NeedCriterion::Budget);
    assert_eq!(budget.message_zh, "预算内（¥12.8万 ≤ ¥15万）");
    assert_eq!(budget.message_en, "Within budget (¥128,000 ≤ ¥150,000)");
    assert_eq!((budget.weight, budget.fit, budget.points), (25, 100, 25.0));
    assert!(budget.met && !budget.hard);
    assert_eq!(
        reason(&m, NeedCriterion::Brand).message_zh,
        "意向品牌（宝马）"
    );
    assert_eq!(
        reason(&m, NeedCriterion::BodyType).message_en,
        "Body type matches (sedan)"
    );
    assert!(m.transfer.is_none());
}

#[test]
fn over_budget_costs_points_unless_the_budget_is_a_must() {
    let settings = MatchSettings::default();
    let mut needs = needs();
    needs.budget_max_cents = Some(12_000_000);
    let soft = Matcher::new(&needs, None, &settings, today())
        .score(&bmw())
        .unwrap();
    let budget = reason(&soft, NeedCriterion::Budget);
    assert!(!budget.met);
    // 6.67 % over, zero at 20 %: two thirds of the fit is left.
    assert_eq!(budget.fit, 67);
    assert_eq!(budget.message_zh, "超出预算¥8,000（¥12.8万 > ¥12万）");
    assert_eq!(
        budget.message_en,
        "¥8,000 over budget (¥128,000 > ¥120,000)"
    );
    // (25 × 67 + 12 × 100 + 12 × 100) / 49 = 83.2
    assert_eq!(soft.score, 83);

    needs.must_have.insert(NeedCriterion::Budget);
    let matcher = Matcher::new(&needs, None, &settings, today());
    assert!(matcher.score(&bmw()).is_none());
    assert!(!matcher.hard_filter().admits(&bmw()));
    assert_eq!(matcher.hard_filter().max_price_cents, Some(12_000_000));

    needs.budget_min_cents = Some(13_000_000);
    needs.budget_max_cents = None;
    needs.must_have.clear();
    let under = Matcher::new(&needs, None, &settings, today())
        .score(&bmw())
        .unwrap();
    assert_eq!(
        reason(&under, NeedCriterion::Budget).message_zh,
        "低于预算下限（¥12.8万 < ¥13万）"
    );
}

#[test]
fn empty_needs_match_every_car_equally() {
    let settings = MatchSettings::default();
    let needs = Needs::default();
    let matcher = Matcher::new(&needs, None, &settings, today());
    let m = matcher.score(&bmw()).unwrap();
    assert_eq!((m.score, m.reasons.len()), (100, 0));
    assert!(matcher.hard_filter().is_empty());
    // A must-have without a stated preference constrains nothing.
    let needs = Needs {
        must_have: NeedCriterion::ALL.iter().copied().collect(),
        ..Needs::default()
    };
    assert!(
        Matcher::new(&needs, None, &settings, today())
            .hard_filter()
            .is_empty()
    );
}

#[test]
fn unrecorded_attributes_are_neutral_wishes_but_fail_must_haves() {
    let settings = MatchSettings::default();
    let car = VehicleFacts::new("Rivian", "R1S", Condition::Used, 50_000_000);
    let mut needs = Needs {
        seats_min: Some(7),
        transmission: Some(Transmission::Automatic),
        colours: vec!["白色".into()],
        max_age_years: Some(3),
        ..Needs::default()
    };
    let m = Matcher::new(&needs, Some(city("上海")), &settings, today())
        .score(&car)
        .unwrap();
    assert_eq!(m.score, 50);
    assert!(m.reasons.iter().all(|r| r.fit == 50 && !r.met));
    assert_eq!(
        reason(&m, NeedCriterion::Seats).message_en,
        "Seat count not recorded"
    );
    assert_eq!(reason(&m, NeedCriterion::Age).message_zh, "车龄未知");
    for criterion in [
        NeedCriterion::Seats,
        NeedCriterion::Colour,
        NeedCriterion::Age,
    ] {
        needs.must_have = BTreeSet::from([criterion]);
        let matcher = Matcher::new(&needs, None, &settings, today());
        assert!(matcher.score(&car).is_none(), "{criterion}");
        assert!(!matcher.hard_filter().admits(&car), "{criterion}");
    }
}

#[test]
fn brands_and_colours_match_across_spellings() {
    let settings = MatchSettings::default();
    let needs = Needs {
        brands: vec!["bmw".into(), "  奔驰 ".into()],
        colours: vec!["白色".into()],
        must_have: BTreeSet::from([NeedCriterion::Brand, NeedCriterion::Colour]),
        ..Needs::default()
    };
    let matcher = Matcher::new(&needs, None, &settings, today());
    assert_eq!(matcher.score(&bmw()).unwrap().score, 100);
    let filter = matcher.hard_filter();
    assert_eq!(
        filter.brand_keys,
        Some(BTreeSet::from(["bmw".into(), "mercedes_benz".into()]))
    );
    assert_eq!(
        filter.colours.as_ref().unwrap().families,
        BTreeSet::from([ColourFamily::White])
    );
    let black = VehicleFacts {
        colour: Some("曜石黑".into()),
        ..bmw()
    };
    assert!(matcher.score(&black).is_none());
    let audi = VehicleFacts::new("一汽-奥迪", "A4L", Condition::Used, 1);
    assert_eq!(audi.brand_key, "audi");
    assert_eq!(audi.model_key, "audi_a4l");
    assert!(!filter.admits(&audi));
    // A colour without a family matches by name.
    let needs = Needs {
        colours: vec!["Nebula".into()],
        ..Needs::default()
    };
    let nebula = VehicleFacts {
        colour: Some(" nebula".into()),
        ..bmw()
    };
    let matcher = Matcher::new(&needs, None, &settings, today());
    assert!(reason(&matcher.score(&nebula).unwrap(), NeedCriterion::Colour).met);
}

#[test]
fn age_counts_from_first_registration() {
    let settings = MatchSettings::default();
    let needs = Needs {
        max_age_years: Some(3),
        ..Needs::default()
    };
    let matcher = Matcher::new(&needs, None, &settings, today());
    let m = matcher.score(&bmw()).unwrap();
    let age = reason(&m, NeedCriterion::Age);
    assert!(!age.met);
    // 14 months past the limit (2022-06-01), zero at 24.
    assert_eq!(age.fit, 42);
    assert_eq!(age.message_zh, "车龄4年2个月，超过3年");
    assert_eq!(age.message_en, "4 years 2 months old, over 3 years");
    let young = VehicleFacts {
        first_registration: Some(date(2022, 6, 1)),
        ..bmw()
    };
    assert_eq!(
        reason(&matcher.score(&young).unwrap(), NeedCriterion::Age).message_en,
        "3 years old, within 3 years"
    );
    let new = VehicleFacts::new("BMW", "X3", Condition::New, 1);
    assert!(reason(&matcher.score(&new).unwrap(), NeedCriterion::Age).met);
    let by_model_year = VehicleFacts {
        first_registration: None,
        model_year: Some(2023),
        ..bmw()
    };
    assert_eq!(
        by_model_year.age_reference(),
        AgeReference::Since(date(2023, 1, 1))
    );
    assert!(reason(&matcher.score(&by_model_year).unwrap(), NeedCriterion::Age).met);
    // A leap day counts back to 28 February.
    let leap = Matcher::new(&needs, None, &settings, date(2024, 2, 29));
    assert_eq!(leap.registered_cutoff, Some(date(2021, 2, 28)));
}

#[test]
fn mileage_seats_energy_and_gearbox() {
    let settings = MatchSettings::default();
    let needs = Needs {
        max_mileage_km: Some(30_000),
        seats_min: Some(6),
        energy_types: BTreeSet::from([EnergyType::Bev]),
        transmission: Some(Transmission::Manual),
        condition: Some(Condition::New),
        ..Needs::default()
    };
    let m = Matcher::new(&needs, None, &settings, today())
        .score(&bmw())
        .unwrap();
    let mileage = reason(&m, NeedCriterion::Mileage);
    assert_eq!(mileage.message_zh, "里程3.2万公里，超过3万公里");
    assert_eq!(mileage.fit, 87);
    assert_eq!(reason(&m, NeedCriterion::Seats).fit, 30);
    assert_eq!(reason(&m, NeedCriterion::Seats).message_zh, "5座，少于6座");
    assert_eq!(
        reason(&m, NeedCriterion::EnergyType).message_en,
        "Petrol rather than battery electric"
    );
    assert_eq!(
        reason(&m, NeedCriterion::Transmission).message_zh,
        "自动挡，想要手动挡"
    );
    assert_eq!(
        reason(&m, NeedCriterion::Condition).message_en,
        "Used; new wanted"
    );
    let odd = VehicleFacts {
        seats: Some(u8::MAX),
        ..bmw()
    };
    let m = Matcher::new(&needs, None, &settings, today())
        .score(&odd)
        .unwrap();
    assert!(reason(&m, NeedCriterion::Seats).met);
    let phev = VehicleFacts {
        energy_type: Some(EnergyType::Phev),
        ..bmw()
    };
    let m = Matcher::new(&needs, None, &settings, today())
        .score(&phev)
        .unwrap();
    assert_eq!(reason(&m, NeedCriterion::EnergyType).fit, 60);
}

#[test]
fn a_car_in_another_city_shows_the_transfer() {
    let settings = MatchSettings::default();
    let needs = needs();
    let matcher = Matcher::new(&needs, Some(city("杭州")), &settings, today());
    let near = matcher.score(&bmw()).unwrap();
    let distance = reason(&near, NeedCriterion::Distance);
    assert!(distance.met);
    assert_eq!(distance.message_zh, "就近门店，距您约0公里");
    let shanghai = VehicleFacts {
        location: Some(city("上海")),
        ..bmw()
    };
    let far = matcher.score(&shanghai).unwrap();
    let distance = reason(&far, NeedCriterion::Distance);
    assert!(!distance.met);
    let transfer = far.transfer.unwrap();
    assert_eq!(
        transfer,
        settings
            .transfer
            .estimate(city("杭州").point.distance_km(city("上海").point))
    );
    assert_eq!((transfer.distance_km, transfer.days), (164, 2));
    assert_eq!(
        distance.message_zh,
        format!(
            "需跨城调车：上海→杭州约164公里，预计2天，调车费约{}",
            crate::vehicle::money::yuan_zh(transfer.cost_cents)
        )
    );
    assert!(
        distance
            .message_en
            .starts_with("Transfer needed: Shanghai to Hangzhou, about 164 km")
    );
    assert!(far.score < near.score);

    let mut must_be_near = needs;
    must_be_near.must_have.insert(NeedCriterion::Distance);
    let matcher = Matcher::new(&must_be_near, Some(city("杭州")), &settings, today());
    assert!(matcher.score(&shanghai).is_none());
    let within = matcher.hard_filter().within.unwrap();
    assert_eq!(within.km, 50.0);
}

#[test]
fn weights_are_configurable_and_checked() {
    let needs = Needs {
        budget_max_cents: Some(12_000_000),
        colours: vec!["白".into()],
        ..Needs::default()
    };
    let colour_first = MatchSettings {
        weights: MatchWeights {
            budget: 1,
            colour: 99,
            ..MatchWeights::default()
        },
        ..MatchSettings::default()
    };
    let m = Matcher::new(&needs, None, &colour_first, today())
        .score(&bmw())
        .unwrap();
    // (1 × 67 + 99 × 100) / 100
    assert_eq!(m.score, 100);
    let defaults = MatchSettings::default();
    let m = Matcher::new(&needs, None, &defaults, today())
        .score(&bmw())
        .unwrap();
    // (25 × 67 + 3 × 100) / 28 = 70.5
    assert_eq!(m.score, 71);

    assert_eq!(
        MatchWeights {
            brand: 101,
            ..MatchWeights::default()
        }
        .check(),
        Err(MatchWeightsError::TooHeavy(NeedCriterion::Brand))
    );
    let zero: MatchWeights = serde_json::from_str(
        r#"{"budget":0,"body_type":0,"brand":0,"energy_type":0,"condition":0,"seats":0,
            "age":0,"mileage":0,"transmission":0,"colour":0,"distance":0}"#,
    )
    .unwrap();
    assert_eq!(zero.check(), Err(MatchWeightsError::AllZero));
    let partial: MatchSettings = serde_json::from_str(r#"{"weights": {"colour": 10}}"#).unwrap();
    assert_eq!(partial.weights.colour, 10);
    assert_eq!(partial.weights.budget, 25);
    assert!(partial.check().is_ok());
    assert!(serde_json::from_str::<MatchWeights>(r#"{"price": 3}"#).is_err());
    assert_eq!(
        MatchWeights::default().check(),
        Ok(()),
        "the defaults are valid"
    );
    let total: u16 = NeedCriterion::ALL
        .iter()
        .map(|c| MatchWeights::default().weight(*c))
        .sum();
    assert_eq!(total, 100);
}

fn priced(price: i64) -> VehicleFacts {
    VehicleFacts::new("BMW", "325Li", Condition::Used, price)
}

#[test]
fn top_n_ranks_best_first_and_breaks_ties_by_key() {
    let settings = MatchSettings::default();
    let needs = Needs {
        budget_max_cents: Some(10_000_000),
        ..Needs::default()
    };
    let matcher = Matcher::new(&needs, None, &settings, today());
    let cars = [
        priced(11_500_000),
        priced(9_000_000),
        priced(10_500_000),
        priced(8_000_000),
        priced(13_000_000),
    ];
    let ranked = top_n(&matcher, cars.iter().enumerate(), 3);
    let keys: Vec<_> = ranked.iter().map(|r| r.key).collect();
    // 1 and 3 both score 100: the smaller key first; then 10.5万 (5 % over).
    assert_eq!(keys, [1, 3, 2]);
    assert_eq!(ranked[2].matched.score, 75);
    assert!(top_n(&matcher, cars.iter().enumerate(), 0).is_empty());
    assert_eq!(top_n(&matcher, cars.iter().enumerate(), 10).len(), 5);

    let mut strict = needs;
    strict.must_have.insert(NeedCriterion::Budget);
    let matcher = Matcher::new(&strict, None, &settings, today());
    let keys: Vec<_> = top_n(&matcher, cars.iter().enumerate(), 10)
        .iter()
        .map(|r| r.key)
        .collect();
    assert_eq!(keys, [1, 3]);
}

#[test]
fn reverse_matching_ranks_customers_for_a_car() {
    let settings = MatchSettings::default();
    let wants_bmw = needs();
    let wants_suv = Needs {
        body_types: BTreeSet::from([BodyType::Suv]),
        ..Needs::default()
    };
    let must_be_cheap = Needs {
        budget_max_cents: Some(5_000_000),
        must_have: BTreeSet::from([NeedCriterion::Budget]),
        ..Needs::default()
    };
    let prospects = [
        ("c-suv", &wants_suv, None),
        ("c-bmw", &wants_bmw, Some(city("杭州"))),
        ("c-cheap", &must_be_cheap, None),
    ]
    .map(|(key, needs, location)| Prospect {
        key,
        needs,
        location,
    });
    let ranked = customers_for_vehicle(&bmw(), prospects, 10, &settings, today());
    let keys: Vec<_> = ranked.iter().map(|r| r.key).collect();
    assert_eq!(keys, ["c-bmw", "c-suv"]);
    assert_eq!(ranked[0].matched.score, 100);
    assert_eq!(ranked[1].matched.score, 0);
    // The same scoring as the forward direction.
    assert_eq!(
        Some(ranked[0].matched.clone()),
        Matcher::new(&wants_bmw, Some(city("杭州")), &settings, today()).score(&bmw())
    );
    let json = serde_json::to_value(&ranked[0]).unwrap();
    assert_eq!(json["key"], "c-bmw");
    assert_eq!(json["score"], 100);
    assert_eq!(json["reasons"][0]["criterion"], "budget");
}

const BRANDS: &[&str] = &["宝马", "BMW", "奔驰", "比亚迪", "Tesla", "Rivian", " "];
const COLOURS: &[&str] = &["白色", "曜石黑", "珍珠白", "香槟金", "Nebula", "天空"];
const CITIES: &[&str] = &["杭州", "上海", "嘉兴", "北京", "乌鲁木齐"];

fn pick<T: Clone + std::fmt::Debug + 'static>(items: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(items)
}

fn location() -> impl Strategy<Value = Option<Location>> {
    proptest::option::of(pick(CITIES).prop_map(city))
}

fn subset<T: Copy + Ord + std::fmt::Debug + 'static>(
    all: &'static [T],
) -> impl Strategy<Value = BTreeSet<T>> {
    proptest::sample::subsequence(all, 0..=all.len().min(3))
        .prop_map(|items| items.into_iter().collect())
}

prop_compose! {
    fn any_needs()(
        budget_min in proptest::option::of(0i64..30_000_000),
        budget_max in proptest::option::of(0i64..30_000_000),
        body_types in subset(BodyType::ALL),
        brands in proptest::collection::vec(pick(BRANDS).prop_map(String::from), 0..3),
        energy_types in subset(EnergyType::ALL),
        condition in proptest::option::of(pick(Condition::ALL)),
        seats_min in proptest::option::of(2u8..9),
        max_age_years in proptest::option::of(0u8..12),
        max_mileage_km in proptest::option::of(0i64..200_000),
        transmission in proptest::option::of(pick(Transmission::ALL)),
        colours in proptest::collection::vec(pick(COLOURS).prop_map(String::from), 0..3),
        must_have in subset(NeedCriterion::ALL),
    ) -> Needs {
        Needs {
            budget_min_cents: budget_min,
            budget_max_cents: budget_max,
            body_types,
            brands,
            energy_types,
            condition,
            seats_min,
            max_age_years,
            max_mileage_km,
            transmission,
            colours,
            must_have,
            ..Needs::default()
        }
    }
}

prop_compose! {
    fn any_car()(
        brand in pick(BRANDS),
        condition in pick(Condition::ALL),
        price in 0i64..30_000_000,
        body_type in proptest::option::of(pick(BodyType::ALL)),
        energy_type in proptest::option::of(pick(EnergyType::ALL)),
        transmission in proptest::option::of(pick(Transmission::ALL)),
        seats in proptest::option::of(2u8..9),
        model_year in proptest::option::of(2005i32..2027),
        registered_days in proptest::option::of(0i64..7000),
        mileage_km in 0i64..300_000,
        colour in proptest::option::of(pick(COLOURS).prop_map(Paint::from)),
        location in location(),
    ) -> VehicleFacts {
        VehicleFacts {
            body_type,
            energy_type,
            transmission,
            seats,
            model_year,
            first_registration: registered_days.map(|d| today() - chrono::Duration::days(d)),
            mileage_km,
            colour,
            location,
            ..VehicleFacts::new(brand, "Model", condition, price)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_hard_filter_admits_exactly_the_cars_scoring_offers(
        needs in any_needs(),
        customer in location(),
        car in any_car(),
    ) {
        let settings = MatchSettings::default();
        let matcher = Matcher::new(&needs, customer, &settings, today());
        let scored = matcher.score(&car);
        prop_assert_eq!(matcher.hard_filter().admits(&car), scored.is_some());
        prop_assert_eq!(
            HardFilter::for_needs(&needs, customer, &settings, today()),
            matcher.hard_filter()
        );
        prop_assert_eq!(matcher.evaluate(&car).map(|e| e.score), scored.as_ref().map(|m| m.score));
        if let Some(m) = scored {
            prop_assert!(m.score <= 100);
            for r in &m.reasons {
                prop_assert!(r.fit <= 100);
                prop_assert!(!r.hard || r.met, "{:?}", r);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn top_n_equals_sorting_everything(
        needs in any_needs(),
        customer in location(),
        cars in proptest::collection::vec(any_car(), 0..40),
        n in 0usize..12,
    ) {
        let settings = MatchSettings::default();
        let matcher = Matcher::new(&needs, customer, &settings, today());
        let mut all: Vec<(u16, usize)> = cars
            .iter()
            .enumerate()
            .filter_map(|(i, c)| matcher.evaluate(c).map(|e| (e.per_mille, i)))
            .collect();
        all.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let expected: Vec<usize> = all.iter().take(n).map(|(_, i)| *i).collect();
        let got: Vec<usize> = top_n(&matcher, cars.iter().enumerate(), n)
            .iter()
            .map(|r| r.key)
            .collect();
        prop_assert_eq!(got, expected);
    }
}
