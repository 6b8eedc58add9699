//! What the merge, personal-data export and erasure endpoints read and answer.

use std::collections::BTreeMap;

use autocrm_domain::customer::{CustomerField, FieldChoice};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::activities::dto::ActivityDto;
use crate::attachments::dto::AttachmentDto;
use crate::consents::dto::ConsentRecordDto;
use crate::customers::dto::{CustomerDto, RevealedContact};
use crate::garage::dto::VehicleDto;
use crate::tags::dto::CustomerTags;
use crate::validate::rules;
use crate::validate::schema::{Id, Text, string_enum};

string_enum!(MergeFieldSchema = CustomerField::NAMES);

/// How one conflicting field is decided: `"survivor"`, a source's id (or
/// `"source:<id>"`), or `{"value": "..."}` for a value of one's own.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ChoiceDto {
    /// `survivor`, `<source id>` or `source:<source id>`.
    Text(String),
    /// A value of one's own (at most 200 characters).
    Value { value: String },
}

impl ChoiceDto {
    fn choice(&self) -> Result<FieldChoice, ValidationError> {
        match self {
            ChoiceDto::Text(text) => {
                let text = text.trim();
                if text == "survivor" {
                    return Ok(FieldChoice::Survivor);
                }
                let id = text.strip_prefix("source:").unwrap_or(text);
                rules::normalised_id(id)
                    .map(FieldChoice::Source)
                    .ok_or_else(|| {
                        rules_error(
                            "invalid_value",
                            "a choice is \"survivor\", a source's id, or {\"value\": ...}",
                        )
                    })
            }
            ChoiceDto::Value { value } => {
                if value.chars().count() > 200 {
                    return Err(rules_error("too_long", "at most 200 characters"));
                }
                rules::text(value)?;
                Ok(FieldChoice::Value {
                    value: value.trim().to_owned(),
                })
            }
        }
    }
}

fn rules_error(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

fn source_ids(ids: &[String]) -> Result<(), ValidationError> {
    ids.iter().try_for_each(|id| rules::id(id))
}

fn field_choices(fields: &BTreeMap<String, ChoiceDto>) -> Result<(), ValidationError> {
    for (field, choice) in fields {
        if field.parse::<CustomerField>().is_err() {
            return Err(rules_error(
                "unknown_field",
                "a field is one of the profile fields a merge reconciles",
            ));
        }
        choice.choice()?;
    }
    Ok(())
}

/// Merge duplicates into this customer (the survivor).
#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "source_ids": ["0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a71"],
    "fields": {"name": "survivor", "city": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a71",
               "email": {"value": "wang.jianguo@example.com"}},
    "dry_run": true
}))]
pub struct MergeRequest {
    /// The customers merged into this one: 1 to 10, distinct, not this one.
    #[validate(length(min = 1, max = 10), custom(function = "source_ids"))]
    #[schema(value_type = Vec<Id>, min_items = 1, max_items = 10)]
    pub source_ids: Vec<String>,
    /// A choice per conflicting profile field (`name`, `gender`, `birthday`, `phone`,
    /// `email`, `wechat_openid`, `wechat_unionid`, `id_card_number`, `address`, `city`,
    /// `region`, `source_channel`, `source_detail`, `referrer_id`, `registered_name`,
    /// `credit_code`, `owner_id`, `store_id`, `needs`). A conflict without a choice keeps the
    /// survivor's value (or, when the survivor has none, the first source's); blanks are
    /// filled from the sources. Naming a field on which the records agree is 422.
    #[serde(default)]
    #[validate(custom(function = "field_choices"))]
    #[schema(value_type = BTreeMap<String, ChoiceDto>)]
    pub fields: BTreeMap<String, ChoiceDto>,
    /// Answer what would happen (merged profile, rows that would move, conflicts), and
    /// change nothing (no audit line either).
    #[serde(default)]
    pub dry_run: bool,
}

impl MergeRequest {
    /// The sources (normalised ids, in the order sent) and the choices, from a body its rules
    /// accepted.
    pub fn into_parts(self) -> (Vec<String>, BTreeMap<CustomerField, FieldChoice>, bool) {
        let sources = self
            .source_ids
            .iter()
            .filter_map(|id| rules::normalised_id(id))
            .collect();
        let choices = self
            .fields
            .iter()
            .filter_map(|(field, choice)| Some((field.parse().ok()?, choice.choice().ok()?)))
            .collect();
        (sources, choices, self.dry_run)
    }
}

