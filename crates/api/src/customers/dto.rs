//! What `/api/v1/customers` reads and writes, and how requests become commands.

use autocrm_domain::contact::{Email, Phone};
use autocrm_domain::customer::{
    CustomerKind, CustomerStatus, Gender, IdDocumentType, LifecycleStage, Needs, SourceChannel,
    UnifiedSocialCreditCode,
};
use autocrm_persistence::models::Customer;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use super::personal::{self, PersonalData};
use super::service::{
    BusinessInput, ContactInput, CustomerChanges, CustomerView, DocumentInput, NewCustomer,
    PhoneEntry, ProfileChanges, Revealed,
};
use crate::http::pagination::Cursor;
use crate::validate::patch_field;
use crate::validate::rules::{self, Required};
use crate::validate::schema::{
    self, Id, OptionalEmail, OptionalText, QueryText, SearchText, Text, UuidText, schema_marker,
    string_enum,
};
use autocrm_persistence::models::CustomerSort;

string_enum!(KindSchema = CustomerKind::NAMES);
string_enum!(GenderSchema = Gender::NAMES);
string_enum!(StageSchema = LifecycleStage::NAMES);
string_enum!(DocumentTypeSchema = IdDocumentType::NAMES);
/// What the list reads as `status`: a customer status, or `all`.
pub const LIST_STATUSES: [&str; 4] = ["active", "archived", "erased", "all"];
string_enum!(ListStatusSchema = LIST_STATUSES);
string_enum!(ListSortSchema = CustomerSort::NAMES);
string_enum!(SourceFilterSchema = SourceChannel::NAMES);
/// `source_channel` is trimmed, blank means none, and it must then be a source channel (at
/// most 40 characters as sent).
pub enum SourceChannelSchema {}
schema_marker!(
    SourceChannelSchema,
    schema::trimmed_one_of(SourceChannel::NAMES, 40)
);

/// Largest `custom_attributes` object, as compact JSON (bytes).
pub const CUSTOM_ATTRIBUTES_MAX_BYTES: usize = 8 * 1024;
/// Most other phones of one customer or contact person.
pub const MAX_PHONES: usize = 10;
/// Most identity documents besides the resident ID.
pub const MAX_DOCUMENTS: usize = 5;
/// Most contact persons of one customer.
pub const MAX_CONTACTS: usize = 20;

/// A phone with what it is (`mobile`, `work`, `home`, `spouse`, ...).
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(example = json!({"number": "139****1234", "label": "work"}))]
pub struct LabelledPhoneDto {
    /// Masked (`139****1234`) in customer answers; clear only from the reveal endpoint.
    pub number: String,
    pub label: Option<String>,
}

/// An identity document other than the resident ID.
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(example = json!({"type": "passport", "number": "E*****678"}))]
pub struct IdDocumentDto {
    #[serde(rename = "type")]
    #[schema(value_type = DocumentTypeSchema, inline)]
    pub document_type: String,
    /// Masked in customer answers; clear only from the reveal endpoint.
    pub number: String,
}

/// A business customer's registration and pricing.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug, Default, PartialEq)]
#[schema(example = json!({"registered_name": "上海鑫达汽车租赁有限公司", "credit_code": "91310115MA1H7K2C3E", "trade_buyer": true}))]
pub struct BusinessDto {
    /// The name on the business licence (营业执照).
    pub registered_name: Option<String>,
    /// Unified social credit code (统一社会信用代码), GB 32100.
    pub credit_code: Option<String>,
    /// Buys at trade prices (dealers, fleets).
    #[serde(default)]
    pub trade_buyer: bool,
}

/// A contact person of a business customer.
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(example = json!({"id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a20", "name": "李娜", "role": "采购经理", "phones": [{"number": "137****0001", "label": "mobile"}]}))]
pub struct ContactDto {
    pub id: String,
    pub name: String,
    pub role: Option<String>,
    pub phones: Vec<LabelledPhoneDto>,
}

