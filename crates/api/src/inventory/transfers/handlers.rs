//! `/api/v1/vehicle-transfers`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use autocrm_domain::vehicle::TransferStatus;
use autocrm_persistence::models::TransferFilter;

use super::dto::{
    AddTracking, CancelTransfer, CreateTransfer, DispatchTransfer, TransferDto, TransferListQuery,
};
use super::service;
use crate::error::{ApiError, Code, Problem};
use crate::http::pagination::{IdWindow, Page};
use crate::http::versioning::versioned;
use crate::http::{Authorized, Json, PathId, perm};

fn answer(status: StatusCode, view: service::TransferView) -> HttpResponse {
    let dto = TransferDto::from(view);
    versioned(status, dto.version, dto)
}

/// Request a transfer of a car to another store (调车).
///
/// The car must be in stock at one of the organisation's stores, with no other open
/// transfer (409 `duplicate`); a reserved, sold or travelling car is 409
/// `invalid_transition`. The estimate (distance, days, cost) from the two stores' cities is
/// stored and shown. Sales managers of either store, general managers, admins, and machine
/// clients with `inventory:write`. Emits `transfer.requested`; notifies both stores'
/// managers.
#[utoipa::path(
    post, path = "/api/v1/vehicle-transfers", tag = "vehicle transfers",
    request_body = CreateTransfer,
    responses(
        (status = 201, description = "Requested", body = TransferDto),
        (status = 409, description = "The car is not in stock, or has an open transfer", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_transfer(
    caller: Authorized<perm::VehicleTransfersManage>,
    body: Json<CreateTransfer>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_command();
    let view = caller
        .write(move |ctx| {
            let t = service::request(ctx, new)?;
            service::view(ctx, t, true)
        })
        .await?;
    Ok(answer(StatusCode::CREATED, view))
}

/// List transfers.
///
/// Oldest first, cursor-paged; `status` and `store_id` (from or to that store) filter.
/// Every staff role, and `inventory:read`. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/vehicle-transfers", tag = "vehicle transfers",
    params(TransferListQuery),
    responses((status = 200, description = "A page of transfers", body = Page<TransferDto>))
)]
pub async fn list_transfers(
    caller: Authorized<perm::InventoryRead>,
    query: web::Query<TransferListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let bad = |m: &str| ApiError::bad_request(Code::InvalidQuery, m.to_owned());
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let status = q
        .status
        .as_deref()
        .map(str::parse::<TransferStatus>)
        .transpose()
        .map_err(|_| bad("unknown status"))?;
    let store_id = q
        .store_id
        .map(|c| {
            uuid::Uuid::parse_str(&c)
                .map(|u| u.to_string())
                .map_err(|_| bad("store_id must be a UUID"))
        })
        .transpose()?;
    let filter = TransferFilter {
        status: status.map(|s| s.as_str().to_owned()),
        store_id,
        vehicle_id: None,
        after_id: window.after_id.clone(),
        limit: window.rows(),
    };
    let items = caller.read(move |ctx| service::list(ctx, filter)).await?;
    Ok(HttpResponse::Ok().json(window.page(items, |v| &v.transfer.id, TransferDto::from)))
}

/// Get one transfer, with its car and logistics tracking entries.
///
/// Every staff role, and `inventory:read`; another organisation's is 404. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/vehicle-transfers/{id}", tag = "vehicle transfers",
    params(("id" = String, Path, description = "Transfer id")),
    responses((status = 200, description = "The transfer", body = TransferDto))
)]
pub async fn get_transfer(
    caller: Authorized<perm::InventoryRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let view = caller.read(move |ctx| service::get(ctx, &id.0)).await?;
    Ok(answer(StatusCode::OK, view))
}

