//! What `/api/v1/customers` reads and writes, and how requests become commands.

use autocrm_domain::contact::{Email, Phone};
use autocrm_domain::customer::{CustomerKind, CustomerStatus, SourceChannel};
use autocrm_persistence::models::Customer;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::service::{CustomerChanges, NewCustomer};
use crate::http::pagination::Cursor;
use crate::validate::patch_field;
use crate::validate::rules::{self, Required};
use crate::validate::schema::{
    self, Id, OptionalEmail, OptionalText, QueryText, SearchText, Text, UuidText, schema_marker,
    string_enum,
};
use autocrm_persistence::models::CustomerSort;

string_enum!(KindSchema = CustomerKind::NAMES);
/// What the list reads as `status`: a customer status, or `all`.
pub const LIST_STATUSES: [&str; 3] = ["active", "archived", "all"];
string_enum!(ListStatusSchema = LIST_STATUSES);
string_enum!(ListSortSchema = CustomerSort::NAMES);
/// `source_channel` is trimmed, blank means none, and it must then be a source channel (at
/// most 40 characters as sent).
pub enum SourceChannelSchema {}
schema_marker!(
    SourceChannelSchema,
    schema::trimmed_one_of(SourceChannel::NAMES, 40)
);

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a10", "kind": "individual", "name": "张伟",
    "phone": "138****5678", "email": "zhang.wei@example.com", "city": "上海",
    "source_channel": "walk_in", "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a11",
    "store_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "notes": "周末来店试驾",
    "marketing_consent": true, "status": "active", "version": 3,
    "created_at": "2026-11-02T03:15:00Z", "updated_at": "2026-11-20T09:30:00Z", "archived_at": null
}))]
pub struct CustomerDto {
    pub id: String,
    /// `individual` or `business`.
    #[schema(value_type = KindSchema, inline)]
    pub kind: String,
    pub name: String,
    /// Masked (`138****5678`); use the reveal endpoint for the full number.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub city: Option<String>,
    pub source_channel: Option<String>,
    pub owner_id: Option<String>,
    pub store_id: Option<String>,
    pub notes: Option<String>,
    /// PIPL: whether the customer agreed to marketing contact.
    pub marketing_consent: bool,
    /// `active` or `archived`.
    pub status: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

impl From<Customer> for CustomerDto {
    fn from(c: Customer) -> Self {
        Self {
            id: c.id,
            kind: c.kind,
            name: c.name,
            phone: c.phone_masked,
            email: c.email,
            city: c.city,
            source_channel: c.source_channel,
            owner_id: c.owner_id,
            store_id: c.store_id,
            notes: c.notes,
            marketing_consent: c.marketing_consent,
            status: c.status,
            version: c.version,
            created_at: c.created_at.and_utc(),
            updated_at: c.updated_at.and_utc(),
            archived_at: c.archived_at.map(|t| t.and_utc()),
        }
    }
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "张伟", "phone": "13812345678", "city": "上海", "source_channel": "walk_in"}))]
pub struct CreateCustomer {
    /// `individual` (default) or `business`.
    #[validate(custom(function = "rules::one_of::<CustomerKind>"))]
    #[schema(value_type = Option<KindSchema>, inline)]
    pub kind: Option<String>,
    #[validate(length(max = 100), custom(function = "rules::text"))]
    #[schema(value_type = Text<100>, inline)]
    pub name: String,
    /// E.164, or an 11-digit Chinese mobile.
    #[validate(custom(function = "rules::phone"))]
    #[schema(value_type = Option<schema::Phone>, inline)]
    pub phone: Option<String>,
    #[validate(length(max = 254), custom(function = "rules::email"))]
    #[schema(value_type = Option<OptionalEmail>, inline)]
    pub email: Option<String>,
    #[validate(length(max = 100), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub city: Option<String>,
    /// walk_in, phone, website, wechat, autohome, dongchedi, referral, event, other.
    #[validate(
        length(max = 40),
        custom(function = "rules::blank_or_one_of::<SourceChannel>")
    )]
    #[schema(value_type = Option<SourceChannelSchema>, inline)]
    pub source_channel: Option<String>,
    /// Defaults to the caller for sales consultants.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub owner_id: Option<String>,
    /// Defaults to the caller's store.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub store_id: Option<String>,
    #[validate(length(max = 4000), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<4000>>, inline)]
    pub notes: Option<String>,
    #[serde(default)]
    pub marketing_consent: bool,
}