/// A lifecycle stage the customer entered, and when.
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(example = json!({"from": "prospect", "to": "customer", "change": "converted", "at": "2026-11-20T09:30:00Z"}))]
pub struct LifecycleChangeDto {
    /// `null` for the stage the record was created at.
    pub from: Option<String>,
    pub to: String,
    /// `converted`, `became_owner`, `order_cancelled`, `lost`, `reactivated`; `null` at creation.
    pub change: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a10", "kind": "individual", "name": "张伟",
    "phone": "138****5678", "phones": [{"number": "139****1234", "label": "work"}],
    "email": "zhang.wei@example.com", "gender": "male", "birthday": "1988-03-12",
    "wechat_openid": "oW****Xk", "wechat_unionid": null, "id_card_number": "310115********1234",
    "other_id_documents": [], "address": "上海市浦东新区****", "city": "上海", "region": "华东",
    "source_channel": "referral", "source_detail": "老客户推荐", "referrer_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a19",
    "lifecycle_stage": "prospect", "custom_attributes": {"会员卡号": "VIP-0088"},
    "needs": {"budget_min_cents": 15000000, "budget_max_cents": 20000000, "body_types": ["suv"], "energy_types": ["phev"], "timeframe": "within_30_days"},
    "business": null,
    "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a11",
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
    /// The other phones, masked.
    pub phones: Vec<LabelledPhoneDto>,
    pub email: Option<String>,
    #[schema(value_type = Option<GenderSchema>, inline)]
    pub gender: Option<String>,
    pub birthday: Option<NaiveDate>,
    /// Masked.
    pub wechat_openid: Option<String>,
    /// Masked.
    pub wechat_unionid: Option<String>,
    /// Masked (`310115********1234`).
    pub id_card_number: Option<String>,
    /// Masked numbers.
    pub other_id_documents: Vec<IdDocumentDto>,
    /// Masked: province, city and district only.
    pub address: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub source_channel: Option<String>,
    pub source_detail: Option<String>,
    /// The customer who referred this one.
    pub referrer_id: Option<String>,
    /// prospect, customer, owner or lost.
    #[schema(value_type = StageSchema, inline)]
    pub lifecycle_stage: String,
    /// Every stage entered and when, oldest first (single-customer answers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle_changes: Option<Vec<LifecycleChangeDto>>,
    /// The organisation's own fields, as sent.
    #[schema(value_type = Option<Object>)]
    pub custom_attributes: Option<serde_json::Value>,
    /// What the customer wants (budget in fen, body and energy types, timeframe, ...).
    #[schema(value_type = Option<Object>)]
    pub needs: Option<serde_json::Value>,
    /// Business customers: registration and trade pricing.
    pub business: Option<BusinessDto>,
    /// Contact persons, phones masked (single-customer answers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<ContactDto>>,
    pub owner_id: Option<String>,
    pub store_id: Option<String>,
    pub notes: Option<String>,
    /// PIPL: whether the customer agreed to marketing contact.
    pub marketing_consent: bool,
    /// `active`, `archived` or `erased` (personal data erased on the person's request).
    pub status: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

fn phones_dto(phones: &[personal::LabelledPhone]) -> Vec<LabelledPhoneDto> {
    phones
        .iter()
        .map(|p| LabelledPhoneDto {
            number: p.number.clone(),
            label: p.label.clone(),
        })
        .collect()
}

/// A JSON column read back (`None` when absent or unreadable).
fn json<T: serde::de::DeserializeOwned>(value: Option<&str>) -> Option<T> {
    value.and_then(|v| serde_json::from_str(v).ok())
}

impl From<Customer> for CustomerDto {
    fn from(c: Customer) -> Self {
        let masked = PersonalData::masked_of(&c);
        Self {
            phones: phones_dto(&masked.phones),
            gender: c.gender.clone(),
            birthday: c.birthday.as_deref().and_then(|b| b.parse().ok()),
            wechat_openid: masked.wechat_openid,
            wechat_unionid: masked.wechat_unionid,
            id_card_number: masked.id_card_number,
            other_id_documents: masked
                .other_id_documents
                .into_iter()
                .map(|d| IdDocumentDto {
                    document_type: d.document_type,
                    number: d.number,
                })
                .collect(),
            address: masked.address,
            region: c.region.clone(),
            source_detail: c.source_detail.clone(),
            referrer_id: c.referrer_id.clone(),
            lifecycle_stage: c.lifecycle_stage.clone(),
            lifecycle_changes: None,
            custom_attributes: json(c.custom_attributes.as_deref()),
            needs: json(c.needs.as_deref()),
            business: json(c.business.as_deref()),
            contacts: None,
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

impl From<CustomerView> for CustomerDto {
    fn from(view: CustomerView) -> Self {
        let mut dto = CustomerDto::from(view.customer);
        dto.contacts = Some(
            view.contacts
                .into_iter()
                .map(|c| ContactDto {
                    phones: phones_dto(&personal::masked_phones_of(c.phones_masked.as_deref())),
                    id: c.id,
                    name: c.name,
                    role: c.role,
                })
                .collect(),
        );
        dto.lifecycle_changes = Some(
            view.lifecycle
                .into_iter()
                .map(|l| LifecycleChangeDto {
                    from: l.from_stage,
                    to: l.to_stage,
                    change: l.change_reason,
                    at: l.changed_at.and_utc(),
                })
                .collect(),
        );
        dto
    }
}

// ---- request bodies -------------------------------------------------------------------

/// A phone as sent: E.164 or an 11-digit Chinese mobile, and what it is.
#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, Debug)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"number": "+86 139-1234-5678", "label": "work"}))]
pub struct PhoneIn {
    #[validate(custom(function = "required_phone"))]
    #[schema(value_type = schema::Phone, inline)]
    pub number: String,
    #[validate(length(max = 20), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<20>>, inline)]
    pub label: Option<String>,
}

/// An identity document other than the resident ID.
#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, Debug)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"type": "passport", "number": "E12345678"}))]
pub struct IdDocumentIn {
    #[serde(rename = "type")]
    #[validate(custom(function = "rules::one_of::<IdDocumentType>"))]
    #[schema(value_type = DocumentTypeSchema, inline)]
    pub document_type: String,
    #[validate(length(max = 40), custom(function = "rules::text"))]
    #[schema(value_type = Text<40>, inline)]
    pub number: String,
}

/// A business customer's registration and pricing, as sent.
#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, Debug)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"registered_name": "上海鑫达汽车租赁有限公司", "credit_code": "91310115MA1H7K2C3E", "trade_buyer": true}))]
pub struct BusinessIn {
    #[validate(length(max = 200), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<200>>, inline)]
    pub registered_name: Option<String>,
    /// 18 characters, GB 32100 check character verified.
    #[validate(custom(function = "check_credit_code"))]
    pub credit_code: Option<String>,
    #[serde(default)]
    pub trade_buyer: bool,
}

/// A contact person, as sent (the list replaces the customer's contacts).
#[derive(Serialize, Deserialize, ToSchema, Validate, Clone, Debug)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "李娜", "role": "采购经理", "phones": [{"number": "13700000001", "label": "mobile"}]}))]
pub struct ContactIn {
    #[validate(length(max = 100), custom(function = "rules::text"))]
    #[schema(value_type = Text<100>, inline)]
    pub name: String,
    #[validate(length(max = 50), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<50>>, inline)]
    pub role: Option<String>,
    #[serde(default)]
    #[validate(length(max = 10), nested)]
    pub phones: Vec<PhoneIn>,
}

/// A phone that must be there.
fn required_phone(value: &str) -> Result<(), ValidationError> {
    rules::text(value)?;
    rules::phone(value)
}

/// A unified social credit code, as `UnifiedSocialCreditCode::parse` reads it; blank is none.
fn check_credit_code(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Ok(());
    }
    UnifiedSocialCreditCode::parse(value)
        .map(drop)
        .map_err(|e| ValidationError::new(e.code()).with_message(e.to_string().into()))
}

/// A JSON object of at most [`CUSTOM_ATTRIBUTES_MAX_BYTES`] as compact JSON.
fn check_custom_attributes(value: &serde_json::Value) -> Result<(), ValidationError> {
    if !value.is_object() {
        return Err(ValidationError::new("invalid_format")
            .with_message("custom_attributes must be a JSON object".into()));
    }
    if value.to_string().len() > CUSTOM_ATTRIBUTES_MAX_BYTES {
        return Err(ValidationError::new("too_long").with_message(
            format!(
                "custom_attributes must be at most {CUSTOM_ATTRIBUTES_MAX_BYTES} bytes as JSON"
            )
            .into(),
        ));
    }
    Ok(())
}

/// Needs as `Needs::check` accepts them.
fn check_needs(value: &Needs) -> Result<(), ValidationError> {
    value
        .check()
        .map_err(|e| ValidationError::new("invalid_needs").with_message(e.to_string().into()))
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "张伟", "phone": "13812345678", "phones": [{"number": "+86 139-1234-5678", "label": "work"}],
    "gender": "male", "birthday": "1988-03-12", "city": "上海", "region": "华东",
    "address": "上海市浦东新区张杨路500号", "source_channel": "referral", "source_detail": "老客户推荐",
    "needs": {"budget_min_cents": 15000000, "budget_max_cents": 20000000, "body_types": ["suv"], "timeframe": "within_30_days"},
    "custom_attributes": {"会员卡号": "VIP-0088"}
}))]
pub struct CreateCustomer {
    /// `individual` (default) or `business`.
    #[validate(custom(function = "rules::one_of::<CustomerKind>"))]
    #[schema(value_type = Option<KindSchema>, inline)]
    pub kind: Option<String>,
    #[validate(length(max = 100), custom(function = "rules::text"))]
    #[schema(value_type = Text<100>, inline)]
    pub name: String,
    /// The primary phone: E.164, or an 11-digit Chinese mobile.
    #[validate(custom(function = "rules::phone"))]
    #[schema(value_type = Option<schema::Phone>, inline)]
    pub phone: Option<String>,
    /// Other phones, each with a label.
    #[validate(length(max = 10), nested)]
    pub phones: Option<Vec<PhoneIn>>,
    #[validate(length(max = 254), custom(function = "rules::email"))]
    #[schema(value_type = Option<OptionalEmail>, inline)]
    pub email: Option<String>,
    #[validate(custom(function = "rules::one_of::<Gender>"))]
    #[schema(value_type = Option<GenderSchema>, inline)]
    pub gender: Option<String>,
    /// `YYYY-MM-DD`; checked against the ID number when both are given.
    pub birthday: Option<NaiveDate>,
    #[validate(length(max = 64), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<64>>, inline)]
    pub wechat_openid: Option<String>,
    #[validate(length(max = 64), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<64>>, inline)]
    pub wechat_unionid: Option<String>,
    /// Mainland resident ID (18 characters, GB 11643 check character verified; birthday and
    /// gender must agree with it).
    #[validate(length(max = 40), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<40>>, inline)]
    pub id_card_number: Option<String>,
    /// Passports, travel permits, permanent residence cards.
    #[validate(length(max = 5), nested)]
    pub other_id_documents: Option<Vec<IdDocumentIn>>,
    #[validate(length(max = 200), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<200>>, inline)]
    pub address: Option<String>,
    #[validate(length(max = 100), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub city: Option<String>,
    #[validate(length(max = 100), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub region: Option<String>,
    /// walk_in, phone, website, wechat, autohome, dongchedi, referral, event, other,
    /// mini_program, yiche, car_show, social_media, erp_import.
    #[validate(
        length(max = 40),
        custom(function = "rules::blank_or_one_of::<SourceChannel>")
    )]
    #[schema(value_type = Option<SourceChannelSchema>, inline)]
    pub source_channel: Option<String>,
    /// Which campaign, show or platform listing.
    #[validate(length(max = 200), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<200>>, inline)]
    pub source_detail: Option<String>,
    /// The customer who referred this one.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub referrer_id: Option<String>,
    /// prospect (default), customer, owner or lost.
    #[validate(custom(function = "rules::one_of::<LifecycleStage>"))]
    #[schema(value_type = Option<StageSchema>, inline)]
    pub lifecycle_stage: Option<String>,
    /// A JSON object of the organisation's own fields, at most 8 KiB as JSON.
    #[validate(custom(function = "check_custom_attributes"))]
    #[schema(value_type = Option<Object>)]
    pub custom_attributes: Option<serde_json::Value>,
    /// What the customer wants: budget in fen, body types, brands, energy types, new or
    /// used, seats, purchase timeframe, payment, trade-in.
    #[validate(custom(function = "check_needs"))]
    #[schema(value_type = Option<Object>)]
    pub needs: Option<Needs>,
    /// Business customers only.
    #[validate(nested)]
    pub business: Option<BusinessIn>,
    /// Contact persons (business customers).
    #[validate(length(max = 20), nested)]
    pub contacts: Option<Vec<ContactIn>>,
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

