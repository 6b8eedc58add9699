//! One delivery attempt: sign the stored body, POST it to the target, log the attempt, and
//! decide what follows (done, retry on the schedule, dead; a 410 disables the subscription).

use std::collections::HashMap;
use std::time::Instant;

use autocrm_persistence::DbConn;
use autocrm_persistence::db::{new_id, relaxed_durability, write_tx};
use autocrm_persistence::models::{
    Delivery, DeliveryAttempt, DeliveryStatus, JobRow, NotificationGateway, TenantRecord, User,
    WebhookSubscription,
};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::{RESPONSE_KEPT_BYTES, guard, retry_after, signing};
use crate::app::{App, ServiceResult};
use crate::jobs::{Job, JobFuture, Outcome};

/// The kind of target a webhook delivery goes to.
pub const WEBHOOK: &str = "webhook";
/// The kind of target a staff notification's outbound message goes to (SMS, e-mail, app
/// push, WeChat gateways).
pub const GATEWAY: &str = "gateway";

/// A job's deliveries: one (a retry), or a batch (the relay's, a replay's).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Payload {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    delivery_ids: Vec<String>,
}

/// Deliveries of one job sent at once.
const IN_FLIGHT: usize = 32;

/// Queues one job that sends these deliveries (a batch is claimed by one node, and each
/// delivery in it is sent once), in the caller's transaction.
pub fn enqueue(
    conn: &mut DbConn,
    org_id: &str,
    delivery_ids: Vec<String>,
    run_at: NaiveDateTime,
    now: NaiveDateTime,
) -> ServiceResult<()> {
    if delivery_ids.is_empty() {
        return Ok(());
    }
    let payload = serde_json::to_string(&Payload { delivery_ids })
        .map_err(crate::app::ServiceError::internal)?;
    JobRow::new(Some(org_id), Deliver::KIND, payload, run_at, 20, now).insert(conn)?;
    Ok(())
}

/// Queues a delivery of `body` (an event's envelope) to a webhook subscription, and the job
/// that sends it, in the caller's transaction.
pub fn queue(
    conn: &mut DbConn,
    org_id: &str,
    subscription_id: &str,
    event_id: &str,
    event_type: &str,
    body: &str,
    now: NaiveDateTime,
) -> ServiceResult<Delivery> {
    let delivery = insert(
        conn,
        org_id,
        subscription_id,
        event_id,
        event_type,
        body,
        now,
    )?;
    enqueue(conn, org_id, vec![delivery.id.clone()], now, now)?;
    Ok(delivery)
}

/// A delivery row to a webhook subscription, without its job (the caller queues a batch
/// with [`enqueue`]).
pub fn insert(
    conn: &mut DbConn,
    org_id: &str,
    subscription_id: &str,
    event_id: &str,
    event_type: &str,
    body: &str,
    now: NaiveDateTime,
) -> ServiceResult<Delivery> {
    insert_to(
        conn,
        (WEBHOOK, subscription_id),
        org_id,
        event_id,
        event_type,
        body,
        now,
    )
}

/// Queues a delivery to any kind of target (`WEBHOOK` or `GATEWAY`, with its id) and the
/// job that sends it, in the caller's transaction. `event_id` is the `webhook-id` the
/// receiver dedupes on.
pub fn queue_to(
    conn: &mut DbConn,
    target: (&str, &str),
    org_id: &str,
    event_id: &str,
    event_type: &str,
    body: &str,
    now: NaiveDateTime,
) -> ServiceResult<Delivery> {
    let delivery = insert_to(conn, target, org_id, event_id, event_type, body, now)?;
    enqueue(conn, org_id, vec![delivery.id.clone()], now, now)?;
    Ok(delivery)
}

fn insert_to(
    conn: &mut DbConn,
    (target_kind, target_id): (&str, &str),
    org_id: &str,
    event_id: &str,
    event_type: &str,
    body: &str,
    now: NaiveDateTime,
) -> ServiceResult<Delivery> {
    let delivery = Delivery {
        id: new_id(),
        org_id: org_id.to_owned(),
        target_kind: target_kind.to_owned(),
        target_id: target_id.to_owned(),
        event_id: event_id.to_owned(),
        event_type: event_type.to_owned(),
        payload: body.to_owned(),
        status: DeliveryStatus::Pending.as_str().to_owned(),
        attempts: 0,
        next_attempt_at: Some(now),
        last_status_code: None,
        created_at: now,
        updated_at: now,
    };
    delivery.insert(conn)?;
    Ok(delivery)
}

pub struct Deliver;