/// JSON merge patch: absent leaves a field, `null` clears it (`kind`, `name` and
/// `marketing_consent` cannot be cleared: `null` for them is a 422).
#[derive(Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"city": "上海", "notes": "周末来店试驾"}))]
pub struct PatchCustomer {
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::present_one_of::<CustomerKind>"))]
    #[schema(value_type = KindSchema, inline, required = false)]
    pub kind: Required<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 100), custom(function = "rules::present_text"))]
    #[schema(value_type = Text<100>, inline, required = false)]
    pub name: Required<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::phone"))]
    #[schema(value_type = Option<schema::Phone>, inline)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 254), custom(function = "rules::email"))]
    #[schema(value_type = Option<OptionalEmail>, inline)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 100), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub city: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(
        length(max = 40),
        custom(function = "rules::blank_or_one_of::<SourceChannel>")
    )]
    #[schema(value_type = Option<SourceChannelSchema>, inline)]
    pub source_channel: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub owner_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub store_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 4000), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<4000>>, inline)]
    pub notes: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::present"))]
    #[schema(value_type = bool, required = false)]
    pub marketing_consent: Required<bool>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CustomerListQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// From `next_cursor` of the previous page (same `sort`).
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
    /// Name or email contains this; a phone number matches exactly.
    #[param(value_type = Option<SearchText<100>>, inline)]
    pub q: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub owner_id: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub store_id: Option<String>,
    /// `active` (default), `archived` or `all`.
    #[param(value_type = Option<ListStatusSchema>, inline)]
    pub status: Option<String>,
    /// RFC 3339; inclusive.
    pub created_from: Option<DateTime<Utc>>,
    /// RFC 3339; exclusive.
    pub created_to: Option<DateTime<Utc>>,
    /// Only customers whose marketing consent is granted (`true`) or is not (`false`).
    pub marketing_consent: Option<bool>,
    /// Only customers carrying this tag (manual or dynamic), by name.
    #[param(value_type = Option<QueryText>, inline)]
    pub tag: Option<String>,
    /// created_at, -created_at (default), name, -name, updated_at, -updated_at.
    #[param(value_type = Option<ListSortSchema>, inline)]
    pub sort: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"customer_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a10", "phone": "+8613812345678"}))]
pub struct RevealedContact {
    pub customer_id: String,
    /// The full E.164 number.
    pub phone: Option<String>,
}

fn parsed<T>(value: Option<&str>, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
    rules::trimmed(value).and_then(|v| parse(&v))
}

impl CreateCustomer {
    /// The command, from a body its rules accepted.
    pub fn into_command(self) -> NewCustomer {
        NewCustomer {
            kind: self
                .kind
                .and_then(|k| k.parse().ok())
                .unwrap_or(CustomerKind::Individual),
            name: self.name.trim().to_owned(),
            phone: parsed(self.phone.as_deref(), |p| Phone::parse(p).ok()),
            email: parsed(self.email.as_deref(), |e| Email::parse(e).ok()),
            city: rules::trimmed(self.city.as_deref()),
            source_channel: parsed(self.source_channel.as_deref(), |s| s.parse().ok()),
            owner_id: self.owner_id.as_deref().and_then(rules::normalised_id),
            store_id: self.store_id.as_deref().and_then(rules::normalised_id),
            notes: rules::trimmed(self.notes.as_deref()),
            marketing_consent: self.marketing_consent,
        }
    }
}

impl PatchCustomer {
    /// The changes, from a body its rules accepted: `Some(None)` clears a field.
    pub fn into_changes(self) -> CustomerChanges {
        let clearable = |v: Option<Option<String>>| v.map(|v| rules::trimmed(v.as_deref()));
        CustomerChanges {
            kind: self.kind.flatten().and_then(|k| k.parse().ok()),
            name: self.name.flatten().map(|n| n.trim().to_owned()),
            phone: self
                .phone
                .map(|p| parsed(p.as_deref(), |p| Phone::parse(p).ok())),
            email: self
                .email
                .map(|e| parsed(e.as_deref(), |e| Email::parse(e).ok())),
            city: clearable(self.city),
            source_channel: self
                .source_channel
                .map(|s| parsed(s.as_deref(), |s| s.parse().ok())),
            owner_id: self
                .owner_id
                .map(|o| o.as_deref().and_then(rules::normalised_id)),
            store_id: self
                .store_id
                .map(|s| s.as_deref().and_then(rules::normalised_id)),
            notes: clearable(self.notes),
            marketing_consent: self.marketing_consent.flatten(),
        }
    }
}

/// The statuses a list may ask for: `None` is all.
pub fn list_status(value: Option<&str>) -> Result<Option<CustomerStatus>, &'static str> {
    match value.unwrap_or("active") {
        "all" => Ok(None),
        other => other
            .parse()
            .map(Some)
            .map_err(|_| "status must be active, archived or all"),
    }
}