/// JSON merge patch: absent leaves a field, `null` clears it (`kind`, `name`,
/// `lifecycle_stage` and `marketing_consent` cannot be cleared: `null` for them is a 422).
/// `phones`, `other_id_documents` and `contacts` are replaced whole.
#[derive(Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"city": "上海", "notes": "周末来店试驾", "lifecycle_stage": "customer"}))]
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
    #[validate(length(max = 10), nested)]
    pub phones: Option<Option<Vec<PhoneIn>>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 254), custom(function = "rules::email"))]
    #[schema(value_type = Option<OptionalEmail>, inline)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::one_of::<Gender>"))]
    #[schema(value_type = Option<GenderSchema>, inline)]
    pub gender: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    pub birthday: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 64), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<64>>, inline)]
    pub wechat_openid: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 64), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<64>>, inline)]
    pub wechat_unionid: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 40), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<40>>, inline)]
    pub id_card_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 5), nested)]
    pub other_id_documents: Option<Option<Vec<IdDocumentIn>>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 200), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<200>>, inline)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 100), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub city: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 100), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub region: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(
        length(max = 40),
        custom(function = "rules::blank_or_one_of::<SourceChannel>")
    )]
    #[schema(value_type = Option<SourceChannelSchema>, inline)]
    pub source_channel: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 200), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<200>>, inline)]
    pub source_detail: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub referrer_id: Option<Option<String>>,
    /// A move the lifecycle allows (prospect → customer → owner, any → lost, lost →
    /// prospect, customer → prospect); another answers 409 `invalid_transition`.
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::present_one_of::<LifecycleStage>"))]
    #[schema(value_type = StageSchema, inline, required = false)]
    pub lifecycle_stage: Required<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "check_custom_attributes"))]
    #[schema(value_type = Option<Object>)]
    pub custom_attributes: Option<Option<serde_json::Value>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "check_needs"))]
    #[schema(value_type = Option<Object>)]
    pub needs: Option<Option<Needs>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(nested)]
    pub business: Option<Option<BusinessIn>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 20), nested)]
    pub contacts: Option<Option<Vec<ContactIn>>>,
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

