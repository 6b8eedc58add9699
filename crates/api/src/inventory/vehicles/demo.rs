//! The demo dealership's stock: a few hundred cars of the lines sold in China, new and used,
//! with valid VINs of their makers' WMIs, realistic mileages, prices in fen, costs, and days
//! in stock spread so that aging shows.

use autocrm_domain::vehicle::{Paint, Vin, catalog};
use autocrm_persistence::DbConn;
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{Store, Vehicle, VehicleCost};
use chrono::{Datelike, NaiveDateTime, TimeDelta};

use super::service::VehicleSpecs;
use crate::app::{ServiceError, ServiceResult};

/// A model line as the demo stocks it: WMI, body, energy, seats, new price in 万元.
struct Line {
    wmi: &'static str,
    brand: &'static str,
    model: &'static str,
    trim: &'static str,
    body: &'static str,
    energy: &'static str,
    seats: i32,
    new_price_wan: f64,
}

#[allow(clippy::too_many_arguments)] // one row of the table below
const fn l(
    wmi: &'static str,
    brand: &'static str,
    model: &'static str,
    trim: &'static str,
    body: &'static str,
    energy: &'static str,
    seats: i32,
    new_price_wan: f64,
) -> Line {
    Line {
        wmi,
        brand,
        model,
        trim,
        body,
        energy,
        seats,
        new_price_wan,
    }
}

#[rustfmt::skip]
const LINES: &[Line] = &[
    l("LGX", "比亚迪", "汉", "EV 创世版 610KM", "sedan", "bev", 5, 21.98),
    l("LGX", "比亚迪", "宋PLUS", "DM-i 冠军版 110KM", "suv", "phev", 5, 15.98),
    l("LGX", "比亚迪", "秦PLUS", "DM-i 荣耀版 55KM", "sedan", "phev", 5, 9.98),
    l("LC0", "比亚迪", "海豹", "650 长续航后驱", "sedan", "bev", 5, 18.98),
    l("LC0", "比亚迪", "元PLUS", "荣耀版 510KM", "suv", "bev", 5, 13.58),
    l("LB3", "吉利", "星越L", "2.0TD 高功率四驱", "suv", "gasoline", 5, 16.37),
    l("LB3", "吉利", "帝豪", "1.5L CVT 豪华型", "sedan", "gasoline", 5, 7.99),
    l("LVV", "奇瑞", "瑞虎8", "鲲鹏版 1.6TGDI", "suv", "gasoline", 7, 11.49),
    l("LS5", "长安", "CS75 PLUS", "第三代 1.5T 尊贵型", "suv", "gasoline", 5, 12.19),
    l("LGW", "哈弗", "H6", "第三代 1.5T 两驱 Max", "suv", "gasoline", 5, 11.99),
    l("LSJ", "名爵", "MG4", "EV 425KM 豪华版", "hatchback", "bev", 5, 12.98),
    l("L1N", "小鹏", "G6", "580 长续航 Pro", "suv", "bev", 5, 20.99),
    l("LRW", "特斯拉", "Model Y", "后轮驱动版", "suv", "bev", 5, 24.99),
    l("LRW", "特斯拉", "Model 3", "焕新版 后轮驱动", "sedan", "bev", 5, 23.19),
    l("LFV", "大众", "迈腾", "380TSI DSG 豪华型", "sedan", "gasoline", 5, 21.99),
    l("LSV", "大众", "帕萨特", "330TSI 星空精英版", "sedan", "gasoline", 5, 19.99),
    l("LSV", "大众", "途观L", "330TSI 两驱智享版", "suv", "gasoline", 5, 22.58),
    l("LFM", "丰田", "卡罗拉", "1.2T S-CVT 精英版", "sedan", "gasoline", 5, 11.98),
    l("LVG", "丰田", "凯美瑞", "2.0E 精英版", "sedan", "hev", 5, 17.98),
    l("LVG", "丰田", "汉兰达", "2.5L 双擎四驱 豪华版", "suv", "hev", 7, 31.98),
    l("LHG", "本田", "雅阁", "260TURBO 豪华版", "sedan", "gasoline", 5, 17.98),
    l("LVH", "本田", "CR-V", "240TURBO 两驱 锋尚版", "suv", "gasoline", 5, 18.59),
    l("LGB", "日产", "轩逸", "1.6L XL CVT 悦享版", "sedan", "gasoline", 5, 10.90),
    l("LBV", "宝马", "3系", "325Li M运动套装", "sedan", "gasoline", 5, 34.99),
    l("LBV", "宝马", "X3", "xDrive30i 领先型 M曜夜", "suv", "gasoline", 5, 47.99),
    l("LE4", "奔驰", "C级", "C 260 L 皓夜运动版", "sedan", "gasoline", 5, 33.92),
    l("LE4", "奔驰", "GLC", "GLC 300 L 4MATIC 动感型", "suv", "gasoline", 5, 43.18),
    l("LFV", "奥迪", "A6L", "45 TFSI 臻选动感型", "sedan", "gasoline", 5, 42.79),
    l("LSG", "别克", "GL8", "ES陆尊 653T 豪华型", "mpv", "gasoline", 7, 32.99),
    l("LMG", "传祺", "M8", "宗师系列 2.0T 旗舰版", "mpv", "hev", 7, 25.98),
];

