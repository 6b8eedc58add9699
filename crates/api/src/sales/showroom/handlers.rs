//! `/api/v1/showroom-visits`, `/api/v1/store-visit-invitations` and `/api/v1/showroom/stats`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use autocrm_persistence::models::ShowroomFilter;
use chrono::TimeDelta;

use super::dto::{
    CreateInvitation, InvitationDto, InvitationListQuery, OutcomeBody, OutcomeDto, PatchVisit,
    RegisterVisit, ShowroomListQuery, ShowroomStatsDto, StatsQuery, VisitDto,
};
use super::service;
use crate::error::{ApiError, Problem};
use crate::http::pagination::{IdWindow, Page};
use crate::http::query::uuid_param;
use crate::http::versioning::{IfMatch, versioned};
use crate::http::{Authorized, Json, PathId, perm};

/// Register a walk-in (展厅客流登记).
///
/// The reception enters a party that came into the showroom: arrival (now by default),
/// departure when known, party size (1–50), the consultant who received them (the caller
/// by default) and the store. The customer is named by id, or found by phone; a new phone
/// creates the prospect and a `walk_in` lead through the lead intake (scored, first-response
/// task), in the same transaction. An existing customer's newest open lead is linked. The
/// visit is a first or a repeat visit by the customer's earlier visits. A scheduled
/// invitation of the customer due around the visit (or the one named) is settled as showed.
/// The visit is recorded as a `store_visit` activity (scoring, behaviour triggers) when the
/// caller sees the customer. Consultants, managers, general managers, admins, finance.
/// Emits `showroom.visit_registered` (and `lead.created`, `customer.created`,
/// `store_visit_invitation.settled` when those happen).
#[utoipa::path(
    post, path = "/api/v1/showroom-visits", tag = "showroom",
    request_body = RegisterVisit,
    responses(
        (status = 201, description = "Registered", body = VisitDto),
        (status = 409, description = "The invitation named has its outcome already", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn register_showroom_visit(
    caller: Authorized<perm::DealsWrite>,
    body: Json<RegisterVisit>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_command();
    let registered = caller.write(move |ctx| service::register(ctx, new)).await?;
    let dto = VisitDto::from(registered);
    Ok(versioned(StatusCode::CREATED, dto.version, dto))
}

/// List showroom visits.
///
/// The visits the caller sees (admins, general managers and finance: all; a sales manager:
/// their store's; a consultant: those they received), by id, cursor-paged; filtered by
/// store, consultant, customer and arrival (`[from, to)`). Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/showroom-visits", tag = "showroom",
    params(ShowroomListQuery),
    responses((status = 200, description = "A page of visits", body = Page<VisitDto>))
)]
pub async fn list_showroom_visits(
    caller: Authorized<perm::DealsRead>,
    query: web::Query<ShowroomListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let filter = ShowroomFilter {
        store_id: uuid_param(q.store_id, "store_id")?,
        consultant_id: uuid_param(q.consultant_id, "consultant_id")?,
        customer_id: uuid_param(q.customer_id, "customer_id")?,
        status: None,
        from: q.from.map(|t| t.naive_utc()),
        to: q.to.map(|t| t.naive_utc()),
        after_id: window.after_id.clone(),
        limit: window.rows(),
    };
    let items = caller
        .read(move |ctx| service::list_visits(ctx, filter))
        .await?;
    Ok(HttpResponse::Ok().json(window.page(items, |v| &v.id, VisitDto::from)))
}

/// Record a walk-in's departure.
///
/// Sets when the party left (after the arrival, not in the future: 422), and corrects the
/// party size or the note, of a visit the caller sees (404 otherwise). With `If-Match`, a
/// stale version is 412. Audited `showroom.visit_updated`.
#[utoipa::path(
    patch, path = "/api/v1/showroom-visits/{id}", tag = "showroom",
    params(("id" = String, Path, description = "Visit id"),
        ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"1\"")),
    request_body = PatchVisit,
    responses((status = 200, description = "The visit", body = VisitDto))
)]
pub async fn patch_showroom_visit(
    caller: Authorized<perm::DealsWrite>,
    id: PathId,
    if_match: IfMatch,
    body: Json<PatchVisit>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_inner().into_changes();
    let visit = caller
        .write(move |ctx| service::update_visit(ctx, &id.0, if_match.0, changes))
        .await?;
    let dto = VisitDto::from(visit);
    Ok(versioned(StatusCode::OK, dto.version, dto))
}

/// Invite a customer to the store (邀约到店).
///
/// A customer the caller sees, at a future appointment time, by a consultant (the caller by
/// default), for one of the customer's leads (the newest open one by default). The outcome
/// comes later (`POST .../{id}/outcome`, or a visit that settles it). Consultants,
/// managers, general managers, admins, finance. Audited `store_visit_invitation.created`.
#[utoipa::path(
    post, path = "/api/v1/store-visit-invitations", tag = "showroom",
    request_body = CreateInvitation,
    responses((status = 201, description = "Invited", body = InvitationDto))
)]
pub async fn create_store_visit_invitation(
    caller: Authorized<perm::DealsWrite>,
    body: Json<CreateInvitation>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_command();
    let inv = caller.write(move |ctx| service::invite(ctx, new)).await?;
    let dto = InvitationDto::from(inv);
    Ok(versioned(StatusCode::CREATED, dto.version, dto))
}