/// What a customer wants; the body of `PUT /customers/{id}/needs`.
#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"needs": {"budget_min_cents": 10000000, "budget_max_cents": 15000000, "body_types": ["suv"], "brands": ["比亚迪"], "energy_types": ["phev", "bev"], "condition": "new", "seats_min": 5, "timeframe": "within_15_days", "payment": "loan", "trade_in": {"brand": "大众", "model": "朗逸", "year": 2017, "mileage_km": 98000}}}))]
pub struct NeedsBody {
    /// `null` clears what was stated.
    #[validate(custom(function = "check_needs"))]
    #[schema(value_type = Option<Object>)]
    pub needs: Option<Needs>,
}

/// The stated needs of a customer.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"customer_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a10", "needs": {"budget_max_cents": 15000000, "body_types": ["suv"], "timeframe": "within_15_days"}, "version": 4}))]
pub struct NeedsDto {
    pub customer_id: String,
    #[schema(value_type = Option<Object>)]
    pub needs: Option<Needs>,
    pub version: i64,
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
    /// A phone number (however written) matches any of a customer's phones exactly; four
    /// digits match the last four of any phone; anything else matches names (prefix or
    /// contained, Chinese or Latin) and emails, and a plate (however written: `沪A·12345`)
    /// or VIN matches the owners of that vehicle exactly.
    #[param(value_type = Option<SearchText<100>>, inline)]
    pub q: Option<String>,
    #[param(value_type = Option<KindSchema>, inline)]
    pub kind: Option<String>,
    /// Lifecycle stage.
    #[param(value_type = Option<StageSchema>, inline)]
    pub stage: Option<String>,
    #[param(value_type = Option<SourceFilterSchema>, inline)]
    pub source_channel: Option<String>,
    /// Exact city name.
    #[param(value_type = Option<SearchText<100>>, inline)]
    pub city: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub owner_id: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub store_id: Option<String>,
    /// `active` (default), `archived`, `erased` or `all` (merged customers are never
    /// listed: they live on in the customer they were merged into).
    #[param(value_type = Option<ListStatusSchema>, inline)]
    pub status: Option<String>,
    /// RFC 3339; inclusive.
    pub created_from: Option<DateTime<Utc>>,
    /// RFC 3339; exclusive.
    pub created_to: Option<DateTime<Utc>>,
    /// RFC 3339; inclusive: customers whose latest activity is at or after it.
    pub last_activity_from: Option<DateTime<Utc>>,
    /// RFC 3339; exclusive: customers with activities, the latest before it (no contact
    /// since).
    pub last_activity_to: Option<DateTime<Utc>>,
    /// Only customers whose marketing consent is granted (`true`) or is not (`false`).
    pub marketing_consent: Option<bool>,
    /// Only customers carrying this tag (manual or dynamic), by name.
    #[param(value_type = Option<QueryText>, inline)]
    pub tag: Option<String>,
    /// created_at, -created_at (default), name, -name, updated_at, -updated_at.
    #[param(value_type = Option<ListSortSchema>, inline)]
    pub sort: Option<String>,
}