const PAINTS: &[&str] = &[
    "珍珠白",
    "曜石黑",
    "星际银",
    "天青蓝",
    "汉宫红",
    "冰川灰",
    "墨玉绿",
    "极地白",
];
const FEATURES: &[&str] = &[
    "座椅加热",
    "座椅通风",
    "360度全景影像",
    "自适应巡航",
    "全景天窗",
    "无线充电",
    "倒车雷达",
    "车道保持",
    "电动尾门",
    "HUD抬头显示",
];
const MODEL_YEAR_CODES: &[(i32, char)] = &[
    (2019, 'K'),
    (2020, 'L'),
    (2021, 'M'),
    (2022, 'N'),
    (2023, 'P'),
    (2024, 'R'),
    (2025, 'S'),
    (2026, 'T'),
];
const VIN_CHARS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";

struct Lcg(u64);
impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

fn vin(rng: &mut Lcg, wmi: &str, year: i32, serial: usize) -> ServiceResult<Vin> {
    let vds: String = (0..5)
        .map(|_| VIN_CHARS[rng.next(VIN_CHARS.len() as u64) as usize] as char)
        .collect();
    let year_code = MODEL_YEAR_CODES
        .iter()
        .find(|(y, _)| *y == year)
        .map_or('T', |(_, c)| *c);
    Vin::with_computed_check_digit(&format!("{wmi}{vds}0{year_code}A{serial:06}"))
        .map_err(|e| ServiceError::internal(format!("demo VIN: {e}")))
}

