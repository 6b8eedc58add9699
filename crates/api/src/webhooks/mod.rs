//! `/api/v1/webhooks`: webhook subscriptions (Standard Webhooks), their secrets, delivery
//! log, tests and replays. Deliveries themselves are sent by `crate::outbound`.

pub mod service;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use autocrm_persistence::models::{DeliveryAttempt, WebhookSubscription};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use self::service::{NewWebhook, Replay, WebhookChanges};
use crate::error::ApiError;
use crate::http::pagination::{self, Cursor, IdWindow, Page};
use crate::http::versioning::versioned;
use crate::http::{Authorized, IfMatch, Json, PathId, perm};
use crate::validate::patch_field;
use crate::validate::rules::{self, Required};
use crate::validate::schema::{OptionalText, Text, UuidText};

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-9d40-7b20-8c3d-4e5f6a7b8c90", "url": "https://erp.shanghai-motors.cn/hooks/autocrm",
    "event_types": ["customer.created", "customer.updated"], "description": "金蝶ERP 客户同步",
    "active": true, "disabled_reason": null, "previous_secret_until": null, "version": 1,
    "created_at": "2026-12-03T02:00:00Z", "updated_at": "2026-12-03T02:00:00Z"
}))]
pub struct WebhookDto {
    pub id: String,
    pub url: String,
    /// Empty: every event type.
    pub event_types: Vec<String>,
    pub description: Option<String>,
    pub active: bool,
    /// Why the system turned it off (e.g. the receiver answered 410 Gone).
    pub disabled_reason: Option<String>,
    /// After a rotation: until when the previous secret also signs.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WebhookSubscription> for WebhookDto {
    fn from(s: WebhookSubscription) -> Self {
        Self {
            event_types: s.types(),
            id: s.id,
            url: s.url,
            description: s.description,
            active: s.active,
            disabled_reason: s.disabled_reason,
            previous_secret_until: s.previous_secret_until.map(|t| t.and_utc()),
            version: s.version,
            created_at: s.created_at.and_utc(),
            updated_at: s.updated_at.and_utc(),
        }
    }
}

/// A subscription with its signing secret: answered once, at creation or rotation.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "webhook": {"id": "0193a5c4-9d40-7b20-8c3d-4e5f6a7b8c90", "url": "https://erp.shanghai-motors.cn/hooks/autocrm",
    "event_types": [], "description": "金蝶ERP 客户同步", "active": true, "disabled_reason": null,
    "previous_secret_until": null, "version": 1,
    "created_at": "2026-12-03T02:00:00Z", "updated_at": "2026-12-03T02:00:00Z"},
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo="
}))]
pub struct WebhookWithSecret {
    pub webhook: WebhookDto,
    /// `whsec_` + base64 of 32 random bytes. Store it now: it is never shown again.
    pub secret: String,
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://erp.shanghai-motors.cn/hooks/autocrm",
    "event_types": ["customer.created", "customer.updated", "financing.status_changed"],
    "description": "金蝶ERP 客户同步"
}))]
pub struct CreateWebhook {
    /// `https` (plain `http` and private addresses only with
    /// `AUTOCRM_WEBHOOK_ALLOW_PRIVATE_TARGETS`).
    #[validate(length(max = 2000), custom(function = "rules::text"))]
    #[schema(value_type = Text<2000>, inline)]
    pub url: String,
    /// Types from the catalogue (the document's `webhooks` section); empty or absent: all.
    #[serde(default)]
    #[validate(length(max = 50, code = "out_of_range", message = "at most 50 event types"))]
    #[schema(max_items = 50)]
    pub event_types: Vec<String>,
    #[validate(length(max = 500), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<500>>, inline)]
    pub description: Option<String>,
    /// Default true.
    pub active: Option<bool>,
}

/// JSON merge patch: absent leaves a field, `null` clears `description`.
#[derive(Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false, "description": "暂停：ERP 升级中"}))]
pub struct PatchWebhook {
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 2000), custom(function = "rules::present_text"))]
    #[schema(value_type = Text<2000>, inline, required = false)]
    pub url: Required<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(
        length(max = 50, code = "out_of_range", message = "at most 50 event types"),
        custom(function = "rules::present")
    )]
    #[schema(value_type = Vec<String>, max_items = 50, required = false)]
    pub event_types: Required<Vec<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 500), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<500>>, inline)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::present"))]
    #[schema(value_type = bool, required = false)]
    pub active: Required<bool>,
}

/// One event (`event_id`), or the published events written in `[since, until)`.
#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"since": "2026-12-02T00:00:00Z", "until": "2026-12-03T00:00:00Z"}))]
pub struct ReplayRequest {
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<UuidText>, inline)]
    pub event_id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"queued": 2, "event_ids": ["0193a5c4-7b2f-7000-9a1b-2c3d4e5f6a71", "0193a5c4-7b30-7000-9a1b-2c3d4e5f6a72"]}))]
pub struct ReplayAnswer {
    pub queued: usize,
    pub event_ids: Vec<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"event_id": "0193a5c4-7b2f-7000-9a1b-2c3d4e5f6a71"}))]