/// What a reveal may show.
pub const REVEAL_FIELDS: [&str; 8] = [
    "phone",
    "phones",
    "wechat_openid",
    "wechat_unionid",
    "id_card_number",
    "other_id_documents",
    "address",
    "contacts",
];
string_enum!(RevealFieldSchema = REVEAL_FIELDS);

fn reveal_field(value: &str) -> Result<(), ValidationError> {
    rules::one_of_names(value, &REVEAL_FIELDS)
}

/// Why the clear values are needed, and which (all by default).
#[derive(Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "客户来电要求核对联系方式", "fields": ["phone", "address"]}))]
pub struct RevealRequest {
    /// Written to the audit log with the reveal.
    #[validate(length(max = 200), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<200>>, inline)]
    pub reason: Option<String>,
    /// Which values; all when absent.
    #[validate(length(max = 8), custom(function = "reveal_fields"))]
    #[schema(value_type = Option<Vec<RevealFieldSchema>>)]
    pub fields: Option<Vec<String>>,
}

fn reveal_fields(values: &[String]) -> Result<(), ValidationError> {
    values.iter().try_for_each(|v| reveal_field(v))
}

/// A contact person's phones in clear.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a20", "name": "李娜", "phones": [{"number": "+8613700000001", "label": "mobile"}]}))]
pub struct RevealedContactPerson {
    pub id: String,
    pub name: String,
    pub phones: Vec<LabelledPhoneDto>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"customer_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a10", "phone": "+8613812345678", "address": "上海市浦东新区张杨路500号"}))]
