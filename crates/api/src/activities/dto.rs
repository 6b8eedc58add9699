//! What `/api/v1/customers/{id}/activities` reads and writes.

use autocrm_domain::customer::{ActivityKind, ActivityOutcome};
use autocrm_persistence::models::Activity;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use super::service::NewActivity;
use crate::http::pagination::Cursor;
use crate::validate::rules;
use crate::validate::schema::{Id, OptionalText, string_enum};

string_enum!(ActivityKindSchema = ActivityKind::NAMES);
string_enum!(ActivityOutcomeSchema = ActivityOutcome::NAMES);

/// Most attachments one activity refers to.
pub const MAX_ATTACHMENTS: usize = 20;

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "test_drive", "outcome": "completed", "occurred_at": "2026-11-28T06:30:00Z",
    "next_follow_up_at": "2026-11-30T02:00:00Z",
    "content": "试驾比亚迪汉EV，对续航满意，担心充电桩安装，周一回访报价",
    "attachment_ids": []
}))]
pub struct CreateActivity {
    /// call, wechat, sms, email, store_visit, test_drive, note.
    #[validate(custom(function = "rules::one_of::<ActivityKind>"))]
    #[schema(value_type = ActivityKindSchema, inline)]
    pub kind: String,
    /// How it went; must fit the kind (a note has none; a call is `reached`, `no_answer`…;
    /// a visit or test drive is `completed`, `no_show`…).
    #[validate(custom(function = "rules::one_of::<ActivityOutcome>"))]
    #[schema(value_type = Option<ActivityOutcomeSchema>, inline)]
    pub outcome: Option<String>,
    /// When it happened (RFC 3339); defaults to now, never later than now.
    pub occurred_at: Option<DateTime<Utc>>,
    /// When to follow up next; after `occurred_at`.
    pub next_follow_up_at: Option<DateTime<Utc>>,
    /// Free text: what was said or agreed. Personal data: it is never put into events.
    #[validate(length(max = 4000), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<4000>>, inline)]
    pub content: Option<String>,
    /// Ids of the customer's own stored attachments (call recordings, chat screenshots),
    /// uploaded with `owner_type=customer`.
    #[serde(default)]
    #[validate(length(max = 20), custom(function = "ids"))]
    #[schema(value_type = Vec<Id>, max_items = 20)]
    pub attachment_ids: Vec<String>,
}

fn ids(values: &[String]) -> Result<(), ValidationError> {
    values.iter().try_for_each(|v| rules::id(v))
}

impl CreateActivity {
    pub fn into_command(self) -> NewActivity {
        let mut attachment_ids: Vec<String> = self
            .attachment_ids
            .iter()
            .filter_map(|i| rules::normalised_id(i))
            .collect();
        attachment_ids.dedup();
        NewActivity {
            kind: self.kind.parse().unwrap_or(ActivityKind::Note),
            outcome: self.outcome.and_then(|o| o.parse().ok()),
            occurred_at: self.occurred_at.map(|t| t.naive_utc()),
            next_follow_up_at: self.next_follow_up_at.map(|t| t.naive_utc()),
            content: rules::trimmed(self.content.as_deref()),
            attachment_ids,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-8c3d-7a10-9b2c-3d4e5f6a7b80",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "kind": "call",
    "outcome": "appointment_booked", "occurred_at": "2026-11-27T02:10:00Z",
    "next_follow_up_at": "2026-11-29T01:00:00Z", "content": "邀约周六到店试驾汉EV",
    "attachment_ids": ["0193a5c4-9e5f-7c30-8d4e-5f6a7b8c9d01"],
    "created_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "created_at": "2026-11-27T02:15:00Z"
}))]
pub struct ActivityDto {
    pub id: String,
    pub customer_id: String,
    #[schema(value_type = ActivityKindSchema, inline)]
    pub kind: String,
    #[schema(value_type = Option<ActivityOutcomeSchema>, inline)]
    pub outcome: Option<String>,
    pub occurred_at: DateTime<Utc>,
    pub next_follow_up_at: Option<DateTime<Utc>>,
    pub content: Option<String>,
    pub attachment_ids: Vec<String>,
    /// The user or API client that recorded it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<Activity> for ActivityDto {
    fn from(a: Activity) -> Self {
        Self {
            attachment_ids: a.attachments(),
            id: a.id,
            customer_id: a.customer_id,
            kind: a.kind,
            outcome: a.outcome,
            occurred_at: a.occurred_at.and_utc(),
            next_follow_up_at: a.next_follow_up_at.map(|t| t.and_utc()),
            content: a.content,
            created_by: a.created_by,
            created_at: a.created_at.and_utc(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NewestFirstQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// From `next_cursor` of the previous page.
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
}