pub struct TestAnswer {
    /// The `webhook-id` the receiver will see.
    pub event_id: String,
}

/// One attempt of one delivery.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-a000-7000-8000-000000000001", "delivery_id": "0193a5c4-9f00-7000-8000-000000000001",
    "event_id": "0193a5c4-7b2f-7000-9a1b-2c3d4e5f6a71", "event_type": "customer.created",
    "attempt": 1, "attempted_at": "2026-12-03T02:15:31Z", "outcome": "failed", "response_code": 503,
    "latency_ms": 87, "response_body": "服务维护中", "error": null,
    "next_attempt_at": "2026-12-03T02:15:36Z"
}))]
pub struct DeliveryAttemptDto {
    pub id: String,
    pub delivery_id: String,
    pub event_id: String,
    pub event_type: String,
    /// 1 for the first try.
    pub attempt: i32,
    pub attempted_at: DateTime<Utc>,
    /// `succeeded`, `failed` (to be retried at `next_attempt_at`) or `dead`.
    pub outcome: String,
    pub response_code: Option<i32>,
    pub latency_ms: i64,
    /// The first KiB of the answer.
    pub response_body: Option<String>,
    /// Why no answer came (refused target, timeout, connection error).
    pub error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

impl From<DeliveryAttempt> for DeliveryAttemptDto {
    fn from(a: DeliveryAttempt) -> Self {
        Self {
            id: a.id,
            delivery_id: a.delivery_id,
            event_id: a.event_id,
            event_type: a.event_type,
            attempt: a.attempt,
            attempted_at: a.attempted_at.and_utc(),
            outcome: a.outcome,
            response_code: a.response_code,
            latency_ms: a.latency_ms,
            response_body: a.response_body,
            error: a.error,
            next_attempt_at: a.next_attempt_at.map(|t| t.and_utc()),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WebhookPageQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
}

fn allow_private(caller: &Authorized<perm::WebhooksManage>) -> bool {
    caller.state().app.outbound.settings.allow_private_targets
}

fn webhook_response(status: StatusCode, sub: WebhookSubscription) -> HttpResponse {
    versioned(status, sub.version, WebhookDto::from(sub))
}

/// Subscribe a URL to events.
///
/// Creates a webhook subscription: every matching event from now on is POSTed to `url`,
/// signed per Standard Webhooks with the secret answered here, **once**. `event_types` empty
/// means every type. The URL must be `https` and resolve to a public address at every
/// delivery. Audited (`webhook.created`); emits no event.
#[utoipa::path(
    post, path = "/api/v1/webhooks", tag = "webhooks",
    request_body = CreateWebhook,
    responses((status = 201, description = "Created; the secret is shown only now", body = WebhookWithSecret))
)]
pub async fn create_webhook(
    caller: Authorized<perm::WebhooksManage>,
    body: Json<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = NewWebhook {
        url: body.url.trim().to_owned(),
        event_types: body.event_types,
        description: rules::trimmed(body.description.as_deref()),
        active: body.active.unwrap_or(true),
        allow_private: allow_private(&caller),
    };
    let (sub, secret) = caller.write(move |ctx| service::create(ctx, new)).await?;
    Ok(HttpResponse::Created().json(WebhookWithSecret {
        webhook: sub.into(),
        secret,
    }))
}

/// List the organisation's webhook subscriptions, oldest first (secrets are never shown).
#[utoipa::path(
    get, path = "/api/v1/webhooks", tag = "webhooks",
    params(WebhookPageQuery),
    responses((status = 200, description = "A page of subscriptions", body = Page<WebhookDto>))
)]
pub async fn list_webhooks(
    caller: Authorized<perm::WebhooksManage>,
    query: web::Query<WebhookPageQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let (after, rows) = (window.after_id.clone(), window.rows());
    let subs = caller
        .read(move |ctx| service::list(ctx, after, rows))
        .await?;
    Ok(HttpResponse::Ok().json(window.page(subs, |s| &s.id, WebhookDto::from)))
}

/// Get one webhook subscription (without its secret).
#[utoipa::path(
    get, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "Subscription id")),
    responses((status = 200, description = "The subscription", body = WebhookDto))
)]
pub async fn get_webhook(
    caller: Authorized<perm::WebhooksManage>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let sub = caller.read(move |ctx| service::find(ctx, &id.0)).await?;
    Ok(webhook_response(StatusCode::OK, sub))
}

/// Change a webhook subscription: URL, event types, description, on or off.
///
/// Turning it back on clears `disabled_reason`. Send `If-Match: "<version>"` to avoid
/// overwriting someone else's change. Audited (`webhook.updated`); emits no event.
#[utoipa::path(
    patch, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "Subscription id"),
           ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body = PatchWebhook,
    responses((status = 200, description = "Updated", body = WebhookDto))
)]
pub async fn patch_webhook(
    caller: Authorized<perm::WebhooksManage>,
    id: PathId,
    if_match: IfMatch,
    body: Json<PatchWebhook>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let changes = WebhookChanges {
        url: body.url.flatten().map(|u| u.trim().to_owned()),
        event_types: body.event_types.flatten(),
        description: body.description.map(|d| rules::trimmed(d.as_deref())),
        active: body.active.flatten(),
        allow_private: allow_private(&caller),
    };
    let sub = caller
        .write(move |ctx| service::update(ctx, &id.0, if_match.0, changes))
        .await?;
    Ok(webhook_response(StatusCode::OK, sub))
}

