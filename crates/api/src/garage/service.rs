//! Garage use cases. Each vehicle is reached through its customer: a customer the caller
//! cannot see makes its vehicles 404.

use autocrm_domain::vehicle::{Plate, Vin};
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{MileageReading, OwnedVehicle, TenantRecord};
use chrono::{NaiveDate, NaiveDateTime};

use crate::app::{Change, Ctx, ServiceError, ServiceResult, records};
use crate::customers::service::find_visible;

/// A vehicle as its request's rules accepted it.
pub struct NewVehicle {
    pub vin: Option<Vin>,
    pub plate: Option<Plate>,
    pub brand: String,
    pub model: String,
    pub year: Option<i32>,
    pub purchase_date: Option<NaiveDate>,
}

/// A merge patch: `None` leaves a field, `Some(None)` clears it.
#[derive(Default)]
pub struct VehicleChanges {
    pub vin: Option<Option<Vin>>,
    pub plate: Option<Option<Plate>>,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub year: Option<Option<i32>>,
    pub purchase_date: Option<Option<NaiveDate>>,
}

/// A vehicle with its readings, oldest first.
pub struct VehicleWithMileage {
    pub vehicle: OwnedVehicle,
    pub readings: Vec<MileageReading>,
}

fn duplicate_vin() -> ServiceError {
    ServiceError::duplicate("this VIN is already in the customer's garage", None)
}

fn detail(v: &OwnedVehicle) -> serde_json::Value {
    serde_json::json!({"customer_id": v.customer_id, "brand": v.brand, "model": v.model})
}

