//! Inventory rule benchmarks: top-20 matches for one customer over 100,000 cars in memory,
//! reverse matching over 100,000 customers, one scored pair, a free query, a VIN decode and a
//! price suggestion.

use std::collections::BTreeSet;
use std::hint::black_box;

use autocrm_domain::customer::{NeedCriterion, Needs};
use autocrm_domain::vehicle::{
    BodyType, Comparable, ComparableSource, Condition, EnergyType, Location, MatchSettings,
    Matcher, Paint, PricingPolicy, PricingSubject, Prospect, Transmission, VehicleFacts, cities,
    customers_for_vehicle, decode, find_city, parse_query, suggest_price, top_n,
};
use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};

/// A small deterministic generator, so every run scores the same stock.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const LINES: &[(&str, &str)] = &[
    ("比亚迪", "宋PLUS"),
    ("比亚迪", "汉"),
    ("丰田", "凯美瑞"),
    ("丰田", "RAV4"),
    ("大众", "朗逸"),
    ("大众", "途观L"),
    ("本田", "CR-V"),
    ("宝马", "3系"),
    ("奔驰", "C级"),
    ("特斯拉", "Model Y"),
    ("吉利", "星越L"),
    ("理想", "L7"),
    ("哈弗", "H6"),
    ("别克", "GL8"),
    ("日产", "轩逸"),
];
const COLOURS: &[&str] = &["珍珠白", "曜石黑", "星际银", "天空蓝", "宝石红", "钛金灰"];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
}

fn stock(n: usize) -> Vec<VehicleFacts> {
    let mut rng = Lcg(42);
    let all_cities = cities();
    (0..n)
        .map(|_| {
            let (brand, model) = *rng.pick(LINES);
            let used = rng.below(4) != 0;
            let year = 2015 + rng.below(11) as i32;
            let registered =
                used.then(|| NaiveDate::from_ymd_opt(year, 1 + rng.below(12) as u32, 1).unwrap());
            VehicleFacts {
                body_type: Some(*rng.pick(BodyType::ALL)),
                energy_type: Some(*rng.pick(EnergyType::ALL)),
                transmission: Some(if rng.below(10) == 0 {
                    Transmission::Manual
                } else {
                    Transmission::Automatic
                }),
                seats: Some(*rng.pick(&[5u8, 5, 5, 6, 7])),
                model_year: Some(year),
                first_registration: registered,
                mileage_km: if used { rng.below(200_000) as i64 } else { 10 },
                colour: Some(Paint::new(rng.pick::<&str>(COLOURS))),
                location: Some(Location::of_city(rng.pick(all_cities))),
                ..VehicleFacts::new(
                    brand,
                    model,
                    if used {
                        Condition::Used
                    } else {
                        Condition::New
                    },
                    3_000_000 + rng.below(57_000_000) as i64,
                )
            }
        })
        .collect()
}

fn customer_needs() -> Needs {
    Needs {
        budget_max_cents: Some(20_000_000),
        body_types: BTreeSet::from([BodyType::Suv]),
        brands: vec!["比亚迪".into(), "丰田".into(), "大众".into()],
        energy_types: BTreeSet::from([EnergyType::Phev, EnergyType::Bev]),
        seats_min: Some(5),
        max_age_years: Some(5),
        max_mileage_km: Some(80_000),
        colours: vec!["白色".into()],
        must_have: BTreeSet::from([NeedCriterion::Budget]),
        ..Needs::default()
    }
}

fn matching(c: &mut Criterion) {
    let cars = stock(100_000);
    let settings = MatchSettings::default();
    let needs = customer_needs();
    let hangzhou = Some(Location::of_city(find_city("杭州").unwrap()));

    c.bench_function("matching/top20_of_100k_cars", |b| {
        b.iter(|| {
            let matcher = Matcher::new(black_box(&needs), hangzhou, &settings, today());
            top_n(&matcher, cars.iter().enumerate(), 20)
        })
    });
    let soft = Needs {
        must_have: BTreeSet::new(),
        ..customer_needs()
    };
    c.bench_function("matching/top20_of_100k_cars_no_must_haves", |b| {
        b.iter(|| {
            let matcher = Matcher::new(black_box(&soft), hangzhou, &settings, today());
            top_n(&matcher, cars.iter().enumerate(), 20)
        })
    });

    let matcher = Matcher::new(&soft, hangzhou, &settings, today());
    let car = &cars[7];
    c.bench_function("matching/score_one_pair_with_reasons", |b| {
        b.iter(|| matcher.score(black_box(car)))
    });
    c.bench_function("matching/evaluate_one_pair", |b| {
        b.iter(|| matcher.evaluate(black_box(car)))
    });

    let mut rng = Lcg(7);
    let all_cities = cities();
    let customers: Vec<(Needs, Option<Location>)> = (0..100_000)
        .map(|_| {
            let (brand, _) = *rng.pick(LINES);
            let needs = Needs {
                budget_max_cents: Some(5_000_000 + rng.below(45_000_000) as i64),
                body_types: BTreeSet::from([*rng.pick(BodyType::ALL)]),
                brands: vec![brand.to_string()],
                max_age_years: Some(1 + rng.below(8) as u8),
                must_have: if rng.below(2) == 0 {
                    BTreeSet::from([NeedCriterion::Budget])
                } else {
                    BTreeSet::new()
                },
                ..Needs::default()
            };
            (needs, Some(Location::of_city(rng.pick(all_cities))))
        })
        .collect();
    c.bench_function("matching/reverse_top20_of_100k_customers", |b| {
        b.iter(|| {
            let prospects = customers
                .iter()
                .enumerate()
                .map(|(key, (needs, location))| Prospect {
                    key,
                    needs,
                    location: *location,
                });
            customers_for_vehicle(black_box(car), prospects, 20, &settings, today())
        })
    });
}

fn parsing(c: &mut Criterion) {
    c.bench_function("query/parse", |b| {
        b.iter(|| {
            parse_query(
                black_box("20万以下 MPV 7座 比亚迪宋 新能源 2020年以后"),
                2025,
            )
        })
    });
    c.bench_function("vin/decode", |b| {
        b.iter(|| decode(black_box("LRW3E7FS5PC695355"), 2025))
    });
}

fn pricing(c: &mut Criterion) {
    let subject = PricingSubject {
        brand_key: "bmw".into(),
        model_key: "bmw_3_series".into(),
        condition: Condition::Used,
        model_year: 2021,
        mileage_km: 40_000,
        days_in_stock: 75,
    };
    let mut rng = Lcg(3);
    let comparables: Vec<Comparable> = (0..30)
        .map(|i| Comparable {
            reference: format!("c{i}"),
            source: if i % 3 == 0 {
                ComparableSource::Sold
            } else {
                ComparableSource::Listed
            },
            brand_key: "bmw".into(),
            model_key: "bmw_3_series".into(),
            condition: Condition::Used,
            model_year: 2020 + rng.below(3) as i32,
            mileage_km: rng.below(100_000) as i64,
            price_cents: 20_000_000 + rng.below(6_000_000) as i64,
            date: today() - chrono::Duration::days(rng.below(150) as i64),
        })
        .collect();
    let policy = PricingPolicy::default();
    c.bench_function("pricing/suggest_30_comparables", |b| {
        b.iter(|| suggest_price(black_box(&subject), &comparables, &[], &policy, today()))
    });
}

criterion_group!(benches, matching, parsing, pricing);
criterion_main!(benches);