/// List store-visit invitations.
///
/// The invitations the caller sees (as for visits: a consultant sees those they sent), by
/// id, cursor-paged; filtered by store, consultant, customer, status and appointment
/// (`[from, to)`). Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/store-visit-invitations", tag = "showroom",
    params(InvitationListQuery),
    responses((status = 200, description = "A page of invitations", body = Page<InvitationDto>))
)]
pub async fn list_store_visit_invitations(
    caller: Authorized<perm::DealsRead>,
    query: web::Query<InvitationListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let status = match q.status {
        Some(s)
            if s.parse::<autocrm_domain::sales::visits::InvitationStatus>()
                .is_err() =>
        {
            return Err(ApiError::from(crate::app::ServiceError::invalid(
                "status",
                "not_allowed",
                "scheduled, showed, no_show, rescheduled or cancelled",
            )));
        }
        s => s,
    };
    let filter = ShowroomFilter {
        store_id: uuid_param(q.store_id, "store_id")?,
        consultant_id: uuid_param(q.consultant_id, "consultant_id")?,
        customer_id: uuid_param(q.customer_id, "customer_id")?,
        status,
        from: q.from.map(|t| t.naive_utc()),
        to: q.to.map(|t| t.naive_utc()),
        after_id: window.after_id.clone(),
        limit: window.rows(),
    };
    let items = caller
        .read(move |ctx| service::list_invitations(ctx, filter))
        .await?;
    Ok(HttpResponse::Ok().json(window.page(items, |i| &i.id, InvitationDto::from)))
}

/// Get one store-visit invitation.
///
/// One the caller sees (as for the list); another's, or another organisation's, is 404.
/// Answers the version in `ETag`. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/store-visit-invitations/{id}", tag = "showroom",
    params(("id" = String, Path, description = "Invitation id")),
    responses((status = 200, description = "The invitation", body = InvitationDto))
)]
pub async fn get_store_visit_invitation(
    caller: Authorized<perm::DealsRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let inv = caller
        .read(move |ctx| service::find_invitation(ctx, &id.0))
        .await?;
    let dto = InvitationDto::from(inv);
    Ok(versioned(StatusCode::OK, dto.version, dto))
}

/// Record the outcome of a store-visit invitation.
///
/// `showed` (optionally naming the customer's visit), `no_show` (once the appointment has
/// passed; 422 `not_due` before), `rescheduled` with `new_appointment_at` (a new scheduled
/// invitation carries it on, answered as `next`), or `cancelled`. An invitation that has its
/// outcome is 409 `invalid_transition`; one the caller does not see, 404. The inviting
/// consultant, managers of its store, general managers, admins, finance. Emits
/// `store_visit_invitation.settled`.
///
/// An invitation nobody settles is settled by the system: once the appointment day and the
/// day after it (in the organisation's time zone) have passed without a visit, an hourly job
/// records `no_show` (`outcome_by` `system:showroom.settle_no_shows`), emits the same event
/// and, while the invitation's lead is open, opens a task to invite again
/// (`store_visit_invitation`, due a day later) for the lead's owner, notified.
#[utoipa::path(
    post, path = "/api/v1/store-visit-invitations/{id}/outcome", tag = "showroom",
    params(("id" = String, Path, description = "Invitation id")),
    request_body = OutcomeBody,
    responses(
        (status = 200, description = "The invitation with its outcome (and the new one)", body = OutcomeDto),
        (status = 409, description = "It has its outcome already", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn store_visit_invitation_outcome(
    caller: Authorized<perm::DealsWrite>,
    id: PathId,
    body: Json<OutcomeBody>,
) -> Result<HttpResponse, ApiError> {
    let outcome = body.into_inner().into_command();
    let (inv, next) = caller
        .write(move |ctx| service::record_outcome(ctx, &id.0, outcome))
        .await?;
    Ok(HttpResponse::Ok().json(OutcomeDto {
        invitation: inv.into(),
        next: next.map(Into::into),
    }))
}

/// Showroom statistics: traffic and 到店率.
///
/// Over `[from, to)` (the last 30 days by default), counted from the rows the caller sees
/// (admins, general managers, finance: all; a sales manager: their store; a consultant:
/// their own), optionally of one store: walk-ins by arrival (first and repeat visits),
/// invitations by appointment per outcome, and the invitation-to-visit rate (到店率 =
/// showed / (showed + no-show)). Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/showroom/stats", tag = "showroom",
    params(StatsQuery),
    responses((status = 200, description = "The period's figures", body = ShowroomStatsDto))
)]
pub async fn showroom_stats(
    caller: Authorized<perm::DealsRead>,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let store_id = uuid_param(q.store_id, "store_id")?;
    let filter_store = store_id.clone();
    let dto = caller
        .read(move |ctx| {
            let to = q.to.unwrap_or_else(|| ctx.now_utc());
            let from = q.from.unwrap_or(to - TimeDelta::days(30));
            if from >= to {
                return Err(crate::app::ServiceError::invalid(
                    "to",
                    "out_of_range",
                    "the period ends after it starts",
                ));
            }
            let filter = ShowroomFilter {
                store_id: filter_store,
                from: Some(from.naive_utc()),
                to: Some(to.naive_utc()),
                ..ShowroomFilter::default()
            };
            let stats = service::stats(ctx, filter)?;
            Ok(ShowroomStatsDto::new(from, to, store_id, stats))
        })
        .await?;
    Ok(HttpResponse::Ok().json(dto))
}

crate::endpoints![
    register_showroom_visit,
    list_showroom_visits,
    patch_showroom_visit,
    create_store_visit_invitation,
    list_store_visit_invitations,
    get_store_visit_invitation,
    store_visit_invitation_outcome,
    showroom_stats,
];
