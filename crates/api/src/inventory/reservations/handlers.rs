//! `/api/v1/vehicles/{id}/reservations` and `/api/v1/reservations`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use autocrm_persistence::models::ReservationFilter;

use super::dto::{
    CancelReservation, CreateReservation, PageQuery, ReservationDto, ReservationListQuery,
};
use super::service::{self, ReservationStatus};
use crate::error::{ApiError, Code, Problem};
use crate::http::pagination::{IdWindow, Page};
use crate::http::versioning::versioned;
use crate::http::{Authorized, Json, PathId, perm};

/// Reserve a car for a customer.
///
/// Holds a car in stock for a customer the caller sees until `expires_at` (at most 7 days
/// ahead; 48 hours without it). The car becomes `reserved`: a car already reserved, sold or
/// in transit answers 409 `invalid_transition`, also when many ask at once (the car's row is
/// locked, and one active reservation per car is enforced by the database). Consultants,
/// managers, general managers, admins, and machine clients with `inventory:write`. Emits
/// `vehicle.status_changed` and `vehicle.reserved`.
#[utoipa::path(
    post, path = "/api/v1/vehicles/{id}/reservations", tag = "reservations",
    params(("id" = String, Path, description = "Vehicle id")),
    request_body = CreateReservation,
    responses(
        (status = 201, description = "Reserved", body = ReservationDto),
        (status = 409, description = "The car is not in stock (reserved already, sold, in transit)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_reservation(
    caller: Authorized<perm::VehicleReservationsWrite>,
    id: PathId,
    body: Json<CreateReservation>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_command();
    let shown = caller
        .write(move |ctx| {
            let r = service::reserve(ctx, &id.0, new)?;
            service::present(ctx, r)
        })
        .await?;
    let dto = ReservationDto::from(shown);
    Ok(versioned(StatusCode::CREATED, dto.version, dto))
}

/// List a car's reservations.
///
/// Every reservation the car had, oldest first, cursor-paged. Notes are shown only to
/// callers who see the customer. Every staff role, and `inventory:read`. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/vehicles/{id}/reservations", tag = "reservations",
    params(("id" = String, Path, description = "Vehicle id"), PageQuery),
    responses((status = 200, description = "A page of reservations", body = Page<ReservationDto>))
)]
pub async fn list_vehicle_reservations(
    caller: Authorized<perm::InventoryRead>,
    id: PathId,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let (after, rows) = (window.after_id.clone(), window.rows());
    let items = caller
        .read(move |ctx| service::for_vehicle(ctx, &id.0, after, rows))
        .await?;
    Ok(HttpResponse::Ok().json(window.page(items, |s| &s.reservation.id, ReservationDto::from)))
}

/// List reservations.
///
/// The organisation's reservations, oldest first, cursor-paged; `status` (active,
/// cancelled, expired) and `customer_id` (a customer the caller sees, 404 otherwise) filter.
/// Notes are shown only to callers who see the customer. Every staff role, and
/// `inventory:read`. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/reservations", tag = "reservations",
    params(ReservationListQuery),
    responses((status = 200, description = "A page of reservations", body = Page<ReservationDto>))
)]
pub async fn list_reservations(
    caller: Authorized<perm::InventoryRead>,
    query: web::Query<ReservationListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let bad = |m: &str| ApiError::bad_request(Code::InvalidQuery, m.to_owned());
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let status = q
        .status
        .as_deref()
        .map(str::parse::<ReservationStatus>)
        .transpose()
        .map_err(|_| bad("unknown status"))?;
    let customer_id = q
        .customer_id
        .map(|c| {
            uuid::Uuid::parse_str(&c)
                .map(|u| u.to_string())
                .map_err(|_| bad("customer_id must be a UUID"))
        })
        .transpose()?;
    let filter = ReservationFilter {
        status: status.map(|s| s.as_str().to_owned()),
        customer_id,
        vehicle_id: None,
        after_id: window.after_id.clone(),
        limit: window.rows(),
    };
    let items = caller.read(move |ctx| service::list(ctx, filter)).await?;
    Ok(HttpResponse::Ok().json(window.page(items, |s| &s.reservation.id, ReservationDto::from)))
}

/// Get one reservation.
///
/// Every staff role, and `inventory:read`; another organisation's is 404. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/reservations/{id}", tag = "reservations",
    params(("id" = String, Path, description = "Reservation id")),
    responses((status = 200, description = "The reservation", body = ReservationDto))
)]
pub async fn get_reservation(
    caller: Authorized<perm::InventoryRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let shown = caller.read(move |ctx| service::get(ctx, &id.0)).await?;
    let dto = ReservationDto::from(shown);
    Ok(versioned(StatusCode::OK, dto.version, dto))
}

/// Cancel a reservation.
///
/// Ends an active reservation and puts the car back in stock. The consultant who made it,
/// a sales manager of the car's store or of that consultant's store, general managers,
/// admins and machine clients with `inventory:write`; another consultant is 403. A
/// reservation that is no longer active is 409 `invalid_transition`. Emits
/// `vehicle.status_changed` and `reservation.cancelled`.
#[utoipa::path(
    post, path = "/api/v1/reservations/{id}/cancel", tag = "reservations",
    params(("id" = String, Path, description = "Reservation id")),
    request_body = CancelReservation,
    responses(
        (status = 200, description = "Cancelled", body = ReservationDto),
        (status = 409, description = "No longer active", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cancel_reservation(
    caller: Authorized<perm::VehicleReservationsWrite>,
    id: PathId,
    body: Json<CancelReservation>,
) -> Result<HttpResponse, ApiError> {
    let reason = crate::validate::rules::trimmed(body.into_inner().reason.as_deref());
    let shown = caller
        .write(move |ctx| {
            let r = service::cancel(ctx, &id.0, reason)?;
            service::present(ctx, r)
        })
        .await?;
    let dto = ReservationDto::from(shown);
    Ok(versioned(StatusCode::OK, dto.version, dto))
}

crate::endpoints![
    create_reservation,
    list_vehicle_reservations,
    list_reservations,
    get_reservation,
    cancel_reservation,
];
