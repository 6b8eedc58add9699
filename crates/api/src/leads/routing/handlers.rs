//! `/api/v1/settings/lead-routing`, `/api/v1/users/{id}/shift`, `/api/v1/me/shift`.

use actix_web::HttpResponse;
use autocrm_domain::leads::ShiftPattern;
use autocrm_domain::leads::routing::RoutingConfig;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::service;
use crate::error::{ApiError, Problem};
use crate::http::{Authorized, Json, PathId, perm};

/// The organisation's routing rules, tried in order: each matches on stores, regions,
/// brands, conditions (new, used), sources and grades (an empty list matches anything) and
/// names a team (user ids) and a strategy (`round_robin`: the member assigned least
/// recently; `least_loaded`: the member with the fewest open leads), and what to do when
/// nobody of the team is on shift (`next_rule` or `leave_in_pool`). Without rules every lead
/// lands in the pool.
#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoutingDto(pub RoutingConfig);

crate::validate::schema::schema_marker!(
    RoutingDto,
    crate::validate::schema::domain_object(
        "The organisation's routing rules, tried in order: each matches on stores, regions, brands, conditions (new, used), sources and grades (an empty list matches anything) and names a team (user ids) and a strategy (`round_robin`: the member assigned least recently; `least_loaded`: the member with the fewest open leads), and what to do when nobody of the team is on shift (`next_rule` or `leave_in_pool`). Without rules every lead lands in the pool.",
        serde_json::json!({"rules": [{
            "name": "浦东店新车线索轮询",
            "store_ids": ["0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60"], "regions": [], "brands": ["比亚迪"],
            "conditions": ["new"], "sources": ["autohome", "dongchedi"], "grades": [],
            "team": ["0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a13"],
            "strategy": "round_robin", "when_nobody_on_shift": "next_rule"
        }]})
    )
);

/// The organisation's lead routing rules.
///
/// Admins, general managers and sales managers read them. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/settings/lead-routing", tag = "leads",
    responses((status = 200, description = "The rules", body = RoutingDto))
)]
pub async fn get_lead_routing(
    caller: Authorized<perm::LeadsManage>,
) -> Result<HttpResponse, ApiError> {
    let config = caller.read(service::config).await?;
    Ok(HttpResponse::Ok().json(RoutingDto(config)))
}

/// Replace the lead routing rules.
///
/// Every problem is listed at once (422): names unique and non-empty, every team member an
/// active consultant or sales manager of the organisation, every store one of its stores.
/// New leads route by them at once. Admins and general managers. Audited
/// (`organization.lead_routing_changed`).
#[utoipa::path(
    put, path = "/api/v1/settings/lead-routing", tag = "leads",
    request_body = RoutingDto,
    responses(
        (status = 200, description = "The rules as stored", body = RoutingDto),
        (status = 422, description = "Invalid rules", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_lead_routing(
    caller: Authorized<perm::LeadSettingsManage>,
    body: Json<RoutingDto>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().0;
    let config = caller
        .write(move |ctx| service::put_config(ctx, new))
        .await?;
    Ok(HttpResponse::Ok().json(RoutingDto(config)))
}

/// A consultant's working pattern and on-duty switch.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"user_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "pattern": [{"day": "mon", "start": "09:00:00", "end": "18:00:00"},
        {"day": "sat", "start": "09:30:00", "end": "20:00:00"}],
    "on_duty": true, "planned": true}))]
pub struct ShiftDto {
    pub user_id: String,
    /// Local times (the organisation's time zone); a span whose end is not after its start
    /// runs past midnight.
    #[schema(value_type = Vec<Object>)]
    pub pattern: ShiftPattern,
    /// Off: on leave or checked out; no leads are routed to them.
    pub on_duty: bool,
    /// False while no shift was ever set: then the consultant is on duty around the clock.
    pub planned: bool,
}

/// A new pattern, a new switch, or both.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"pattern": [{"day": "mon", "start": "09:00", "end": "18:00"},
    {"day": "tue", "start": "09:00", "end": "18:00"}], "on_duty": true}))]
pub struct PutShift {
    #[schema(value_type = Option<Vec<Object>>)]
    pub pattern: Option<ShiftPattern>,
    pub on_duty: Option<bool>,
}

fn shift_dto(user_id: String, (pattern, on_duty, version): (ShiftPattern, bool, i64)) -> ShiftDto {
    ShiftDto {
        user_id,
        pattern,
        on_duty,
        planned: version > 0,
    }
}

/// A user's shift.
///
/// The weekly pattern and on-duty switch routing reads. Managers (their store's people),
/// general managers, admins. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/users/{id}/shift", tag = "leads",
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, description = "The shift", body = ShiftDto))
)]
pub async fn get_shift(
    caller: Authorized<perm::LeadsManage>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let user_id = id.0.clone();
    let shift = caller
        .read(move |ctx| {
            <autocrm_persistence::models::User as autocrm_persistence::models::TenantRecord>::find(
                ctx.conn,
                ctx.org_id(),
                &id.0,
            )?
            .ok_or(crate::app::ServiceError::NotFound)?;
            service::shift_of(ctx, &id.0)
        })
        .await?;
    Ok(HttpResponse::Ok().json(shift_dto(user_id, shift)))
}

/// Set a user's shift.
///
/// The weekly pattern (local times), the on-duty switch, or both; routing reads them from
/// the next lead on. Sales managers for their own store's people, general managers and
/// admins for everyone. Audited (`user.shift_changed`).
#[utoipa::path(
    put, path = "/api/v1/users/{id}/shift", tag = "leads",
    params(("id" = String, Path, description = "User id")),
    request_body = PutShift,
    responses(
        (status = 200, description = "The shift as stored", body = ShiftDto),
        (status = 422, description = "A span that starts and ends at the same time", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_shift(
    caller: Authorized<perm::LeadsManage>,
    id: PathId,
    body: Json<PutShift>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let user_id = id.0.clone();
    let shift = caller
        .write(move |ctx| service::set_shift(ctx, &id.0, body.pattern, body.on_duty))
        .await?;
    Ok(HttpResponse::Ok().json(shift_dto(user_id, shift)))
}

/// The caller's own on-duty switch.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"on_duty": false}))]
pub struct PutOnDuty {
    pub on_duty: bool,
}

/// Go on or off duty.
///
/// A consultant checks in or out (on leave, at lunch): off duty, no leads are routed to
/// them. Staff who work leads. Audited (`user.shift_changed`).
#[utoipa::path(
    put, path = "/api/v1/me/shift", tag = "leads",
    request_body = PutOnDuty,
    responses((status = 200, description = "The caller's shift", body = ShiftDto))
)]
pub async fn put_my_shift(
    caller: Authorized<perm::LeadsWrite>,
    body: Json<PutOnDuty>,
) -> Result<HttpResponse, ApiError> {
    let on_duty = body.into_inner().on_duty;
    let (user_id, shift) = caller
        .write(move |ctx| {
            let me = ctx.principal()?.id.clone();
            let shift = service::set_shift(ctx, &me, None, Some(on_duty))?;
            Ok((me, shift))
        })
        .await?;
    Ok(HttpResponse::Ok().json(shift_dto(user_id, shift)))
}

/// The domain's own `validate` checks it, field by field, in the service.
impl Validate for RoutingDto {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

crate::endpoints![
    get_lead_routing,
    put_lead_routing,
    get_shift,
    put_shift,
    put_my_shift,
];
