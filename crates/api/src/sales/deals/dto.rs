//! What the deal endpoints read and write.

use std::collections::{BTreeMap, BTreeSet};

use autocrm_domain::customer::PaymentMethod;
use autocrm_domain::sales::deals::{AttachmentKind, DealConfig, DealStage, GateRequirement};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::service::{DealChanges, DealView, NewDeal, VehicleRef};
use crate::http::pagination::Cursor;
use crate::validate::patch_field;
use crate::validate::rules;
use crate::validate::schema::{Id, OptionalText, Text, UuidText, string_enum};
use autocrm_persistence::models::{
    Deal, DealCollaborator, DealComment, DealDocument, DealStageChange,
};

string_enum!(StageSchema = DealStage::NAMES);
string_enum!(DocumentKindSchema = AttachmentKind::NAMES);
string_enum!(PaymentSchema = PaymentMethod::NAMES);

/// The car a deal sells: exactly one of its id, its stock number or its VIN.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"stock_number": "SZ-2026-0815"}))]
pub struct VehicleRefDto {
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub vehicle_id: Option<String>,
    #[validate(length(max = 40), custom(function = "rules::text"))]
    #[schema(value_type = Option<Text<40>>, inline)]
    pub stock_number: Option<String>,
    #[validate(length(max = 17), custom(function = "rules::text"))]
    #[schema(value_type = Option<Text<17>>, inline)]
    pub vin: Option<String>,
}

impl VehicleRefDto {
    fn into_ref(self) -> Option<VehicleRef> {
        if let Some(id) = self.vehicle_id {
            return Some(VehicleRef::Id(rules::normalised_id(&id).unwrap_or(id)));
        }
        if let Some(n) = self.stock_number {
            return Some(VehicleRef::StockNumber(n.trim().to_owned()));
        }
        self.vin.map(VehicleRef::Vin)
    }
}

fn one_vehicle(v: &VehicleRefDto) -> Result<(), validator::ValidationError> {
    let given = [
        v.vehicle_id.is_some(),
        v.stock_number.is_some(),
        v.vin.is_some(),
    ]
    .iter()
    .filter(|g| **g)
    .count();
    if given == 1 {
        Ok(())
    } else {
        let mut e = validator::ValidationError::new("invalid");
        e.message = Some("give exactly one of vehicle_id, stock_number or vin".into());
        Err(e)
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "lead_id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70",
    "title": "王先生 比亚迪汉 EV 购车", "payment": "loan", "amount_cents": 21980000,
    "expected_close_date": "2026-12-31", "vehicle": {"stock_number": "SZ-2026-0815"},
    "note": "客户比较了小鹏P7，倾向汉EV，关注金融方案"
}))]
pub struct CreateDeal {
    /// An open lead the caller sees (422 `not_found` otherwise); it becomes `converted`.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub lead_id: Option<String>,
    /// Without `lead_id`: a customer the caller sees (422 `not_found` otherwise).
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub customer_id: Option<String>,
    /// Without it: the customer's name and the car.
    #[validate(length(max = 200), custom(function = "rules::text"))]
    #[schema(value_type = Option<Text<200>>, inline)]
    pub title: Option<String>,
    /// cash, loan or lease: only loans and leases pass through financing approval.
    #[validate(custom(function = "rules::one_of::<PaymentMethod>"))]
    #[schema(value_type = Option<PaymentSchema>, inline)]
    pub payment: Option<String>,
    /// In fen; without it, the car's asking price.
    #[validate(range(min = 0, max = 100_000_000_000i64))]
    #[schema(minimum = 0, maximum = 100_000_000_000i64)]
    pub amount_cents: Option<i64>,
    pub expected_close_date: Option<NaiveDate>,
    #[validate(nested, custom(function = "one_vehicle"))]
    pub vehicle: Option<VehicleRefDto>,
    #[validate(length(max = 2000), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<2000>>, inline)]
    pub note: Option<String>,
}

