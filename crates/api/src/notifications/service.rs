//! Raising and reading staff notifications. Every capability raises a notification through
//! [`notify`], inside its own unit of work: the in-app row, and the outbound messages the
//! recipient's preferences ask for, commit or roll back with the change they are about.

use std::collections::BTreeMap;

use autocrm_domain::contact::Phone;
use autocrm_domain::notification::{
    self as domain, GatewayChannel, NotificationChannel, NotificationKind,
};
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{
    NotificationFilter, NotificationGateway, NotificationPreferences, NotificationRow,
    StreamTicket, TenantRecord,
};
use chrono::NaiveDateTime;

use crate::app::{Change, Ctx, ServiceError, ServiceResult};
use crate::auth::secret;

/// What a capability tells a person.
#[derive(Debug, Clone)]
pub struct Notification {
    pub kind: NotificationKind,
    /// Short, shown as the headline (cut to 200 characters).
    pub title: String,
    /// The text (cut to 2,000 characters). No phone, ID number or address in clear: outbound
    /// channels carry it to third-party gateways.
    pub body: String,
    /// The API path of the record it is about, e.g. `/api/v1/customers/{id}`.
    pub link: Option<String>,
}

/// Raises `notification` for `recipient_user_id` (a user of the caller's organisation), in
/// the caller's unit of work: writes the in-app row (unless the recipient turned in-app off
/// for this kind) and queues one outbound message per channel the recipient wants that has
/// an active gateway. A recipient who is unknown or deactivated gets nothing.
pub fn notify(
    ctx: &mut Ctx,
    recipient_user_id: &str,
    notification: Notification,
) -> ServiceResult<()> {
    let org_id = ctx.org_id().to_owned();
    let recipient = match ctx.cached_recipient(recipient_user_id) {
        Some(known) => known.clone(),
        None => {
            let read = NotificationPreferences::of_recipient(ctx.conn, &org_id, recipient_user_id)?;
            ctx.cache_recipient(recipient_user_id, read.clone());
            read
        }
    };
    let Some((active, stored)) = recipient else {
        tracing::warn!(
            recipient_user_id,
            "a notification for an unknown user is dropped"
        );
        return Ok(());
    };
    if !active {
        return Ok(());
    }
    let notification = Notification {
        title: domain::clipped(notification.title.trim(), domain::MAX_TITLE_CHARS),
        body: domain::clipped(notification.body.trim(), domain::MAX_BODY_CHARS),
        ..notification
    };
    let channels = preferences_from(stored.as_deref())?
        .remove(&notification.kind)
        .unwrap_or_else(|| NotificationChannel::DEFAULT.to_vec());
    let id = new_id();
    let at = ctx.now();
    if channels.contains(&NotificationChannel::InApp) {
        ctx.queue_notification(NotificationRow {
            id: id.clone(),
            org_id: org_id.clone(),
            user_id: recipient_user_id.to_owned(),
            position: 0,
            kind: notification.kind.as_str().to_owned(),
            title: notification.title.clone(),
            body: notification.body.clone(),
            link: notification.link.clone(),
            created_at: at,
            read_at: None,
        });
    }
    let outbound: Vec<GatewayChannel> = channels.iter().filter_map(|c| c.gateway()).collect();
    enqueue_outbound(ctx, &id, recipient_user_id, &notification, &outbound)
}

