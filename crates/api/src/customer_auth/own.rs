//! `/api/v1/me/*` beyond the record itself: the signed-in customer's consents, garage and
//! behaviour events. Each calls the staff endpoint's own service function with the
//! principal's customer id, so a customer token reaches nothing but its own customer's rows
//! (`CustomerScope::Itself`: any other record is 404).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use crate::behavior::dto::{BatchResult, BehaviorBatch};
use crate::consents::dto::{ConsentRecordDto, ConsentsDto, CreateConsent};
use crate::error::{ApiError, Problem};
use crate::garage::dto::{
    AddMileage, CreateVehicle, MileageDto, PatchVehicle, VehicleDto, VehicleList,
};
use crate::http::versioning::versioned;
use crate::http::{Authorized, IfMatch, Json, PathId, perm};

type Customer = Authorized<perm::CustomerSelf>;

/// The signed-in customer's id.
fn own_id(caller: &Customer) -> String {
    caller.principal().id.clone()
}

/// The signed-in customer's consents: where each purpose stands, and every record.
///
/// For a `customer` token only (staff use `/api/v1/customers/{id}/consents`). Changes
/// nothing.
#[utoipa::path(
    get, path = "/api/v1/me/consents", tag = "customer-auth",
    responses((status = 200, description = "Status per purpose and the records", body = ConsentsDto))
)]
pub async fn list_own_consents(caller: Customer) -> Result<HttpResponse, ApiError> {
    let id = own_id(&caller);
    let (rows, checks) = caller
        .read(move |ctx| crate::consents::service::list(ctx, &id))
        .await?;
    Ok(HttpResponse::Ok().json(ConsentsDto {
        status: checks.into_iter().map(Into::into).collect(),
        records: rows.into_iter().map(Into::into).collect(),
    }))
}

/// Record the signed-in customer's own consent or its withdrawal (PIPL), e.g. from the
/// mini-program's privacy settings.
///
/// For a `customer` token only. As the staff endpoint: records are only ever added, the
/// customer's `marketing_consent` follows at once (a withdrawal takes them out of
/// marketing's scope). Audited; emits `consent.changed`.
#[utoipa::path(
    post, path = "/api/v1/me/consents", tag = "customer-auth",
    request_body = CreateConsent,
    responses((status = 201, description = "Recorded", body = ConsentRecordDto))
)]
pub async fn create_own_consent(
    caller: Customer,
    body: Json<CreateConsent>,
) -> Result<HttpResponse, ApiError> {
    let id = own_id(&caller);
    let body = body.into_inner();
    let row = caller
        .write(move |ctx| {
            let record = body.into_record(ctx.now_utc());
            crate::consents::service::record(ctx, &id, record)
        })
        .await?;
    Ok(HttpResponse::Created().json(ConsentRecordDto::from(row)))
}

/// The signed-in customer's garage: their vehicles, with mileage readings.
///
/// For a `customer` token only (staff use `/api/v1/customers/{id}/vehicles`). Changes
/// nothing.
#[utoipa::path(
    get, path = "/api/v1/me/garage", tag = "customer-auth",
    responses((status = 200, description = "The customer's vehicles, oldest first", body = VehicleList))
)]
pub async fn list_own_vehicles(caller: Customer) -> Result<HttpResponse, ApiError> {
    let id = own_id(&caller);
    let vehicles = caller
        .read(move |ctx| crate::garage::service::list(ctx, &id))
        .await?;
    Ok(HttpResponse::Ok().json(VehicleList {
        items: vehicles.into_iter().map(VehicleDto::from).collect(),
    }))
}

