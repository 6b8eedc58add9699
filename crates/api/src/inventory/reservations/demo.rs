//! Demo data: a couple of active reservations, so a consultant who signs in sees held cars.
//! Called by the organisation's demo seed once its cars and customers exist.

use autocrm_persistence::DbConn;
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{Customer, TenantRecord, Vehicle, VehicleReservation, Versioned};

use super::service::ReservationStatus;
use crate::app::{ServiceError, ServiceResult};

/// Reserves up to `count` cars in stock for customers (each by the customer's owner), held
/// for the default 48 hours from `at`. Answers the reserved cars' ids.
pub fn seed(
    conn: &mut DbConn,
    vehicles: &mut [Vehicle],
    customers: &[Customer],
    count: usize,
    at: chrono::NaiveDateTime,
) -> ServiceResult<Vec<String>> {
    let hold = autocrm_domain::vehicle::ReservationPolicy::default().default_hold;
    let mut reserved = Vec::new();
    let owned = customers.iter().filter(|c| c.owner_id.is_some());
    let cars = vehicles.iter_mut().filter(|v| v.status == "in_stock");
    for (vehicle, customer) in cars.zip(owned).take(count) {
        let version = vehicle.version;
        vehicle.status = "reserved".into();
        vehicle.updated_at = at;
        if !vehicle.save(conn, version)? {
            return Err(ServiceError::internal("demo vehicle changed while seeding"));
        }
        VehicleReservation {
            id: new_id(),
            org_id: vehicle.org_id.clone(),
            vehicle_id: vehicle.id.clone(),
            customer_id: customer.id.clone(),
            reserved_by: customer.owner_id.clone().unwrap_or_default(),
            status: ReservationStatus::Active.as_str().to_owned(),
            note: Some("客户已交意向金2000元，周末到店签约".into()),
            expires_at: at + hold,
            released_at: None,
            released_by: None,
            release_reason: None,
            release_note: None,
            version: 1,
            created_at: at,
            updated_at: at,
        }
        .insert(conn)?;
        reserved.push(vehicle.id.clone());
    }
    Ok(reserved)
}
