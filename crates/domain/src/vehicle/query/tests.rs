use proptest::prelude::*;

use super::*;

const YEAR: i32 = 2025;

fn parse(q: &str) -> VehicleQuery {
    parse_query(q, YEAR)
}

fn wan(n: i64) -> i64 {
    n * WAN_CENTS
}

fn set<T: Ord + Clone>(items: &[T]) -> BTreeSet<T> {
    items.iter().cloned().collect()
}

fn keys(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn texts(q: &VehicleQuery) -> Vec<&str> {
    q.understood.iter().map(|t| t.text.as_str()).collect()
}

#[test]
fn the_forms_customers_type() {
    let q = parse("10万内SUV");
    assert_eq!(
        (q.price_min_cents, q.price_max_cents),
        (None, Some(wan(10)))
    );
    assert_eq!(q.body_types, set(&[BodyType::Suv]));
    assert_eq!(texts(&q), ["10万内", "SUV"]);
    assert_eq!(q.understood[0].description_zh, "价格不超过¥10万");
    assert_eq!(q.understood[0].description_en, "price up to ¥100,000");
    assert!(q.not_understood.is_empty());

    let q = parse("新能源 7座");
    assert_eq!(
        q.energy_types,
        set(&[EnergyType::Phev, EnergyType::Bev, EnergyType::Erev])
    );
    assert_eq!(q.seats_min, Some(7));
    assert_eq!(q.understood[0].description_zh, "能源：插电混动、纯电、增程");

    let q = parse("宝马3系 2020");
    assert_eq!(q.brand_keys, keys(&["bmw"]));
    assert_eq!(q.model_keys, keys(&["bmw_3_series"]));
    assert_eq!((q.year_min, q.year_max), (Some(2020), Some(2020)));
    assert_eq!(texts(&q), ["宝马", "3系", "2020"]);
    assert_eq!(q.understood[1].description_zh, "车系：宝马 3系");
    assert_eq!(q.understood[2].description_en, "model year 2020");

    let q = parse("15-20万 轿车");
    assert_eq!(
        (q.price_min_cents, q.price_max_cents),
        (Some(wan(15)), Some(wan(20)))
    );
    assert_eq!(q.body_types, set(&[BodyType::Sedan]));

    let q = parse("5万公里以内");
    assert_eq!(q.max_mileage_km, Some(50_000));
    assert_eq!(q.price_max_cents, None);
    assert_eq!(q.understood[0].description_zh, "里程不超过5万公里");

    assert_eq!(parse("自动挡").transmission, Some(Transmission::Automatic));
    let q = parse("2018年以后");
    assert_eq!((q.year_min, q.year_max), (Some(2018), None));

    let q = parse("比亚迪汉 纯电");
    assert_eq!(q.brand_keys, keys(&["byd"]));
    assert_eq!(q.model_keys, keys(&["byd_han"]));
    assert_eq!(q.energy_types, set(&[EnergyType::Bev]));

    let q = parse("20万以下 MPV 7座");
    assert_eq!(q.price_max_cents, Some(wan(20)));
    assert_eq!(q.body_types, set(&[BodyType::Mpv]));
    assert_eq!(q.seats_min, Some(7));
    assert_eq!(q.understood.len(), 3);
    assert!(q.not_understood.is_empty());
}

#[test]
fn more_ways_of_saying_it() {
    let q = parse("１２．５万左右的 ＳＵＶ");
    assert_eq!(
        (q.price_min_cents, q.price_max_cents),
        (Some(10_625_000), Some(14_375_000))
    );
    assert_eq!(q.body_types, set(&[BodyType::Suv]));
    let q = parse("预算15万");
    assert_eq!(q.price_max_cents, Some(wan(15)));
    assert_eq!(texts(&q), ["15万"]);
    assert_eq!(parse("30万以上").price_min_cents, Some(wan(30)));
    assert_eq!(parse("10w内").price_max_cents, Some(wan(10)));
    assert_eq!(parse("15万-20万元").price_max_cents, Some(wan(20)),);
    assert_eq!(parse("8万到12万").price_min_cents, Some(wan(8)));
    assert_eq!(parse("1-3万公里").max_mileage_km, Some(30_000));
    assert_eq!(parse("30000公里内").max_mileage_km, Some(30_000));
    assert_eq!(parse("3万km").max_mileage_km, Some(30_000));
    assert_eq!(parse("七座SUV").seats_min, Some(7));
    let q = parse("车龄3年内");
    assert_eq!(q.year_min, Some(2022));
    assert_eq!(
        q.understood[0].description_zh,
        "2022年及以后（车龄约3年内）"
    );
    let q = parse("2018-2020年款");
    assert_eq!((q.year_min, q.year_max), (Some(2018), Some(2020)));
    assert_eq!(parse("2015年以前").year_max, Some(2015));
    assert_eq!(parse("手动挡 二手车").condition, Some(Condition::Used));
    assert_eq!(parse("手动挡").transmission, Some(Transmission::Manual));
    assert_eq!(parse("插混").energy_types, set(&[EnergyType::Phev]));
    let q = parse("Model Y 特斯拉");
    assert_eq!(q.model_keys, keys(&["tesla_model_y"]));
    assert_eq!(q.brand_keys, keys(&["tesla"]));
    assert_eq!(texts(&q), ["Model Y", "特斯拉"]);
    let q = parse("理想L7和问界M7");
    assert_eq!(q.model_keys, keys(&["li_l7", "aito_m7"]));
    assert_eq!(q.brand_keys, keys(&["li_auto", "aito"]));
    // Longest match: 汉兰达 is Toyota's Highlander, not a BYD 汉.
    assert_eq!(parse("汉兰达").model_keys, keys(&["toyota_highlander"]));
    assert_eq!(parse("奔驰C级").model_keys, keys(&["benz_c_class"]));
    assert_eq!(parse("CR-V").model_keys, keys(&["honda_crv"]));
    assert_eq!(parse("ID.4").model_keys, keys(&["vw_id4"]));
}

#[test]
fn later_terms_narrow_earlier_ones() {
    let q = parse("20万以内 15万以内 8万以上 5座 7座");
    assert_eq!(
        (q.price_min_cents, q.price_max_cents),
        (Some(wan(8)), Some(wan(15)))
    );
    assert_eq!(q.seats_min, Some(7));
    let q = parse("SUV MPV 宝马 奔驰");
    assert_eq!(q.body_types, set(&[BodyType::Suv, BodyType::Mpv]));
    assert_eq!(q.brand_keys, keys(&["bmw", "mercedes_benz"]));
}

#[test]
fn what_is_not_understood_is_reported() {
    let q = parse("红色 宝马 带天窗，18年以后");
    assert_eq!(q.brand_keys, keys(&["bmw"]));
    assert_eq!(q.not_understood, ["红色", "带天窗", "18年以后"]);
    let q = parse("gx300 9座 x3");
    // `x3` alone is a BMW X3; inside `gx300` it is not, and 9 seats is no car.
    assert_eq!(q.model_keys, keys(&["bmw_x3"]));
    assert_eq!(q.seats_min, Some(9));
    assert_eq!(q.not_understood, ["gx300"]);
    assert_eq!(parse("12座").not_understood, ["12座"]);
    let empty = parse("  ，，的 ");
    assert!(empty.is_empty() && empty.not_understood.is_empty());
    assert!(empty.hard_filter().is_empty());
    let long = parse(&"SUV ".repeat(100));
    assert_eq!(long.understood.len(), 50);
    assert_eq!(long.not_understood.len(), 1);
}

#[test]
fn the_query_becomes_search_filters() {
    let q = parse("10万内 SUV 比亚迪宋 新能源 7座 2020年以后 自动挡 二手 6万公里以内");
    let filter = q.hard_filter();
    assert_eq!(filter.max_price_cents, Some(wan(10)));
    assert_eq!(filter.body_types, Some(set(&[BodyType::Suv])));
    assert_eq!(filter.brand_keys, Some(keys(&["byd"])));
    assert_eq!(filter.model_keys, Some(keys(&["byd_song"])));
    assert_eq!(filter.min_seats, Some(7));
    assert_eq!(filter.min_model_year, Some(2020));
    assert_eq!(filter.max_mileage_km, Some(60_000));
    assert_eq!(filter.transmission, Some(Transmission::Automatic));
    assert_eq!(filter.condition, Some(Condition::Used));
    assert!(q.not_understood.is_empty(), "{:?}", q.not_understood);

    let json = serde_json::to_value(&q.understood[0]).unwrap();
    assert_eq!(json["meaning"]["kind"], "price");
    assert_eq!(json["meaning"]["max_cents"], wan(10));
    assert_eq!(json["text"], "10万内");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn any_input_is_read_without_panicking(input in "\\PC{0,60}") {
        let q = parse(&input);
        for term in &q.understood {
            prop_assert!(input.contains(&term.text), "{:?} not in {:?}", term.text, input);
        }
        for piece in &q.not_understood {
            prop_assert!(input.contains(piece.as_str()));
        }
        if let (Some(min), Some(max)) = (q.year_min, q.year_max) {
            prop_assert!(min >= 1980 - 30 && max <= YEAR + 1, "{:?}", q);
        }
    }

    #[test]
    fn typed_budgets_and_seats_read_back(max in 1i64..500, seats in 2u8..=9, year in 1990i32..=2026) {
        let q = parse(&format!("{max}万以内 {seats}座 {year}年以后"));
        prop_assert_eq!(q.price_max_cents, Some(max * WAN_CENTS));
        prop_assert_eq!(q.seats_min, Some(seats));
        prop_assert_eq!(q.year_min, Some(year));
        prop_assert!(q.not_understood.is_empty());
    }
}