/// Add a vehicle to the signed-in customer's garage.
///
/// For a `customer` token only. As the staff endpoint: the VIN is checked (422) and must
/// not be in the garage already (409); the plate is stored normalised. Audited
/// (`customer_vehicle.added`).
#[utoipa::path(
    post, path = "/api/v1/me/garage", tag = "customer-auth",
    request_body = CreateVehicle,
    responses(
        (status = 201, description = "Added", body = VehicleDto),
        (status = 409, description = "The VIN is in the garage already", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_own_vehicle(
    caller: Customer,
    body: Json<CreateVehicle>,
) -> Result<HttpResponse, ApiError> {
    let id = own_id(&caller);
    let new = body.into_inner().into_command();
    let vehicle = caller
        .write(move |ctx| crate::garage::service::add(ctx, &id, new))
        .await?;
    Ok(versioned(
        StatusCode::CREATED,
        vehicle.version,
        VehicleDto::of(vehicle, Vec::new()),
    ))
}

/// Change one of the signed-in customer's vehicles (JSON merge patch).
///
/// For a `customer` token only; another customer's vehicle is 404. With `If-Match`, a
/// stale version answers 412. Audited (`customer_vehicle.updated`).
#[utoipa::path(
    patch, path = "/api/v1/me/garage/{id}", tag = "customer-auth",
    params(("id" = String, Path, description = "Vehicle id"),
           ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body(content = PatchVehicle, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = VehicleDto),
        (status = 409, description = "The VIN is in the garage already", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The vehicle changed since that version", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn patch_own_vehicle(
    caller: Customer,
    vehicle: PathId,
    if_match: IfMatch,
    body: Json<PatchVehicle>,
) -> Result<HttpResponse, ApiError> {
    let id = own_id(&caller);
    let changes = body.into_inner().into_changes();
    let vehicle = caller
        .write(move |ctx| crate::garage::service::update(ctx, &id, &vehicle.0, if_match.0, changes))
        .await?;
    Ok(versioned(
        StatusCode::OK,
        vehicle.version,
        VehicleDto::of(vehicle, Vec::new()),
    ))
}

/// Remove one of the signed-in customer's vehicles, with its readings.
///
/// For a `customer` token only; another customer's vehicle is 404. Audited
/// (`customer_vehicle.removed`).
#[utoipa::path(
    delete, path = "/api/v1/me/garage/{id}", tag = "customer-auth",
    params(("id" = String, Path, description = "Vehicle id")),
    responses((status = 204, description = "Removed"))
)]
pub async fn delete_own_vehicle(
    caller: Customer,
    vehicle: PathId,
) -> Result<HttpResponse, ApiError> {
    let id = own_id(&caller);
    caller
        .write(move |ctx| crate::garage::service::remove(ctx, &id, &vehicle.0))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Record an odometer reading of one of the signed-in customer's vehicles.
///
/// For a `customer` token only. Mileage never goes down (422 otherwise). Audited
/// (`customer_vehicle.mileage_recorded`).
#[utoipa::path(
    post, path = "/api/v1/me/garage/{id}/mileage", tag = "customer-auth",
    params(("id" = String, Path, description = "Vehicle id")),
    request_body = AddMileage,
    responses((status = 201, description = "Recorded", body = MileageDto))
)]
pub async fn add_own_mileage(
    caller: Customer,
    vehicle: PathId,
    body: Json<AddMileage>,
) -> Result<HttpResponse, ApiError> {
    let id = own_id(&caller);
    let body = body.into_inner();
    let (km, at) = (body.mileage_km, body.read_at.map(|t| t.naive_utc()));
    let reading = caller
        .write(move |ctx| crate::garage::service::add_mileage(ctx, &id, &vehicle.0, km, at))
        .await?;
    Ok(HttpResponse::Created().json(MileageDto::from(reading)))
}

/// Post the signed-in customer's own behaviour events from the mini-program or app.
///
/// For a `customer` token only. As `POST /api/v1/behavior-events` (1 to 500 events, a
/// result per event), except that every event is the signed-in customer's: a `customer_id`
/// sent is replaced by theirs. A device named is linked to the customer (the first link
/// stands). Recomputes the customer's dynamic tags. Audited (`behavior_events.posted`);
/// emits no event.
#[utoipa::path(
    post, path = "/api/v1/me/behavior-events", tag = "customer-auth",
    request_body = BehaviorBatch,
    responses((status = 200, description = "A result per event", body = BatchResult))
)]
pub async fn post_own_behavior_events(
    caller: Customer,
    body: Json<BehaviorBatch>,
) -> Result<HttpResponse, ApiError> {
    let id = own_id(&caller);
    let mut items = body.into_inner().into_items();
    for item in &mut items {
        item.customer_id = Some(id.clone());
    }
    let outcomes = caller
        .write(move |ctx| crate::behavior::service::ingest(ctx, items))
        .await?;
    Ok(HttpResponse::Ok().json(BatchResult::of(outcomes)))
}

crate::endpoints![
    list_own_consents,
    create_own_consent,
    list_own_vehicles,
    add_own_vehicle,
    patch_own_vehicle,
    delete_own_vehicle,
    add_own_mileage,
    post_own_behavior_events,
];