/// THE place where outbound messages are queued: one delivery per wanted channel with an
/// active gateway, in the caller's transaction, sent by the same machinery as webhooks
/// (`outbound`: signing, SSRF guard, retry schedule, attempt log). The stored message
/// carries no contact data; the sender adds the recipient's phone and e-mail when it sends.
pub fn enqueue_outbound(
    ctx: &mut Ctx,
    notification_id: &str,
    recipient_user_id: &str,
    notification: &Notification,
    channels: &[GatewayChannel],
) -> ServiceResult<()> {
    if channels.is_empty() {
        return Ok(());
    }
    let org_id = ctx.org_id().to_owned();
    let gateways = NotificationGateway::active(ctx.conn, &org_id)?;
    let at = ctx.now();
    for channel in channels {
        let Some(gateway) = gateways.iter().find(|g| g.channel == channel.as_str()) else {
            continue;
        };
        let message = serde_json::json!({
            "type": "notification",
            "notification_id": notification_id,
            "channel": channel.as_str(),
            "kind": notification.kind.as_str(),
            "recipient": {"user_id": recipient_user_id},
            "title": notification.title,
            "body": notification.body,
            "link": notification.link,
            "created_at": ctx.now_utc().to_rfc3339(),
        });
        crate::outbound::deliver::queue_to(
            ctx.conn,
            (crate::outbound::deliver::GATEWAY, &gateway.id),
            &org_id,
            &new_id(),
            &format!("notification.{}", channel.as_str()),
            &message.to_string(),
            at,
        )?;
    }
    Ok(())
}

/// Queues a text message to a phone that is not a staff member's (a customer's sign-in
/// code), through the organisation's active SMS gateway. The phone and the text are sealed
/// (encrypted) in the stored message and opened only when it is sent. False when the
/// organisation has no active SMS gateway.
pub fn send_sealed_sms(ctx: &mut Ctx, phone: &Phone, text: &str) -> ServiceResult<bool> {
    let org_id = ctx.org_id().to_owned();
    let gateways = NotificationGateway::active(ctx.conn, &org_id)?;
    let sms = GatewayChannel::Sms.as_str();
    let Some(gateway) = gateways.iter().find(|g| g.channel == sms) else {
        return Ok(false);
    };
    let message = serde_json::json!({
        "type": "customer_message",
        "channel": sms,
        "kind": "customer_sign_in_code",
        "recipient": {},
        "sealed": {
            "phone": ctx.pii().encrypt(phone.as_str())?,
            "body": ctx.pii().encrypt(text)?,
        },
        "created_at": ctx.now_utc().to_rfc3339(),
    });
    crate::outbound::deliver::queue_to(
        ctx.conn,
        (crate::outbound::deliver::GATEWAY, &gateway.id),
        &org_id,
        &new_id(),
        "customer_message.sms",
        &message.to_string(),
        ctx.now(),
    )?;
    Ok(true)
}

// ---- preferences --------------------------------------------------------------------------

/// Channels per kind, every kind present (defaults filled in).
pub type Preferences = BTreeMap<NotificationKind, Vec<NotificationChannel>>;

fn stored_preferences(ctx: &mut Ctx, user_id: &str) -> ServiceResult<Preferences> {
    let row = NotificationPreferences::find(ctx.conn, ctx.org_id(), user_id)?;
    preferences_from(row.as_ref().map(|r| r.channels.as_str()))
}

/// Every kind with its channels: the stored choices over the defaults.
fn preferences_from(stored: Option<&str>) -> ServiceResult<Preferences> {
    let mut preferences: Preferences = NotificationKind::ALL
        .iter()
        .map(|k| (*k, NotificationChannel::DEFAULT.to_vec()))
        .collect();
    if let Some(channels) = stored {
        // Kinds or channels this server no longer knows are ignored.
        let stored: BTreeMap<String, Vec<String>> =
            serde_json::from_str(channels).map_err(ServiceError::internal)?;
        for (kind, channels) in stored {
            if let Ok(kind) = kind.parse::<NotificationKind>() {
                let channels = channels.iter().filter_map(|c| c.parse().ok()).collect();
                preferences.insert(kind, channels);
            }
        }
    }
    Ok(preferences)
}

fn caller_id(ctx: &Ctx) -> ServiceResult<String> {
    Ok(ctx.principal()?.id.clone())
}

/// The caller's preferences, every kind with its channels.
pub fn preferences(ctx: &mut Ctx) -> ServiceResult<Preferences> {
    let user_id = caller_id(ctx)?;
    stored_preferences(ctx, &user_id)
}