/// Adds `count` cars to the stores (the first store gets its share first), as of `at`.
/// Answers them, for the capabilities that build on stock (inspections, reservations).
pub fn seed(
    conn: &mut DbConn,
    org_id: &str,
    stores: &[Store],
    at: NaiveDateTime,
    count: usize,
) -> ServiceResult<Vec<Vehicle>> {
    let mut rng = Lcg(20261207);
    let today = at.date();
    let mut vehicles = Vec::with_capacity(count);
    let mut costs = Vec::with_capacity(count);
    for i in 0..count {
        let line = &LINES[rng.next(LINES.len() as u64) as usize];
        let used = rng.next(100) < 70;
        let year = if used {
            today.year() - 1 - rng.next(6) as i32
        } else {
            today.year() - rng.next(2) as i32
        };
        let age_years = (today.year() - year).max(0);
        let mileage_km = if used {
            (age_years as i64 * 12_000 + rng.next(9_000) as i64 + 3_000) / 100 * 100
        } else {
            rng.next(40) as i64 + 5
        };
        // Used cars lose ~13 % a year and a little per 10,000 km; prices end in 00 元.
        let mut price = line.new_price_wan * 1_000_000.0;
        if used {
            price *= 0.87f64.powi(age_years) * (1.0 - mileage_km as f64 / 1_000_000.0);
        }
        let asking = ((price / 10_000.0).round() as i64) * 10_000;
        let status = match rng.next(100) {
            0..=79 => "in_stock",
            80..=86 => "in_transit",
            _ => "sold",
        };
        let store = &stores[i % stores.len().max(1)];
        let in_stock_since = (status != "in_transit")
            .then(|| today - TimeDelta::days(rng.next(150) as i64))
            .map(|d| d.to_string());
        let first_registration = used.then(|| {
            chrono::NaiveDate::from_ymd_opt(year, 1 + rng.next(12) as u32, 1 + rng.next(28) as u32)
                .unwrap_or(today)
                .min(today)
        });
        let colour = PAINTS[rng.next(PAINTS.len() as u64) as usize];
        let features: Vec<&str> = FEATURES
            .iter()
            .filter(|_| rng.next(100) < 40)
            .copied()
            .collect();
        let brand_key = catalog::brand_key(line.brand);
        let specs = VehicleSpecs {
            trim: Some(line.trim.into()),
            previous_owners: used.then(|| 1 + (rng.next(10) / 8) as i32),
            plate_city: used.then(|| store.city.clone()),
            emission_standard: (line.energy != "bev")
                .then(|| if year >= 2021 { "china_6b" } else { "china_6a" }.into()),
            condition_grade: used.then(|| ["A", "A", "B+", "B"][rng.next(4) as usize].into()),
            battery_wh: matches!(line.energy, "bev").then(|| 60_000 + rng.next(30) as i64 * 1_000),
            cltc_range_km: matches!(line.energy, "bev").then(|| 450 + rng.next(25) as i32 * 10),
            options: Vec::new(),
            description: used.then(|| "4S店定期保养，手续齐全，可过户".into()),
            ..VehicleSpecs::default()
        };
        let vin = vin(&mut rng, line.wmi, year, 100_000 + i)?;
        let vehicle = Vehicle {
            id: new_id(),
            org_id: org_id.to_owned(),
            store_id: Some(store.id.clone()),
            vin: vin.as_str().to_owned(),
            vin_override_reason: None,
            stock_number: Some(format!("DM-{}-{:04}", year, i + 1)),
            condition: if used { "used" } else { "new" }.into(),
            brand: line.brand.into(),
            model_key: catalog::model_key(&brand_key, line.model),
            brand_key,
            model: line.model.into(),
            model_year: Some(year),
            body_type: Some(line.body.into()),
            energy_type: Some(line.energy.into()),
            transmission: Some("automatic".into()),
            colour: Some(colour.into()),
            colour_family: Paint::new(colour).family().map(|f| f.as_str().to_owned()),
            seats: Some(line.seats),
            mileage_km,
            first_registration_date: first_registration.map(|d| d.to_string()),
            age_from: first_registration.map(|d| d.to_string()),
            asking_price_cents: asking,
            status: status.into(),
            in_stock_since,
            sold_at: (status == "sold").then(|| at - TimeDelta::days(rng.next(60) as i64 + 1)),
            sold_price_cents: (status == "sold").then(|| asking - 50_000 * rng.next(6) as i64),
            features: serde_json::to_string(&features).map_err(ServiceError::internal)?,
            specs: serde_json::to_string(&specs).map_err(ServiceError::internal)?,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        costs.push(VehicleCost {
            vehicle_id: vehicle.id.clone(),
            org_id: org_id.to_owned(),
            acquisition_cost_cents: Some(asking * (86 + rng.next(6) as i64) / 100),
            floor_price_cents: Some(asking * 96 / 100),
            updated_at: at,
        });
        vehicles.push(vehicle);
    }
    Vehicle::insert_many(conn, &vehicles)?;
    for cost in &costs {
        cost.put(conn)?;
    }
    Ok(vehicles)
}
