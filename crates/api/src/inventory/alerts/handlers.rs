//! `/api/v1/inventory-alert-rules` and `/api/v1/inventory-alerts`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use autocrm_domain::vehicle::alerts::{AlertKind, AlertStatus};
use autocrm_persistence::models::AlertFilter;

use super::dto::{
    AlertListQuery, AlertRuleDto, AlertRuleList, CreateAlertRule, InventoryAlertDto, PatchAlertRule,
};
use super::service;
use crate::error::{ApiError, Problem};
use crate::http::pagination::{IdWindow, Page};
use crate::http::versioning::versioned;
use crate::http::{Authorized, IfMatch, Json, PathId, perm};

/// Add an inventory alert rule.
///
/// `low_stock` (库存预警) fires while fewer than `threshold` cars in stock (in stock or
/// reserved) match the rule's brand, model, body type and store; `aging` (库龄预警) fires for
/// each car over `threshold` days in stock (of the rule's store, brand, model, body type).
/// An hourly job evaluates the rules. Audited (`inventory_alert_rule.created`).
#[utoipa::path(
    post, path = "/api/v1/inventory-alert-rules", tag = "inventory-alerts",
    request_body = CreateAlertRule,
    responses((status = 201, description = "Added", body = AlertRuleDto))
)]
pub async fn create_alert_rule(
    caller: Authorized<perm::InventoryWrite>,
    body: Json<CreateAlertRule>,
) -> Result<HttpResponse, ApiError> {
    let new = body
        .into_inner()
        .into_command()
        .ok_or_else(|| ApiError::invalid("body", "invalid_value", "the rule is not valid"))?;
    let rule = caller.write(move |ctx| service::create(ctx, new)).await?;
    Ok(versioned(
        StatusCode::CREATED,
        rule.version,
        AlertRuleDto::from(rule),
    ))
}

/// List the organisation's inventory alert rules, oldest first.
///
/// Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/inventory-alert-rules", tag = "inventory-alerts",
    responses((status = 200, description = "The rules", body = AlertRuleList))
)]
pub async fn list_alert_rules(
    caller: Authorized<perm::InventoryWrite>,
) -> Result<HttpResponse, ApiError> {
    let rules = caller.read(service::list).await?;
    Ok(HttpResponse::Ok().json(AlertRuleList {
        items: rules.into_iter().map(AlertRuleDto::from).collect(),
    }))
}

/// Change an inventory alert rule (JSON merge patch).
///
/// Its open alerts stay until the next evaluation decides. With `If-Match`, a stale version
/// answers 412. Audited (`inventory_alert_rule.updated`).
#[utoipa::path(
    patch, path = "/api/v1/inventory-alert-rules/{id}", tag = "inventory-alerts",
    params(("id" = String, Path, description = "Rule id"),
           ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body(content = PatchAlertRule, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = AlertRuleDto),
        (status = 404, description = "No such rule in the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The rule changed since that version", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn patch_alert_rule(
    caller: Authorized<perm::InventoryWrite>,
    id: PathId,
    if_match: IfMatch,
    body: Json<PatchAlertRule>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_inner().into_changes();
    let rule = caller
        .write(move |ctx| service::update(ctx, &id.0, if_match.0, changes))
        .await?;
    Ok(versioned(
        StatusCode::OK,
        rule.version,
        AlertRuleDto::from(rule),
    ))
}

/// Delete an inventory alert rule; its open alerts are resolved.
///
/// Audited (`inventory_alert_rule.deleted`).
#[utoipa::path(
    delete, path = "/api/v1/inventory-alert-rules/{id}", tag = "inventory-alerts",
    params(("id" = String, Path, description = "Rule id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such rule in the organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_alert_rule(
    caller: Authorized<perm::InventoryWrite>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    caller.write(move |ctx| service::delete(ctx, &id.0)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List inventory alerts, newest first.
///
/// Filter by `status` (open, resolved) and `kind` (low_stock, aging). Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/inventory-alerts", tag = "inventory-alerts",
    params(AlertListQuery),
    responses((status = 200, description = "A page of alerts", body = Page<InventoryAlertDto>))
)]
pub async fn list_inventory_alerts(
    caller: Authorized<perm::InventoryRead>,
    query: web::Query<AlertListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    if let Some(status) = &q.status
        && status.parse::<AlertStatus>().is_err()
    {
        return Err(ApiError::invalid(
            "status",
            "not_allowed",
            "must be one of: open, resolved",
        ));
    }
    if let Some(kind) = &q.kind
        && kind.parse::<AlertKind>().is_err()
    {
        return Err(ApiError::invalid(
            "kind",
            "not_allowed",
            "must be one of: low_stock, aging",
        ));
    }
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let filter = AlertFilter {
        status: q.status,
        kind: q.kind,
        before_id: window.after_id.clone(),
        limit: window.rows(),
    };
    let alerts = caller
        .read(move |ctx| service::list_alerts(ctx, filter))
        .await?;
    Ok(HttpResponse::Ok().json(window.page(alerts, |a| &a.id, InventoryAlertDto::from)))
}

/// Get one inventory alert.
///
/// Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/inventory-alerts/{id}", tag = "inventory-alerts",
    params(("id" = String, Path, description = "Alert id")),
    responses(
        (status = 200, description = "The alert", body = InventoryAlertDto),
        (status = 404, description = "No such alert in the organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_inventory_alert(
    caller: Authorized<perm::InventoryRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let alert = caller
        .read(move |ctx| service::get_alert(ctx, &id.0))
        .await?;
    Ok(HttpResponse::Ok().json(InventoryAlertDto::from(alert)))
}

crate::endpoints![
    create_alert_rule,
    list_alert_rules,
    patch_alert_rule,
    delete_alert_rule,
    list_inventory_alerts,
    get_inventory_alert,
];
