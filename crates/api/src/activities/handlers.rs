//! `/api/v1/customers/{id}/activities`.

use actix_web::{HttpResponse, web};

use super::dto::{ActivityDto, CreateActivity, NewestFirstQuery};
use super::service;
use crate::error::ApiError;
use crate::http::pagination::{self, Page};
use crate::http::{Authorized, Json, PathId, perm};
use crate::timeline::cursor;

/// The cursor sort of the activity list.
const SORT: &str = "-occurred_at";

/// Record an activity with a customer.
///
/// A call, WeChat chat, SMS, email, store visit, test drive or note, with its outcome (which
/// must fit the kind), the next follow-up and the customer's own attachments it refers to.
/// Needs the customer in the caller's data scope (404 otherwise). Recomputes the customer's
/// dynamic tags. Emits `activity.created` (without the free text).
#[utoipa::path(
    post, path = "/api/v1/customers/{id}/activities", tag = "activities",
    params(("id" = String, Path, description = "Customer id")),
    request_body = CreateActivity,
    responses((status = 201, description = "Recorded", body = ActivityDto))
)]
pub async fn create_activity(
    caller: Authorized<perm::CustomersWrite>,
    id: PathId,
    body: Json<CreateActivity>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_command();
    let activity = caller
        .write(move |ctx| service::create(ctx, &id.0, new))
        .await?;
    Ok(HttpResponse::Created().json(ActivityDto::from(activity)))
}

/// List a customer's activities, newest first (by when they happened).
///
/// Cursor-paged. Needs the customer in the caller's data scope. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/customers/{id}/activities", tag = "activities",
    params(("id" = String, Path, description = "Customer id"), NewestFirstQuery),
    responses((status = 200, description = "A page of activities", body = Page<ActivityDto>))
)]
pub async fn list_activities(
    caller: Authorized<perm::CustomersRead>,
    id: PathId,
    query: web::Query<NewestFirstQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let before = cursor::decode(SORT, q.cursor.as_deref())?;
    let rows = caller
        .read(move |ctx| service::list(ctx, &id.0, before, limit + 1))
        .await?;
    Ok(HttpResponse::Ok().json(pagination::page(
        rows,
        limit,
        |a| cursor::encode(SORT, a.occurred_at, &a.id),
        ActivityDto::from,
    )))
}

crate::endpoints![create_activity, list_activities];
