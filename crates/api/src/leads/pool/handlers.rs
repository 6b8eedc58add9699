//! `/api/v1/lead-pool`, `/api/v1/leads/{id}/claim`, `/api/v1/settings/lead-pool`.

use actix_web::{HttpResponse, web};

use super::dto::{ClaimedDto, LeadPoolSettings, PoolLeadDto, PoolQuery};
use super::service;
use crate::error::{ApiError, Code, Problem};
use crate::http::pagination::{IdWindow, Page};
use crate::http::{Authorized, Json, PathId, perm};

/// List the lead pool (公海).
///
/// Open leads waiting unowned in the pools the caller sees, by id, cursor-paged: a
/// consultant their store's (the organisation's pool for leads without a store, when they
/// have no store), a sales manager their store's, general managers and admins every pool
/// (`store_id` narrows). Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/lead-pool", tag = "leads",
    params(PoolQuery),
    responses(
        (status = 200, description = "A page of pooled leads", body = Page<PoolLeadDto>),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_pool(
    caller: Authorized<perm::LeadsRead>,
    query: web::Query<PoolQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let store_id = q
        .store_id
        .map(|s| {
            uuid::Uuid::parse_str(&s)
                .map(|u| u.to_string())
                .map_err(|_| ApiError::bad_request(Code::InvalidQuery, "store_id must be a UUID"))
        })
        .transpose()?;
    let (after, rows) = (window.after_id.clone(), window.rows());
    let items = caller
        .read(move |ctx| service::list(ctx, store_id, after, rows))
        .await?;
    Ok(HttpResponse::Ok().json(window.page(items, |l| &l.id, PoolLeadDto::from)))
}

/// Claim a lead from the pool.
///
/// The caller (a consultant or sales manager) becomes the owner of a lead waiting in a pool
/// they see; its open tasks follow. Refused with 409 `invalid_transition` when the lead has
/// an owner already (also when many claim it at once: one wins) or is closed; with 422 and
/// the field code `daily_cap_reached` past the daily cap (default 10, counted from local
/// midnight), or `recently_released` when the caller lost this lead to the pool within the
/// reclaim ban (default 7 days). Recorded on the lead's history (`claimed`); emits
/// `lead.assigned` and notifies the claimant.
#[utoipa::path(
    post, path = "/api/v1/leads/{id}/claim", tag = "leads",
    params(("id" = String, Path, description = "Lead id")),
    responses(
        (status = 200, description = "Claimed", body = ClaimedDto),
        (status = 409, description = "Owned already, or closed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Daily cap reached, or the reclaim ban holds", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn claim_lead(
    caller: Authorized<perm::LeadsWrite>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let claimed = caller.write(move |ctx| service::claim(ctx, &id.0)).await?;
    Ok(HttpResponse::Ok().json(ClaimedDto::from(claimed)))
}

/// The organisation's pool rules.
///
/// Return times per grade, the daily claim cap and the reclaim ban (the defaults until
/// set). Everyone who reads leads. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/settings/lead-pool", tag = "leads",
    responses((status = 200, description = "The settings", body = LeadPoolSettings))
)]
pub async fn get_lead_pool(caller: Authorized<perm::LeadsRead>) -> Result<HttpResponse, ApiError> {
    let config = caller.read(service::config).await?;
    Ok(HttpResponse::Ok().json(LeadPoolSettings::from(config)))
}

/// Replace the organisation's pool rules.
///
/// Every problem is listed at once (422). General managers and admins. Audited
/// (`organization.lead_pool_changed`); the pool job and claims use them from then on.
#[utoipa::path(
    put, path = "/api/v1/settings/lead-pool", tag = "leads",
    request_body = LeadPoolSettings,
    responses(
        (status = 200, description = "The settings as stored", body = LeadPoolSettings),
        (status = 422, description = "Invalid settings", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_lead_pool(
    caller: Authorized<perm::LeadSettingsManage>,
    body: Json<LeadPoolSettings>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into();
    let config = caller
        .write(move |ctx| service::put_config(ctx, new))
        .await?;
    Ok(HttpResponse::Ok().json(LeadPoolSettings::from(config)))
}

crate::endpoints![list_pool, claim_lead, get_lead_pool, put_lead_pool];
