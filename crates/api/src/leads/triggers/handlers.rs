//! `/api/v1/settings/behavior-triggers` and `/api/v1/leads/{id}/trigger-firings`.

use actix_web::{HttpResponse, web};

use super::dto::{BehaviorTriggersDto, FiringsQuery, TriggerFiringDto};
use super::service;
use crate::error::{ApiError, Problem};
use crate::http::pagination::{IdWindow, Page};
use crate::http::{Authorized, Json, PathId, perm};

/// The organisation's behaviour triggers.
///
/// The rules over customers' behaviour events and activities that open a task for the
/// lead's owner (the defaults until set: the same model viewed on 3 different days within
/// 7 → 到店议价提醒; the financing calculator used twice within 7 days → 金融方案咨询).
/// Everyone who reads leads. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/settings/behavior-triggers", tag = "leads",
    responses((status = 200, description = "The rules", body = BehaviorTriggersDto))
)]
pub async fn get_behavior_triggers(
    caller: Authorized<perm::LeadsRead>,
) -> Result<HttpResponse, ApiError> {
    let config = caller.read(service::config).await?;
    Ok(HttpResponse::Ok().json(BehaviorTriggersDto(config)))
}

/// Replace the behaviour triggers.
///
/// Every problem is listed at once (422): keys (unique slugs), names, windows of 1 to 90
/// days, thresholds in range (different days at most the window), due times up to a week.
/// Rules are evaluated with them from the next behaviour event or activity; a rule whose key
/// changes starts over. Admins and general managers. Audited
/// (`organization.lead_triggers_changed`).
#[utoipa::path(
    put, path = "/api/v1/settings/behavior-triggers", tag = "leads",
    request_body = BehaviorTriggersDto,
    responses(
        (status = 200, description = "The rules as stored", body = BehaviorTriggersDto),
        (status = 422, description = "Invalid rules", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_behavior_triggers(
    caller: Authorized<perm::LeadSettingsManage>,
    body: Json<BehaviorTriggersDto>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().0;
    let config = caller
        .write(move |ctx| service::put_config(ctx, new))
        .await?;
    Ok(HttpResponse::Ok().json(BehaviorTriggersDto(config)))
}

/// A lead's behaviour trigger firings.
///
/// Each rule that fired for the lead's customer while this was their open lead: the window
/// it saw (events, different days, first and last event) and the task it opened for the
/// owner. Oldest first, cursor-paged. A lead the caller does not see (another consultant's,
/// another organisation's) is 404. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/leads/{id}/trigger-firings", tag = "leads",
    params(("id" = String, Path, description = "Lead id"), FiringsQuery),
    responses((status = 200, description = "A page of firings", body = Page<TriggerFiringDto>))
)]
pub async fn lead_trigger_firings(
    caller: Authorized<perm::LeadsRead>,
    id: PathId,
    query: web::Query<FiringsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let (after, rows) = (window.after_id.clone(), window.rows());
    let items = caller
        .read(move |ctx| service::of_lead(ctx, &id.0, after, rows))
        .await?;
    Ok(HttpResponse::Ok().json(window.page(items, |f| &f.id, TriggerFiringDto::from)))
}

crate::endpoints![
    get_behavior_triggers,
    put_behavior_triggers,
    lead_trigger_firings
];
