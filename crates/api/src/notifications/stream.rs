//! The live stream of a person's notifications, as Server-Sent Events.
//!
//! Delivery is by polling indexed tables, not by an in-memory channel, so a notification
//! written on any node reaches every stream: the node's one shared poller (`watch.rs`) asks
//! every `notification_poll_ms` (500 ms by default) for the last position of each person with
//! a stream open here, and wakes the streams whose person has something new; each of those
//! then reads `notifications WHERE user_id = ? AND position > ?` (a range scan of the unique
//! index). Each stream also ticks on the same period to check the access token's expiry
//! against the application's clock (a test that moves the clock sees `event: reauthenticate`
//! on the next tick), and at every heartbeat that the person still stands.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use autocrm_domain::access::{Permission, Principal, PrincipalKind};
use autocrm_persistence::models::{NotificationRow, StreamTicket, SubjectState};
use chrono::{DateTime, Utc};

use super::dto::{NotificationDto, StreamQuery};
use super::watch::Subscription;
use crate::app::{Actor, App, RequestMeta, ServiceError};
use crate::auth::secret;
use crate::error::{ApiError, Code};
use crate::http::authenticate::{Authentication, TokenExpiry};
use crate::http::endpoint::EndpointArg;
use crate::http::middleware::RequestId;
use crate::state::AppState;

/// Notifications read per poll; a larger backlog drains over the next ticks.
const BATCH: i64 = 100;

/// Who opened a stream, and until when it may stay open: from the bearer header, or from a
/// single-use ticket (`?ticket=`), which carries the expiry of the token that asked for it.
pub struct StreamAccess {
    pub state: web::Data<AppState>,
    pub principal: Arc<Principal>,
    pub expires_at: DateTime<Utc>,
    pub request: RequestMeta,
}

impl EndpointArg for StreamAccess {
    const PERMISSION: Option<Permission> = Some(Permission::NotificationsOwn);
}

impl FromRequest for StreamAccess {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { access(&req).await })
    }
}

async fn access(req: &HttpRequest) -> Result<StreamAccess, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    let request = RequestMeta {
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        idempotency_key: None,
    };
    let permission = Permission::NotificationsOwn;
    let (principal, expires_at) = match Authentication::of(req) {
        Some(Authentication::Verified(principal)) => {
            let expiry = TokenExpiry::of(req)
                .ok_or_else(|| ApiError::unauthorized("the access token is invalid"))?;
            (principal, expiry.0)
        }
        Some(Authentication::Refused(detail)) => return Err(ApiError::unauthorized(detail)),
        None => {
            let query = web::Query::<StreamQuery>::from_query(req.query_string())
                .map_err(|e| ApiError::bad_request(Code::InvalidQuery, e.to_string()))?;
            let Some(ticket) = query.into_inner().ticket else {
                return Err(ApiError::unauthorized(
                    "missing bearer token or stream ticket",
                ));
            };
            redeem(&state.app, &ticket).await?
        }
    };
    if !permission.allows(&principal) {
        return Err(ApiError::new(Code::Forbidden));
    }
    Ok(StreamAccess {
        state,
        principal,
        expires_at,
        request,
    })
}

/// Consumes a ticket (once, on any node: it is in the database) and names its person.
async fn redeem(app: &App, ticket: &str) -> Result<(Arc<Principal>, DateTime<Utc>), ApiError> {
    let refused = || ApiError::unauthorized("the stream ticket is invalid, expired or used");
    if ticket.len() > 100 {
        return Err(refused());
    }
    let digest = secret::digest(ticket);
    let now = app.clock.now().naive_utc();
    let redeemed = app
        .connection(move |conn| {
            let Some(ticket) = StreamTicket::consume(conn, &digest, now)? else {
                return Ok(None);
            };
            let subject = SubjectState::of_user(conn, &ticket.org_id, &ticket.user_id)?;
            Ok(Some((ticket, subject)))
        })
        .await?;
    let Some((
        ticket,
        Some(SubjectState::User {
            active: true,
            role,
            store_id,
            ..
        }),
    )) = redeemed
    else {
        return Err(refused());
    };
    let role = role.parse().map_err(|_| refused())?;
    let principal = Principal {
        id: ticket.user_id,
        org_id: ticket.org_id,
        role,
        store_id,
        scopes: Vec::new(),
        kind: PrincipalKind::User,
    };
    Ok((Arc::new(principal), ticket.access_expires_at.and_utc()))
}

/// Where the stream starts: after `Last-Event-ID` (header) or `?last_event_id=`; otherwise
/// after the newest notification (only new ones are sent).
pub fn resume_position(req: &HttpRequest, query: &StreamQuery) -> Result<Option<i64>, ApiError> {
    if let Some(value) = req.headers().get("last-event-id") {
        let position = value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|p| *p >= 0)
            .ok_or_else(|| {
                ApiError::bad_request(
                    Code::InvalidHeader,
                    "Last-Event-ID must be a notification position (a whole number)",
                )
            })?;
        return Ok(Some(position));
    }
    match query.last_event_id {
        Some(p) if p < 0 => Err(ApiError::bad_request(
            Code::InvalidQuery,
            "last_event_id must not be negative",
        )),
        other => Ok(other),
    }
}

