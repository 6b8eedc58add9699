//! `/api/v1/me/calendar-feed` and `/api/v1/calendar/{feed_token}.ics`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::service;
use crate::app::Actor;
use crate::error::{ApiError, Problem};
use crate::http::{Authorized, Public, perm};

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "url": "https://crm.example.cn/api/v1/calendar/cal_q3Zt0dXbVx1s9Yk2mNwE4rH7uJ5pL8aC6fG0iO3eT1w.ics",
    "token": "cal_q3Zt0dXbVx1s9Yk2mNwE4rH7uJ5pL8aC6fG0iO3eT1w"
}))]
pub struct CalendarFeedDto {
    /// The feed's URL: subscribe to it in a calendar app. Shown once; keep it secret.
    pub url: String,
    pub token: String,
}

/// Create or rotate my calendar feed.
///
/// Makes a new secret URL for the caller's test-drive appointments as an iCalendar feed
/// (`GET /api/v1/calendar/{feed_token}.ics`); an earlier URL stops working. Only a hash of the
/// token is stored: the URL is shown once. Staff who work test drives (consultants,
/// managers, general managers, admins, finance); not machine clients. Audited
/// `calendar_feed.rotated`; emits no event.
#[utoipa::path(
    post, path = "/api/v1/me/calendar-feed", tag = "test-drives",
    responses((status = 201, description = "The new feed URL", body = CalendarFeedDto))
)]
pub async fn rotate_calendar_feed(
    caller: Authorized<perm::DealsWrite>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let token = caller.write(service::rotate).await?;
    let info = req.connection_info();
    let url = format!(
        "{}://{}/api/v1/calendar/{token}.ics",
        info.scheme(),
        info.host()
    );
    Ok(HttpResponse::Created().json(CalendarFeedDto { url, token }))
}

/// Revoke my calendar feed.
///
/// The feed URL stops working at once (404). 404 when the caller has none. Audited
/// `calendar_feed.revoked`; emits no event.
#[utoipa::path(
    delete, path = "/api/v1/me/calendar-feed", tag = "test-drives",
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No feed", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn revoke_calendar_feed(
    caller: Authorized<perm::DealsWrite>,
) -> Result<HttpResponse, ApiError> {
    caller.write(service::revoke).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A consultant's test drives as iCalendar.
///
/// No bearer token: the secret token in the path is the credential (from
/// `POST /api/v1/me/calendar-feed`); an unknown or revoked one, or a deactivated user's, is
/// 404. `text/calendar` (RFC 5545): the caller's test drives from 30 days ago to 90 days
/// ahead, times in UTC, cancelled ones marked `STATUS:CANCELLED`; customers' names masked,
/// no phone or licence number. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/calendar/{feed_token}.ics", tag = "test-drives",
    params(("feed_token" = String, Path, description = "The feed's secret token")),
    responses(
        (status = 200, description = "The calendar", content_type = "text/calendar", body = String),
        (status = 404, description = "Unknown or revoked feed", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn calendar_feed(
    caller: Public,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token = token.into_inner();
    let state = caller.state();
    let feed = state
        .app
        .connection(move |conn| service::open(conn, &token))
        .await?;
    let actor = Actor::System {
        org_id: feed.org_id.clone(),
        name: "calendar-feed",
    };
    let user_id = feed.user_id.clone();
    let text = state
        .app
        .read(actor, caller.request().clone(), move |ctx| {
            service::render(ctx, &user_id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(("Cache-Control", "private, max-age=300"))
        .body(text))
}

crate::endpoints![rotate_calendar_feed, revoke_calendar_feed, calendar_feed];