/// Approve a requested transfer.
///
/// requested → approved; any other state is 409 `invalid_transition`. Sales managers of
/// the origin store, general managers, admins, and machine clients with `inventory:write`.
/// Emits `transfer.approved`; notifies both stores' managers.
#[utoipa::path(
    post, path = "/api/v1/vehicle-transfers/{id}/approve", tag = "vehicle transfers",
    params(("id" = String, Path, description = "Transfer id")),
    responses(
        (status = 200, description = "Approved", body = TransferDto),
        (status = 409, description = "Not requested", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn approve_transfer(
    caller: Authorized<perm::VehicleTransfersManage>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let view = caller
        .write(move |ctx| {
            let t = service::approve(ctx, &id.0)?;
            service::view(ctx, t, true)
        })
        .await?;
    Ok(answer(StatusCode::OK, view))
}

/// Hand the car to the carrier.
///
/// approved → in_transit (a requested transfer is 409 `invalid_transition`: it cannot skip
/// approval); the car goes from in_stock to in_transit. Sales managers of the origin store,
/// general managers, admins, and machine clients with `inventory:write`. Emits
/// `transfer.dispatched` and `vehicle.status_changed`; notifies both stores' managers.
#[utoipa::path(
    post, path = "/api/v1/vehicle-transfers/{id}/dispatch", tag = "vehicle transfers",
    params(("id" = String, Path, description = "Transfer id")),
    request_body = DispatchTransfer,
    responses(
        (status = 200, description = "In transit", body = TransferDto),
        (status = 409, description = "Not approved, or the car is not in stock", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn dispatch_transfer(
    caller: Authorized<perm::VehicleTransfersManage>,
    id: PathId,
    body: Json<DispatchTransfer>,
) -> Result<HttpResponse, ApiError> {
    let dispatch = body.into_inner().into_command();
    let view = caller
        .write(move |ctx| {
            let t = service::dispatch(ctx, &id.0, dispatch)?;
            service::view(ctx, t, true)
        })
        .await?;
    Ok(answer(StatusCode::OK, view))
}

/// Receive the car at the destination store.
///
/// in_transit → received; the car now belongs to the destination store and is in stock
/// (its days in stock start anew). Sales managers of the destination store, general
/// managers, admins, and machine clients with `inventory:write`. Emits `transfer.received`
/// and `vehicle.status_changed`; notifies both stores' managers.
#[utoipa::path(
    post, path = "/api/v1/vehicle-transfers/{id}/receive", tag = "vehicle transfers",
    params(("id" = String, Path, description = "Transfer id")),
    responses(
        (status = 200, description = "Received", body = TransferDto),
        (status = 409, description = "Not in transit", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn receive_transfer(
    caller: Authorized<perm::VehicleTransfersManage>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let view = caller
        .write(move |ctx| {
            let t = service::receive(ctx, &id.0)?;
            service::view(ctx, t, true)
        })
        .await?;
    Ok(answer(StatusCode::OK, view))
}

/// Cancel a transfer.
///
/// From requested, approved or in_transit (a car on the road goes back in stock at its
/// origin); a received or cancelled transfer is 409 `invalid_transition`. Sales managers
/// of either store, general managers, admins, and machine clients with `inventory:write`.
/// Emits `transfer.cancelled`; notifies both stores' managers.
#[utoipa::path(
    post, path = "/api/v1/vehicle-transfers/{id}/cancel", tag = "vehicle transfers",
    params(("id" = String, Path, description = "Transfer id")),
    request_body = CancelTransfer,
    responses(
        (status = 200, description = "Cancelled", body = TransferDto),
        (status = 409, description = "Received or cancelled already", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cancel_transfer(
    caller: Authorized<perm::VehicleTransfersManage>,
    id: PathId,
    body: Json<CancelTransfer>,
) -> Result<HttpResponse, ApiError> {
    let reason = crate::validate::rules::trimmed(body.into_inner().reason.as_deref());
    let view = caller
        .write(move |ctx| {
            let t = service::cancel(ctx, &id.0, reason)?;
            service::view(ctx, t, true)
        })
        .await?;
    Ok(answer(StatusCode::OK, view))
}

/// Add a logistics tracking entry (where the car was seen).
///
/// Only while the car is in transit (409 `invalid_transition` otherwise); `at` defaults to
/// now and is never later. Sales managers of either store, general managers, admins, and
/// machine clients with `inventory:write` (a carrier's system). Audited
/// (`transfer.tracked`). Answers the transfer with every entry.
#[utoipa::path(
    post, path = "/api/v1/vehicle-transfers/{id}/tracking", tag = "vehicle transfers",
    params(("id" = String, Path, description = "Transfer id")),
    request_body = AddTracking,
    responses(
        (status = 201, description = "Recorded", body = TransferDto),
        (status = 409, description = "Not in transit", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_tracking(
    caller: Authorized<perm::VehicleTransfersManage>,
    id: PathId,
    body: Json<AddTracking>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_command();
    let view = caller
        .write(move |ctx| {
            service::track(ctx, &id.0, new)?;
            service::get(ctx, &id.0)
        })
        .await?;
    Ok(answer(StatusCode::CREATED, view))
}

crate::endpoints![
    create_transfer,
    list_transfers,
    get_transfer,
    approve_transfer,
    dispatch_transfer,
    receive_transfer,
    cancel_transfer,
    add_tracking,
];
