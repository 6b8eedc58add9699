//! What the behaviour-trigger endpoints read and write.

use autocrm_domain::leads::triggers::TriggerConfig;
use autocrm_persistence::models::LeadTriggerFiring;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::http::pagination::Cursor;

/// An organisation's behaviour triggers: each rule counts one kind of event (model viewed,
/// financing calculator used, quote requested, store visit, ...) over the last
/// `within_days`, per model or not, and when the threshold (a count of events, or of
/// different days) is met opens a task of its kind for the lead's owner, once per window.
#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BehaviorTriggersDto(pub TriggerConfig);

crate::validate::schema::schema_marker!(
    BehaviorTriggersDto,
    crate::validate::schema::domain_object(
        "An organisation's behaviour triggers: each rule counts one kind of event (model_viewed, financing_calculator_used, quote_requested, test_drive_booked, store_visit, test_drive, customer_reply, contact_attempt) over the last `within_days` (1 to 90), per model (`per_subject`) or not; when the threshold (`events` with a `count`, or `distinct_days` with `days`) is met it opens a task (`kind`, due `due_in_minutes` later) for the lead's owner, once per window. Keys are 1 to 64 of a-z, 0-9, '_', '-', '.', unique; names 1 to 100 characters.",
        serde_json::json!({"rules": [
            {"key": "repeat_model_views", "name": "到店议价提醒", "event": "model_viewed",
             "per_subject": true, "threshold": {"kind": "distinct_days", "days": 3},
             "within_days": 7, "task": {"kind": "price_talk", "due_in_minutes": 240}},
            {"key": "financing_calculator_twice", "name": "金融方案咨询",
             "event": "financing_calculator_used", "per_subject": false,
             "threshold": {"kind": "events", "count": 2}, "within_days": 7,
             "task": {"kind": "finance_consultation", "due_in_minutes": 240}}
        ]})
    )
);

/// The domain's own `validate` checks it, field by field, in the service.
impl Validate for BehaviorTriggersDto {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

/// One firing of a rule for a lead's customer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5f2-3c4d-7e00-8f1a-5b6c7d8e9f01",
    "rule_key": "repeat_model_views", "rule_name": "到店议价提醒",
    "lead_id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "subject": "比亚迪 汉EV", "events": 3, "days": 3,
    "window_start": "2026-12-03T11:20:00Z", "covered_until": "2026-12-05T12:41:00Z",
    "task_id": "0193a5f2-3c4d-7e00-8f1a-5b6c7d8e9f02",
    "fired_at": "2026-12-05T12:41:02Z"
}))]
pub struct TriggerFiringDto {
    pub id: String,
    pub rule_key: String,
    /// The rule's name when it fired (shown on the task).
    pub rule_name: String,
    pub lead_id: String,
    pub customer_id: String,
    /// The model (`brand model`) of a rule counted per model.
    pub subject: Option<String>,
    /// Events and different local days in the window.
    pub events: i32,
    pub days: i32,
    /// The window's first and last event: events up to `covered_until` are spent.
    pub window_start: DateTime<Utc>,
    pub covered_until: DateTime<Utc>,
    /// The task opened for the lead's owner.
    pub task_id: Option<String>,
    pub fired_at: DateTime<Utc>,
}

impl From<LeadTriggerFiring> for TriggerFiringDto {
    fn from(f: LeadTriggerFiring) -> Self {
        Self {
            id: f.id,
            rule_key: f.rule_key,
            rule_name: f.rule_name,
            lead_id: f.lead_id,
            customer_id: f.customer_id,
            subject: f.subject,
            events: f.event_count,
            days: f.day_count,
            window_start: f.window_start.and_utc(),
            covered_until: f.covered_until.and_utc(),
            task_id: f.task_id,
            fired_at: f.fired_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FiringsQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
}
