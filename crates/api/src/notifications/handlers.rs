//! `/api/v1/me/notifications*`, `/api/v1/me/notification-preferences` and
//! `/api/v1/notification-gateways`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use autocrm_domain::notification::GatewayChannel;
use autocrm_persistence::models::{KeysetAfter, NotificationFilter, NotificationRow};

use super::dto::{
    CreateGateway, CreatedGateway, GatewayDto, GatewayListQuery, MarkedRead, NotificationDto,
    NotificationListQuery, PatchGateway, PreferencesDto, PutPreferences, StreamQuery,
    StreamTicketDto, UnreadCount,
};
use super::service::{self, GatewayChange, NewGateway};
use super::stream::{self, StreamAccess};
use crate::error::{ApiError, Problem};
use crate::http::authenticate::TokenExpiry;
use crate::http::pagination::{self, IdWindow, Page};
use crate::http::versioning::versioned;
use crate::http::{Authorized, IfMatch, Json, PathId, perm};
use crate::validate::rules;

/// The keyset order of the list: newest (highest position) first.
const SORT: &str = "-position";

/// List the caller's notifications, newest first.
///
/// Cursor-paged; `unread_only=true` leaves out what was read. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/me/notifications", tag = "notifications",
    params(NotificationListQuery),
    responses(
        (status = 200, description = "A page of notifications, newest first", body = Page<NotificationDto>),
        (status = 403, description = "A machine client: it has no notifications", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_notifications(
    caller: Authorized<perm::NotificationsOwn>,
    query: web::Query<NotificationListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let before_position = match pagination::decode_cursor(SORT, q.cursor.as_deref())? {
        Some(after) => Some(
            after
                .key
                .parse::<i64>()
                .map_err(|_| pagination::invalid_cursor())?,
        ),
        None => None,
    };
    let filter = NotificationFilter {
        unread_only: q.unread_only,
        before_position,
        limit: limit + 1,
    };
    let rows = caller.read(move |ctx| service::list(ctx, &filter)).await?;
    Ok(HttpResponse::Ok().json(pagination::page(
        rows,
        limit,
        |r: &NotificationRow| {
            pagination::encode_cursor(
                SORT,
                &KeysetAfter {
                    key: r.position.to_string(),
                    id: r.id.clone(),
                },
            )
        },
        NotificationDto::from,
    )))
}

/// Mark one of the caller's notifications read.
///
/// Marking a read notification again changes nothing. Another person's notification is 404.
#[utoipa::path(
    post, path = "/api/v1/me/notifications/{id}/read", tag = "notifications",
    params(("id" = String, Path, description = "Notification id")),
    responses(
        (status = 200, description = "The notification, read", body = NotificationDto),
        (status = 404, description = "No such notification of the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn mark_notification_read(
    caller: Authorized<perm::NotificationsOwn>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let row = caller
        .write(move |ctx| service::mark_read(ctx, &id.0))
        .await?;
    Ok(HttpResponse::Ok().json(NotificationDto::from(row)))
}

/// Mark every unread notification of the caller read.
#[utoipa::path(
    post, path = "/api/v1/me/notifications/read-all", tag = "notifications",
    responses((status = 200, description = "How many were marked", body = MarkedRead))
)]
pub async fn mark_all_notifications_read(
    caller: Authorized<perm::NotificationsOwn>,
) -> Result<HttpResponse, ApiError> {
    let marked = caller.write(service::mark_all_read).await?;
    Ok(HttpResponse::Ok().json(MarkedRead { marked }))
}

/// How many of the caller's notifications are unread (for the badge).
#[utoipa::path(
    get, path = "/api/v1/me/notifications/unread-count", tag = "notifications",
    responses((status = 200, description = "The unread count", body = UnreadCount))
)]
pub async fn unread_notification_count(
    caller: Authorized<perm::NotificationsOwn>,
) -> Result<HttpResponse, ApiError> {
    let unread = caller.read(service::unread_count).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(UnreadCount { unread }))
}

/// Get a single-use ticket for opening the stream without a header.
///
/// A browser's `EventSource` cannot send `Authorization`: ask for a ticket with the bearer
/// token, then open `GET /api/v1/me/notifications/stream?ticket=...`. The ticket works
/// once, within 60 seconds (`AUTOCRM_NOTIFICATION_TICKET_TTL_SECS`), on any node; the
/// stream it opens ends when the access token that asked for it expires. Only the ticket's
/// SHA-256 is stored.
#[utoipa::path(
    post, path = "/api/v1/me/notifications/stream-ticket", tag = "notifications",
    responses((status = 201, description = "The ticket, shown once", body = StreamTicketDto))
)]
pub async fn create_stream_ticket(
    caller: Authorized<perm::NotificationsOwn>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let access_expires_at = TokenExpiry::of(&req)
        .ok_or_else(|| ApiError::unauthorized("the access token is invalid"))?
        .0
        .naive_utc();
    let ttl = caller.state().settings.notification_ticket_ttl_secs;
    let now = caller.state().app.clock.now();
    let issued = caller
        .write(move |ctx| service::issue_ticket(ctx, ttl, access_expires_at))
        .await?;
    let expires_at = issued.expires_at.and_utc();
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(StreamTicketDto {
            stream_url: format!("/api/v1/me/notifications/stream?ticket={}", issued.ticket),
            ticket: issued.ticket,
            expires_in: (expires_at - now).num_seconds().max(0),
            expires_at,
        }))
}