/// A conflicting field: the records' values (personal ones masked) and what was kept.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "field": "city", "survivor": "上海",
    "sources": [{"source_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a71", "value": "苏州"}],
    "chosen": "source:0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a71", "defaulted": false
}))]
pub struct ConflictDto {
    #[schema(value_type = MergeFieldSchema, inline)]
    pub field: String,
    pub survivor: Option<String>,
    pub sources: Vec<SourceValueDto>,
    /// `survivor`, `source:<id>` or `value`.
    pub chosen: String,
    /// True when no choice was sent and the survivor's (or the first source's) value was
    /// kept.
    pub defaulted: bool,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"source_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a71", "value": "苏州"}))]
pub struct SourceValueDto {
    pub source_id: String,
    pub value: String,
}

/// A survivor field the merge changes (personal values masked).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"field": "email", "before": null, "after": "wang.jianguo@example.com",
    "because": "filled_from_source", "source_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a71"}))]
pub struct FieldChangeDto {
    #[schema(value_type = MergeFieldSchema, inline)]
    pub field: String,
    pub before: Option<String>,
    pub after: String,
    /// `filled_from_source`, `chosen_source` or `explicit_value`.
    pub because: String,
    pub source_id: Option<String>,
}

/// What a merge did, or (dry run) would do.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "dry_run": true,
    "survivor": {"id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "kind": "individual", "name": "王建国",
        "phone": "138****5678", "phones": [{"number": "139****1234", "label": null}],
        "email": "wang.jianguo@example.com", "gender": "male", "birthday": "1985-06-18",
        "wechat_openid": null, "wechat_unionid": null, "id_card_number": null,
        "other_id_documents": [], "address": null, "city": "苏州", "region": "华东",
        "source_channel": "walk_in", "source_detail": null, "referrer_id": null,
        "lifecycle_stage": "prospect", "custom_attributes": null, "needs": null, "business": null,
        "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a11", "store_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
        "notes": null, "marketing_consent": true, "status": "active", "version": 4,
        "created_at": "2026-11-02T03:15:00Z", "updated_at": "2026-12-06T09:30:00Z", "archived_at": null},
    "source_ids": ["0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a71"],
    "conflicts": [{"field": "city", "survivor": "上海",
        "sources": [{"source_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a71", "value": "苏州"}],
        "chosen": "source:0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a71", "defaulted": false}],
    "changes": [{"field": "city", "before": "上海", "after": "苏州", "because": "chosen_source",
        "source_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a71"}],
    "moved": {"attachments": 0, "behavior_events": 5, "consent_records": 1, "customer_activities": 3,
        "customer_contacts": 0, "customer_lifecycle_changes": 1, "customer_tags": 1,
        "customer_vehicles": 1, "customers.referrer_id": 0, "device_links": 1,
        "financing_applications": 1}
}))]
pub struct MergeResultDto {
    pub dry_run: bool,
    /// The survivor after the merge (dry run: as it would be), masked as a GET shows it.
    pub survivor: CustomerDto,
    pub source_ids: Vec<String>,
    pub conflicts: Vec<ConflictDto>,
    pub changes: Vec<FieldChangeDto>,
    /// Rows moved (dry run: that would move) to the survivor, per table.
    pub moved: BTreeMap<String, i64>,
}

/// Erase a customer's personal data.
#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "客户依《个人信息保护法》第47条申请删除个人信息（工单 PIPL-2026-0042）"}))]
pub struct EraseRequest {
    /// Why (the person's request, its reference): written to the audit log.
    #[validate(length(max = 500), custom(function = "rules::text"))]
    #[schema(value_type = Text<500>, inline)]
    pub reason: String,
}

/// A behaviour event as the export shows it.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a5c4-a06f-7d40-9e5f-6a7b8c9d0e12", "event_type": "vehicle_viewed",
    "occurred_at": "2026-11-28T12:01:10Z", "device_id": "wxmp-7f3a9c2e",
    "models": [{"brand": "比亚迪", "model": "汉EV"}], "page": "pages/car/detail", "posted_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a60"}))]
