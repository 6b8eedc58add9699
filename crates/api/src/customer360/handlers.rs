//! `/api/v1/customers/{id}/360`.

use actix_web::HttpResponse;

use super::dto::Customer360Dto;
use super::service;
use crate::error::ApiError;
use crate::http::{Authorized, PathId, perm};

/// Everything about one customer in one answer: profile (masked, with needs, contact
/// persons and lifecycle changes), tags, activities summary (count per kind, last activity,
/// next follow-up, the 10 newest), behaviour summary, owned vehicles, financing
/// applications and consents.
///
/// For callers who may read the customer (404 outside the caller's data scope, as
/// `GET /customers/{id}`). Financing applications follow the financing list's own rules and
/// are `null` for callers who may not read them. Changes nothing; emits no event.
#[utoipa::path(
    get, path = "/api/v1/customers/{id}/360", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "The customer and every section", body = Customer360Dto))
)]
pub async fn get_customer_360(
    caller: Authorized<perm::CustomersRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let view = caller.read(move |ctx| service::view(ctx, &id.0)).await?;
    Ok(HttpResponse::Ok().json(Customer360Dto::of(view)?))
}

crate::endpoints![get_customer_360];