impl CreateDeal {
    pub fn into_command(self) -> NewDeal {
        NewDeal {
            lead_id: self.lead_id.map(|i| rules::normalised_id(&i).unwrap_or(i)),
            customer_id: self
                .customer_id
                .map(|i| rules::normalised_id(&i).unwrap_or(i)),
            title: self.title.map(|t| t.trim().to_owned()),
            payment: self.payment.and_then(|p| p.parse().ok()),
            amount_cents: self.amount_cents,
            expected_close_date: self.expected_close_date,
            vehicle: self.vehicle.and_then(VehicleRefDto::into_ref),
            note: rules::trimmed(self.note.as_deref()),
        }
    }
}

/// A merge patch: a field left out keeps its value, `null` clears it.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount_cents": 21580000, "expected_close_date": "2026-12-28",
    "vehicle": {"vin": "LGXCE6CB0P2000017"}}))]
pub struct PatchDeal {
    #[validate(length(max = 200), custom(function = "rules::text"))]
    #[schema(value_type = Option<Text<200>>, inline)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::one_of::<PaymentMethod>"))]
    #[schema(value_type = Option<PaymentSchema>, inline)]
    pub payment: Option<Option<String>>,
    /// In fen.
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(range(min = 0, max = 100_000_000_000i64))]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 100_000_000_000i64)]
    pub amount_cents: Option<Option<i64>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<NaiveDate>)]
    pub expected_close_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(nested, custom(function = "one_vehicle"))]
    #[schema(value_type = Option<VehicleRefDto>)]
    pub vehicle: Option<Option<VehicleRefDto>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 2000), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<2000>>, inline)]
    pub note: Option<Option<String>>,
    /// A colleague to own the deal: sales managers, general managers and admins only.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub owner_id: Option<String>,
}

impl PatchDeal {
    pub fn into_changes(self) -> DealChanges {
        DealChanges {
            title: self.title.map(|t| t.trim().to_owned()),
            payment: self.payment.map(|p| p.and_then(|p| p.parse().ok())),
            amount_cents: self.amount_cents,
            expected_close_date: self.expected_close_date,
            vehicle: self.vehicle.map(|v| v.and_then(VehicleRefDto::into_ref)),
            note: self.note.map(|n| rules::trimmed(n.as_deref())),
            owner_id: self.owner_id.map(|i| rules::normalised_id(&i).unwrap_or(i)),
        }
    }
}

/// A document waived, with the reason.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"gate": "test_drive_agreement", "reason": "客户已有同款车，无需试驾"}))]
pub struct WaiverDto {
    /// The document the gate asks for.
    #[validate(custom(function = "rules::one_of::<AttachmentKind>"))]
    #[schema(value_type = DocumentKindSchema, inline)]
    pub gate: String,
    #[validate(length(max = 500), custom(function = "rules::text"))]
    #[schema(value_type = Text<500>, inline)]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "contract",
    "waivers": [{"gate": "test_drive_agreement", "reason": "客户已有同款车，无需试驾"}]}))]
pub struct MoveStage {
    /// The stage to enter (not `lost`: that takes a lost request).
    #[validate(custom(function = "rules::one_of::<DealStage>"))]
    #[schema(value_type = StageSchema, inline)]
    pub to: String,
    #[validate(nested, length(max = 10))]
    #[schema(max_items = 10)]
    pub waivers: Option<Vec<WaiverDto>>,
}

impl MoveStage {
    pub fn into_command(self) -> (DealStage, BTreeMap<AttachmentKind, String>) {
        let to = self.to.parse().unwrap_or(DealStage::Qualified);
        let waivers = self
            .waivers
            .unwrap_or_default()
            .into_iter()
            .filter_map(|w| Some((w.gate.parse().ok()?, w.reason.trim().to_owned())))
            .collect();
        (to, waivers)
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"attachment_id": "0193a5f1-3c4d-7e00-8f1a-4b5c6d7e8f90",
    "kind": "signed_contract"}))]
pub struct AddDocument {
    /// An attachment uploaded with `owner_type=deal` and this deal's id.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Id, inline)]
    pub attachment_id: String,
    #[validate(custom(function = "rules::one_of::<AttachmentKind>"))]
    #[schema(value_type = DocumentKindSchema, inline)]
    pub kind: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"user_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a99",
    "role_note": "金融专员，协助设计贷款方案"}))]