/// The caller's notifications, live, as Server-Sent Events.
///
/// `text/event-stream`. Each notification is an event `notification` whose `id:` is its
/// position and whose `data:` is the notification as JSON (as in the list). It resumes after
/// the `Last-Event-ID` header (sent by `EventSource` when it reconnects) or
/// `?last_event_id=`, without duplicates; without either, only notifications raised from
/// now on are sent. A notification raised on any node arrives within about 0.5 s (each node
/// polls an indexed table once per tick for all its streams; `AUTOCRM_NOTIFICATION_POLL_MS`). A comment line
/// `: heartbeat` comes every 15 s. When the access token expires (or the account is
/// deactivated or changes role) the stream sends `event: reauthenticate` and closes:
/// refresh the token and reconnect with `Last-Event-ID`.
///
/// Authenticate with the bearer header, or with `?ticket=` from
/// `POST /api/v1/me/notifications/stream-ticket` (single use). Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/me/notifications/stream", tag = "notifications",
    params(
        StreamQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this position, e.g. \"42\""),
    ),
    responses(
        (status = 200, description = "The event stream", content_type = "text/event-stream", body = String,
         example = "retry: 2000\n\nid: 42\nevent: notification\ndata: {\"id\":\"0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a90\",\"position\":42,\"kind\":\"lead.assigned\",\"title\":\"新线索已分配给您\",\"body\":\"汽车之家线索：王先生，意向车型 Model Y\",\"link\":\"/api/v1/leads/0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a91\",\"read\":false,\"read_at\":null,\"created_at\":\"2026-12-03T02:15:00Z\"}\n\n: heartbeat\n\nevent: reauthenticate\ndata: {\"reason\":\"token_expired\"}\n\n"),
        (status = 401, description = "No valid token, or a ticket that is unknown, expired or used", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn notification_stream(
    access: StreamAccess,
    query: web::Query<StreamQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let resume = stream::resume_position(&req, &query)?;
    let (app, actor, request) = (
        access.state.app.clone(),
        crate::app::Actor::Principal(access.principal.clone()),
        access.request.clone(),
    );
    // Checks the person still stands, and finds where a fresh stream starts.
    let newest = app.read(actor, request, service::last_position).await?;
    Ok(stream::respond(access, resume.unwrap_or(newest), newest))
}

/// The caller's notification preferences: per kind, the channels wanted.
///
/// Defaults: in-app only, for every kind. Outbound channels (`sms`, `email`, `app_push`,
/// `wechat`) reach the caller only where the organisation has an active gateway.
#[utoipa::path(
    get, path = "/api/v1/me/notification-preferences", tag = "notifications",
    responses((status = 200, description = "Every kind with its channels", body = PreferencesDto))
)]
pub async fn get_notification_preferences(
    caller: Authorized<perm::NotificationsOwn>,
) -> Result<HttpResponse, ApiError> {
    let preferences = caller.read(service::preferences).await?;
    Ok(HttpResponse::Ok().json(PreferencesDto::from(preferences)))
}