/// Adds a vehicle to the garage of a customer the caller sees. Audited
/// (`customer_vehicle.added`).
pub fn add(ctx: &mut Ctx, customer_id: &str, new: NewVehicle) -> ServiceResult<OwnedVehicle> {
    let customer = find_visible(ctx, customer_id)?;
    let now = ctx.now();
    let vehicle = OwnedVehicle {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        customer_id: customer.id,
        vin: new.vin.map(|v| v.as_str().to_owned()),
        plate: new.plate.map(|p| p.as_str().to_owned()),
        brand: new.brand,
        model: new.model,
        model_year: new.year,
        purchase_date: new.purchase_date.map(|d| d.to_string()),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    vehicle.insert(ctx.conn).map_err(|e| {
        if autocrm_persistence::db::is_unique_violation(&e) {
            duplicate_vin()
        } else {
            e.into()
        }
    })?;
    ctx.record(
        Change::new("customer_vehicle.added", "customer_vehicle", &vehicle.id)
            .detail(detail(&vehicle)),
    )?;
    Ok(vehicle)
}

/// The vehicles of a customer the caller sees, with their readings.
pub fn list(ctx: &mut Ctx, customer_id: &str) -> ServiceResult<Vec<VehicleWithMileage>> {
    let customer = find_visible(ctx, customer_id)?;
    vehicles_of(ctx, &customer.id)
}

/// [`list`] without the scope check: for callers that already found the customer.
pub fn vehicles_of(ctx: &mut Ctx, customer_id: &str) -> ServiceResult<Vec<VehicleWithMileage>> {
    let vehicles = OwnedVehicle::for_customer(ctx.conn, ctx.org_id(), customer_id)?;
    let ids: Vec<String> = vehicles.iter().map(|v| v.id.clone()).collect();
    let mut readings = MileageReading::for_vehicles(ctx.conn, ctx.org_id(), &ids)?;
    Ok(vehicles
        .into_iter()
        .map(|vehicle| {
            let (mine, rest): (Vec<_>, Vec<_>) =
                readings.drain(..).partition(|r| r.vehicle_id == vehicle.id);
            readings = rest;
            VehicleWithMileage {
                vehicle,
                readings: mine,
            }
        })
        .collect())
}

/// One vehicle of a customer the caller sees; `NotFound` for any other.
fn find_vehicle(ctx: &mut Ctx, customer_id: &str, vehicle_id: &str) -> ServiceResult<OwnedVehicle> {
    let customer = find_visible(ctx, customer_id)?;
    records::find(ctx, vehicle_id, |v: &OwnedVehicle| {
        v.customer_id == customer.id
    })
}

/// Changes a vehicle (JSON merge patch), under its version. Audited
/// (`customer_vehicle.updated`).
pub fn update(
    ctx: &mut Ctx,
    customer_id: &str,
    vehicle_id: &str,
    expected: Option<i64>,
    changes: VehicleChanges,
) -> ServiceResult<OwnedVehicle> {
    let customer = find_visible(ctx, customer_id)?;
    let vehicle = records::update(
        ctx,
        vehicle_id,
        expected,
        |v: &OwnedVehicle| v.customer_id == customer.id,
        |_, v| {
            if let Some(vin) = changes.vin {
                v.vin = vin.map(|x| x.as_str().to_owned());
            }
            if let Some(plate) = changes.plate {
                v.plate = plate.map(|p| p.as_str().to_owned());
            }
            if let Some(brand) = changes.brand {
                v.brand = brand;
            }
            if let Some(model) = changes.model {
                v.model = model;
            }
            if let Some(year) = changes.year {
                v.model_year = year;
            }
            if let Some(date) = changes.purchase_date {
                v.purchase_date = date.map(|d| d.to_string());
            }
            Ok(())
        },
    )
    .map_err(|e| match e {
        ServiceError::Duplicate { .. } => duplicate_vin(),
        other => other,
    })?;
    ctx.record(
        Change::new("customer_vehicle.updated", "customer_vehicle", &vehicle.id)
            .detail(detail(&vehicle)),
    )?;
    Ok(vehicle)
}

/// Removes a vehicle from the garage, with its readings. Audited
/// (`customer_vehicle.removed`).
pub fn remove(ctx: &mut Ctx, customer_id: &str, vehicle_id: &str) -> ServiceResult<()> {
    let vehicle = find_vehicle(ctx, customer_id, vehicle_id)?;
    OwnedVehicle::delete(ctx.conn, ctx.org_id(), &vehicle.id)?;
    ctx.record(
        Change::new("customer_vehicle.removed", "customer_vehicle", &vehicle.id)
            .detail(detail(&vehicle)),
    )
}

/// Records an odometer reading. Mileage never goes down: a reading below an earlier one,
/// or above a later one, is refused. Audited (`customer_vehicle.mileage_recorded`).
pub fn add_mileage(
    ctx: &mut Ctx,
    customer_id: &str,
    vehicle_id: &str,
    mileage_km: i64,
    read_at: Option<NaiveDateTime>,
) -> ServiceResult<MileageReading> {
    let vehicle = find_vehicle(ctx, customer_id, vehicle_id)?;
    let now = ctx.now();
    let read_at = read_at.unwrap_or(now);
    if read_at > now {
        return Err(ServiceError::invalid(
            "read_at",
            "in_future",
            "a reading cannot be taken later than now",
        ));
    }
    let earlier =
        MileageReading::for_vehicles(ctx.conn, ctx.org_id(), std::slice::from_ref(&vehicle.id))?;
    let inconsistent = earlier.iter().any(|r| {
        (r.read_at <= read_at && r.mileage_km > mileage_km)
            || (r.read_at >= read_at && r.mileage_km < mileage_km)
    });
    if inconsistent {
        return Err(ServiceError::invalid(
            "mileage_km",
            "out_of_range",
            "mileage cannot go down: it disagrees with another reading",
        ));
    }
    let reading = MileageReading {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        vehicle_id: vehicle.id.clone(),
        mileage_km,
        read_at,
        recorded_by: ctx.actor_id(),
        created_at: now,
    };
    reading.insert(ctx.conn)?;
    ctx.record(
        Change::new(
            "customer_vehicle.mileage_recorded",
            "customer_vehicle",
            &vehicle.id,
        )
        .detail(serde_json::json!({"mileage_km": mileage_km})),
    )?;
    Ok(reading)
}
