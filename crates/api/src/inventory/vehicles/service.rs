//! Vehicle use cases. Cars are the organisation's stock: every staff role reads every store's
//! cars (a consultant sells a car from another store by transfer); what a car cost is read
//! and written only by callers holding `InventoryCostRead`.

use std::collections::HashMap;

use autocrm_domain::access::Permission;
use autocrm_domain::vehicle::{
    AgeReference, BodyType, Condition, Drivetrain, EmissionStandard, EnergyType, Paint,
    Transmission, VehicleFacts, VehicleStatus, Vin, VinError, transition,
};
use autocrm_persistence::db::{is_unique_violation, lock_row, new_id};
use autocrm_persistence::models::{
    Store, StoreFilter, TenantRecord, Vehicle, VehicleCost, VehicleSearch, Versioned,
};
use chrono::NaiveDate;
use diesel::Connection;
use serde::{Deserialize, Serialize};

use crate::app::{Change, Ctx, Invalid, ServiceError, ServiceResult, records};
use crate::events::catalogue::{VehicleCreated, VehiclePriceChanged, VehicleStatusChanged};
use crate::inventory::inspections::service::{LatestInspection, latest_summaries};

/// The descriptive details kept in the `specs` JSON column.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VehicleSpecs {
    pub trim: Option<String>,
    pub drivetrain: Option<String>,
    pub displacement_ml: Option<i32>,
    pub battery_wh: Option<i64>,
    pub cltc_range_km: Option<i32>,
    pub previous_owners: Option<i32>,
    pub plate_city: Option<String>,
    /// The wire name (`china_6b`).
    pub emission_standard: Option<String>,
    pub condition_grade: Option<String>,
    pub options: Vec<String>,
    pub description: Option<String>,
}

impl VehicleSpecs {
    pub fn of(vehicle: &Vehicle) -> Self {
        serde_json::from_str(&vehicle.specs).unwrap_or_default()
    }
}

/// A change to a car (a create is a change to nothing). `None` leaves a field; for nullable
/// fields `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct VehicleChanges {
    pub vin_check_override: bool,
    pub vin_override_reason: Option<String>,
    pub stock_number: Option<Option<String>>,
    pub condition: Option<Condition>,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub trim: Option<Option<String>>,
    pub model_year: Option<Option<i32>>,
    pub body_type: Option<Option<BodyType>>,
    pub energy_type: Option<Option<EnergyType>>,
    pub transmission: Option<Option<Transmission>>,
    pub drivetrain: Option<Option<Drivetrain>>,
    pub displacement_ml: Option<Option<i32>>,
    pub battery_wh: Option<Option<i64>>,
    pub cltc_range_km: Option<Option<i32>>,
    pub colour: Option<Option<String>>,
    pub seats: Option<Option<i32>>,
    pub mileage_km: Option<i64>,
    pub first_registration_date: Option<Option<NaiveDate>>,
    pub previous_owners: Option<Option<i32>>,
    pub plate_city: Option<Option<String>>,
    pub emission_standard: Option<Option<EmissionStandard>>,
    pub condition_grade: Option<Option<String>>,
    pub acquisition_cost_cents: Option<Option<i64>>,
    pub floor_price_cents: Option<Option<i64>>,
    pub asking_price_cents: Option<i64>,
    pub sold_price_cents: Option<i64>,
    pub store_id: Option<Option<String>>,
    pub status: Option<VehicleStatus>,
    pub in_stock_since: Option<Option<NaiveDate>>,
    pub options: Option<Vec<String>>,
    pub features: Option<Vec<String>>,
    pub description: Option<Option<String>>,
}

impl VehicleChanges {
    fn touches_cost(&self) -> bool {
        self.acquisition_cost_cents.is_some() || self.floor_price_cents.is_some()
    }
}

/// A car with its costs when the caller may see them, and its latest inspection.
pub struct VehicleView {
    pub vehicle: Vehicle,
    pub cost: Option<VehicleCost>,
    pub inspection: Option<LatestInspection>,
}

/// What an upsert did.
pub enum Upserted {
    Created(VehicleView),
    Updated(VehicleView),
    Unchanged(VehicleView),
}