/// Delete a webhook subscription. Deliveries still pending for it are dropped. Audited
/// (`webhook.deleted`).
#[utoipa::path(
    delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "Subscription id")),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete_webhook(
    caller: Authorized<perm::WebhooksManage>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    caller.write(move |ctx| service::delete(ctx, &id.0)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate the signing secret.
///
/// Answers the new secret, once. For 24 hours deliveries carry two signatures,
/// space-separated (new and old), so a receiver can switch keys without losing any. Audited
/// (`webhook.secret_rotated`).
#[utoipa::path(
    post, path = "/api/v1/webhooks/{id}/rotate-secret", tag = "webhooks",
    params(("id" = String, Path, description = "Subscription id")),
    responses((status = 200, description = "The new secret, shown only now", body = WebhookWithSecret))
)]
pub async fn rotate_webhook_secret(
    caller: Authorized<perm::WebhooksManage>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let (sub, secret) = caller
        .write(move |ctx| service::rotate_secret(ctx, &id.0))
        .await?;
    Ok(HttpResponse::Ok().json(WebhookWithSecret {
        webhook: sub.into(),
        secret,
    }))
}

/// Send a `webhook.test` event to this subscription only (within about 2 s). The event is
/// not in the feed. 409 when the subscription is inactive. Audited (`webhook.tested`).
#[utoipa::path(
    post, path = "/api/v1/webhooks/{id}/test", tag = "webhooks",
    params(("id" = String, Path, description = "Subscription id")),
    responses((status = 202, description = "Queued", body = TestAnswer))
)]
pub async fn test_webhook(
    caller: Authorized<perm::WebhooksManage>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let event_id = caller
        .write(move |ctx| service::send_test(ctx, &id.0))
        .await?;
    Ok(HttpResponse::Accepted().json(TestAnswer { event_id }))
}

/// Re-send events to this subscription.
///
/// One published event by `event_id` (whatever its type), or every published event written
/// in `[since, until)` that the subscription's `event_types` admit (at most 1,000). Each is
/// a new delivery with the same `webhook-id`, so a receiver that saw it dedupes. 409 when
/// the subscription is inactive. Audited (`webhook.replayed`).
#[utoipa::path(
    post, path = "/api/v1/webhooks/{id}/replay", tag = "webhooks",
    params(("id" = String, Path, description = "Subscription id")),
    request_body = ReplayRequest,
    responses((status = 202, description = "Queued", body = ReplayAnswer))
)]
pub async fn replay_webhook(
    caller: Authorized<perm::WebhooksManage>,
    id: PathId,
    body: Json<ReplayRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let what = match (body.event_id, body.since, body.until) {
        (Some(event_id), None, None) => Replay::Event(event_id.to_ascii_lowercase()),
        (None, Some(since), Some(until)) if since < until => Replay::Range {
            since: since.naive_utc(),
            until: until.naive_utc(),
        },
        _ => {
            return Err(ApiError::from(crate::app::ServiceError::invalid(
                "event_id",
                "invalid",
                "send either event_id, or since and until (since before until)",
            )));
        }
    };
    let ids = caller
        .write(move |ctx| service::replay(ctx, &id.0, what))
        .await?;
    Ok(HttpResponse::Accepted().json(ReplayAnswer {
        queued: ids.len(),
        event_ids: ids,
    }))
}

/// The subscription's delivery log, newest attempt first: outcome, response code, latency,
/// the first KiB of the answer, attempt number and the next attempt's time.
#[utoipa::path(
    get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = String, Path, description = "Subscription id"), WebhookPageQuery),
    responses((status = 200, description = "A page of attempts", body = Page<DeliveryAttemptDto>))
)]
pub async fn list_webhook_deliveries(
    caller: Authorized<perm::WebhooksManage>,
    id: PathId,
    query: web::Query<WebhookPageQuery>,
) -> Result<HttpResponse, ApiError> {
    const SORT: &str = "-id";
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let before = pagination::decode_cursor(SORT, q.cursor.as_deref())?.map(|a| a.id);
    let rows = caller
        .read(move |ctx| service::deliveries(ctx, &id.0, before, limit + 1))
        .await?;
    Ok(HttpResponse::Ok().json(pagination::page(
        rows,
        limit,
        |a: &DeliveryAttempt| pagination::encode_cursor(SORT, &pagination::keyset_by_id(&a.id)),
        DeliveryAttemptDto::from,
    )))
}

crate::endpoints![
    create_webhook,
    list_webhooks,
    get_webhook,
    patch_webhook,
    delete_webhook,
    rotate_webhook_secret,
    test_webhook,
    replay_webhook,
    list_webhook_deliveries
];
