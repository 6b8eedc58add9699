//! `autocrm seed-bulk --vehicles N`: many cars in stock in the demo organisation, for the
//! matching benchmarks (`scripts/vehicle-matching-bench.sh`). Multi-row inserts, one
//! transaction per batch; the derived columns (catalogue keys, colour family, age) are
//! written as inventory writes them. Costs are left out (no `vehicle_costs` rows).

use autocrm_domain::vehicle::{ColourFamily, Vin, catalog};
use autocrm_persistence::DbConn;
use autocrm_persistence::db::{new_id, write_tx};
use autocrm_persistence::models::{Organization, Store, StoreFilter, Vehicle};
use autocrm_persistence::schema::vehicles;
use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::connection::SimpleConnection;

use crate::app::{ServiceError, ServiceResult};
use crate::organization::demo::DEMO_ORG;

/// (brand, model, body, energy, seats, new price in fen, WMI).
const LINES: [(&str, &str, &str, &str, i32, i64, &str); 14] = [
    ("比亚迪", "宋PLUS", "suv", "phev", 5, 16_980_000, "LGX"),
    ("比亚迪", "汉", "sedan", "bev", 5, 20_980_000, "LGX"),
    ("比亚迪", "秦PLUS", "sedan", "phev", 5, 9_980_000, "LGX"),
    ("比亚迪", "唐", "suv", "phev", 7, 22_980_000, "LGX"),
    ("吉利", "星越L", "suv", "petrol", 5, 14_570_000, "L6T"),
    ("长安", "CS75PLUS", "suv", "petrol", 5, 11_990_000, "LS5"),
    ("哈弗", "H6", "suv", "petrol", 5, 11_390_000, "LGW"),
    ("理想", "L7", "suv", "erev", 5, 30_180_000, "LW4"),
    ("蔚来", "ES6", "suv", "bev", 5, 33_800_000, "LJ1"),
    ("小鹏", "P7", "sedan", "bev", 5, 20_990_000, "L1N"),
    ("大众", "朗逸", "sedan", "petrol", 5, 11_990_000, "LSV"),
    ("丰田", "凯美瑞", "sedan", "hev", 5, 17_180_000, "LVG"),
    ("本田", "奥德赛", "mpv", "hev", 7, 25_980_000, "LHG"),
    ("宝马", "3系", "sedan", "petrol", 5, 29_390_000, "LBV"),
];
const COLOURS: [&str; 6] = ["白色", "黑色", "灰色", "银色", "蓝色", "红色"];
const VIN_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPRSTUVWXYZ";

/// A well-formed VIN with a right check digit, unique per `n`.
fn vin_of(wmi: &str, n: usize) -> String {
    let mut serial = String::new();
    let mut rest = n;
    for _ in 0..8 {
        serial.insert(0, VIN_ALPHABET[rest % VIN_ALPHABET.len()] as char);
        rest /= VIN_ALPHABET.len();
    }
    // WMI (3) + VDS (5) + check (1) + year P (2023) + plant + serial: 3+5+1+8 = 17.
    let text = format!("{wmi}CE6CB0{serial}");
    Vin::with_computed_check_digit(&text)
        .map(|v| v.as_str().to_owned())
        .unwrap_or(text)
}

/// The `n`-th bulk car (deterministic).
fn car(org_id: &str, store_id: Option<String>, n: usize, at: NaiveDateTime) -> Vehicle {
    let mixed = n.wrapping_mul(2_654_435_761) >> 5;
    let (brand, model, body, energy, seats, new_price, wmi) = LINES[mixed % LINES.len()];
    let age_years = (mixed / 7 % 8) as i64;
    let used = age_years > 0 || !mixed.is_multiple_of(3);
    let year = 2026 - age_years as i32;
    let mileage_km = if used {
        (age_years * 15_000 + (mixed % 9_000) as i64).max(800)
    } else {
        10
    };
    // About 12 % a year off the new price, and a little per 10,000 km.
    let price = new_price * (100 - (age_years * 12).min(70)) / 100 - mileage_km / 10_000 * 50_000
        + (mixed % 50) as i64 * 10_000;
    let registered =
        NaiveDate::from_ymd_opt(year, 1 + (mixed % 12) as u32, 1 + (mixed % 28) as u32);
    let registered = registered.filter(|_| used);
    let colour = COLOURS[mixed / 13 % COLOURS.len()];
    let brand_key = catalog::brand_key(brand);
    let today = at.date();
    Vehicle {
        id: new_id(),
        org_id: org_id.to_owned(),
        store_id,
        vin: vin_of(wmi, n),
        vin_override_reason: None,
        stock_number: Some(format!("BULK-{n:07}")),
        condition: if used { "used" } else { "new" }.into(),
        brand: brand.into(),
        model_key: catalog::model_key(&brand_key, model),
        brand_key,
        model: model.into(),
        model_year: Some(year),
        body_type: Some(body.into()),
        energy_type: Some(energy.into()),
        transmission: Some(
            if mixed.is_multiple_of(10) {
                "manual"
            } else {
                "automatic"
            }
            .into(),
        ),
        colour: Some(colour.into()),
        colour_family: ColourFamily::of(colour).map(|f| f.as_str().to_owned()),
        seats: Some(seats),
        mileage_km,
        first_registration_date: registered.map(|d| d.to_string()),
        age_from: registered.map(|d| d.to_string()),
        asking_price_cents: price.max(1_000_000),
        status: "in_stock".into(),
        in_stock_since: Some((today - TimeDelta::days((mixed % 120) as i64)).to_string()),
        sold_at: None,
        sold_price_cents: None,
        features: "[]".into(),
        specs: "{}".into(),
        version: 1,
        created_at: at,
        updated_at: at,
    }
}

/// Adds `count` cars in stock to the demo organisation, spread over its stores.
pub fn seed_vehicles(
    conn: &mut DbConn,
    at: NaiveDateTime,
    count: usize,
    batch: usize,
    mut progress: impl FnMut(usize),
) -> ServiceResult<usize> {
    let org = Organization::find_by_name(conn, DEMO_ORG)?.ok_or_else(|| {
        ServiceError::internal(
            "the demo organisation does not exist: run `autocrm seed-demo` first",
        )
    })?;
    let stores: Vec<Option<String>> = Store::list(
        conn,
        &org.id,
        &StoreFilter {
            limit: 200,
            ..StoreFilter::default()
        },
    )?
    .into_iter()
    .map(|s| Some(s.id))
    .collect();
    let stores = if stores.is_empty() {
        vec![None]
    } else {
        stores
    };
    let offset: usize = {
        use diesel::prelude::*;
        let n: i64 = vehicles::table
            .filter(vehicles::org_id.eq(&org.id))
            .count()
            .get_result(conn)
            .map_err(ServiceError::from)?;
        n as usize
    };
    let batch = batch.clamp(1, 10_000);
    let mut done = 0;
    while done < count {
        let size = batch.min(count - done);
        let rows: Vec<Vehicle> = (0..size)
            .map(|k| {
                let n = offset + done + k;
                car(&org.id, stores[n % stores.len()].clone(), n, at)
            })
            .collect();
        write_tx(conn, |conn| {
            autocrm_persistence::insert_batch!(conn, vehicles::table, &rows)?;
            Ok::<_, ServiceError>(())
        })?;
        done += size;
        progress(done);
    }
    let tidy = match conn {
        DbConn::Postgres(_) => "VACUUM ANALYZE vehicles",
        DbConn::Sqlite(_) => "ANALYZE",
    };
    conn.batch_execute(tidy).map_err(ServiceError::from)?;
    Ok(done)
}
