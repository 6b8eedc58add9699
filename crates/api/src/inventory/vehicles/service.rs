//! Vehicle use cases. Cars are the organisation's stock: every staff role reads every store's
//! cars (a consultant sells a car from another store by transfer); costs are shown only to
//! callers holding `InventoryCostRead`.

use autocrm_domain::access::Permission;
use autocrm_domain::vehicle::{VehicleStatus, transition};
use autocrm_persistence::models::Vehicle;

use crate::app::{Change, Ctx, ServiceError, ServiceResult, records};
use crate::events::catalogue::VehicleStatusChanged;

/// A car of the caller's organisation; another tenant's is `NotFound`.
pub fn find(ctx: &mut Ctx, id: &str) -> ServiceResult<Vehicle> {
    records::find(ctx, id, |_: &Vehicle| true)
}

/// Whether the caller may see acquisition costs and floor prices. System work (jobs) may.
pub fn sees_cost(ctx: &Ctx) -> bool {
    ctx.principal()
        .map(|p| Permission::InventoryCostRead.allows(p))
        .unwrap_or(true)
}

/// The car's status as the domain knows it.
pub fn status_of(vehicle: &Vehicle) -> ServiceResult<VehicleStatus> {
    vehicle.status.parse().map_err(|_| {
        ServiceError::internal(format!(
            "vehicle {} has status {}",
            vehicle.id, vehicle.status
        ))
    })
}

/// Moves a car (found and locked by the caller, saved by it: use inside
/// `records::update`) to another status, under the status machine: a move the machine
/// refuses is `InvalidTransition`. Arriving in stock from transit starts the days in stock
/// anew; a sale is dated, at the asking price unless the caller set `sold_price_cents`. Emits `vehicle.status_changed`.
pub fn apply_status(ctx: &mut Ctx, vehicle: &mut Vehicle, to: VehicleStatus) -> ServiceResult<()> {
    let from = status_of(vehicle)?;
    transition(from, to).map_err(|e| ServiceError::InvalidTransition(e.to_string()))?;
    if to == VehicleStatus::InStock
        && (from == VehicleStatus::InTransit || vehicle.in_stock_since.is_none())
    {
        vehicle.in_stock_since = Some(ctx.today()?.to_string());
    }
    if to == VehicleStatus::Sold && from == VehicleStatus::Reserved {
        crate::inventory::reservations::service::on_vehicle_sold(ctx, vehicle)?;
    }
    if to == VehicleStatus::Sold {
        vehicle.sold_at = Some(ctx.now());
        vehicle
            .sold_price_cents
            .get_or_insert(vehicle.asking_price_cents);
    }
    vehicle.status = to.as_str().to_owned();
    ctx.record(
        Change::new("vehicle.status_changed", "vehicle", &vehicle.id)
            .detail(serde_json::json!({"from": from.as_str(), "to": to.as_str()}))
            .event(VehicleStatusChanged {
                vehicle_id: vehicle.id.clone(),
                vin: vehicle.vin.clone(),
                old_status: from.as_str().to_owned(),
                new_status: to.as_str().to_owned(),
                store_id: vehicle.store_id.clone(),
            }),
    )
}