pub struct ExportedBehaviorEvent {
    pub id: String,
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    pub device_id: Option<String>,
    #[schema(value_type = Object)]
    pub models: serde_json::Value,
    pub page: Option<String>,
    pub posted_by: String,
}

/// A device linked to the customer (apps and mini-programs).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"device_id": "wxmp-7f3a9c2e", "linked_at": "2026-11-28T12:01:10Z"}))]
pub struct ExportedDevice {
    pub device_id: String,
    pub linked_at: DateTime<Utc>,
}

/// A financing application of the customer, as stored.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a50", "status": "approved",
    "plan": {"method": "equal_installment", "vehicle_price_cents": 25980000, "down_payment_cents": 7794000, "term_months": 36},
    "quote": {"monthly_payment_cents": 532650}, "subsidy_cents": 0, "documents": [],
    "note": "客户要求尽快放款", "created_at": "2026-12-01T02:00:00Z", "updated_at": "2026-12-02T06:00:00Z"}))]
pub struct ExportedApplication {
    pub id: String,
    pub status: String,
    #[schema(value_type = Object)]
    pub plan: serde_json::Value,
    #[schema(value_type = Object)]
    pub quote: serde_json::Value,
    pub subsidy_cents: i64,
    #[schema(value_type = Vec<Object>)]
    pub documents: serde_json::Value,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Everything held on one person, personal values in clear (PIPL access request).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "exported_at": "2026-12-06T10:00:00Z",
    "profile": {"id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "kind": "individual", "name": "王建国",
        "phone": "138****5678", "phones": [], "email": "wang.jianguo@example.com", "gender": "male",
        "birthday": "1985-06-18", "wechat_openid": null, "wechat_unionid": null,
        "id_card_number": "310115********1234", "other_id_documents": [], "address": "上海市浦东新区****",
        "city": "上海", "region": "华东", "source_channel": "walk_in", "source_detail": null,
        "referrer_id": null, "lifecycle_stage": "customer", "custom_attributes": null, "needs": null,
        "business": null, "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a11",
        "store_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "notes": "周末来店试驾",
        "marketing_consent": true, "status": "active", "version": 4,
        "created_at": "2026-11-02T03:15:00Z", "updated_at": "2026-12-06T09:30:00Z", "archived_at": null},
    "personal_data": {"customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "phone": "+8613812345678",
        "phones": [], "id_card_number": "31011519850618123X", "other_id_documents": [],
        "address": "上海市浦东新区张杨路500号", "contacts": []},
    "consents": [], "activities": [], "behavior_events": [], "devices": [], "vehicles": [],
    "tags": {"manual": [], "dynamic": []}, "financing_applications": [], "attachments": [],
    "merged_customer_ids": [], "leads": [], "deals": [], "test_drives": []
}))]
pub struct PersonalDataExport {
    pub exported_at: DateTime<Utc>,
    /// The profile as a GET shows it, with its contact persons and lifecycle stages
    /// (personal values masked there; in clear below).
    pub profile: CustomerDto,
    /// Every personal value in clear: phones, WeChat ids, identity documents, address, and
    /// the contact persons with their phones.
    pub personal_data: RevealedContact,
    pub consents: Vec<ConsentRecordDto>,
    pub activities: Vec<ActivityDto>,
    pub behavior_events: Vec<ExportedBehaviorEvent>,
    pub devices: Vec<ExportedDevice>,
    pub vehicles: Vec<VehicleDto>,
    pub tags: CustomerTags,
    pub financing_applications: Vec<ExportedApplication>,
    /// Metadata (file names in clear); the contents are downloaded one by one.
    pub attachments: Vec<AttachmentDto>,
    /// The customers merged into this one (their records are among the above).
    pub merged_customer_ids: Vec<String>,
    /// The customer's leads (the payload as received is never shown).
    pub leads: Vec<crate::leads::dto::LeadDto>,
    /// The customer's deals, with documents, collaborators and stage history.
    pub deals: Vec<crate::sales::deals::dto::DealDto>,
    /// The customer's test drives; the driving licence number masked.
    pub test_drives: Vec<crate::sales::test_drives::dto::TestDriveDto>,
}