pub struct AddCollaborator {
    /// An active user of the organisation (422 `not_found` otherwise).
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Id, inline)]
    pub user_id: String,
    #[validate(length(max = 200), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<200>>, inline)]
    pub role_note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "@李经理 客户希望再让2000元，能否申请？",
    "mentions": ["0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a55"]}))]
pub struct AddComment {
    #[validate(length(max = 2000), custom(function = "rules::text"))]
    #[schema(value_type = Text<2000>, inline)]
    pub body: String,
    /// Users of the organisation to notify (422 naming the one that is not).
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub mentions: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DealListQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
    #[param(value_type = Option<StageSchema>, inline)]
    pub stage: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub owner_id: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub store_id: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub customer_id: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub lead_id: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a5f1-3c4d-7e00-8f1a-4b5c6d7e8f91",
    "attachment_id": "0193a5f1-3c4d-7e00-8f1a-4b5c6d7e8f90", "kind": "signed_contract",
    "added_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "added_at": "2026-12-08T09:00:00Z"}))]
pub struct DealDocumentDto {
    pub id: String,
    pub attachment_id: String,
    pub kind: String,
    pub added_by: String,
    pub added_at: DateTime<Utc>,
}

impl From<DealDocument> for DealDocumentDto {
    fn from(d: DealDocument) -> Self {
        Self {
            id: d.id,
            attachment_id: d.attachment_id,
            kind: d.kind,
            added_by: d.added_by,
            added_at: d.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"user_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a99",
    "role_note": "金融专员，协助设计贷款方案",
    "added_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "added_at": "2026-12-08T09:00:00Z"}))]
pub struct CollaboratorDto {
    pub user_id: String,
    pub role_note: Option<String>,
    pub added_by: String,
    pub added_at: DateTime<Utc>,
}

impl From<DealCollaborator> for CollaboratorDto {
    fn from(c: DealCollaborator) -> Self {
        Self {
            user_id: c.user_id,
            role_note: c.role_note,
            added_by: c.added_by,
            added_at: c.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"from_stage": "quote", "to_stage": "contract",
    "waivers": {"test_drive_agreement": "客户已有同款车，无需试驾"},
    "actor": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "at": "2026-12-08T09:00:00Z"}))]
pub struct StageChangeDto {
    /// `null` for the stage it was opened in.
    pub from_stage: Option<String>,
    pub to_stage: String,
    #[schema(value_type = Option<Object>)]
    pub waivers: Option<serde_json::Value>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

impl From<DealStageChange> for StageChangeDto {
    fn from(c: DealStageChange) -> Self {
        Self {
            from_stage: c.from_stage,
            to_stage: c.to_stage,
            waivers: c.waivers.and_then(|w| serde_json::from_str(&w).ok()),
            actor: c.actor,
            at: c.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5f0-2b3c-7d00-8e1f-3a4b5c6d7e80",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "lead_id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "title": "王先生 比亚迪汉 EV 购车", "stage": "quote", "probability_percent": 50,
    "payment": "loan", "amount_cents": 21980000, "expected_close_date": "2026-12-31",
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80",
    "note": "客户比较了小鹏P7，倾向汉EV，关注金融方案", "lost_reason": null, "closed_at": null,
    "created_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "created_at": "2026-12-07T10:00:00Z", "updated_at": "2026-12-08T09:00:00Z", "version": 3
}))]
pub struct DealDto {
    pub id: String,
    pub customer_id: String,
    pub lead_id: Option<String>,
    pub store_id: Option<String>,
    pub owner_id: Option<String>,
    pub title: String,
    pub stage: String,
    /// The stage's win probability (the organisation's settings).
    pub probability_percent: u8,
    pub payment: Option<String>,
    /// In fen.
    pub amount_cents: Option<i64>,
    pub expected_close_date: Option<String>,
    pub vehicle_id: Option<String>,
    pub note: Option<String>,
    /// Set when it was lost.
    pub lost_reason: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// Single-deal answers only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<DealDocumentDto>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collaborators: Option<Vec<CollaboratorDto>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage_changes: Option<Vec<StageChangeDto>>,
}

impl DealDto {
    pub fn row(d: Deal, probability_percent: u8) -> Self {
        Self {
            id: d.id,
            customer_id: d.customer_id,
            lead_id: d.lead_id,
            store_id: d.store_id,
            owner_id: d.owner_id,
            title: d.title,
            stage: d.stage,
            probability_percent,
            payment: d.payment,
            amount_cents: d.amount_cents,
            expected_close_date: d.expected_close_date,
            vehicle_id: d.vehicle_id,
            note: d.note,
            lost_reason: d.lost_reason,
            closed_at: d.closed_at.map(|t| t.and_utc()),
            created_by: d.created_by,
            created_at: d.created_at.and_utc(),
            updated_at: d.updated_at.and_utc(),
            version: d.version,
            documents: None,
            collaborators: None,
            stage_changes: None,
        }
    }
}

impl From<DealView> for DealDto {
    fn from(v: DealView) -> Self {
        let mut dto = DealDto::row(v.deal, v.probability_percent);
        dto.documents = Some(v.documents.into_iter().map(Into::into).collect());
        dto.collaborators = Some(v.collaborators.into_iter().map(Into::into).collect());
        dto.stage_changes = Some(v.stage_changes.into_iter().map(Into::into).collect());
        dto
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a5f3-5e6f-7a00-8b1c-6d7e8f9a0b10",
    "author_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "body": "@李经理 客户希望再让2000元，能否申请？",
    "mentions": ["0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a55"], "created_at": "2026-12-08T09:00:00Z"}))]
pub struct CommentDto {
    pub id: String,
    pub author_id: String,
    pub body: Option<String>,
    pub mentions: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl From<DealComment> for CommentDto {
    fn from(c: DealComment) -> Self {
        Self {
            id: c.id,
            author_id: c.author_id,
            body: c.body,
            mentions: serde_json::from_str(&c.mentions).unwrap_or_default(),
            created_at: c.created_at.and_utc(),
        }
    }
}

/// The pipeline settings: optional stages, gates and probabilities.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "optional_stages": ["store_visit", "test_drive"],
    "gates": {
        "contract": [{"attachment": "test_drive_agreement", "waivable": true}],
        "delivery": [{"attachment": "signed_contract", "waivable": false},
                     {"attachment": "vehicle_condition_confirmation", "waivable": false}]
    },
    "probability_percent": {"qualified": 10, "store_visit": 20, "test_drive": 35, "quote": 50,
        "contract": 75, "financing_approval": 85, "delivery": 95}
}))]
pub struct DealSettingsDto {
    /// Stages a deal may skip: a subset of store_visit, test_drive, quote.
    #[schema(value_type = Vec<StageSchema>)]
    pub optional_stages: BTreeSet<DealStage>,
    /// Per stage, the documents a deal needs to enter it (`waivable`: a waiver with a reason
    /// may stand in).
    #[schema(value_type = Object)]
    pub gates: BTreeMap<DealStage, Vec<GateRequirement>>,
    /// Per open stage, the win probability in percent, never falling along the pipeline.
    #[schema(value_type = Object)]
    pub probability_percent: BTreeMap<DealStage, u8>,
}

impl Validate for DealSettingsDto {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        // The domain's `DealConfig::validate` checks it, naming every problem.
        Ok(())
    }
}

impl From<DealConfig> for DealSettingsDto {
    fn from(c: DealConfig) -> Self {
        Self {
            optional_stages: c.optional_stages,
            gates: c.gates,
            probability_percent: c.probability_percent,
        }
    }
}

impl From<DealSettingsDto> for DealConfig {
    fn from(d: DealSettingsDto) -> Self {
        DealConfig {
            optional_stages: d.optional_stages,
            gates: d.gates,
            probability_percent: d.probability_percent,
        }
    }
}