pub struct RevealedContact {
    pub customer_id: String,
    /// The full E.164 number.
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phones: Option<Vec<LabelledPhoneDto>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wechat_openid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wechat_unionid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_card_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_id_documents: Option<Vec<IdDocumentDto>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<RevealedContactPerson>>,
}

impl From<Revealed> for RevealedContact {
    fn from(revealed: Revealed) -> Self {
        let phones = |list: Vec<personal::LabelledPhone>| phones_dto(&list);
        Self {
            customer_id: revealed.customer_id,
            phone: revealed.phone,
            phones: revealed.phones.map(phones),
            wechat_openid: revealed.wechat_openid,
            wechat_unionid: revealed.wechat_unionid,
            id_card_number: revealed.id_card_number,
            other_id_documents: revealed.other_id_documents.map(|docs| {
                docs.into_iter()
                    .map(|d| IdDocumentDto {
                        document_type: d.document_type,
                        number: d.number,
                    })
                    .collect()
            }),
            address: revealed.address,
            contacts: revealed.contacts.map(|list| {
                list.into_iter()
                    .map(|(id, name, list)| RevealedContactPerson {
                        id,
                        name,
                        phones: phones(list),
                    })
                    .collect()
            }),
        }
    }
}

/// A customer that may be the same person.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"customer_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a30", "name": "张伟", "phone": "138****5678", "city": "上海", "score": 98, "verdict": "definite", "reasons": ["same_phone", "same_name_same_city"]}))]
pub struct DuplicateCandidateDto {
    pub customer_id: String,
    pub name: String,
    /// Masked.
    pub phone: Option<String>,
    pub city: Option<String>,
    /// 0 to 100.
    pub score: u8,
    /// `definite` (the same person) or `candidate` (for review).
    pub verdict: String,
    /// same_id_number, same_phone, same_wechat_id, same_email, same_name_same_city,
    /// similar_name_same_city; strongest first.
    pub reasons: Vec<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [{"customer_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a30", "name": "张伟", "phone": "138****5678", "city": "上海", "score": 95, "verdict": "definite", "reasons": ["same_phone"]}]}))]
pub struct DuplicateList {
    pub items: Vec<DuplicateCandidateDto>,
}

fn parsed<T>(value: Option<&str>, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
    rules::trimmed(value).and_then(|v| parse(&v))
}

fn phone_entries(list: Vec<PhoneIn>) -> Vec<PhoneEntry> {
    list.into_iter()
        .filter_map(|p| {
            Phone::parse(p.number.trim()).ok().map(|phone| PhoneEntry {
                phone,
                label: rules::trimmed(p.label.as_deref()),
            })
        })
        .collect()
}

