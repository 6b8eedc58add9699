//! Demo data: one car on the road between two stores, with a tracking entry. Called by the
//! organisation's demo seed once its cars exist.

use autocrm_domain::vehicle::TransferStatus;
use autocrm_persistence::DbConn;
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{
    Store, TenantRecord, TransferTracking, Vehicle, VehicleTransfer, Versioned,
};

use super::service::estimate;
use crate::app::{ServiceError, ServiceResult};

/// Puts the first car in stock at `from` in transit to `to`, approved and dispatched by
/// `manager_id` a day before `at`. Answers the transfer's id (none without such a car).
pub fn seed(
    conn: &mut DbConn,
    vehicles: &mut [Vehicle],
    from: &Store,
    to: &Store,
    manager_id: &str,
    at: chrono::NaiveDateTime,
) -> ServiceResult<Option<String>> {
    let Some(vehicle) = vehicles
        .iter_mut()
        .find(|v| v.status == "in_stock" && v.store_id.as_deref() == Some(from.id.as_str()))
    else {
        return Ok(None);
    };
    let version = vehicle.version;
    vehicle.status = "in_transit".into();
    vehicle.updated_at = at;
    if !vehicle.save(conn, version)? {
        return Err(ServiceError::internal("demo vehicle changed while seeding"));
    }
    let estimate = estimate(&from.city, &to.city);
    let requested = at - chrono::TimeDelta::days(2);
    let dispatched = at - chrono::TimeDelta::days(1);
    let transfer = VehicleTransfer {
        id: new_id(),
        org_id: vehicle.org_id.clone(),
        vehicle_id: vehicle.id.clone(),
        from_store_id: from.id.clone(),
        to_store_id: to.id.clone(),
        status: TransferStatus::InTransit.as_str().to_owned(),
        reason: format!("{}客户指定此车，已交定金", to.city),
        requested_by: manager_id.to_owned(),
        distance_km: estimate.map(|e| i64::from(e.distance_km)),
        road_km: estimate.map(|e| i64::from(e.road_km)),
        estimated_days: estimate.map(|e| i32::try_from(e.days).unwrap_or(i32::MAX)),
        estimated_cost_cents: estimate.map(|e| e.cost_cents),
        approved_by: Some(manager_id.to_owned()),
        approved_at: Some(requested),
        dispatched_by: Some(manager_id.to_owned()),
        dispatched_at: Some(dispatched),
        carrier: Some("安吉物流".into()),
        waybill_no: Some("AJ20261206001".into()),
        estimated_arrival: Some(at + chrono::TimeDelta::days(1)),
        received_by: None,
        received_at: None,
        cancelled_by: None,
        cancelled_at: None,
        cancel_reason: None,
        version: 3,
        created_at: requested,
        updated_at: dispatched,
    };
    transfer.insert(conn)?;
    TransferTracking {
        id: new_id(),
        org_id: transfer.org_id.clone(),
        transfer_id: transfer.id.clone(),
        at: at - chrono::TimeDelta::hours(6),
        position: "G2京沪高速 济南段".into(),
        city: Some("济南".into()),
        note: Some("运输正常，预计明日到店".into()),
        recorded_by: manager_id.to_owned(),
        created_at: at - chrono::TimeDelta::hours(6),
    }
    .insert(conn)?;
    Ok(Some(transfer.id))
}
