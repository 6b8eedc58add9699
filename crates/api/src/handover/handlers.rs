//! `/api/v1/users/{id}/handover` and `/api/v1/handovers`.

use actix_web::{HttpResponse, web};
use autocrm_persistence::models::HandoverFilter;

use super::dto::{HandoverDto, HandoverListQuery, HandoverRequest};
use super::service;
use crate::error::{ApiError, Problem};
use crate::http::pagination::{IdWindow, Page};
use crate::http::query::uuid_param;
use crate::http::{Authorized, Json, PathId, perm};

/// Hand a user's records over to colleagues (离职交接).
///
/// Moves everything the user holds that is in progress to one or several colleagues in one
/// transaction: the customers they own, their open leads (the lead's history records
/// `handed_over`; its open tasks follow), their other open tasks, their open deals, their
/// booked test drives that have not started and their store-visit invitations still waiting
/// for an outcome (closed leads and deals, done tasks, past drives and settled invitations
/// stay). Records are grouped by customer
/// and each customer's group goes to one colleague, dealt out in turn by `share`; a group of
/// a store goes only to a colleague of that store (422 `no_colleague_in_store` otherwise).
/// A colleague booked when a moved test drive takes place: the dry run lists it under
/// `clashes`, the real run is 409 `conflict` naming each and writes nothing. With `dry_run`
/// the answer is the counts and the split, and nothing changes. The user may be deactivated
/// already; colleagues must be active consultants or sales managers of the organisation
/// (another organisation's: 404; deactivated: 422 `inactive`). Admins and general managers
/// for everyone; a sales manager for people of their own store, to colleagues of their
/// store (another store's user: 404). Writes a handover record, audits `user.handed_over`
/// with the counts (and each record's own change: `customer.updated`, `lead.assigned`,
/// `deal.updated`, `task.handed_over`, `test_drive.handed_over`,
/// `store_visit_invitation.handed_over`), emits `user.handed_over`
/// (and `customer.updated`, `lead.assigned` per record), and sends each colleague who
/// received something one `handover.received` notification.
#[utoipa::path(
    post, path = "/api/v1/users/{id}/handover", tag = "users",
    params(("id" = String, Path, description = "The user whose records move")),
    request_body = HandoverRequest,
    responses(
        (status = 200, description = "Dry run: what would move, and to whom", body = HandoverDto),
        (status = 201, description = "Handed over", body = HandoverDto),
        (status = 409, description = "A colleague is booked when a moved test drive takes place", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn hand_over_user(
    caller: Authorized<perm::LeadsManage>,
    id: PathId,
    body: Json<HandoverRequest>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner().into_command();
    let dry_run = command.dry_run;
    let outcome = if dry_run {
        caller
            .read(move |ctx| service::hand_over(ctx, &id.0, command))
            .await?
    } else {
        caller
            .write(move |ctx| service::hand_over(ctx, &id.0, command))
            .await?
    };
    let dto = HandoverDto::from(outcome);
    Ok(if dry_run {
        HttpResponse::Ok().json(dto)
    } else {
        HttpResponse::Created().json(dto)
    })
}

/// List handovers.
///
/// The handovers done (dry runs leave none), oldest first, cursor-paged; `from_user_id`
/// narrows to one user's. Admins and general managers see all; a sales manager those of
/// their store's people. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/handovers", tag = "users",
    params(HandoverListQuery),
    responses((status = 200, description = "A page of handovers", body = Page<HandoverDto>))
)]
pub async fn list_handovers(
    caller: Authorized<perm::LeadsManage>,
    query: web::Query<HandoverListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let filter = HandoverFilter {
        from_user_id: uuid_param(q.from_user_id, "from_user_id")?,
        after_id: window.after_id.clone(),
        limit: window.rows(),
        ..Default::default()
    };
    let items = caller.read(move |ctx| service::list(ctx, filter)).await?;
    Ok(HttpResponse::Ok().json(window.page(
        items,
        |o| o.id.as_deref().unwrap_or_default(),
        HandoverDto::from,
    )))
}

/// Get one handover.
///
/// Who may: as for the list (another store's, or another organisation's, is 404). Changes
/// nothing.
#[utoipa::path(
    get, path = "/api/v1/handovers/{id}", tag = "users",
    params(("id" = String, Path, description = "Handover id")),
    responses((status = 200, description = "The handover", body = HandoverDto))
)]
pub async fn get_handover(
    caller: Authorized<perm::LeadsManage>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let outcome = caller.read(move |ctx| service::get(ctx, &id.0)).await?;
    Ok(HttpResponse::Ok().json(HandoverDto::from(outcome)))
}

crate::endpoints![hand_over_user, list_handovers, get_handover];