fn documents(list: Vec<IdDocumentIn>) -> Vec<DocumentInput> {
    list.into_iter()
        .filter_map(|d| {
            d.document_type
                .parse()
                .ok()
                .map(|document_type| DocumentInput {
                    document_type,
                    number: d.number,
                })
        })
        .collect()
}

fn business(b: BusinessIn) -> BusinessInput {
    BusinessInput {
        registered_name: rules::trimmed(b.registered_name.as_deref()),
        credit_code: parsed(b.credit_code.as_deref(), |c| {
            UnifiedSocialCreditCode::parse(c).ok()
        }),
        trade_buyer: b.trade_buyer,
    }
}

fn contacts(list: Vec<ContactIn>) -> Vec<ContactInput> {
    list.into_iter()
        .map(|c| ContactInput {
            name: c.name.trim().to_owned(),
            role: rules::trimmed(c.role.as_deref()),
            phones: phone_entries(c.phones),
        })
        .collect()
}

fn attributes(value: serde_json::Value) -> Option<serde_json::Map<String, serde_json::Value>> {
    match value {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

impl CreateCustomer {
    /// The command, from a body its rules accepted.
    pub fn into_command(self) -> NewCustomer {
        let profile = ProfileChanges {
            gender: self.gender.map(|g| g.parse().ok()),
            birthday: self.birthday.map(Some),
            phones: self.phones.map(phone_entries),
            wechat_openid: self.wechat_openid.map(|w| rules::trimmed(Some(&w))),
            wechat_unionid: self.wechat_unionid.map(|w| rules::trimmed(Some(&w))),
            id_card_number: self.id_card_number.map(|n| rules::trimmed(Some(&n))),
            other_id_documents: self.other_id_documents.map(documents),
            address: self.address.map(|a| rules::trimmed(Some(&a))),
            region: self.region.map(|r| rules::trimmed(Some(&r))),
            source_detail: self.source_detail.map(|s| rules::trimmed(Some(&s))),
            referrer_id: self.referrer_id.map(|r| rules::normalised_id(&r)),
            lifecycle_stage: self.lifecycle_stage.and_then(|s| s.parse().ok()),
            custom_attributes: self.custom_attributes.map(attributes),
            needs: self.needs.map(Some),
            business: self.business.map(|b| Some(business(b))),
            contacts: self.contacts.map(contacts),
        };
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
            profile,
        }
    }
}

impl PatchCustomer {
    /// The changes, from a body its rules accepted: `Some(None)` clears a field.
    pub fn into_changes(self) -> CustomerChanges {
        let clearable = |v: Option<Option<String>>| v.map(|v| rules::trimmed(v.as_deref()));
        let profile = ProfileChanges {
            gender: self.gender.map(|g| g.and_then(|g| g.parse().ok())),
            birthday: self.birthday,
            phones: self.phones.map(|p| phone_entries(p.unwrap_or_default())),
            wechat_openid: clearable(self.wechat_openid),
            wechat_unionid: clearable(self.wechat_unionid),
            id_card_number: clearable(self.id_card_number),
            other_id_documents: self
                .other_id_documents
                .map(|d| documents(d.unwrap_or_default())),
            address: clearable(self.address),
            region: clearable(self.region),
            source_detail: clearable(self.source_detail),
            referrer_id: self
                .referrer_id
                .map(|r| r.as_deref().and_then(rules::normalised_id)),
            lifecycle_stage: self.lifecycle_stage.flatten().and_then(|s| s.parse().ok()),
            custom_attributes: self.custom_attributes.map(|a| a.and_then(attributes)),
            needs: self.needs,
            business: self.business.map(|b| b.map(business)),
            contacts: self.contacts.map(|c| contacts(c.unwrap_or_default())),
        };
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
            profile,
        }
    }
}

/// The statuses a list may ask for: `None` is all.
pub fn list_status(value: Option<&str>) -> Result<Option<CustomerStatus>, &'static str> {
    match value.unwrap_or("active") {
        "all" => Ok(None),
        // Merge sources live on in their survivor: no list shows them.
        "merged" => Err("status must be active, archived, erased or all"),
        other => other
            .parse()
            .map(Some)
            .map_err(|_| "status must be active, archived, erased or all"),
    }
}