/// A car of the caller's organisation; another tenant's is `NotFound`.
pub fn find(ctx: &mut Ctx, id: &str) -> ServiceResult<Vehicle> {
    records::find(ctx, id, |_: &Vehicle| true)
}

/// The car with this stock number, if the organisation has one.
pub fn find_by_stock_number(ctx: &mut Ctx, stock_number: &str) -> ServiceResult<Option<Vehicle>> {
    Ok(Vehicle::find_by_stock_number(
        ctx.conn,
        ctx.org_id(),
        stock_number.trim(),
    )?)
}

/// The car with this VIN (any case), if the organisation has one.
pub fn find_by_vin(ctx: &mut Ctx, vin: &str) -> ServiceResult<Option<Vehicle>> {
    Ok(Vehicle::find_by_vin(
        ctx.conn,
        ctx.org_id(),
        &vin.trim().to_ascii_uppercase(),
    )?)
}

/// Whether the caller may see acquisition costs and floor prices. System work (jobs) may.
pub fn sees_cost(ctx: &Ctx) -> bool {
    ctx.principal()
        .map(|p| Permission::InventoryCostRead.allows(p))
        .unwrap_or(true)
}

/// The costs of these cars, by id, for a caller who may see them; empty for anyone else.
pub fn costs_of(
    ctx: &mut Ctx,
    vehicles: &[Vehicle],
) -> ServiceResult<HashMap<String, VehicleCost>> {
    if !sees_cost(ctx) {
        return Ok(HashMap::new());
    }
    let ids: Vec<String> = vehicles.iter().map(|v| v.id.clone()).collect();
    Ok(VehicleCost::for_vehicles(ctx.conn, ctx.org_id(), &ids)?
        .into_iter()
        .map(|c| (c.vehicle_id.clone(), c))
        .collect())
}

fn view(ctx: &mut Ctx, vehicle: Vehicle) -> ServiceResult<VehicleView> {
    Ok(views(ctx, vec![vehicle])?
        .pop()
        .unwrap_or_else(|| unreachable!("one car in, one out")))
}

/// The cars as the caller may see them: costs when allowed, the latest inspections.
fn views(ctx: &mut Ctx, vehicles: Vec<Vehicle>) -> ServiceResult<Vec<VehicleView>> {
    let mut costs = costs_of(ctx, &vehicles)?;
    let ids: Vec<String> = vehicles.iter().map(|v| v.id.clone()).collect();
    let mut inspections = latest_summaries(ctx, &ids)?;
    Ok(vehicles
        .into_iter()
        .map(|vehicle| VehicleView {
            cost: costs.remove(&vehicle.id),
            inspection: inspections.remove(&vehicle.id),
            vehicle,
        })
        .collect())
}

