//! What the lead endpoints answer and read (intake bodies live in `intake::dto`).

use autocrm_domain::leads::scoring::LeadScore;
use autocrm_domain::leads::{LeadGrade, LeadNeeds, LeadStatus};
use autocrm_persistence::models::{Lead, LeadHistoryEntry};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::http::pagination::Cursor;
use crate::validate::rules;
use crate::validate::schema::{Id, OptionalText, Text, UuidText, string_enum};

string_enum!(StatusSchema = LeadStatus::NAMES);
string_enum!(GradeSchema = LeadGrade::NAMES);

/// A lead with its customer's name and masked phone.
#[derive(Debug, Clone)]
pub struct ShownLead {
    pub lead: Lead,
    pub customer_name: Option<String>,
    pub customer_phone: Option<String>,
}

/// A lead. The payload as received is kept sealed for 90 days and never shown.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "customer_name": "王磊",
    "customer_phone": "138****5678",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "in_pool": false,
    "status": "new", "grade": "a", "score": 68,
    "score_detail": {"grade": "a", "score": 68, "factor_points": 62,
        "reasons": [{"factor": "timeframe", "points": 20, "max_points": 25,
            "observed": {"kind": "timeframe", "timeframe": "within_15_days"}}],
        "grade_reasons": [{"step": {"kind": "stated_timeframe", "timeframe": "within_15_days"}, "grade": "a"}]},
    "source": "autohome", "source_lead_id": "AH20261207000123", "campaign_id": "2026-1212-byd",
    "utm": {"source": "autohome", "medium": "cpl"}, "referrer": null,
    "needs": {"wanted": {"condition": "new", "brand": "比亚迪", "model": "汉EV", "budget_max_cents": 26000000},
        "timeframe": "within_15_days", "payment": "loan"},
    "created_by": "0193a5c4-9a8b-7c00-8d1e-2f3a4b5c6d99",
    "assigned_at": "2026-12-07T02:00:00Z", "last_worked_at": "2026-12-07T02:00:00Z",
    "pool_since": null, "version": 2,
    "created_at": "2026-12-07T02:00:00Z", "updated_at": "2026-12-07T02:00:00Z"
}))]
pub struct LeadDto {
    pub id: String,
    pub customer_id: String,
    pub customer_name: Option<String>,
    /// Masked.
    pub customer_phone: Option<String>,
    pub store_id: Option<String>,
    /// `null` while the lead waits in the pool (公海).
    pub owner_id: Option<String>,
    pub in_pool: bool,
    #[schema(value_type = StatusSchema, inline)]
    pub status: String,
    /// H buys within 7 days, A within 15, B within 30, C later or unknown.
    #[schema(value_type = GradeSchema, inline)]
    pub grade: String,
    /// 0–100: ranks leads within and across grades.
    pub score: i32,
    /// Why: each factor's points and what it looked at; how the grade was reached.
    #[schema(value_type = Option<Object>)]
    pub score_detail: Option<LeadScore>,
    pub source: String,
    pub source_lead_id: Option<String>,
    pub campaign_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub utm: Option<serde_json::Value>,
    pub referrer: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub needs: Option<LeadNeeds>,
    /// The user or API client who entered it.
    pub created_by: String,
    pub assigned_at: Option<DateTime<Utc>>,
    pub last_worked_at: Option<DateTime<Utc>>,
    pub pool_since: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ShownLead> for LeadDto {
    fn from(shown: ShownLead) -> Self {
        let l = shown.lead;
        LeadDto {
            score_detail: serde_json::from_str(&l.score_detail).ok(),
            utm: l.utm.as_deref().and_then(|u| serde_json::from_str(u).ok()),
            needs: l
                .needs
                .as_deref()
                .and_then(|n| serde_json::from_str(n).ok()),
            in_pool: l.owner_id.is_none(),
            customer_name: shown.customer_name,
            customer_phone: shown.customer_phone,
            id: l.id,
            customer_id: l.customer_id,
            store_id: l.store_id,
            owner_id: l.owner_id,
            status: l.status,
            grade: l.grade,
            score: l.score,
            source: l.source,
            source_lead_id: l.source_lead_id,
            campaign_id: l.campaign_id,
            referrer: l.referrer,
            created_by: l.created_by,
            assigned_at: l.assigned_at.map(|t| t.and_utc()),
            last_worked_at: l.last_worked_at.map(|t| t.and_utc()),
            pool_since: l.pool_since.map(|t| t.and_utc()),
            version: l.version,
            created_at: l.created_at.and_utc(),
            updated_at: l.updated_at.and_utc(),
        }
    }
}

/// A lead as intake answers it: `duplicate` when the source had sent it already (nothing
/// was written), `customer_created` when intake created its customer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"duplicate": false, "customer_created": true, "lead": {"id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70", "status": "new", "grade": "a"}}))]
pub struct IntakeDto {
    pub duplicate: bool,
    pub customer_created: bool,
    pub lead: LeadDto,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LeadListQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
    /// Comma-separated statuses; open ones (new, contacted, qualified) by default; `all`
    /// for every status.
    #[param(value_type = Option<String>, pattern = "^[a-z_,]*$")]
    pub status: Option<String>,
    #[param(value_type = Option<GradeSchema>, inline)]
    pub grade: Option<String>,
    /// A source channel.
    #[param(value_type = Option<String>, max_length = 64)]
    pub source: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub store_id: Option<String>,
    /// A user id, or `pool` for the unowned leads (公海).
    #[param(value_type = Option<String>, max_length = 36)]
    pub owner_id: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub customer_id: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
}

/// One thing that happened to a lead.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5e0-2b3c-7c00-8d1e-2f3a4b5c6d71", "kind": "assigned",
    "from_user_id": null, "to_user_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "from_value": null, "to_value": null, "reason": null,
    "detail": {"rule": {"index": 0, "name": "浦东店新车线索轮询"}, "strategy": "round_robin"},
    "actor": "0193a5c4-9a8b-7c00-8d1e-2f3a4b5c6d99", "created_at": "2026-12-07T02:00:00Z"
}))]
pub struct LeadHistoryDto {
    pub id: String,
    /// created, assigned, reassigned, claimed, returned_to_pool, grade_changed,
    /// status_changed, handed_over, lost_requested, lost_decided, reactivated.
    pub kind: String,
    pub from_user_id: Option<String>,
    pub to_user_id: Option<String>,
    pub from_value: Option<String>,
    pub to_value: Option<String>,
    pub reason: Option<String>,
    /// The routing decision (rule, strategy, who was passed over and why), and the like.
    #[schema(value_type = Option<Object>)]
    pub detail: Option<serde_json::Value>,
    /// The user, API client or `system:<job>` that did it.
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

impl From<LeadHistoryEntry> for LeadHistoryDto {
    fn from(e: LeadHistoryEntry) -> Self {
        LeadHistoryDto {
            detail: e
                .detail
                .as_deref()
                .and_then(|d| serde_json::from_str(d).ok()),
            id: e.id,
            kind: e.kind,
            from_user_id: e.from_user_id,
            to_user_id: e.to_user_id,
            from_value: e.from_value,
            to_value: e.to_value,
            reason: e.reason,
            actor: e.actor,
            created_at: e.created_at.and_utc(),
        }
    }
}

fn working_status(value: &str) -> Result<(), validator::ValidationError> {
    rules::one_of_names(value, &["contacted", "qualified", "invalid"])
}

/// What a consultant changes on a lead: its status along the way (contacted, qualified;
/// invalid for spam, a wrong number or a duplicate) and its needs (which update the
/// customer's and rescore the lead). Lost goes through a lost request, converted through a
/// deal.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "qualified", "needs": {"wanted": {"brand": "比亚迪", "model": "汉EV"}, "timeframe": "within_7_days"}}))]
pub struct PatchLead {
    #[validate(custom(function = "working_status"))]
    #[schema(value_type = Option<String>, pattern = "^(contacted|qualified|invalid)$")]
    pub status: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub needs: Option<LeadNeeds>,
    /// Why (kept on the history), e.g. why a lead is invalid.
    #[validate(length(max = 500), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<500>>, inline)]
    pub reason: Option<String>,
}

/// A manager gives the lead to another consultant.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a13", "reason": "原顾问休假，客户催促报价"}))]
pub struct AssignLead {
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Id, inline)]
    pub owner_id: String,
    #[validate(length(min = 1, max = 500), custom(function = "rules::text"))]
    #[schema(value_type = Text<500>, inline)]
    pub reason: String,
}
