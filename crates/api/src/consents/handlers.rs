//! `/api/v1/customers/{id}/consents`.

use actix_web::HttpResponse;

use super::dto::{ConsentRecordDto, ConsentsDto, CreateConsent};
use super::service;
use crate::error::ApiError;
use crate::http::{Authorized, Json, PathId, perm};

/// Record a customer's consent or its withdrawal (PIPL).
///
/// Per purpose (marketing, data sharing with finance partners, sensitive data), with the
/// channel, the method, the time of the choice and the text version. Records are only ever
/// added. Updates the customer's derived `marketing_consent` flag in the same transaction
/// (a granted, unwithdrawn marketing consent): a withdrawal takes the customer out of
/// marketing's scope at once. Audited; emits `consent.changed`.
#[utoipa::path(
    post, path = "/api/v1/customers/{id}/consents", tag = "consents",
    params(("id" = String, Path, description = "Customer id")),
    request_body = CreateConsent,
    responses((status = 201, description = "Recorded", body = ConsentRecordDto))
)]
pub async fn create_consent(
    caller: Authorized<perm::CustomersWrite>,
    id: PathId,
    body: Json<CreateConsent>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let row = caller
        .write(move |ctx| {
            let record = body.into_record(ctx.now_utc());
            service::record(ctx, &id.0, record)
        })
        .await?;
    Ok(HttpResponse::Created().json(ConsentRecordDto::from(row)))
}

/// A customer's consents: where each purpose stands, and every record.
///
/// Needs the customer in the caller's data scope. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/customers/{id}/consents", tag = "consents",
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "Status per purpose and the records", body = ConsentsDto))
)]
pub async fn list_consents(
    caller: Authorized<perm::CustomersRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let (rows, checks) = caller.read(move |ctx| service::list(ctx, &id.0)).await?;
    Ok(HttpResponse::Ok().json(ConsentsDto {
        status: checks.into_iter().map(Into::into).collect(),
        records: rows.into_iter().map(Into::into).collect(),
    }))
}

crate::endpoints![create_consent, list_consents];
