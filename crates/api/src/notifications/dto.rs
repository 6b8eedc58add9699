//! What the notification endpoints read and answer.

use std::collections::BTreeMap;

use autocrm_domain::notification::{GatewayChannel, NotificationChannel, NotificationKind};
use autocrm_persistence::models::{NotificationGateway, NotificationRow};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use super::service::Preferences;
use crate::http::pagination::Cursor;
use crate::validate::patch_field;
use crate::validate::rules;
use crate::validate::schema::{OptionalText, schema_marker, string_enum};

string_enum!(KindSchema = NotificationKind::NAMES);
string_enum!(ChannelSchema = NotificationChannel::NAMES);
string_enum!(GatewayChannelSchema = GatewayChannel::NAMES);

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a90", "position": 42,
    "kind": "financing.status_changed", "title": "贷款申请已批准",
    "body": "您提交的贷款申请（工银汽车金融 36 期）已批准，请尽快联系客户签约。",
    "link": "/api/v1/financing/applications/0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a60",
    "read": false, "read_at": null, "created_at": "2026-12-03T02:15:00Z"
}))]
pub struct NotificationDto {
    pub id: String,
    /// The recipient's running number of this notification (1, 2, 3, ...): the live
    /// stream's event id, and the list's order.
    pub position: i64,
    #[schema(value_type = KindSchema, inline)]
    pub kind: String,
    pub title: String,
    pub body: String,
    /// The API path of the record it is about.
    pub link: Option<String>,
    pub read: bool,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<NotificationRow> for NotificationDto {
    fn from(row: NotificationRow) -> Self {
        Self {
            id: row.id,
            position: row.position,
            kind: row.kind,
            title: row.title,
            body: row.body,
            link: row.link,
            read: row.read_at.is_some(),
            read_at: row.read_at.map(|t| t.and_utc()),
            created_at: row.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NotificationListQuery {
    /// Only notifications not yet read.
    #[serde(default)]
    pub unread_only: bool,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// From `next_cursor` of the previous page.
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"unread": 3}))]
pub struct UnreadCount {
    pub unread: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"marked": 3}))]
pub struct MarkedRead {
    /// How many notifications were unread and are now read.
    pub marked: usize,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "ticket": "nst_mR3k9vQ2xW8pL5nB7cJ4dF6gH1sT0yU2eA9zK3iO5uE",
    "expires_at": "2026-12-03T02:16:00Z", "expires_in": 60,
    "stream_url": "/api/v1/me/notifications/stream?ticket=nst_mR3k9vQ2xW8pL5nB7cJ4dF6gH1sT0yU2eA9zK3iO5uE"
}))]
pub struct StreamTicketDto {
    /// Single use: pass as `?ticket=` when opening the stream.
    pub ticket: String,
    pub expires_at: DateTime<Utc>,
    /// Seconds until the ticket expires unused.
    pub expires_in: i64,
    /// The stream's path with the ticket, for `new EventSource(...)`.
    pub stream_url: String,
}

/// A stream ticket as the query carries it.
pub enum TicketText {}
schema_marker!(
    TicketText,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^nst_[A-Za-z0-9_-]{43}$"))
        .build()
        .into()
);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// A single-use ticket from `POST /api/v1/me/notifications/stream-ticket`, for clients
    /// that cannot send an `Authorization` header (the browser's `EventSource`).
    #[param(value_type = Option<TicketText>, inline)]
    pub ticket: Option<String>,
    /// Resume after this position, like the `Last-Event-ID` header (the header wins).
    #[param(minimum = 0)]
    pub last_event_id: Option<i64>,
}

/// The caller's channels per notification kind.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"channels": {
    "lead.assigned": ["in_app", "app_push"], "reservation.cancelled": ["in_app"],
    "financing.status_changed": ["in_app", "wechat"], "system": ["in_app"]
}}))]
pub struct PreferencesDto {
    /// Every kind, with the channels it reaches the caller on (an empty list: none).
    #[schema(value_type = BTreeMap<String, Vec<ChannelSchema>>)]
    pub channels: BTreeMap<String, Vec<String>>,
}