impl Deliver {
    pub const KIND: &'static str = "outbound.deliver";
}

/// What the attempt came to.
struct Attempted {
    code: Option<u16>,
    body: Option<String>,
    error: Option<String>,
    latency_ms: i64,
}

enum Target {
    Send {
        url: String,
        keys: Vec<Vec<u8>>,
        body: String,
    },
    /// The target is gone or off: the delivery dies without an attempt.
    Gone(&'static str),
}

/// A webhook subscription's side of a send, worked out once per batch: where to, and the keys
/// to sign with (the current secret, and the previous one during a rotation).
type WebhookSide = Result<(String, Vec<Vec<u8>>), &'static str>;

/// Reads the targets of a batch's deliveries, each subscription and recipient once.
#[derive(Default)]
struct Targets {
    webhooks: HashMap<String, WebhookSide>,
    gateways: HashMap<String, Option<NotificationGateway>>,
    /// A recipient's phone and e-mail, looked up at send time so that the stored message
    /// never holds them.
    contacts: HashMap<(String, String), (Option<String>, Option<String>)>,
}

impl Targets {
    fn of(
        &mut self,
        app: &App,
        conn: &mut DbConn,
        delivery: &Delivery,
        now: NaiveDateTime,
    ) -> ServiceResult<Target> {
        if delivery.target_kind != GATEWAY {
            if !self.webhooks.contains_key(&delivery.target_id) {
                let sub = WebhookSubscription::find_any(conn, &delivery.target_id)?;
                let side = webhook_side(app, sub, now);
                self.webhooks.insert(delivery.target_id.clone(), side);
            }
            return Ok(match &self.webhooks[&delivery.target_id] {
                Ok((url, keys)) => Target::Send {
                    url: url.clone(),
                    keys: keys.clone(),
                    body: delivery.payload.clone(),
                },
                Err(why) => Target::Gone(why),
            });
        }
        if !self.gateways.contains_key(&delivery.target_id) {
            let gateway = NotificationGateway::find(conn, &delivery.org_id, &delivery.target_id)?;
            self.gateways.insert(delivery.target_id.clone(), gateway);
        }
        let Some(gateway) = &self.gateways[&delivery.target_id] else {
            return Ok(Target::Gone("the gateway was deleted"));
        };
        let recipient = serde_json::from_str::<serde_json::Value>(&delivery.payload)
            .ok()
            .and_then(|m| m["recipient"]["user_id"].as_str().map(str::to_owned));
        let contact = match recipient {
            Some(user_id) => {
                let key = (delivery.org_id.clone(), user_id);
                if !self.contacts.contains_key(&key) {
                    let user = User::find(conn, &key.0, &key.1)?;
                    let found = user.map_or((None, None), |u| (u.phone, Some(u.email)));
                    self.contacts.insert(key.clone(), found);
                }
                self.contacts[&key].clone()
            }
            None => (None, None),
        };
        Ok(gateway_target(app, delivery, gateway, contact))
    }
}

fn gateway_target(
    app: &App,
    delivery: &Delivery,
    gateway: &NotificationGateway,
    (phone, email): (Option<String>, Option<String>),
) -> Target {
    if !gateway.active {
        return Target::Gone("the gateway is inactive");
    }
    let Some(key) = app
        .pii
        .decrypt(&gateway.secret_ciphertext)
        .ok()
        .and_then(|s| signing::secret_key(&s))
    else {
        return Target::Gone("the signing secret cannot be read");
    };
    let Ok(mut message) = serde_json::from_str::<serde_json::Value>(&delivery.payload) else {
        return Target::Gone("the stored message is not JSON");
    };
    // Parts sealed at rest (a customer's phone, a sign-in code) are opened only to send.
    if let Some(sealed) = message.as_object_mut().and_then(|m| m.remove("sealed")) {
        let open = |field: &str| sealed[field].as_str().map(|s| app.pii.decrypt(s));
        match (open("phone"), open("body")) {
            (Some(Ok(phone)), Some(Ok(body))) => {
                message["recipient"]["phone"] = phone.into();
                message["body"] = body.into();
            }
            _ => return Target::Gone("the sealed message cannot be opened"),
        }
    }
    // Only the contact the channel needs (data minimisation).
    let contact = match message["channel"].as_str() {
        Some("sms") => Some(("phone", phone)),
        Some("email") => Some(("email", email)),
        _ => None,
    };
    if let (Some(recipient), Some((field, Some(value)))) =
        (message["recipient"].as_object_mut(), contact)
    {
        recipient.insert(field.into(), value.into());
    }
    Target::Send {
        url: gateway.url.clone(),
        keys: vec![key],
        body: message.to_string(),
    }
}

fn webhook_side(app: &App, sub: Option<WebhookSubscription>, now: NaiveDateTime) -> WebhookSide {
    let Some(sub) = sub else {
        return Err("the subscription was deleted");
    };
    if !sub.active {
        return Err("the subscription is inactive");
    }
    let mut keys = Vec::new();
    for stored in std::iter::once(Some(&sub.secret_ciphertext)).chain(std::iter::once(
        sub.previous_secret_ciphertext
            .as_ref()
            .filter(|_| sub.previous_secret_until.is_some_and(|until| until > now)),
    )) {
        if let Some(key) = stored
            .and_then(|s| app.pii.decrypt(s).ok())
            .and_then(|s| signing::secret_key(&s))
        {
            keys.push(key);
        }
    }
    if keys.is_empty() {
        return Err("the signing secret cannot be read");
    }
    Ok((sub.url, keys))
}

async fn send(
    app: &App,
    url: &str,
    keys: &[Vec<u8>],
    delivery: &Delivery,
    body: String,
) -> Attempted {
    let outbound = &app.outbound;
    let allow_private = outbound.settings.allow_private_targets;
    let started = Instant::now();
    let failed = |error: String| Attempted {
        code: None,
        body: None,
        error: Some(error),
        latency_ms: 0,
    };
    let parsed = match guard::check_url(url, allow_private) {
        Ok(u) => u,
        Err(e) => return failed(e.to_string()),
    };
    if let Some(ip) = guard::literal_ip(&parsed)
        && let Err(e) = guard::check_ip(ip, allow_private)
    {
        return failed(e.to_string());
    }
    let timestamp = app.clock.now().timestamp();
    let body = body.into_bytes();
    let signature = signing::signature_header(keys, &delivery.event_id, timestamp, &body);
    let sent = outbound
        .client
        .post(parsed)
        .header("content-type", "application/json")
        .header("webhook-id", &delivery.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await;
    let mut attempted = match sent {
        Ok(res) => {
            let code = res.status().as_u16();
            let bytes = res.bytes().await.unwrap_or_default();
            let kept = &bytes[..bytes.len().min(RESPONSE_KEPT_BYTES)];
            Attempted {
                code: Some(code),
                body: Some(String::from_utf8_lossy(kept).into_owned()),
                error: None,
                latency_ms: 0,
            }
        }
        Err(e) => {
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                message = format!("{message}: {s}");
                source = s.source();
            }
            failed(message)
        }
    };
    attempted.latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    attempted
}

/// Deliveries read per query when a batch is loaded.
const LOAD_CHUNK: usize = 500;

/// A batch's deliveries that are due, each with its target, read on one connection.
async fn prepare(app: &App, ids: Vec<String>) -> ServiceResult<Vec<(Delivery, Target)>> {
    let now = app.clock.now().naive_utc();
    let reader = app.clone();
    app.connection(move |conn| {
        let mut targets = Targets::default();
        let mut due = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(LOAD_CHUNK) {
            for delivery in Delivery::find_many(conn, chunk)? {
                // Sent already, given up, or waiting for its retry (a batch claimed again
                // after its node died finds these).
                if delivery.status != DeliveryStatus::Pending.as_str()
                    || delivery
                        .next_attempt_at
                        .is_some_and(|at| delivery.attempts > 0 && at > now)
                {
                    continue;
                }
                let target = targets.of(&reader, conn, &delivery, now)?;
                due.push((delivery, target));
            }
        }
        Ok(due)
    })
    .await
}

/// An attempt made, waiting to be written.
struct Recorded {
    status: DeliveryStatus,
    attempt: DeliveryAttempt,
    /// The target to switch off (it answered 410 Gone).
    disable: Option<(String, String)>,
}

/// Makes one attempt and decides what follows: done, retry on the schedule, or dead.
async fn attempt(app: &App, delivery: Delivery, target: Target) -> Recorded {
    let now = app.clock.now();
    let attempt_no = delivery.attempts + 1;
    let (status, next, attempted, disable) = match target {
        Target::Gone(why) => (
            DeliveryStatus::Dead,
            None,
            Attempted {
                code: None,
                body: None,
                error: Some(why.to_owned()),
                latency_ms: 0,
            },
            false,
        ),
        Target::Send { url, keys, body } => {
            let attempted = send(app, &url, &keys, &delivery, body).await;
            match attempted.code {
                Some(code) if (200..300).contains(&code) => {
                    (DeliveryStatus::Succeeded, None, attempted, false)
                }
                Some(410) => (DeliveryStatus::Dead, None, attempted, true),
                _ => {
                    let schedule = &app.outbound.settings.retry_schedule;
                    match retry_after(schedule, attempt_no as usize) {
                        Some(wait) => (DeliveryStatus::Pending, Some(now + wait), attempted, false),
                        None => (DeliveryStatus::Dead, None, attempted, false),
                    }
                }
            }
        }
    };
    let metrics = &app.outbound.metrics;
    match status {
        DeliveryStatus::Succeeded => &metrics.sent,
        _ => &metrics.failed,
    }
    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let outcome_text = match status {
        DeliveryStatus::Succeeded => "succeeded",
        DeliveryStatus::Pending => "failed",
        DeliveryStatus::Dead => "dead",
    };
    Recorded {
        status,
        disable: disable.then(|| (delivery.target_kind.clone(), delivery.target_id.clone())),
        attempt: DeliveryAttempt {
            id: new_id(),
            delivery_id: delivery.id,
            org_id: delivery.org_id,
            target_kind: delivery.target_kind,
            target_id: delivery.target_id,
            event_id: delivery.event_id,
            event_type: delivery.event_type,
            attempt: attempt_no,
            attempted_at: now.naive_utc(),
            outcome: outcome_text.to_owned(),
            response_code: attempted.code.map(i32::from),
            latency_ms: attempted.latency_ms,
            response_body: attempted.body,
            error: attempted.error.map(|e| e.chars().take(1000).collect()),
            next_attempt_at: next.map(|t| t.naive_utc()),
        },
    }
}

/// Writes a chunk of attempts in one transaction: each delivery's new state, its log line,
/// the retry's job, and a 410's switch-off.
async fn record(app: &App, recorded: Vec<Recorded>) -> ServiceResult<()> {
    app.connection(move |conn| {
        write_tx(conn, |conn| {
            // Losing these lines in a crash only sends the deliveries again.
            relaxed_durability(conn)?;
            for Recorded {
                status,
                attempt,
                disable,
            } in &recorded
            {
                Delivery::record_state(conn, &attempt.delivery_id, *status, attempt)?;
                // The retry is a job of its own, at its time.
                if let Some(at) = attempt.next_attempt_at {
                    enqueue(
                        conn,
                        &attempt.org_id,
                        vec![attempt.delivery_id.clone()],
                        at,
                        attempt.attempted_at,
                    )?;
                }
                if let Some((kind, id)) = disable {
                    if kind == GATEWAY {
                        NotificationGateway::deactivate(conn, id, attempt.attempted_at)?;
                    } else {
                        WebhookSubscription::disable(
                            conn,
                            id,
                            "the receiver answered 410 Gone",
                            attempt.attempted_at,
                        )?;
                    }
                }
            }
            let attempts: Vec<_> = recorded.iter().map(|r| r.attempt.clone()).collect();
            DeliveryAttempt::insert_all(conn, &attempts)?;
            Ok::<_, crate::app::ServiceError>(())
        })
    })
    .await
}

impl Job for Deliver {
    fn kind(&self) -> &'static str {
        Self::KIND
    }

