//! Webhook subscription use cases: create (the secret shown once), read, change, delete,
//! rotate the secret, send a test, replay events, read the delivery log.

use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{
    DeliveryAttempt, OutboxEvent, TenantRecord, WebhookSubscription,
};
use chrono::{NaiveDateTime, TimeDelta};

use crate::app::{Change, Ctx, Invalid, ServiceError, ServiceResult, records};
use crate::events::{Envelope, catalogue};
use crate::outbound::{deliver, guard, signing};

/// How long the previous secret keeps signing after a rotation.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;
/// Events one replay may queue.
pub const REPLAY_MAX: i64 = 1000;

pub struct NewWebhook {
    pub url: String,
    pub event_types: Vec<String>,
    pub description: Option<String>,
    pub active: bool,
    /// `AUTOCRM_WEBHOOK_ALLOW_PRIVATE_TARGETS`: plain `http` is accepted.
    pub allow_private: bool,
}

#[derive(Default)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
    pub allow_private: bool,
}

/// What a replay re-sends.
pub enum Replay {
    Event(String),
    Range {
        since: NaiveDateTime,
        until: NaiveDateTime,
    },
}

fn check_url(invalid: &mut Invalid, url: &str, allow_private: bool) {
    if let Err(e) = guard::check_url(url, allow_private) {
        invalid.add("url", "invalid_url", e.to_string());
    }
}

fn check_types(invalid: &mut Invalid, types: &[String]) {
    for (i, t) in types.iter().enumerate() {
        if !catalogue::is_known(t) {
            invalid.add(
                &format!("event_types[{i}]"),
                "unknown_event_type",
                format!("{t} is not an event type (see GET /api-docs/openapi.json, `webhooks`)"),
            );
        }
    }
}

fn types_json(types: &[String]) -> String {
    let mut types = types.to_vec();
    types.sort();
    types.dedup();
    serde_json::to_string(&types).unwrap_or_else(|_| "[]".into())
}

fn encrypted_secret(ctx: &Ctx) -> ServiceResult<(String, String)> {
    let secret = signing::new_secret().map_err(ServiceError::internal)?;
    let stored = ctx.pii().encrypt(&secret).map_err(ServiceError::internal)?;
    Ok((secret, stored))
}