/// Replaces the caller's choices for the kinds named; other kinds keep theirs. Audited
/// (`notification_preferences.updated`).
pub fn set_preferences(ctx: &mut Ctx, changes: Preferences) -> ServiceResult<Preferences> {
    let user_id = caller_id(ctx)?;
    let mut preferences = stored_preferences(ctx, &user_id)?;
    let kinds: Vec<&str> = changes.keys().map(|k| k.as_str()).collect();
    let detail = serde_json::json!({ "kinds": kinds });
    for (kind, mut channels) in changes {
        channels.sort();
        channels.dedup();
        preferences.insert(kind, channels);
    }
    let stored: BTreeMap<&str, Vec<&str>> = preferences
        .iter()
        .map(|(k, cs)| (k.as_str(), cs.iter().map(|c| c.as_str()).collect()))
        .collect();
    NotificationPreferences {
        user_id: user_id.clone(),
        org_id: ctx.org_id().to_owned(),
        channels: serde_json::to_string(&stored).map_err(ServiceError::internal)?,
        updated_at: ctx.now(),
    }
    .save(ctx.conn)?;
    ctx.forget_recipient(&user_id);
    ctx.record(Change::new("notification_preferences.updated", "user", &user_id).detail(detail))?;
    Ok(preferences)
}

// ---- the caller's notifications -----------------------------------------------------------

/// A page of the caller's notifications, newest first.
pub fn list(ctx: &mut Ctx, filter: &NotificationFilter) -> ServiceResult<Vec<NotificationRow>> {
    let user_id = caller_id(ctx)?;
    Ok(NotificationRow::list(
        ctx.conn,
        ctx.org_id(),
        &user_id,
        filter,
    )?)
}

/// Marks one of the caller's notifications read (again: no change); `NotFound` for anyone
/// else's.
pub fn mark_read(ctx: &mut Ctx, id: &str) -> ServiceResult<NotificationRow> {
    let user_id = caller_id(ctx)?;
    let mut row = NotificationRow::find_for(ctx.conn, ctx.org_id(), &user_id, id)?
        .ok_or(ServiceError::NotFound)?;
    if row.read_at.is_none() {
        let at = ctx.now();
        NotificationRow::mark_read(ctx.conn, &user_id, id, at)?;
        row.read_at = Some(at);
    }
    Ok(row)
}

/// Marks every unread notification of the caller read; how many were unread.
pub fn mark_all_read(ctx: &mut Ctx) -> ServiceResult<usize> {
    let user_id = caller_id(ctx)?;
    let at = ctx.now();
    Ok(NotificationRow::mark_all_read(
        ctx.conn,
        ctx.org_id(),
        &user_id,
        at,
    )?)
}

pub fn unread_count(ctx: &mut Ctx) -> ServiceResult<i64> {
    let user_id = caller_id(ctx)?;
    Ok(NotificationRow::unread_count(
        ctx.conn,
        ctx.org_id(),
        &user_id,
    )?)
}

/// The last position given to the caller (where a fresh stream starts).
pub fn last_position(ctx: &mut Ctx) -> ServiceResult<i64> {
    let user_id = caller_id(ctx)?;
    Ok(NotificationRow::last_position(ctx.conn, &user_id)?)
}

// ---- stream tickets -------------------------------------------------------------------------

/// A ticket as issued: shown once, stored only as its digest.
pub struct IssuedTicket {
    pub ticket: String,
    pub expires_at: NaiveDateTime,
}

/// Issues a single-use ticket for the caller's stream, valid `ttl_secs` but never beyond the
/// access token that asks for it; the stream it opens also ends at that token's expiry.
pub fn issue_ticket(
    ctx: &mut Ctx,
    ttl_secs: i64,
    access_expires_at: NaiveDateTime,
) -> ServiceResult<IssuedTicket> {
    let user_id = caller_id(ctx)?;
    let now = ctx.now();
    // Expired tickets are worth nothing: sweep them here rather than in a job.
    StreamTicket::purge(ctx.conn, now)?;
    let ticket = secret::generate("nst_");
    let expires_at = (now + chrono::TimeDelta::seconds(ttl_secs.max(1))).min(access_expires_at);
    StreamTicket {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        user_id,
        ticket_hash: secret::digest(&ticket),
        expires_at,
        access_expires_at,
        consumed_at: None,
        created_at: now,
    }
    .insert(ctx.conn)?;
    Ok(IssuedTicket { ticket, expires_at })
}

