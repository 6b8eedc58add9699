//! Demo data: a few test drives today and tomorrow for the demo consultants, so a
//! consultant who signs in sees their appointments (and their calendar feed has some).

use autocrm_domain::time::TimeZone;
use autocrm_persistence::DbConn;
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{
    Customer, TenantRecord, TestDrive, TestDriveSlot, User, Vehicle,
};
use chrono::{NaiveTime, TimeDelta};

use crate::app::ServiceResult;

/// Books up to four 30-minute test drives (today 10:00 and 15:00, tomorrow 11:00 and 16:30,
/// Shanghai time) of cars in stock for owned customers, with their owners when they are
/// consultants.
pub fn seed(
    conn: &mut DbConn,
    vehicles: &[Vehicle],
    customers: &[Customer],
    users: &[User],
    at: chrono::NaiveDateTime,
) -> ServiceResult<usize> {
    let zone = TimeZone::SHANGHAI;
    let today = zone.date_of(at.and_utc());
    let times = [
        (today, NaiveTime::from_hms_opt(10, 0, 0)),
        (today, NaiveTime::from_hms_opt(15, 0, 0)),
        (
            today + TimeDelta::days(1),
            NaiveTime::from_hms_opt(11, 0, 0),
        ),
        (
            today + TimeDelta::days(1),
            NaiveTime::from_hms_opt(16, 30, 0),
        ),
    ];
    let consultants: Vec<&User> = users
        .iter()
        .filter(|u| u.role == "sales_consultant" && u.active)
        .collect();
    let owned = customers.iter().filter(|c| {
        c.owner_id
            .as_ref()
            .is_some_and(|o| consultants.iter().any(|u| &u.id == o))
    });
    let cars = vehicles.iter().filter(|v| v.status == "in_stock");
    let mut booked = 0;
    for (((day, time), customer), car) in times.into_iter().zip(owned).zip(cars) {
        let Some(start) = time.and_then(|t| zone.utc_of(day.and_time(t))) else {
            continue;
        };
        let start = start.naive_utc();
        let end = start + TimeDelta::minutes(30);
        let consultant = customer.owner_id.clone().unwrap_or_default();
        let drive = TestDrive {
            id: new_id(),
            org_id: car.org_id.clone(),
            vehicle_id: car.id.clone(),
            customer_id: customer.id.clone(),
            lead_id: None,
            consultant_id: consultant.clone(),
            store_id: car.store_id.clone(),
            starts_at: start,
            ends_at: end,
            status: "booked".into(),
            licence_ciphertext: None,
            licence_masked: None,
            note: Some("客户想试高速路段，家人同行".into()),
            feedback: None,
            booked_by: consultant.clone(),
            booked_via: "staff".into(),
            closed_at: None,
            closed_by: None,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        drive.insert(conn)?;
        let rows: Vec<TestDriveSlot> = [("car", &car.id), ("consultant", &consultant)]
            .into_iter()
            .map(|(resource, id)| TestDriveSlot {
                resource: resource.into(),
                resource_id: id.clone(),
                slot_start: start,
                org_id: car.org_id.clone(),
                test_drive_id: drive.id.clone(),
            })
            .collect();
        TestDriveSlot::insert_all(conn, &rows)?;
        booked += 1;
    }
    Ok(booked)
}