/// One car, as the caller may see it.
pub fn get(ctx: &mut Ctx, id: &str) -> ServiceResult<VehicleView> {
    let vehicle = find(ctx, id)?;
    view(ctx, vehicle)
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
/// anew; a sale is dated, at the asking price unless the caller set `sold_price_cents`.
/// Emits `vehicle.status_changed`.
pub fn apply_status(ctx: &mut Ctx, vehicle: &mut Vehicle, to: VehicleStatus) -> ServiceResult<()> {
    let from = status_of(vehicle)?;
    transition(from, to).map_err(|e| ServiceError::InvalidTransition(e.to_string()))?;
    if to == VehicleStatus::InStock
        && (from == VehicleStatus::InTransit || vehicle.in_stock_since.is_none())
    {
        vehicle.in_stock_since = Some(ctx.today()?.to_string());
    }
    if from == VehicleStatus::Reserved {
        // Sold, or put back in stock by hand or by the ERP: a reservation still active ends
        // with it (a cancel or an expiry ends it first, and this finds none).
        crate::inventory::reservations::service::on_reservation_lifted(ctx, vehicle, to)?;
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

/// Reads a VIN as the request asks: the check digit verified unless overridden with a
/// reason. Answers the VIN and the reason to store.
pub fn read_vin(
    input: &str,
    override_check: bool,
    reason: Option<&str>,
) -> ServiceResult<(Vin, Option<String>)> {
    match Vin::parse(input) {
        Ok(vin) => Ok((vin, None)),
        Err(VinError::CheckDigit { .. }) if override_check => {
            let Some(reason) = reason.filter(|r| !r.trim().is_empty()) else {
                return Err(ServiceError::invalid(
                    "vin_override_reason",
                    "required",
                    "overriding the VIN check digit needs a reason",
                ));
            };
            let vin = Vin::parse_overriding_check_digit(input)
                .map_err(|e| ServiceError::invalid("vin", e.code(), e.to_string()))?;
            Ok((vin, Some(reason.trim().to_owned())))
        }
        Err(e @ VinError::CheckDigit { .. }) => Err(ServiceError::invalid(
            "vin",
            e.code(),
            format!("{e}; send vin_check_override: true with a reason to accept it"),
        )),
        Err(e) => Err(ServiceError::invalid("vin", e.code(), e.to_string())),
    }
}

fn json_list(values: &[String]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".into())
}

/// A fresh row for a VIN, before the create's fields are applied.
fn blank(ctx: &Ctx, vin: &Vin) -> Vehicle {
    let now = ctx.now();
    Vehicle {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        store_id: None,
        vin: vin.as_str().to_owned(),
        vin_override_reason: None,
        stock_number: None,
        condition: String::new(),
        brand: String::new(),
        brand_key: String::new(),
        model: String::new(),
        model_key: String::new(),
        model_year: None,
        body_type: None,
        energy_type: None,
        transmission: None,
        colour: None,
        colour_family: None,
        seats: None,
        mileage_km: 0,
        first_registration_date: None,
        age_from: None,
        asking_price_cents: 0,
        status: VehicleStatus::InStock.as_str().to_owned(),
        in_stock_since: None,
        sold_at: None,
        sold_price_cents: None,
        features: "[]".into(),
        specs: "{}".into(),
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

/// Writes the changed fields into the row and its specs, and re-derives the keys matching
/// filters on. Leaves the status and the costs to the caller.
fn write_fields(ctx: &mut Ctx, v: &mut Vehicle, c: &VehicleChanges) -> ServiceResult<()> {
    let mut invalid = Invalid::new();
    if let Some(Some(store_id)) = &c.store_id
        && Store::find(ctx.conn, ctx.org_id(), store_id)?.is_none()
    {
        invalid.add(
            "store_id",
            "not_found",
            "no such store in this organisation",
        );
    }
    let today = ctx.today()?;
    for (field, date) in [
        ("first_registration_date", &c.first_registration_date),
        ("in_stock_since", &c.in_stock_since),
    ] {
        if let Some(Some(date)) = date
            && *date > today
        {
            invalid.add(field, "in_future", "must not be later than today");
        }
    }
    invalid.finish()?;
    let mut specs = VehicleSpecs::of(v);
    set(&mut v.stock_number, c.stock_number.clone());
    if let Some(condition) = c.condition {
        v.condition = condition.as_str().to_owned();
    }
    set(&mut v.brand, c.brand.clone());
    set(&mut v.model, c.model.clone());
    set(&mut specs.trim, c.trim.clone());
    set(&mut v.model_year, c.model_year);
    if let Some(body) = c.body_type {
        v.body_type = body.map(|b| b.as_str().to_owned());
    }
    if let Some(energy) = c.energy_type {
        v.energy_type = energy.map(|e| e.as_str().to_owned());
    }
    if let Some(transmission) = c.transmission {
        v.transmission = transmission.map(|t| t.as_str().to_owned());
    }
    if let Some(drivetrain) = c.drivetrain {
        specs.drivetrain = drivetrain.map(|d| d.as_str().to_owned());
    }
    set(&mut specs.displacement_ml, c.displacement_ml);
    set(&mut specs.battery_wh, c.battery_wh);
    set(&mut specs.cltc_range_km, c.cltc_range_km);
    set(&mut v.colour, c.colour.clone());
    set(&mut v.seats, c.seats);
    set(&mut v.mileage_km, c.mileage_km);
    if let Some(date) = c.first_registration_date {
        v.first_registration_date = date.map(|d| d.to_string());
    }
    set(&mut specs.previous_owners, c.previous_owners);
    set(&mut specs.plate_city, c.plate_city.clone());
    if let Some(standard) = c.emission_standard {
        specs.emission_standard = standard.map(|s| s.as_str().to_owned());
    }
    set(&mut specs.condition_grade, c.condition_grade.clone());
    set(&mut v.asking_price_cents, c.asking_price_cents);
    if let Some(price) = c.sold_price_cents {
        v.sold_price_cents = Some(price);
    }
    set(&mut v.store_id, c.store_id.clone());
    if let Some(date) = c.in_stock_since {
        v.in_stock_since = date.map(|d| d.to_string());
    }
    set(&mut specs.options, c.options.clone());
    if let Some(features) = &c.features {
        v.features = json_list(features);
    }
    set(&mut specs.description, c.description.clone());
    v.specs = serde_json::to_string(&specs).map_err(ServiceError::internal)?;
    derive_keys(v)
}

/// The columns derived from others: catalogue keys, colour family, the age reference.
fn derive_keys(v: &mut Vehicle) -> ServiceResult<()> {
    let condition: Condition = v
        .condition
        .parse()
        .map_err(|_| ServiceError::invalid("condition", "required", "must be new or used"))?;
    let mut facts = VehicleFacts::new(&v.brand, &v.model, condition, v.asking_price_cents);
    facts.model_year = v.model_year;
    facts.first_registration = v
        .first_registration_date
        .as_deref()
        .and_then(|d| d.parse().ok());
    v.brand_key = facts.brand_key.to_string();
    v.model_key = facts.model_key.to_string();
    v.colour_family = v
        .colour
        .as_deref()
        .and_then(|c| Paint::new(c).family())
        .map(|f| f.as_str().to_owned());
    v.age_from = match facts.age_reference() {
        AgeReference::Since(date) => Some(date.to_string()),
        AgeReference::NewUnregistered | AgeReference::Unknown => None,
    };
    Ok(())
}

fn missing_for_create(c: &VehicleChanges) -> ServiceResult<()> {
    let mut invalid = Invalid::new();
    if c.condition.is_none() {
        invalid.add("condition", "required", "new or used");
    }
    if c.brand.is_none() {
        invalid.add("brand", "required", "must not be empty");
    }
    if c.model.is_none() {
        invalid.add("model", "required", "must not be empty");
    }
    if c.asking_price_cents.is_none() {
        invalid.add("asking_price_cents", "required", "the asking price in fen");
    }
    invalid.finish()
}

fn cost_guard(ctx: &Ctx, c: &VehicleChanges) -> ServiceResult<()> {
    if c.touches_cost() && !sees_cost(ctx) {
        return Err(ServiceError::Forbidden);
    }
    Ok(())
}

fn write_cost(ctx: &mut Ctx, vehicle: &Vehicle, c: &VehicleChanges) -> ServiceResult<()> {
    if !c.touches_cost() {
        return Ok(());
    }
    let current =
        VehicleCost::for_vehicles(ctx.conn, ctx.org_id(), std::slice::from_ref(&vehicle.id))?.pop();
    let mut cost = current.unwrap_or(VehicleCost {
        vehicle_id: vehicle.id.clone(),
        org_id: vehicle.org_id.clone(),
        acquisition_cost_cents: None,
        floor_price_cents: None,
        updated_at: ctx.now(),
    });
    set(&mut cost.acquisition_cost_cents, c.acquisition_cost_cents);
    set(&mut cost.floor_price_cents, c.floor_price_cents);
    cost.updated_at = ctx.now();
    cost.put(ctx.conn)?;
    Ok(())
}

fn stock_number_taken() -> ServiceError {
    ServiceError::duplicate("another car has this stock number", None)
}

/// Adds a car. The VIN must be new to the organisation (409 with the existing car's id).
/// Emits `vehicle.created`.
pub fn create(
    ctx: &mut Ctx,
    vin_input: &str,
    changes: VehicleChanges,
) -> ServiceResult<VehicleView> {
    cost_guard(ctx, &changes)?;
    let (vin, reason) = read_vin(
        vin_input,
        changes.vin_check_override,
        changes.vin_override_reason.as_deref(),
    )?;
    missing_for_create(&changes)?;
    if let Some(existing) = Vehicle::find_by_vin(ctx.conn, ctx.org_id(), vin.as_str())? {
        return Err(ServiceError::duplicate(
            "a car with this VIN is in inventory already",
            Some(existing.id),
        ));
    }
    let mut vehicle = blank(ctx, &vin);
    vehicle.vin_override_reason = reason;
    write_fields(ctx, &mut vehicle, &changes)?;
    let status = changes.status.unwrap_or(VehicleStatus::InStock);
    vehicle.status = status.as_str().to_owned();
    match status {
        VehicleStatus::InStock | VehicleStatus::Reserved if vehicle.in_stock_since.is_none() => {
            vehicle.in_stock_since = Some(ctx.today()?.to_string());
        }
        VehicleStatus::Sold => {
            vehicle.sold_at = Some(ctx.now());
            vehicle
                .sold_price_cents
                .get_or_insert(vehicle.asking_price_cents);
        }
        _ => {}
    }
    // A savepoint: a stock number or VIN taken meanwhile refuses this row alone, and the
    // unit of work goes on (the bulk upsert's other items).
    let inserted = ctx.conn.transaction(|conn| vehicle.insert(conn));
    if let Err(e) = inserted {
        return Err(if is_unique_violation(&e) {
            match Vehicle::find_by_vin(ctx.conn, ctx.org_id(), vin.as_str())? {
                Some(existing) => ServiceError::duplicate(
                    "a car with this VIN is in inventory already",
                    Some(existing.id),
                ),
                None => stock_number_taken(),
            }
        } else {
            e.into()
        });
    }
    write_cost(ctx, &vehicle, &changes)?;
    ctx.record(
        Change::new("vehicle.created", "vehicle", &vehicle.id)
            .detail(serde_json::json!({"vin": vehicle.vin, "vin_check_override": vehicle.vin_override_reason.is_some()}))
            .event(VehicleCreated {
                vehicle_id: vehicle.id.clone(),
                vin: vehicle.vin.clone(),
                stock_number: vehicle.stock_number.clone(),
                store_id: vehicle.store_id.clone(),
                condition: vehicle.condition.clone(),
                brand: vehicle.brand.clone(),
                model: vehicle.model.clone(),
                model_year: vehicle.model_year,
                asking_price_cents: vehicle.asking_price_cents,
                status: vehicle.status.clone(),
            }),
    )?;
    view(ctx, vehicle)
}

/// Applies a change to a found, locked car: fields, the price event, the status machine,
/// the costs. Answers whether anything changed.
fn change(ctx: &mut Ctx, vehicle: &mut Vehicle, changes: &VehicleChanges) -> ServiceResult<bool> {
    cost_guard(ctx, changes)?;
    let before = vehicle.clone();
    write_fields(ctx, vehicle, changes)?;
    if let Some(to) = changes.status
        && status_of(vehicle)? != to
    {
        apply_status(ctx, vehicle, to)?;
    }
    if before.asking_price_cents != vehicle.asking_price_cents {
        ctx.record(
            Change::new("vehicle.price_changed", "vehicle", &vehicle.id)
                .detail(serde_json::json!({"from": before.asking_price_cents, "to": vehicle.asking_price_cents}))
                .event(VehiclePriceChanged {
                    vehicle_id: vehicle.id.clone(),
                    vin: vehicle.vin.clone(),
                    old_price_cents: before.asking_price_cents,
                    new_price_cents: vehicle.asking_price_cents,
                }),
        )?;
    }
    let cost_changed = if changes.touches_cost() {
        let current =
            VehicleCost::for_vehicles(ctx.conn, ctx.org_id(), std::slice::from_ref(&vehicle.id))?
                .pop();
        let differs = |now: Option<i64>, new: Option<Option<i64>>| new.is_some_and(|n| n != now);
        differs(
            current.as_ref().and_then(|c| c.acquisition_cost_cents),
            changes.acquisition_cost_cents,
        ) || differs(
            current.as_ref().and_then(|c| c.floor_price_cents),
            changes.floor_price_cents,
        )
    } else {
        false
    };
    if cost_changed {
        write_cost(ctx, vehicle, changes)?;
    }
    let changed = *vehicle != before || cost_changed;
    if changed {
        ctx.record(
            Change::new("vehicle.updated", "vehicle", &vehicle.id).detail(
                serde_json::json!({"fields": changed_fields(&before, vehicle, cost_changed)}),
            ),
        )?;
    }
    Ok(changed)
}

fn changed_fields(before: &Vehicle, after: &Vehicle, cost: bool) -> Vec<&'static str> {
    let mut fields = Vec::new();
    macro_rules! compare {
        ($($field:ident),+) => {
            $(if before.$field != after.$field { fields.push(stringify!($field)); })+
        };
    }
    compare!(
        store_id,
        stock_number,
        condition,
        brand,
        model,
        model_year,
        body_type,
        energy_type,
        transmission,
        colour,
        seats,
        mileage_km,
        first_registration_date,
        asking_price_cents,
        status,
        in_stock_since,
        sold_price_cents,
        features,
        specs
    );
    if cost {
        fields.push("costs");
    }
    fields
}

/// Changes a car (JSON merge patch), under its version. Emits `vehicle.price_changed` and
/// `vehicle.status_changed` when those change; audited (`vehicle.updated`).
pub fn update(
    ctx: &mut Ctx,
    id: &str,
    expected: Option<i64>,
    changes: VehicleChanges,
) -> ServiceResult<VehicleView> {
    let vehicle = records::update(
        ctx,
        id,
        expected,
        |_: &Vehicle| true,
        |ctx, v| change(ctx, v, &changes).map(drop),
    )?;
    view(ctx, vehicle)
}

/// The ERP's upsert: creates the car with this VIN, or changes the one there is. An
/// unchanged car keeps its version.
pub fn upsert_by_vin(
    ctx: &mut Ctx,
    vin_input: &str,
    changes: VehicleChanges,
) -> ServiceResult<Upserted> {
    cost_guard(ctx, &changes)?;
    let (vin, _) = read_vin(
        vin_input,
        changes.vin_check_override,
        changes.vin_override_reason.as_deref(),
    )?;
    let Some(existing) = Vehicle::find_by_vin(ctx.conn, ctx.org_id(), vin.as_str())? else {
        return match create(ctx, vin_input, changes.clone()) {
            Ok(created) => Ok(Upserted::Created(created)),
            // Created meanwhile by another request: change it instead.
            Err(ServiceError::Duplicate {
                existing_id: Some(_),
                ..
            }) => upsert_by_vin(ctx, vin_input, changes),
            Err(e) => Err(e),
        };
    };
    // As `records::update`, but an unchanged car is not saved: it keeps its version.
    lock_row(ctx.conn, Vehicle::TABLE, &existing.id)?;
    let mut vehicle = find(ctx, &existing.id)?;
    let version = vehicle.version;
    if !change(ctx, &mut vehicle, &changes)? {
        return Ok(Upserted::Unchanged(view(ctx, vehicle)?));
    }
    vehicle.touch(ctx.now());
    if !vehicle.save(ctx.conn, version)? {
        return Err(ServiceError::Stale {
            current_version: version + 1,
        });
    }
    Ok(Upserted::Updated(view(ctx, vehicle)?))
}

/// One page of a search.
pub fn search(ctx: &mut Ctx, search: &VehicleSearch) -> ServiceResult<Option<Vec<VehicleView>>> {
    let Some(rows) = Vehicle::search(ctx.conn, ctx.org_id(), search)? else {
        return Ok(None);
    };
    views(ctx, rows).map(Some)
}

/// The ids of the organisation's stores in a city (exact name).
pub fn stores_in_city(ctx: &mut Ctx, city: &str) -> ServiceResult<Vec<String>> {
    let filter = StoreFilter {
        active: None,
        city: Some(city.to_owned()),
        after_id: None,
        limit: 10_000,
    };
    Ok(Store::list(ctx.conn, ctx.org_id(), &filter)?
        .into_iter()
        .map(|s| s.id)
        .collect())
}
