//! What `/api/v1/behavior-events` and the behaviour summary read and write.

use std::collections::BTreeMap;

use autocrm_domain::customer::{BehaviorEventType, BehaviorSummary};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::service::{ItemOutcome, PostedEvent};
use crate::app::FieldError;
use crate::validate::schema::string_enum;

string_enum!(BehaviorEventTypeSchema = BehaviorEventType::NAMES);

/// A car model as apps name it.
#[derive(Deserialize, Serialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"brand": "比亚迪", "model": "汉EV"}))]
pub struct ModelInput {
    /// 1 to 60 characters, trimmed.
    pub brand: String,
    /// 1 to 60 characters, trimmed.
    pub model: String,
}

/// One event. Each is checked on its own: a bad item is refused in its result, and the
/// others are still taken.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "event_type": "vehicle_compared", "occurred_at": "2026-11-28T12:05:31Z",
    "device_id": "wxmp-7f3a9c2e", "customer_id": null,
    "models": [{"brand": "比亚迪", "model": "汉EV"}, {"brand": "特斯拉", "model": "Model 3"}]
}))]
pub struct BehaviorEventInput {
    /// vehicle_viewed (one model), vehicle_compared (2 to 10 models),
    /// financing_calculated (at most one), page_viewed (none, with `page`), …
    #[schema(value_type = BehaviorEventTypeSchema, inline)]
    pub event_type: String,
    /// RFC 3339; at most 5 minutes ahead of the server's clock.
    pub occurred_at: String,
    /// The app install or mini-program device (1 to 128 characters). Events of a device
    /// are attached to its customer once an event names both.
    pub device_id: Option<String>,
    /// The customer, when the app knows who is signed in.
    pub customer_id: Option<String>,
    #[serde(default)]
    pub models: Vec<ModelInput>,
    /// The page of a `page_viewed` event (an app route or URL path, at most 500 characters).
    pub page: Option<String>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"events": [
    {"event_type": "vehicle_viewed", "occurred_at": "2026-11-28T12:01:10Z",
     "device_id": "wxmp-7f3a9c2e", "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
     "models": [{"brand": "比亚迪", "model": "汉EV"}]},
    {"event_type": "financing_calculated", "occurred_at": "2026-11-28T12:09:45Z",
     "device_id": "wxmp-7f3a9c2e", "models": [{"brand": "比亚迪", "model": "汉EV"}]}
]}))]
pub struct BehaviorBatch {
    /// 1 to 500 events.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_items = 1, max_items = 500)]
    pub events: Vec<BehaviorEventInput>,
}

impl BehaviorBatch {
    pub fn into_items(self) -> Vec<PostedEvent> {
        self.events
            .into_iter()
            .map(|e| PostedEvent {
                event_type: e.event_type,
                occurred_at: e.occurred_at,
                device_id: e.device_id,
                customer_id: e.customer_id,
                models: e.models.into_iter().map(|m| (m.brand, m.model)).collect(),
                page: e.page,
            })
            .collect()
    }
}

string_enum!(ItemStatusSchema = ["accepted", "rejected"]);

/// What became of one posted event, in the order posted.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"index": 0, "status": "accepted",
    "id": "0193a5c4-a06f-7d40-9e5f-6a7b8c9d0e12",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "errors": []}))]
pub struct ItemResult {
    pub index: usize,
    #[schema(value_type = ItemStatusSchema, inline)]
    pub status: &'static str,
    /// The stored event's id.
    pub id: Option<String>,
    /// The customer it was attached to, if known.
    pub customer_id: Option<String>,
    /// Why it was refused.
    pub errors: Vec<FieldError>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"accepted": 1, "rejected": 1, "results": [
    {"index": 0, "status": "accepted", "id": "0193a5c4-a06f-7d40-9e5f-6a7b8c9d0e12",
     "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "errors": []},
    {"index": 1, "status": "rejected", "id": null, "customer_id": null,
     "errors": [{"field": "event_type", "code": "not_allowed", "message": "must be one of: vehicle_viewed, …"}]}
]}))]
pub struct BatchResult {
    pub accepted: usize,
    pub rejected: usize,
    pub results: Vec<ItemResult>,
}

impl BatchResult {
    pub fn of(outcomes: Vec<ItemOutcome>) -> Self {
        let results: Vec<ItemResult> = outcomes
            .into_iter()
            .enumerate()
            .map(|(index, outcome)| match outcome {
                ItemOutcome::Accepted { id, customer_id } => ItemResult {
                    index,
                    status: "accepted",
                    id: Some(id),
                    customer_id,
                    errors: Vec::new(),
                },
                ItemOutcome::Rejected(errors) => ItemResult {
                    index,
                    status: "rejected",
                    id: None,
                    customer_id: None,
                    errors,
                },
            })
            .collect();
        let accepted = results.iter().filter(|r| r.status == "accepted").count();
        Self {
            accepted,
            rejected: results.len() - accepted,
            results,
        }
    }
}

/// How much the customer looked at one model.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"brand": "比亚迪", "model": "汉EV", "views": 6, "comparisons": 2,
    "days_viewed": 3, "last_viewed_at": "2026-11-28T12:01:10Z"}))]
pub struct ModelInterestDto {
    pub brand: String,
    pub model: String,
    pub views: u32,
    /// Comparisons that included the model.
    pub comparisons: u32,
    /// Distinct local days with a view of the model.
    pub days_viewed: u32,
    pub last_viewed_at: Option<DateTime<Utc>>,
}

/// A customer's behaviour at a glance.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "events": 14, "days_active": 4, "first_seen_at": "2026-11-20T11:00:00Z",
    "last_seen_at": "2026-11-28T12:09:45Z", "last_active_on": "2026-11-28",
    "by_type": {"vehicle_viewed": 8, "vehicle_compared": 3, "financing_calculated": 2, "page_viewed": 1},
    "models": [{"brand": "比亚迪", "model": "汉EV", "views": 6, "comparisons": 3,
                "days_viewed": 3, "last_viewed_at": "2026-11-28T12:01:10Z"}]
}))]
pub struct BehaviorSummaryDto {
    pub events: u32,
    /// Distinct local days with at least one event.
    pub days_active: u32,
    pub first_seen_at: Option<DateTime<Utc>>,
    /// Last seen.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// The organisation's local day of the latest event.
    pub last_active_on: Option<NaiveDate>,
    /// Events by type.
    pub by_type: BTreeMap<String, u32>,
    /// Views and comparisons per model: most viewed first.
    pub models: Vec<ModelInterestDto>,
}

impl From<BehaviorSummary> for BehaviorSummaryDto {
    fn from(s: BehaviorSummary) -> Self {
        Self {
            events: s.events,
            days_active: s.days_active,
            first_seen_at: s.first_seen_at,
            last_seen_at: s.last_seen_at,
            last_active_on: s.last_active_on,
            by_type: s
                .by_type
                .iter()
                .map(|(t, n)| (t.as_str().to_owned(), *n))
                .collect(),
            models: s
                .models
                .into_iter()
                .map(|m| ModelInterestDto {
                    brand: m.model.brand().to_owned(),
                    model: m.model.model().to_owned(),
                    views: m.views,
                    comparisons: m.comparisons,
                    days_viewed: m.days_viewed,
                    last_viewed_at: m.last_viewed_at,
                })
                .collect(),
        }
    }
}
