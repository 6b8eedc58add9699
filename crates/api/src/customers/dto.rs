use autocrm_persistence::models::Customer;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::pagination::Cursor;
use crate::validate::patch_field;
use crate::validate::schema::{
    self, Id, OptionalEmail, OptionalText, Phone, SearchText, Text, UuidText, schema_marker,
    string_enum,
};

pub const KINDS: [&str; 2] = ["individual", "business"];
string_enum!(KindSchema = KINDS);
/// What `service::list_request` reads as `status` and `sort`.
pub const LIST_STATUSES: [&str; 3] = ["active", "archived", "all"];
string_enum!(ListStatusSchema = LIST_STATUSES);
pub const LIST_SORTS: [&str; 6] = [
    "created_at",
    "-created_at",
    "name",
    "-name",
    "updated_at",
    "-updated_at",
];
string_enum!(ListSortSchema = LIST_SORTS);
/// `source_channel` is trimmed, blank means none, and it must then be one of
/// [`SOURCE_CHANNELS`] (at most 40 characters as sent).
pub enum SourceChannelSchema {}
schema_marker!(
    SourceChannelSchema,
    schema::trimmed_one_of(&SOURCE_CHANNELS, 40)
);
pub const SOURCE_CHANNELS: [&str; 9] = [
    "walk_in",
    "phone",
    "website",
    "wechat",
    "autohome",
    "dongchedi",
    "referral",
    "event",
    "other",
];

#[derive(Serialize, ToSchema)]
pub struct CustomerDto {
    pub id: String,
    /// `individual` or `business`.
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "张伟", "phone": "13812345678", "source_channel": "walk_in"}))]
pub struct CreateCustomer {
    /// `individual` (default) or `business`.
    #[schema(value_type = Option<KindSchema>, inline)]
    pub kind: Option<String>,
    #[schema(value_type = Text<100>, inline)]
    pub name: String,
    /// E.164, or an 11-digit Chinese mobile.
    #[schema(value_type = Option<Phone>, inline)]
    pub phone: Option<String>,
    #[schema(value_type = Option<OptionalEmail>, inline)]
    pub email: Option<String>,
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub city: Option<String>,
    /// walk_in, phone, website, wechat, autohome, dongchedi, referral, event, other.
    #[schema(value_type = Option<SourceChannelSchema>, inline)]
    pub source_channel: Option<String>,
    /// Defaults to the caller for sales consultants.
    #[schema(value_type = Option<Id>, inline)]
    pub owner_id: Option<String>,
    /// Defaults to the caller's store.
    #[schema(value_type = Option<Id>, inline)]
    pub store_id: Option<String>,
    #[schema(value_type = Option<OptionalText<4000>>, inline)]
    pub notes: Option<String>,
    #[serde(default)]
    pub marketing_consent: bool,
}

/// JSON merge patch: absent leaves a field, `null` clears it (`kind`, `name` and
/// `marketing_consent` cannot be cleared: `null` for them is a 422).
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PatchCustomer {
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = KindSchema, inline, required = false)]
    pub kind: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Text<100>, inline, required = false)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<Phone>, inline)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<OptionalEmail>, inline)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub city: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<SourceChannelSchema>, inline)]
    pub source_channel: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<Id>, inline)]
    pub owner_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<Id>, inline)]
    pub store_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<OptionalText<4000>>, inline)]
    pub notes: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = bool, required = false)]
    pub marketing_consent: Option<Option<bool>>,
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
    /// created_at, -created_at (default), name, -name, updated_at, -updated_at.
    #[param(value_type = Option<ListSortSchema>, inline)]
    pub sort: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RevealedContact {
    pub customer_id: String,
    /// The full E.164 number.
    pub phone: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::LIST_SORTS;
    use crate::customers::service::sort_of;

    #[test]
    fn the_declared_sorts_are_the_ones_the_list_reads() {
        for sort in LIST_SORTS {
            assert_eq!(sort_of(Some(sort)).map(|(_, name)| name).ok(), Some(sort));
        }
        assert!(sort_of(Some("id")).is_err());
    }
}
