//! `/api/v1/leads` (reading and working leads) and `/api/v1/leads/{id}/...`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use autocrm_domain::leads::{LeadGrade, LeadStatus};
use autocrm_persistence::models::{LeadFilter, OwnerFilter};

use super::dto::{AssignLead, HistoryQuery, LeadDto, LeadHistoryDto, LeadListQuery, PatchLead};
use super::service::{self, LeadChanges};
use crate::error::{ApiError, Code, Problem};
use crate::http::pagination::{IdWindow, Page};
use crate::http::query::uuid_param;
use crate::http::versioning::versioned;
use crate::http::{Authorized, IfMatch, Json, PathId, perm};
use crate::inventory::matching::handlers::MatchQuery;
use crate::inventory::matching::service::VehicleMatches;
use crate::leads::routing::service as routing;

fn bad(message: &str) -> ApiError {
    ApiError::bad_request(Code::InvalidQuery, message.to_owned())
}

/// List leads.
///
/// The leads the caller sees, by id, cursor-paged: a consultant their own and their store's
/// pool (公海), a sales manager their store's, general managers and admins all, marketing
/// the leads they entered, machine clients with `leads:read` all. Filters: status (open ones
/// by default; `all`), grade, source, store, owner (`pool` for unowned), customer. Changes
/// nothing.
#[utoipa::path(
    get, path = "/api/v1/leads", tag = "leads",
    params(LeadListQuery),
    responses(
        (status = 200, description = "A page of leads", body = Page<LeadDto>),
        (status = 400, description = "A bad filter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_leads(
    caller: Authorized<perm::LeadsRead>,
    query: web::Query<LeadListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let mut filter = LeadFilter::new(autocrm_domain::access::LeadScope::Nothing, window.rows());
    filter.after_id = window.after_id.clone();
    filter.statuses = match q.status.as_deref() {
        None => LeadStatus::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.as_str().to_owned())
            .collect(),
        Some("all") => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|s| {
                s.trim()
                    .parse::<LeadStatus>()
                    .map(|s| s.as_str().to_owned())
                    .map_err(|_| bad("unknown status"))
            })
            .collect::<Result<_, _>>()?,
    };
    filter.grade = q
        .grade
        .map(|g| g.parse::<LeadGrade>().map(|g| g.as_str().to_owned()))
        .transpose()
        .map_err(|_| bad("unknown grade"))?;
    filter.source = q
        .source
        .map(|s| {
            autocrm_domain::leads::SourceChannel::parse(&s)
                .map(|s| s.as_str().to_owned())
                .map_err(|_| bad("unknown source"))
        })
        .transpose()?;
    filter.store_id = uuid_param(q.store_id, "store_id")?;
    filter.customer_id = uuid_param(q.customer_id, "customer_id")?;
    filter.owner = match q.owner_id.as_deref() {
        None => OwnerFilter::Any,
        Some("pool") => OwnerFilter::Pool,
        Some(_) => OwnerFilter::User(uuid_param(q.owner_id, "owner_id")?.unwrap_or_default()),
    };
    let items = caller.read(move |ctx| service::list(ctx, filter)).await?;
    Ok(HttpResponse::Ok().json(window.page(items, |s| &s.lead.id, LeadDto::from)))
}

/// Get one lead.
///
/// With its score and the reasons for it, its needs and campaign data. Another
/// organisation's lead, or one outside the caller's lead scope, is 404. Every role that
/// reads leads, and `leads:read`. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/leads/{id}", tag = "leads",
    params(("id" = String, Path, description = "Lead id")),
    responses((status = 200, description = "The lead; the ETag carries its version", body = LeadDto))
)]
pub async fn get_lead(
    caller: Authorized<perm::LeadsRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let shown = caller.read(move |ctx| service::get(ctx, &id.0)).await?;
    let dto = LeadDto::from(shown);
    Ok(versioned(StatusCode::OK, dto.version, dto))
}

