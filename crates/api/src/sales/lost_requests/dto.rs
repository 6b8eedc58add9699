//! What the lost request endpoints read and write.

use autocrm_domain::leads::{LOST_NOTE_MAX, LostPolicy, LostReason, LostRequestStatus};
use autocrm_persistence::models::LostRequestRow;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::http::pagination::Cursor;
use crate::validate::rules;
use crate::validate::schema::{OptionalText, string_enum};

string_enum!(ReasonSchema = LostReason::NAMES);
string_enum!(StatusSchema = LostRequestStatus::NAMES);

const _: () = assert!(LOST_NOTE_MAX == 1000);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "competitor", "note": "客户已在4S店订了理想L6，定金已付"}))]
pub struct CreateLostRequest {
    /// price, competitor, financing_refused, no_stock, timing or other (`other` needs a note).
    #[validate(custom(function = "rules::one_of::<LostReason>"))]
    #[schema(value_type = ReasonSchema, inline)]
    pub reason: String,
    #[validate(length(max = 1000), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<1000>>, inline)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "同意，客户已明确购买竞品"}))]
pub struct Decision {
    #[validate(length(max = 500), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<500>>, inline)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "客户来电，重新考虑购车"}))]
pub struct Reactivate {
    #[validate(length(max = 500), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<500>>, inline)]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LostRequestQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
    /// `pending` is the same as `requested`: the queue waiting for a decision.
    #[param(value_type = Option<String>, inline)]
    pub status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5f2-4d5e-7f00-8a1b-5c6d7e8f9a00",
    "lead_id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70", "deal_id": null,
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "reason": "competitor", "note": "客户已在4S店订了理想L6，定金已付", "status": "requested",
    "requested_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "requested_at": "2026-12-08T09:00:00Z",
    "decided_by": null, "decided_at": null, "decision_note": null, "version": 1
}))]
pub struct LostRequestDto {
    pub id: String,
    pub lead_id: Option<String>,
    pub deal_id: Option<String>,
    pub customer_id: String,
    pub store_id: Option<String>,
    pub reason: String,
    pub note: Option<String>,
    /// requested (waiting), approved or rejected.
    pub status: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub version: i64,
}

impl From<LostRequestRow> for LostRequestDto {
    fn from(r: LostRequestRow) -> Self {
        Self {
            id: r.id,
            lead_id: r.lead_id,
            deal_id: r.deal_id,
            customer_id: r.customer_id,
            store_id: r.store_id,
            reason: r.reason,
            note: r.note,
            status: r.status,
            requested_by: r.requested_by,
            requested_at: r.created_at.and_utc(),
            decided_by: r.decided_by,
            decided_at: r.decided_at.map(|t| t.and_utc()),
            decision_note: r.decision_note,
            version: r.version,
        }
    }
}

/// The organisation's lost policy.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"approval_required": true}))]
pub struct LostPolicyDto {
    /// `false`: a lost request is approved the moment it is made.
    pub approval_required: bool,
}

impl From<LostPolicy> for LostPolicyDto {
    fn from(p: LostPolicy) -> Self {
        Self {
            approval_required: p.approval_required,
        }
    }
}