    fn run<'a>(&'a self, app: &'a App, job: &'a JobRow) -> JobFuture<'a> {
        Box::pin(async move {
            use futures_util::StreamExt;
            let Ok(payload) = serde_json::from_str::<Payload>(&job.payload) else {
                return Outcome::Failed("the job's payload names no delivery".into());
            };
            let due = match prepare(app, payload.delivery_ids).await {
                Ok(due) => due,
                Err(e) => return Outcome::Failed(e.to_string()),
            };
            // Up to IN_FLIGHT sends at once; what has finished is written together.
            let mut finished = futures_util::stream::iter(due)
                .map(|(delivery, target)| attempt(app, delivery, target))
                .buffer_unordered(IN_FLIGHT)
                .ready_chunks(IN_FLIGHT);
            let mut failure = None;
            while let Some(chunk) = finished.next().await {
                if let Err(e) = record(app, chunk).await {
                    failure.get_or_insert(e.to_string());
                }
            }
            // A database failure: the job runs again and skips what it already recorded.
            match failure {
                Some(e) => Outcome::Failed(e),
                None => Outcome::Done,
            }
        })
    }

    /// Retries on the delivery schedule are jobs of their own; this bounds failures of the
    /// database itself.
    fn max_attempts(&self) -> i32 {
        20
    }
}
