//! What `/api/v1/customers/{id}/consents` reads and writes.

use autocrm_domain::customer::{
    ConsentAction, ConsentChannel, ConsentCheck, ConsentMethod, ConsentPurpose, ConsentRecord,
    ConsentStatus,
};
use autocrm_persistence::models::ConsentRow;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::validate::rules;
use crate::validate::schema::{Text, string_enum};

string_enum!(PurposeSchema = ConsentPurpose::NAMES);
string_enum!(ActionSchema = ConsentAction::NAMES);
string_enum!(ChannelSchema = ConsentChannel::NAMES);
string_enum!(MethodSchema = ConsentMethod::NAMES);
string_enum!(StatusSchema = ["never_recorded", "granted", "withdrawn"]);

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "purpose": "marketing", "action": "withdrawn", "channel": "sms", "method": "sms_reply",
    "at": "2026-11-29T08:15:00Z", "text_version": "marketing-2026-01"
}))]
pub struct CreateConsent {
    /// marketing, data_sharing_finance (sharing with finance partners), sensitive_data
    /// (such as the ID number).
    #[validate(custom(function = "rules::one_of::<ConsentPurpose>"))]
    #[schema(value_type = PurposeSchema, inline)]
    pub purpose: String,
    /// granted or withdrawn.
    #[validate(custom(function = "rules::one_of::<ConsentAction>"))]
    #[schema(value_type = ActionSchema, inline)]
    pub action: String,
    /// Where the customer expressed the choice.
    #[validate(custom(function = "rules::one_of::<ConsentChannel>"))]
    #[schema(value_type = ChannelSchema, inline)]
    pub channel: String,
    /// How the choice was captured.
    #[validate(custom(function = "rules::one_of::<ConsentMethod>"))]
    #[schema(value_type = MethodSchema, inline)]
    pub method: String,
    /// When the customer made the choice (RFC 3339); defaults to now, never later.
    pub at: Option<DateTime<Utc>>,
    /// The version of the consent text the customer saw.
    #[validate(length(max = 40), custom(function = "rules::text"))]
    #[schema(value_type = Option<Text<40>>, inline)]
    pub text_version: Option<String>,
}

impl CreateConsent {
    /// The record, from a body its rules accepted; `now` when it names no time.
    pub fn into_record(self, now: DateTime<Utc>) -> ConsentRecord {
        ConsentRecord {
            purpose: self.purpose.parse().unwrap_or(ConsentPurpose::Marketing),
            action: self.action.parse().unwrap_or(ConsentAction::Withdrawn),
            channel: self.channel.parse().unwrap_or(ConsentChannel::Crm),
            method: self.method.parse().unwrap_or(ConsentMethod::StaffEntry),
            at: self.at.unwrap_or(now),
            text_version: rules::trimmed(self.text_version.as_deref()),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-9d4e-7b20-8c3d-4e5f6a7b8c90",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "purpose": "marketing",
    "action": "granted", "channel": "mini_program", "method": "checkbox",
    "at": "2026-11-20T03:00:00Z", "text_version": "marketing-2026-01",
    "recorded_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "created_at": "2026-11-20T03:00:02Z"
}))]
pub struct ConsentRecordDto {
    pub id: String,
    pub customer_id: String,
    #[schema(value_type = PurposeSchema, inline)]
    pub purpose: String,
    #[schema(value_type = ActionSchema, inline)]
    pub action: String,
    #[schema(value_type = ChannelSchema, inline)]
    pub channel: String,
    #[schema(value_type = MethodSchema, inline)]
    pub method: String,
    /// When the customer made the choice.
    pub at: DateTime<Utc>,
    pub text_version: Option<String>,
    /// The user or API client that recorded it.
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<ConsentRow> for ConsentRecordDto {
    fn from(r: ConsentRow) -> Self {
        Self {
            id: r.id,
            customer_id: r.customer_id,
            purpose: r.purpose,
            action: r.action,
            channel: r.channel,
            method: r.method,
            at: r.given_at.and_utc(),
            text_version: r.text_version,
            recorded_by: r.recorded_by,
            created_at: r.created_at.and_utc(),
        }
    }
}

/// Where one purpose stands: allowed only while its latest record is a grant.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"purpose": "marketing", "allowed": false, "status": "withdrawn",
    "since": "2026-11-29T08:15:00Z"}))]
pub struct ConsentStatusDto {
    #[schema(value_type = PurposeSchema, inline)]
    pub purpose: String,
    pub allowed: bool,
    #[schema(value_type = StatusSchema, inline)]
    pub status: String,
    /// The time of the deciding record.
    pub since: Option<DateTime<Utc>>,
}

impl From<ConsentCheck> for ConsentStatusDto {
    fn from(c: ConsentCheck) -> Self {
        let (status, since) = match c.status {
            ConsentStatus::NeverRecorded => ("never_recorded", None),
            ConsentStatus::Granted { at } => ("granted", Some(at)),
            ConsentStatus::Withdrawn { at } => ("withdrawn", Some(at)),
        };
        Self {
            purpose: c.purpose.as_str().to_owned(),
            allowed: c.allowed,
            status: status.to_owned(),
            since,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "status": [
        {"purpose": "marketing", "allowed": true, "status": "granted", "since": "2026-11-20T03:00:00Z"},
        {"purpose": "data_sharing_finance", "allowed": false, "status": "never_recorded", "since": null},
        {"purpose": "sensitive_data", "allowed": false, "status": "never_recorded", "since": null}
    ],
    "records": [{
        "id": "0193a5c4-9d4e-7b20-8c3d-4e5f6a7b8c90",
        "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "purpose": "marketing",
        "action": "granted", "channel": "mini_program", "method": "checkbox",
        "at": "2026-11-20T03:00:00Z", "text_version": "marketing-2026-01",
        "recorded_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "created_at": "2026-11-20T03:00:02Z"
    }]
}))]
pub struct ConsentsDto {
    /// Every purpose, in the order marketing, data_sharing_finance, sensitive_data.
    pub status: Vec<ConsentStatusDto>,
    /// Every record, oldest first.
    pub records: Vec<ConsentRecordDto>,
}