/// Creates a subscription; returns it with its secret in clear, which is never shown again.
pub fn create(ctx: &mut Ctx, new: NewWebhook) -> ServiceResult<(WebhookSubscription, String)> {
    let mut invalid = Invalid::new();
    check_url(&mut invalid, &new.url, new.allow_private);
    check_types(&mut invalid, &new.event_types);
    invalid.finish()?;
    let (secret, secret_ciphertext) = encrypted_secret(ctx)?;
    let at = ctx.now();
    let sub = WebhookSubscription {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        url: new.url,
        event_types: types_json(&new.event_types),
        description: new.description,
        active: new.active,
        secret_ciphertext,
        previous_secret_ciphertext: None,
        previous_secret_until: None,
        disabled_reason: None,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    sub.insert(ctx.conn)?;
    ctx.record(Change::new("webhook.created", "webhook", &sub.id).detail(
        serde_json::json!({"url": sub.url, "event_types": sub.types(), "active": sub.active}),
    ))?;
    Ok((sub, secret))
}

pub fn find(ctx: &mut Ctx, id: &str) -> ServiceResult<WebhookSubscription> {
    records::find(ctx, id, |_: &WebhookSubscription| true)
}

pub fn list(
    ctx: &mut Ctx,
    after_id: Option<String>,
    limit: i64,
) -> ServiceResult<Vec<WebhookSubscription>> {
    Ok(WebhookSubscription::list(
        ctx.conn,
        ctx.org_id(),
        after_id.as_deref(),
        limit,
    )?)
}

pub fn update(
    ctx: &mut Ctx,
    id: &str,
    expected: Option<i64>,
    changes: WebhookChanges,
) -> ServiceResult<WebhookSubscription> {
    let mut invalid = Invalid::new();
    if let Some(url) = &changes.url {
        check_url(&mut invalid, url, changes.allow_private);
    }
    if let Some(types) = &changes.event_types {
        check_types(&mut invalid, types);
    }
    invalid.finish()?;
    let sub = records::update(
        ctx,
        id,
        expected,
        |_: &WebhookSubscription| true,
        |_, sub| {
            if let Some(url) = changes.url {
                sub.url = url;
            }
            if let Some(types) = changes.event_types {
                sub.event_types = types_json(&types);
            }
            if let Some(description) = changes.description {
                sub.description = description;
            }
            if let Some(active) = changes.active {
                sub.active = active;
                if active {
                    sub.disabled_reason = None;
                }
            }
            Ok(())
        },
    )?;
    ctx.record(Change::new("webhook.updated", "webhook", &sub.id).detail(
        serde_json::json!({"url": sub.url, "event_types": sub.types(), "active": sub.active}),
    ))?;
    Ok(sub)
}

/// Deletes a subscription; its pending deliveries die at their next attempt.
pub fn delete(ctx: &mut Ctx, id: &str) -> ServiceResult<()> {
    let sub = find(ctx, id)?;
    WebhookSubscription::delete(ctx.conn, ctx.org_id(), &sub.id)?;
    ctx.record(
        Change::new("webhook.deleted", "webhook", &sub.id)
            .detail(serde_json::json!({"url": sub.url})),
    )
}

/// A new secret, returned in clear once; the old one keeps signing (a second signature) for
/// 24 hours so that receivers can switch without losing deliveries.
pub fn rotate_secret(ctx: &mut Ctx, id: &str) -> ServiceResult<(WebhookSubscription, String)> {
    let (secret, stored) = encrypted_secret(ctx)?;
    let until = ctx.now() + TimeDelta::hours(ROTATION_OVERLAP_HOURS);
    let sub = records::update(
        ctx,
        id,
        None,
        |_: &WebhookSubscription| true,
        |_, sub| {
            sub.previous_secret_ciphertext =
                Some(std::mem::replace(&mut sub.secret_ciphertext, stored));
            sub.previous_secret_until = Some(until);
            Ok(())
        },
    )?;
    ctx.record(
        Change::new("webhook.secret_rotated", "webhook", &sub.id)
            .detail(serde_json::json!({"previous_secret_until": until.and_utc().to_rfc3339()})),
    )?;
    Ok((sub, secret))
}

/// Queues a `webhook.test` event to this subscription only; returns its event id.
pub fn send_test(ctx: &mut Ctx, id: &str) -> ServiceResult<String> {
    let sub = find(ctx, id)?;
    if !sub.active {
        return Err(ServiceError::Conflict(
            "the subscription is inactive: activate it first".into(),
        ));
    }
    let data = catalogue::WebhookTest {
        webhook_id: sub.id.clone(),
        message: "AutoCRM 测试事件".into(),
    };
    let event_id = new_id();
    let body = Envelope::new(
        event_id.clone(),
        <catalogue::WebhookTest as crate::events::Event>::TYPE,
        ctx.now_utc(),
        ctx.org_id(),
        serde_json::to_value(&data).map_err(ServiceError::internal)?,
    )
    .to_json();
    let now = ctx.now();
    deliver::queue(
        ctx.conn,
        &sub.org_id,
        &sub.id,
        &event_id,
        "webhook.test",
        &body,
        now,
    )?;
    ctx.record(
        Change::new("webhook.tested", "webhook", &sub.id)
            .detail(serde_json::json!({"event_id": event_id})),
    )?;
    Ok(event_id)
}

/// Re-sends published events to this subscription (the same ids, so receivers that saw
/// them dedupe); a range re-sends only the types it subscribes to. Returns the event ids.
pub fn replay(ctx: &mut Ctx, id: &str, what: Replay) -> ServiceResult<Vec<String>> {
    let sub = find(ctx, id)?;
    if !sub.active {
        return Err(ServiceError::Conflict(
            "the subscription is inactive: activate it first".into(),
        ));
    }
    let events = match &what {
        Replay::Event(event_id) => vec![
            OutboxEvent::find_published(ctx.conn, ctx.org_id(), event_id)?
                .ok_or(ServiceError::NotFound)?,
        ],
        Replay::Range { since, until } => {
            OutboxEvent::published_between(ctx.conn, ctx.org_id(), *since, *until, REPLAY_MAX)?
                .into_iter()
                .filter(|e| sub.wants(&e.event_type))
                .collect()
        }
    };
    let now = ctx.now();
    let mut ids = Vec::with_capacity(events.len());
    let mut deliveries = Vec::with_capacity(events.len());
    for event in events {
        let delivery = deliver::insert(
            ctx.conn,
            &sub.org_id,
            &sub.id,
            &event.id,
            &event.event_type,
            &event.payload,
            now,
        )?;
        deliveries.push(delivery.id);
        ids.push(event.id);
    }
    deliver::enqueue(ctx.conn, &sub.org_id, deliveries, now, now)?;
    ctx.record(
        Change::new("webhook.replayed", "webhook", &sub.id)
            .detail(serde_json::json!({"events": ids.len()})),
    )?;
    Ok(ids)
}

/// A page of the subscription's delivery log, newest attempt first.
pub fn deliveries(
    ctx: &mut Ctx,
    id: &str,
    before_id: Option<String>,
    limit: i64,
) -> ServiceResult<Vec<DeliveryAttempt>> {
    let sub = find(ctx, id)?;
    Ok(DeliveryAttempt::list_for_target(
        ctx.conn,
        ctx.org_id(),
        deliver::WEBHOOK,
        &sub.id,
        before_id.as_deref(),
        limit,
    )?)
}