/// A lead's history.
///
/// Everything that happened to the lead, oldest first: created (with the routing decision),
/// assigned (by which rule, or by whom and why), claimed, returned to the pool, grade and
/// status changes, lost requests. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/leads/{id}/history", tag = "leads",
    params(("id" = String, Path, description = "Lead id"), HistoryQuery),
    responses((status = 200, description = "A page of history entries", body = Page<LeadHistoryDto>))
)]
pub async fn lead_history(
    caller: Authorized<perm::LeadsRead>,
    id: PathId,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let (after, rows) = (window.after_id.clone(), window.rows());
    let items = caller
        .read(move |ctx| service::history(ctx, &id.0, after, rows))
        .await?;
    Ok(HttpResponse::Ok().json(window.page(items, |e| &e.id, LeadHistoryDto::from)))
}

/// Work a lead: status and needs.
///
/// Moves the lead along its lifecycle (`contacted`, `qualified`; `invalid` for spam, a wrong
/// number or a duplicate, which cancels its open tasks) and replaces its needs, which update
/// the customer's needs. The lead is rescored (a grade change emits `lead.grade_changed`).
/// Lost goes through a lost request; converted through a deal. Consultants (their leads),
/// managers, general managers, admins. With `If-Match`, a stale version is 412.
#[utoipa::path(
    patch, path = "/api/v1/leads/{id}", tag = "leads",
    params(("id" = String, Path, description = "Lead id"),
        ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body = PatchLead,
    responses(
        (status = 200, description = "The lead as changed", body = LeadDto),
        (status = 409, description = "The lifecycle does not allow that status", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn patch_lead(
    caller: Authorized<perm::LeadsWrite>,
    id: PathId,
    if_match: IfMatch,
    body: Json<PatchLead>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let changes = LeadChanges {
        status: body.status.as_deref().and_then(|s| s.parse().ok()),
        needs: body.needs,
        reason: crate::validate::rules::trimmed(body.reason.as_deref()),
    };
    let shown = caller
        .write(move |ctx| {
            let lead = service::change(ctx, &id.0, if_match.0, changes)?;
            Ok(service::shown(ctx, vec![lead])?.remove(0))
        })
        .await?;
    let dto = LeadDto::from(shown);
    Ok(versioned(StatusCode::OK, dto.version, dto))
}

/// Reassign a lead by hand.
///
/// A manager gives an open lead to another active consultant of its store, with a reason;
/// its open tasks follow it. Recorded on the history (who, why), emits `lead.assigned` and
/// notifies the new owner. Sales managers (their store), general managers, admins.
#[utoipa::path(
    post, path = "/api/v1/leads/{id}/assign", tag = "leads",
    params(("id" = String, Path, description = "Lead id"),
        ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body = AssignLead,
    responses(
        (status = 200, description = "Reassigned", body = LeadDto),
        (status = 409, description = "The lead is closed, or already that consultant's", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such consultant in the lead's store", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn assign_lead(
    caller: Authorized<perm::LeadsManage>,
    id: PathId,
    if_match: IfMatch,
    body: Json<AssignLead>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let to = crate::validate::rules::normalised_id(&body.owner_id).unwrap_or_default();
    let reason = body.reason.trim().to_owned();
    let shown = caller
        .write(move |ctx| {
            let lead = routing::reassign(ctx, &id.0, if_match.0, &to, reason)?;
            Ok(service::shown(ctx, vec![lead])?.remove(0))
        })
        .await?;
    let dto = LeadDto::from(shown);
    Ok(versioned(StatusCode::OK, dto.version, dto))
}

/// The best cars in stock for a lead.
///
/// As `GET /customers/{id}/vehicle-matches`, for what the lead asks (its needs over its
/// customer's), seen from the customer's city: cars in stock or in transit, best first,
/// with reasons and, for a car in another city, the transfer's time and cost. Needs the lead
/// in the caller's scope and the inventory permission. Never shows costs. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/leads/{id}/vehicle-matches", tag = "leads",
    params(("id" = String, Path, description = "Lead id"), MatchQuery),
    responses((status = 200, description = "The best matches", body = VehicleMatches))
)]
pub async fn lead_vehicle_matches(
    caller: Authorized<perm::LeadsRead>,
    id: PathId,
    query: web::Query<MatchQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit()?;
    let answer = caller
        .read(move |ctx| service::vehicle_matches(ctx, &id.0, limit))
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

crate::endpoints![
    list_leads,
    get_lead,
    lead_history,
    patch_lead,
    assign_lead,
    lead_vehicle_matches,
];
