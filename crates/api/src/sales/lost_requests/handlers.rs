//! `/api/v1/leads/{id}/lost-requests`, `/api/v1/deals/{id}/lost-requests`,
//! `/api/v1/lost-requests`, `/api/v1/leads/{id}/reactivate` and `/api/v1/settings/lost-policy`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use autocrm_domain::leads::{LostDecision, LostPolicy, LostRequestStatus};
use autocrm_persistence::models::LostRequestFilter;

use super::dto::{
    CreateLostRequest, Decision, LostPolicyDto, LostRequestDto, LostRequestQuery, Reactivate,
};
use super::service::{self, Subject};
use crate::error::{ApiError, Code, Problem};
use crate::http::pagination::{IdWindow, Page};
use crate::http::versioning::versioned;
use crate::http::{Authorized, Json, PathId, perm};
use crate::validate::rules;

fn command(body: CreateLostRequest) -> (autocrm_domain::leads::LostReason, Option<String>) {
    (
        body.reason
            .parse()
            .unwrap_or(autocrm_domain::leads::LostReason::Other),
        rules::trimmed(body.note.as_deref()),
    )
}

/// Ask for a lead to be marked lost (战败申请).
///
/// For an open lead the caller sees, with a reason (and a note, required for `other`).
/// Under the organisation's lost policy (approval required by default) it waits for a
/// sales manager of the lead's store, who is notified; without approval it is approved at
/// once and the lead is lost. One request waits per lead (409 otherwise). Consultants,
/// managers, general managers, admins, marketing. Records `lost_requested` on the lead's
/// history.
#[utoipa::path(
    post, path = "/api/v1/leads/{id}/lost-requests", tag = "lost-requests",
    params(("id" = String, Path, description = "Lead id")),
    request_body = CreateLostRequest,
    responses(
        (status = 201, description = "Requested (or approved at once)", body = LostRequestDto),
        (status = 409, description = "The lead is not open, or a request waits already", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn request_lead_lost(
    caller: Authorized<perm::LeadsWrite>,
    id: PathId,
    body: Json<CreateLostRequest>,
) -> Result<HttpResponse, ApiError> {
    let (reason, note) = command(body.into_inner());
    let row = caller
        .write(move |ctx| service::request(ctx, Subject::Lead, &id.0, reason, note))
        .await?;
    let dto = LostRequestDto::from(row);
    Ok(versioned(StatusCode::CREATED, dto.version, dto))
}

/// Ask for a deal to be marked lost (战败申请).
///
/// As for leads: for an open deal the caller sees; approved (at once without the approval
/// policy), the deal becomes `lost` with the reason and `deal.lost` is emitted.
#[utoipa::path(
    post, path = "/api/v1/deals/{id}/lost-requests", tag = "lost-requests",
    params(("id" = String, Path, description = "Deal id")),
    request_body = CreateLostRequest,
    responses(
        (status = 201, description = "Requested (or approved at once)", body = LostRequestDto),
        (status = 409, description = "The deal is closed, or a request waits already", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn request_deal_lost(
    caller: Authorized<perm::DealsWrite>,
    id: PathId,
    body: Json<CreateLostRequest>,
) -> Result<HttpResponse, ApiError> {
    let (reason, note) = command(body.into_inner());
    let row = caller
        .write(move |ctx| service::request(ctx, Subject::Deal, &id.0, reason, note))
        .await?;
    let dto = LostRequestDto::from(row);
    Ok(versioned(StatusCode::CREATED, dto.version, dto))
}

/// List lost requests.
///
/// A sales manager's queue is their store's; general managers and admins see all; anyone
/// else the requests they made. `status=pending` (or `requested`, `approved`, `rejected`)
/// filters. Oldest first, cursor-paged. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/lost-requests", tag = "lost-requests",
    params(LostRequestQuery),
    responses((status = 200, description = "A page of lost requests", body = Page<LostRequestDto>))
)]
pub async fn list_lost_requests(
    caller: Authorized<perm::LeadsRead>,
    query: web::Query<LostRequestQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let status =
        match q.status.as_deref() {
            None => None,
            Some("pending") => Some(LostRequestStatus::Requested),
            Some(s) => Some(s.parse::<LostRequestStatus>().map_err(|_| {
                ApiError::bad_request(Code::InvalidQuery, "unknown status".to_owned())
            })?),
        };
    let filter = LostRequestFilter {
        status: status.map(|s| s.as_str().to_owned()),
        after_id: window.after_id.clone(),
        limit: window.rows(),
        ..Default::default()
    };
    let items = caller.read(move |ctx| service::list(ctx, filter)).await?;
    Ok(HttpResponse::Ok().json(window.page(items, |r| &r.id, LostRequestDto::from)))
}

/// Get one lost request.
///
/// Its requester and those who decide it; 404 for anyone else. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/lost-requests/{id}", tag = "lost-requests",
    params(("id" = String, Path, description = "Lost request id")),
    responses((status = 200, description = "The request", body = LostRequestDto))
)]
pub async fn get_lost_request(
    caller: Authorized<perm::LeadsRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let row = caller.read(move |ctx| service::get(ctx, &id.0)).await?;
    let dto = LostRequestDto::from(row);
    Ok(versioned(StatusCode::OK, dto.version, dto))
}