impl From<Preferences> for PreferencesDto {
    fn from(preferences: Preferences) -> Self {
        Self {
            channels: preferences
                .into_iter()
                .map(|(k, cs)| {
                    (
                        k.as_str().to_owned(),
                        cs.into_iter().map(|c| c.as_str().to_owned()).collect(),
                    )
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"channels": {"lead.assigned": ["in_app", "sms", "app_push"], "system": ["in_app"]}}))]
pub struct PutPreferences {
    /// The kinds to set, each with the channels wanted (an empty list turns the kind off);
    /// kinds not named keep their channels. Kinds: `lead.assigned`, `reservation.cancelled`,
    /// `financing.status_changed`, `system`; channels: `in_app`, `sms`, `email`,
    /// `app_push`, `wechat`.
    #[validate(custom(function = "known_kinds_and_channels"))]
    #[schema(value_type = BTreeMap<String, Vec<ChannelSchema>>)]
    pub channels: BTreeMap<String, Vec<String>>,
}

fn fail(code: &'static str, message: String) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

fn known_kinds_and_channels(
    channels: &BTreeMap<String, Vec<String>>,
) -> Result<(), ValidationError> {
    if channels.is_empty() {
        return Err(fail("required", "name at least one kind".into()));
    }
    for (kind, list) in channels {
        if kind.parse::<NotificationKind>().is_err() {
            return Err(fail(
                "not_allowed",
                format!(
                    "unknown kind {kind:?}; kinds: {}",
                    NotificationKind::NAMES.join(", ")
                ),
            ));
        }
        if list.len() > NotificationChannel::ALL.len() {
            return Err(fail("too_long", format!("{kind}: too many channels")));
        }
        for channel in list {
            if channel.parse::<NotificationChannel>().is_err() {
                return Err(fail(
                    "not_allowed",
                    format!(
                        "{kind}: unknown channel {channel:?}; channels: {}",
                        NotificationChannel::NAMES.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(())
}

impl PutPreferences {
    /// The command (the rules above accepted every name).
    pub fn into_changes(self) -> Preferences {
        self.channels
            .into_iter()
            .filter_map(|(kind, list)| {
                let kind = kind.parse().ok()?;
                Some((kind, list.iter().filter_map(|c| c.parse().ok()).collect()))
            })
            .collect()
    }
}

// ---- gateways -----------------------------------------------------------------------------

/// The longest gateway URL accepted.
pub const MAX_URL: usize = 2000;

/// An `https://` URL with a host, at most 2,000 characters.
pub enum HttpsUrl {}
schema_marker!(
    HttpsUrl,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^https://[^\\s/?#@]+(?:[/?#]\\S*)?$"))
        .max_length(Some(MAX_URL))
        .build()
        .into()
);

/// An `https://` URL with a host and no credentials in it. Plain `http` is refused: the
/// gateway receives messages about staff and customers.
pub fn https_url(value: &str) -> Result<(), ValidationError> {
    if value.chars().count() > MAX_URL {
        return Err(fail("too_long", format!("at most {MAX_URL} characters")));
    }
    let bad = || fail("invalid_format", "must be an https:// URL".into());
    let url = reqwest::Url::parse(value.trim()).map_err(|_| bad())?;
    if url.scheme() != "https" || url.host_str().is_none_or(str::is_empty) {
        return Err(bad());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(fail(
            "invalid_format",
            "must not carry credentials; the gateway authenticates the signature".into(),
        ));
    }
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2aa0", "channel": "sms",
    "url": "https://sms-gateway.huadong-auto.cn/autocrm/notify", "description": "阿里云短信网关",
    "active": true, "version": 1, "created_at": "2026-12-03T01:00:00Z", "updated_at": "2026-12-03T01:00:00Z"
}))]
pub struct GatewayDto {
    pub id: String,
    #[schema(value_type = GatewayChannelSchema, inline)]
    pub channel: String,
    pub url: String,
    pub description: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<NotificationGateway> for GatewayDto {
    fn from(g: NotificationGateway) -> Self {
        Self {
            id: g.id,
            channel: g.channel,
            url: g.url,
            description: g.description,
            active: g.active,
            version: g.version,
            created_at: g.created_at.and_utc(),
            updated_at: g.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2aa0", "channel": "sms",
    "url": "https://sms-gateway.huadong-auto.cn/autocrm/notify", "description": "阿里云短信网关",
    "active": true, "version": 1, "created_at": "2026-12-03T01:00:00Z", "updated_at": "2026-12-03T01:00:00Z",
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw8dmHEVq3lXk="
}))]
pub struct CreatedGateway {
    #[serde(flatten)]
    pub gateway: GatewayDto,
    /// The signing secret (`whsec_` + base64 of 32 bytes), shown once, never again.
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "channel": "sms", "url": "https://sms-gateway.huadong-auto.cn/autocrm/notify",
    "description": "阿里云短信网关", "active": true
}))]
pub struct CreateGateway {
    /// One gateway per channel and organisation.
    #[validate(custom(function = "rules::one_of::<GatewayChannel>"))]
    #[schema(value_type = GatewayChannelSchema, inline)]
    pub channel: String,
    #[validate(custom(function = "https_url"))]
    #[schema(value_type = HttpsUrl, inline)]
    pub url: String,
    #[validate(length(max = 200), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<200>>, inline)]
    pub description: Option<String>,
    /// Default true.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// JSON merge patch: absent leaves a field, `null` clears the description.
#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false, "description": "停用：更换短信服务商"}))]
pub struct PatchGateway {
    #[validate(custom(function = "https_url"))]
    #[schema(value_type = Option<HttpsUrl>, inline)]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 200), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<200>>, inline)]
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GatewayListQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_urls_must_be_https() {
        assert!(https_url("https://sms.example.cn/notify").is_ok());
        assert!(https_url("http://sms.example.cn/notify").is_err());
        assert!(https_url("ftp://sms.example.cn").is_err());
        assert!(https_url("https://user:pw@sms.example.cn").is_err());
        assert!(https_url("not a url").is_err());
    }
}