// ---- gateways -------------------------------------------------------------------------------

/// A new gateway, as its request's rules accepted it.
pub struct NewGateway {
    pub channel: GatewayChannel,
    pub url: String,
    pub description: Option<String>,
    pub active: bool,
}

/// A gateway change; `None` leaves a field as it is.
#[derive(Default)]
pub struct GatewayChange {
    pub url: Option<String>,
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
}

/// Creates the organisation's gateway for a channel (one per channel: a second is
/// `Duplicate`); answers it with its secret, which is stored only encrypted. Audited
/// (`notification_gateway.created`).
pub fn create_gateway(
    ctx: &mut Ctx,
    new: NewGateway,
) -> ServiceResult<(NotificationGateway, String)> {
    let secret = crate::outbound::signing::new_secret().map_err(ServiceError::internal)?;
    let at = ctx.now();
    let gateway = NotificationGateway {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        channel: new.channel.as_str().to_owned(),
        url: new.url,
        description: new.description,
        active: new.active,
        secret_ciphertext: ctx.pii().encrypt(&secret)?,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    gateway.insert(ctx.conn).map_err(|e| {
        if autocrm_persistence::db::is_unique_violation(&e) {
            ServiceError::duplicate("this channel has a gateway already", None)
        } else {
            e.into()
        }
    })?;
    ctx.record(
        Change::new("notification_gateway.created", "notification_gateway", &gateway.id).detail(
            serde_json::json!({"channel": gateway.channel, "url": gateway.url, "active": gateway.active}),
        ),
    )?;
    Ok((gateway, secret))
}

pub fn list_gateways(
    ctx: &mut Ctx,
    after_id: Option<String>,
    limit: i64,
) -> ServiceResult<Vec<NotificationGateway>> {
    Ok(NotificationGateway::list(
        ctx.conn,
        ctx.org_id(),
        after_id.as_deref(),
        limit,
    )?)
}

pub fn find_gateway(ctx: &mut Ctx, id: &str) -> ServiceResult<NotificationGateway> {
    crate::app::records::find(ctx, id, |_: &NotificationGateway| true)
}

/// Changes a gateway's URL, description or state, under its version. Audited
/// (`notification_gateway.updated`, with the fields changed).
pub fn update_gateway(
    ctx: &mut Ctx,
    id: &str,
    expected: Option<i64>,
    change: GatewayChange,
) -> ServiceResult<NotificationGateway> {
    let mut changed: Vec<&str> = Vec::new();
    let gateway = crate::app::records::update(
        ctx,
        id,
        expected,
        |_: &NotificationGateway| true,
        |_, gateway| {
            if let Some(url) = change.url {
                gateway.url = url;
                changed.push("url");
            }
            if let Some(description) = change.description {
                gateway.description = description;
                changed.push("description");
            }
            if let Some(active) = change.active {
                gateway.active = active;
                changed.push("active");
            }
            Ok(())
        },
    )?;
    ctx.record(
        Change::new("notification_gateway.updated", "notification_gateway", id)
            .detail(serde_json::json!({"fields": changed})),
    )?;
    Ok(gateway)
}

/// Deletes a gateway and the messages still queued for it. Audited
/// (`notification_gateway.deleted`).
pub fn delete_gateway(ctx: &mut Ctx, id: &str) -> ServiceResult<()> {
    let gateway = find_gateway(ctx, id)?;
    NotificationGateway::delete(ctx.conn, ctx.org_id(), id)?;
    ctx.record(
        Change::new("notification_gateway.deleted", "notification_gateway", id)
            .detail(serde_json::json!({"channel": gateway.channel})),
    )
}