async fn decide(
    caller: Authorized<perm::LeadsManage>,
    id: PathId,
    decision: LostDecision,
    body: Decision,
) -> Result<HttpResponse, ApiError> {
    let note = rules::trimmed(body.note.as_deref());
    let row = caller
        .write(move |ctx| service::decide(ctx, &id.0, decision, note))
        .await?;
    let dto = LostRequestDto::from(row);
    Ok(versioned(StatusCode::OK, dto.version, dto))
}

/// Approve a lost request.
///
/// A sales manager of its store, general managers and admins (consultants 403; another
/// store's request 404). The lead becomes `lost` (history entries, its open tasks
/// cancelled) or the deal `lost` (`deal.stage_changed`, `deal.lost`). A request decided
/// already is 409. The requester is notified.
#[utoipa::path(
    post, path = "/api/v1/lost-requests/{id}/approve", tag = "lost-requests",
    params(("id" = String, Path, description = "Lost request id")),
    request_body = Decision,
    responses(
        (status = 200, description = "Approved", body = LostRequestDto),
        (status = 409, description = "Decided already", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn approve_lost_request(
    caller: Authorized<perm::LeadsManage>,
    id: PathId,
    body: Json<Decision>,
) -> Result<HttpResponse, ApiError> {
    decide(caller, id, LostDecision::Approve, body.into_inner()).await
}

/// Reject a lost request.
///
/// As approving; the lead or deal stays open as it was. The requester is notified.
#[utoipa::path(
    post, path = "/api/v1/lost-requests/{id}/reject", tag = "lost-requests",
    params(("id" = String, Path, description = "Lost request id")),
    request_body = Decision,
    responses(
        (status = 200, description = "Rejected", body = LostRequestDto),
        (status = 409, description = "Decided already", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn reject_lost_request(
    caller: Authorized<perm::LeadsManage>,
    id: PathId,
    body: Json<Decision>,
) -> Result<HttpResponse, ApiError> {
    decide(caller, id, LostDecision::Reject, body.into_inner()).await
}

/// Reactivate a lost lead.
///
/// Sales managers (of its store), general managers and admins. The lead becomes `new`
/// again, unowned in its store's pool (`lead.returned_to_pool`), its silence counted from
/// now; a lead that is not lost is 409. Records `reactivated` on its history.
#[utoipa::path(
    post, path = "/api/v1/leads/{id}/reactivate", tag = "lost-requests",
    params(("id" = String, Path, description = "Lead id")),
    request_body = Reactivate,
    responses(
        (status = 200, description = "Reactivated: the lead's id, status and version", body = Object),
        (status = 409, description = "The lead is not lost", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn reactivate_lead(
    caller: Authorized<perm::LeadsManage>,
    id: PathId,
    body: Json<Reactivate>,
) -> Result<HttpResponse, ApiError> {
    let reason = rules::trimmed(body.into_inner().reason.as_deref());
    let lead = caller
        .write(move |ctx| service::reactivate(ctx, &id.0, reason))
        .await?;
    Ok(versioned(
        StatusCode::OK,
        lead.version,
        serde_json::json!({"id": lead.id, "status": lead.status, "owner_id": lead.owner_id,
            "store_id": lead.store_id, "version": lead.version}),
    ))
}

/// The organisation's lost policy.
///
/// Whether lost requests wait for a manager (the default) or are approved at once. Changes
/// nothing.
#[utoipa::path(
    get, path = "/api/v1/settings/lost-policy", tag = "lost-requests",
    responses((status = 200, description = "The policy", body = LostPolicyDto))
)]
pub async fn get_lost_policy(
    caller: Authorized<perm::LeadsRead>,
) -> Result<HttpResponse, ApiError> {
    let policy = caller.read(service::policy).await?;
    Ok(HttpResponse::Ok().json(LostPolicyDto::from(policy)))
}

/// Replace the organisation's lost policy.
///
/// General managers and admins. Audited (`organization.lost_policy_changed`); requests made
/// from now on follow it (waiting ones still wait).
#[utoipa::path(
    put, path = "/api/v1/settings/lost-policy", tag = "lost-requests",
    request_body = LostPolicyDto,
    responses((status = 200, description = "The policy as stored", body = LostPolicyDto))
)]
pub async fn put_lost_policy(
    caller: Authorized<perm::LeadSettingsManage>,
    body: Json<LostPolicyDto>,
) -> Result<HttpResponse, ApiError> {
    let new = LostPolicy {
        approval_required: body.into_inner().approval_required,
    };
    let policy = caller
        .write(move |ctx| service::put_policy(ctx, new))
        .await?;
    Ok(HttpResponse::Ok().json(LostPolicyDto::from(policy)))
}

crate::endpoints![
    request_lead_lost,
    request_deal_lost,
    list_lost_requests,
    get_lost_request,
    approve_lost_request,
    reject_lost_request,
    reactivate_lead,
    get_lost_policy,
    put_lost_policy,
];
