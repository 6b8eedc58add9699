//! `/api/v1/customers/{id}/vehicles`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::dto::{AddMileage, CreateVehicle, MileageDto, PatchVehicle, VehicleDto, VehicleList};
use super::service;
use crate::error::{ApiError, Problem};
use crate::http::versioning::versioned;
use crate::http::{Authorized, IfMatch, Json, PathId, perm};

/// The customer and vehicle ids of a `/customers/{id}/vehicles/{vid}` path: anything that
/// is not a UUID names no record (404).
fn ids(path: web::Path<(String, String)>) -> Result<(String, String), ApiError> {
    let (customer, vehicle) = path.into_inner();
    let parse = |s: &str| {
        uuid::Uuid::parse_str(s)
            .map(|u| u.to_string())
            .map_err(|_| ApiError::not_found())
    };
    Ok((parse(&customer)?, parse(&vehicle)?))
}

/// Add a vehicle to a customer's garage.
///
/// The VIN is checked (17 characters, no I/O/Q, ISO 3779 check digit: 422 otherwise) and
/// must not be in this customer's garage already (409); the plate is stored normalised.
/// Needs the customer in the caller's data scope. Audited (`customer_vehicle.added`);
/// appears on the customer's timeline.
#[utoipa::path(
    post, path = "/api/v1/customers/{id}/vehicles", tag = "garage",
    params(("id" = String, Path, description = "Customer id")),
    request_body = CreateVehicle,
    responses(
        (status = 201, description = "Added", body = VehicleDto),
        (status = 409, description = "The VIN is in this customer's garage already", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_vehicle(
    caller: Authorized<perm::CustomersWrite>,
    id: PathId,
    body: Json<CreateVehicle>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_command();
    let vehicle = caller
        .write(move |ctx| service::add(ctx, &id.0, new))
        .await?;
    Ok(versioned(
        StatusCode::CREATED,
        vehicle.version,
        VehicleDto::of(vehicle, Vec::new()),
    ))
}

/// List a customer's vehicles, with their mileage readings.
///
/// Needs the customer in the caller's data scope. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/customers/{id}/vehicles", tag = "garage",
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "The customer's vehicles, oldest first", body = VehicleList))
)]
pub async fn list_vehicles(
    caller: Authorized<perm::CustomersRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let vehicles = caller.read(move |ctx| service::list(ctx, &id.0)).await?;
    Ok(HttpResponse::Ok().json(VehicleList {
        items: vehicles.into_iter().map(VehicleDto::from).collect(),
    }))
}

/// Change a vehicle (JSON merge patch).
///
/// With `If-Match`, a stale version answers 412. Audited (`customer_vehicle.updated`).
#[utoipa::path(
    patch, path = "/api/v1/customers/{id}/vehicles/{vid}", tag = "garage",
    params(("id" = String, Path, description = "Customer id"),
           ("vid" = String, Path, description = "Vehicle id"),
           ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body(content = PatchVehicle, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = VehicleDto),
        (status = 409, description = "The VIN is in this customer's garage already", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The vehicle changed since that version", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn patch_vehicle(
    caller: Authorized<perm::CustomersWrite>,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    body: Json<PatchVehicle>,
) -> Result<HttpResponse, ApiError> {
    let (customer, vehicle) = ids(path)?;
    let changes = body.into_inner().into_changes();
    let vehicle = caller
        .write(move |ctx| service::update(ctx, &customer, &vehicle, if_match.0, changes))
        .await?;
    Ok(versioned(
        StatusCode::OK,
        vehicle.version,
        VehicleDto::of(vehicle, Vec::new()),
    ))
}

/// Remove a vehicle from a customer's garage, with its readings.
///
/// Audited (`customer_vehicle.removed`).
#[utoipa::path(
    delete, path = "/api/v1/customers/{id}/vehicles/{vid}", tag = "garage",
    params(("id" = String, Path, description = "Customer id"),
           ("vid" = String, Path, description = "Vehicle id")),
    responses((status = 204, description = "Removed"))
)]
pub async fn delete_vehicle(
    caller: Authorized<perm::CustomersWrite>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (customer, vehicle) = ids(path)?;
    caller
        .write(move |ctx| service::remove(ctx, &customer, &vehicle))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Record an odometer reading of a customer's vehicle.
///
/// Mileage never goes down: a reading below an earlier one (or above a later one) is a
/// 422. Audited (`customer_vehicle.mileage_recorded`).
#[utoipa::path(
    post, path = "/api/v1/customers/{id}/vehicles/{vid}/mileage", tag = "garage",
    params(("id" = String, Path, description = "Customer id"),
           ("vid" = String, Path, description = "Vehicle id")),
    request_body = AddMileage,
    responses((status = 201, description = "Recorded", body = MileageDto))
)]
pub async fn add_mileage(
    caller: Authorized<perm::CustomersWrite>,
    path: web::Path<(String, String)>,
    body: Json<AddMileage>,
) -> Result<HttpResponse, ApiError> {
    let (customer, vehicle) = ids(path)?;
    let body = body.into_inner();
    let (km, at) = (body.mileage_km, body.read_at.map(|t| t.naive_utc()));
    let reading = caller
        .write(move |ctx| service::add_mileage(ctx, &customer, &vehicle, km, at))
        .await?;
    Ok(HttpResponse::Created().json(MileageDto::from(reading)))
}

crate::endpoints![
    add_vehicle,
    list_vehicles,
    patch_vehicle,
    delete_vehicle,
    add_mileage,
];