/// One SSE event carrying a notification; its id is the notification's position.
fn notification_event(row: NotificationRow) -> Bytes {
    let position = row.position;
    let data = serde_json::to_string(&NotificationDto::from(row)).unwrap_or_default();
    Bytes::from(format!(
        "id: {position}\nevent: notification\ndata: {data}\n\n"
    ))
}

fn reauthenticate_event(reason: &str) -> Bytes {
    Bytes::from(format!(
        "event: reauthenticate\ndata: {{\"reason\":\"{reason}\"}}\n\n"
    ))
}

/// What a stream carries between ticks.
struct Tail {
    app: App,
    actor: Actor,
    request: RequestMeta,
    user_id: String,
    position: i64,
    expires_at: DateTime<Utc>,
    /// Wakes the stream when the node's poller sees a newer position.
    watch: Subscription,
    /// False once the poller's sender is gone (then the ticks alone drive the stream).
    watching: bool,
    ticker: tokio::time::Interval,
    ticks_per_heartbeat: u64,
    ticks: u64,
    out: VecDeque<Bytes>,
    done: bool,
}

impl Tail {
    /// The next chunk to send; `None` ends the stream.
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if let Some(chunk) = self.out.pop_front() {
                return Some(chunk);
            }
            if self.done {
                return None;
            }
            let latest = *self.watch.latest.borrow_and_update();
            if latest > self.position && self.fetch().await {
                continue;
            }
            let ticked = tokio::select! {
                _ = self.ticker.tick() => true,
                changed = self.watch.latest.changed(), if self.watching => {
                    self.watching = changed.is_ok();
                    false
                }
            };
            // The clock first: an expired token gets nothing more.
            if self.app.clock.now() >= self.expires_at {
                self.out.push_back(reauthenticate_event("token_expired"));
                self.done = true;
                continue;
            }
            if ticked {
                self.tick().await;
            }
        }
    }

    /// Heartbeat, and then whether the person still stands.
    async fn tick(&mut self) {
        self.ticks += 1;
        if self.ticks < self.ticks_per_heartbeat {
            return;
        }
        self.ticks = 0;
        let checked = self
            .app
            .read(self.actor.clone(), self.request.clone(), |_| Ok(()))
            .await;
        if let Err(ServiceError::Unauthorized(_)) = checked {
            self.out.push_back(reauthenticate_event("access_revoked"));
            self.done = true;
            return;
        }
        self.out.push_back(Bytes::from_static(b": heartbeat\n\n"));
    }

    /// Reads the notifications after the stream's position; whether that went through (a
    /// failed read waits for the next tick).
    async fn fetch(&mut self) -> bool {
        let (user_id, after) = (self.user_id.clone(), self.position);
        let rows = self
            .app
            .connection(move |conn| Ok(NotificationRow::after(conn, &user_id, after, BATCH)?))
            .await;
        match rows {
            Ok(rows) if rows.is_empty() => {
                // Nothing behind the counter (cannot happen: both commit together); do not
                // ask again for the same position.
                self.position = self.position.max(*self.watch.latest.borrow());
                true
            }
            Ok(rows) => {
                for row in rows {
                    self.position = row.position;
                    self.out.push_back(notification_event(row));
                }
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "notification stream read failed");
                false
            }
        }
    }
}

/// The streaming answer: headers that keep proxies from buffering, then the events.
/// `newest` is the person's last position now; the stream starts after `start_after`.
pub fn respond(access: StreamAccess, start_after: i64, newest: i64) -> HttpResponse {
    let settings = &access.state.settings;
    let poll = Duration::from_millis(settings.notification_poll_ms.clamp(50, 10_000));
    let heartbeat = Duration::from_secs(settings.notification_heartbeat_secs.max(1));
    let mut ticker = tokio::time::interval(poll);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let ticks_per_heartbeat = (heartbeat.as_millis() / poll.as_millis()).max(1) as u64;
    let mut out = VecDeque::new();
    // Tells EventSource how soon to reconnect after a drop.
    out.push_back(Bytes::from_static(b"retry: 2000\n\n"));
    let app = access.state.app.clone();
    let watch = access
        .state
        .notifications
        .subscribe(&app, poll, &access.principal.id, newest);
    let tail = Tail {
        app,
        user_id: access.principal.id.clone(),
        actor: Actor::Principal(access.principal),
        request: access.request,
        position: start_after,
        expires_at: access.expires_at,
        watch,
        watching: true,
        ticker,
        ticks_per_heartbeat,
        ticks: 0,
        out,
        done: false,
    };
    let events = futures_util::stream::unfold(tail, |mut tail| async move {
        let chunk = tail.next().await?;
        Some((Ok::<_, Infallible>(chunk), tail))
    });
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache, no-store"))
        // nginx: pass each event on at once.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(events)
}
