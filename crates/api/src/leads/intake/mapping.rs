//! `/api/v1/api-clients/{id}/lead-mapping`: how one integration client's JSON pushes are
//! reshaped into the lead body (the domain's `IntakeMapping`), kept in the organisation's
//! settings per client.

use actix_web::HttpResponse;
use autocrm_domain::leads::intake_mapping::IntakeMapping;
use autocrm_persistence::models::{ApiClient, TenantRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::app::{Ctx, ServiceError, ServiceResult};
use crate::error::{ApiError, Problem};
use crate::http::{Authorized, Json, PathId, perm};
use crate::organization::settings::{change_sections, sections};

/// The client's mapping, if the organisation set one.
pub fn of_client(ctx: &mut Ctx, client_id: &str) -> ServiceResult<Option<IntakeMapping>> {
    Ok(sections(ctx)?.lead_intake_mappings.remove(client_id))
}

fn client(ctx: &mut Ctx, id: &str) -> ServiceResult<ApiClient> {
    ApiClient::find(ctx.conn, ctx.org_id(), id)?.ok_or(ServiceError::NotFound)
}

/// Sets (or with `None` removes) a client's mapping after checking it. Audited
/// (`organization.lead_mapping_changed`).
pub fn put(
    ctx: &mut Ctx,
    client_id: &str,
    mapping: Option<IntakeMapping>,
) -> ServiceResult<Option<IntakeMapping>> {
    let client = client(ctx, client_id)?;
    if let Some(m) = &mapping {
        m.validate()?;
    }
    let detail = serde_json::json!({"api_client_id": client.id, "mapping": mapping});
    let stored = mapping.clone();
    change_sections(ctx, "organization.lead_mapping_changed", detail, |s| {
        match stored {
            Some(m) => s.lead_intake_mappings.insert(client.id.clone(), m),
            None => s.lead_intake_mappings.remove(&client.id),
        };
    })?;
    Ok(mapping)
}

/// A client's lead field mapping: for each lead-body field (dotted: `customer.phone`,
/// `wanted.budget_max_cents`), a JSON pointer into the client's payload, or a constant;
/// optional value tables (`"一周内"` → `within_7_days`) and multipliers (`万元` → fen).
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"mapping": {
    "fields": {"source_lead_id": "/clueId", "customer.name": "/userName",
        "customer.phone": "/mobile", "customer.city": "/cityName",
        "wanted.brand": "/series/brandName", "wanted.model": "/series/seriesName",
        "wanted.budget_max_cents": "/budgetMax", "timeframe": "/buyTime"},
    "constants": {"source": "autohome"},
    "values": {"timeframe": {"一周内": "within_7_days", "一个月内": "within_30_days"}},
    "multipliers": {"wanted.budget_max_cents": 1000000}
}}))]
pub struct LeadMappingDto {
    /// `null`: the client pushes the lead body itself.
    #[schema(value_type = Option<Object>)]
    pub mapping: Option<IntakeMapping>,
}

/// A client's lead field mapping.
///
/// Admins. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/api-clients/{id}/lead-mapping", tag = "api clients",
    params(("id" = String, Path, description = "API client record id")),
    responses((status = 200, description = "The mapping (null when none)", body = LeadMappingDto))
)]
pub async fn get_lead_mapping(
    caller: Authorized<perm::ManageOrganization>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let mapping = caller
        .read(move |ctx| {
            client(ctx, &id.0)?;
            of_client(ctx, &id.0)
        })
        .await?;
    Ok(HttpResponse::Ok().json(LeadMappingDto { mapping }))
}

/// Set a client's lead field mapping.
///
/// From the next push on, the client's JSON leads (`POST /api/v1/intake/leads`) are reshaped
/// by it before they are read as lead bodies; `null` removes it. Every problem is listed
/// (422): unknown fields, pointers that are not JSON pointers, multipliers out of range.
/// Admins. Audited (`organization.lead_mapping_changed`).
#[utoipa::path(
    put, path = "/api/v1/api-clients/{id}/lead-mapping", tag = "api clients",
    params(("id" = String, Path, description = "API client record id")),
    request_body = LeadMappingDto,
    responses(
        (status = 200, description = "The mapping as stored", body = LeadMappingDto),
        (status = 422, description = "An invalid mapping", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_lead_mapping(
    caller: Authorized<perm::ManageOrganization>,
    id: PathId,
    body: Json<LeadMappingDto>,
) -> Result<HttpResponse, ApiError> {
    let mapping = body.into_inner().mapping;
    let mapping = caller.write(move |ctx| put(ctx, &id.0, mapping)).await?;
    Ok(HttpResponse::Ok().json(LeadMappingDto { mapping }))
}

crate::endpoints![get_lead_mapping, put_lead_mapping];