/// Set the channels for some notification kinds.
///
/// Kinds not named keep their channels; an empty list turns a kind off. Audited
/// (`notification_preferences.updated`).
#[utoipa::path(
    put, path = "/api/v1/me/notification-preferences", tag = "notifications",
    request_body = PutPreferences,
    responses(
        (status = 200, description = "Every kind with its channels", body = PreferencesDto),
        (status = 422, description = "An unknown kind or channel", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_notification_preferences(
    caller: Authorized<perm::NotificationsOwn>,
    body: Json<PutPreferences>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_inner().into_changes();
    let preferences = caller
        .write(move |ctx| service::set_preferences(ctx, changes))
        .await?;
    Ok(HttpResponse::Ok().json(PreferencesDto::from(preferences)))
}

fn gateway_response(
    status: StatusCode,
    gateway: autocrm_persistence::models::NotificationGateway,
) -> HttpResponse {
    versioned(status, gateway.version, GatewayDto::from(gateway))
}

/// Add the organisation's gateway for a channel; the answer holds its signing secret, once.
///
/// One gateway per channel (`sms`, `email`, `app_push`, `wechat_template`); the URL must be
/// `https://`. From now on, notifications that a person wants on this channel queue a
/// message for it, signed with the secret like a webhook (Standard Webhooks headers). The
/// secret is stored encrypted. Audited (`notification_gateway.created`).
#[utoipa::path(
    post, path = "/api/v1/notification-gateways", tag = "notification gateways",
    request_body = CreateGateway,
    responses(
        (status = 201, description = "Created; keep the secret", body = CreatedGateway),
        (status = 409, description = "The channel has a gateway already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown channel or a URL that is not https", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_notification_gateway(
    caller: Authorized<perm::NotificationGatewaysManage>,
    body: Json<CreateGateway>,
) -> Result<HttpResponse, ApiError> {
    let req = body.into_inner();
    let channel: GatewayChannel = req
        .channel
        .parse()
        .map_err(|_| ApiError::invalid("channel", "not_allowed", "unknown channel"))?;
    let new = NewGateway {
        channel,
        url: req.url.trim().to_owned(),
        description: rules::trimmed(req.description.as_deref()),
        active: req.active,
    };
    let (gateway, secret) = caller
        .write(move |ctx| service::create_gateway(ctx, new))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(crate::http::versioning::etag(gateway.version))
        .json(CreatedGateway {
            gateway: gateway.into(),
            secret,
        }))
}

/// List the organisation's notification gateways (secrets are never shown).
#[utoipa::path(
    get, path = "/api/v1/notification-gateways", tag = "notification gateways",
    params(GatewayListQuery),
    responses((status = 200, description = "A page of gateways", body = Page<GatewayDto>))
)]
pub async fn list_notification_gateways(
    caller: Authorized<perm::NotificationGatewaysManage>,
    query: web::Query<GatewayListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let (after, rows) = (window.after_id.clone(), window.rows());
    let rows = caller
        .read(move |ctx| service::list_gateways(ctx, after, rows))
        .await?;
    Ok(HttpResponse::Ok().json(window.page(rows, |g| &g.id, GatewayDto::from)))
}

/// Get one notification gateway (its secret is never shown).
#[utoipa::path(
    get, path = "/api/v1/notification-gateways/{id}", tag = "notification gateways",
    params(("id" = String, Path, description = "Gateway id")),
    responses((status = 200, description = "The gateway", body = GatewayDto))
)]
pub async fn get_notification_gateway(
    caller: Authorized<perm::NotificationGatewaysManage>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let gateway = caller
        .read(move |ctx| service::find_gateway(ctx, &id.0))
        .await?;
    Ok(gateway_response(StatusCode::OK, gateway))
}

/// Change a gateway's URL, description or state (`active: false` stops queueing for it).
///
/// Send `If-Match: "<version>"` to avoid overwriting someone else's change. Audited
/// (`notification_gateway.updated`).
#[utoipa::path(
    patch, path = "/api/v1/notification-gateways/{id}", tag = "notification gateways",
    params(("id" = String, Path, description = "Gateway id"),
           ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body = PatchGateway,
    responses(
        (status = 200, description = "Updated", body = GatewayDto),
        (status = 412, description = "The gateway changed since that version", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn patch_notification_gateway(
    caller: Authorized<perm::NotificationGatewaysManage>,
    id: PathId,
    if_match: IfMatch,
    body: Json<PatchGateway>,
) -> Result<HttpResponse, ApiError> {
    let req = body.into_inner();
    let change = GatewayChange {
        url: req.url.map(|u| u.trim().to_owned()),
        description: req.description.map(|d| rules::trimmed(d.as_deref())),
        active: req.active,
    };
    let gateway = caller
        .write(move |ctx| service::update_gateway(ctx, &id.0, if_match.0, change))
        .await?;
    Ok(gateway_response(StatusCode::OK, gateway))
}

/// Delete a gateway, and the messages still queued for it.
///
/// Audited (`notification_gateway.deleted`).
#[utoipa::path(
    delete, path = "/api/v1/notification-gateways/{id}", tag = "notification gateways",
    params(("id" = String, Path, description = "Gateway id")),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete_notification_gateway(
    caller: Authorized<perm::NotificationGatewaysManage>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    caller
        .write(move |ctx| service::delete_gateway(ctx, &id.0))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

crate::endpoints![
    list_notifications,
    mark_notification_read,
    mark_all_notifications_read,
    unread_notification_count,
    create_stream_ticket,
    notification_stream,
    get_notification_preferences,
    put_notification_preferences,
    create_notification_gateway,
    list_notification_gateways,
    get_notification_gateway,
    patch_notification_gateway,
    delete_notification_gateway,
];
