//! `/api/v1/behavior-events` and `/api/v1/customers/{id}/behavior-summary`.

use actix_web::HttpResponse;

use super::dto::{BatchResult, BehaviorBatch, BehaviorSummaryDto};
use super::service;
use crate::error::ApiError;
use crate::http::{Authorized, Json, PathId, perm};

/// Post a batch of behaviour events from an app or mini-program.
///
/// 1 to 500 events (more is a 422 and stores nothing). Each event is checked on its own and
/// answered in `results`, in the order posted: a refused item names its fields, and the
/// others are still stored. An event naming both its device and its customer links the
/// device to the customer (the first link stands), and the device's earlier events are
/// attached to the customer then. Recomputes the dynamic tags of the customers touched.
/// Audited (`behavior_events.posted`); emits no event.
#[utoipa::path(
    post, path = "/api/v1/behavior-events", tag = "behavior events",
    request_body = BehaviorBatch,
    responses((status = 200, description = "A result per event", body = BatchResult))
)]
pub async fn post_behavior_events(
    caller: Authorized<perm::BehaviorEventsWrite>,
    body: Json<BehaviorBatch>,
) -> Result<HttpResponse, ApiError> {
    let items = body.into_inner().into_items();
    let outcomes = caller.write(move |ctx| service::ingest(ctx, items)).await?;
    Ok(HttpResponse::Ok().json(BatchResult::of(outcomes)))
}

/// A customer's behaviour summary: views per model, days active, last seen.
///
/// Needs the customer in the caller's data scope. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/customers/{id}/behavior-summary", tag = "behavior events",
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "The summary", body = BehaviorSummaryDto))
)]
pub async fn get_behavior_summary(
    caller: Authorized<perm::CustomersRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let summary = caller.read(move |ctx| service::summary(ctx, &id.0)).await?;
    Ok(HttpResponse::Ok().json(BehaviorSummaryDto::from(summary)))
}

crate::endpoints![post_behavior_events, get_behavior_summary];
