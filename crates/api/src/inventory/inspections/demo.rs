//! Demo inspection reports: most used cars of the demo stock get one, dated a few days after
//! the car arrived, with a realistic mix of clean cars and cars with small defects.

use autocrm_domain::vehicle::inspection::{Grade, ItemResult, OdometerCheck, checklist};
use autocrm_persistence::models::Vehicle;
use chrono::{NaiveDate, TimeDelta};

use super::service::{self, MaintenanceEntry, NewItem, NewReport};
use crate::app::{Ctx, ServiceResult};

const INSPECTORS: [&str; 4] = ["王建国", "李志强", "陈明", "赵德胜"];
const SHOPS: [&str; 3] = ["品牌4S店", "途虎养车", "精典汽车服务"];

/// Writes an inspection report for about four in five of the used cars among `vehicles`
/// (new cars have none), in the caller's unit of work (run it as the organisation's system
/// actor or an admin). Returns how many reports it wrote.
pub fn seed(ctx: &mut Ctx, vehicles: &[Vehicle]) -> ServiceResult<usize> {
    let today = ctx.today()?;
    let mut written = 0;
    for (n, v) in vehicles.iter().enumerate() {
        if v.condition != "used" || n % 5 == 4 {
            continue;
        }
        let inspected_on = v
            .in_stock_since
            .as_deref()
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .map(|d| (d + TimeDelta::days(1 + (n % 3) as i64)).min(today))
            .unwrap_or(today);
        service::create(ctx, &v.id, report(n, v, inspected_on))?;
        written += 1;
    }
    Ok(written)
}

fn report(n: usize, v: &Vehicle, inspected_on: NaiveDate) -> NewReport {
    // One car in twelve has a structural repair, one in four small defects.
    let structural = n % 12 == 7;
    let minor = n % 4 == 1;
    let items = checklist()
        .iter()
        .enumerate()
        .map(|(i, c)| NewItem {
            section: c.section,
            code: c.code.to_owned(),
            result: if structural && c.code == "frame.07" {
                ItemResult::Major
            } else if minor && (i + n).is_multiple_of(37) {
                ItemResult::Minor
            } else {
                ItemResult::Ok
            },
            note: (structural && c.code == "frame.07").then(|| "钣金修复痕迹".to_owned()),
        })
        .collect();
    let service_every = 10_000;
    let maintenance = (1..=(v.mileage_km / service_every).min(5))
        .map(|k| MaintenanceEntry {
            date: inspected_on - TimeDelta::days(120 * (v.mileage_km / service_every - k + 1)),
            mileage_km: k * service_every,
            description: "常规保养：更换机油、机滤".to_owned(),
            shop: Some(SHOPS[(n + k as usize) % SHOPS.len()].to_owned()),
        })
        .collect();
    NewReport {
        inspector_name: INSPECTORS[n % INSPECTORS.len()].to_owned(),
        inspector_user_id: None,
        inspected_on,
        mileage_km: v.mileage_km,
        items,
        accident: structural,
        flood: false,
        fire: false,
        odometer_check: OdometerCheck::Ok,
        maintenance,
        grade: if structural {
            Grade::C
        } else if minor {
            Grade::B
        } else {
            Grade::A
        },
        notes: None,
    }
}
