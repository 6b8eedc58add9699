//! What the task and SLA endpoints read and write.

use autocrm_domain::leads::PerGrade;
use autocrm_domain::leads::sla::{
    Cadence, EscalationLadder, FirstResponseRule, SlaConfig, TaskKind as LadderKind, TaskStatus,
};
use autocrm_persistence::models::Task;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::board::{Completed, Completion, NewManualTask};
use super::service::TaskKind;
use crate::activities::dto::CreateActivity;
use crate::http::pagination::Cursor;
use crate::validate::rules;
use crate::validate::schema::{Id, OptionalText, Text, UuidText, string_enum};

string_enum!(TaskStatusSchema = TaskStatus::NAMES);
string_enum!(TaskKindSchema = TaskKind::NAMES);
string_enum!(DueSchema = ["today", "overdue"]);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TaskListQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
    /// `today`: due today in the organisation's time zone; `overdue`: open and past due.
    #[param(value_type = Option<DueSchema>, inline)]
    pub due: Option<String>,
    /// Only this user's tasks (within what the caller sees).
    #[param(value_type = Option<UuidText>, inline)]
    pub owner_id: Option<String>,
    #[param(value_type = Option<TaskStatusSchema>, inline)]
    pub status: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub lead_id: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub customer_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "邀约周六到店试驾汉EV",
    "note": "客户关心续航和充电桩安装，准备家充方案资料",
    "due_at": "2026-12-09T02:00:00Z",
    "lead_id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70",
    "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12"
}))]
pub struct CreateTask {
    #[validate(length(max = 200), custom(function = "rules::text"))]
    #[schema(value_type = Text<200>, inline)]
    pub title: String,
    #[validate(length(max = 2000), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<2000>>, inline)]
    pub note: Option<String>,
    /// In the future, at most 365 days ahead (RFC 3339).
    pub due_at: DateTime<Utc>,
    /// A lead the caller sees (422 `not_found` otherwise); or give `customer_id`.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub lead_id: Option<String>,
    /// A customer the caller sees; with `lead_id`, it must be the lead's.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub customer_id: Option<String>,
    /// Who does it: a consultant may name only themselves, a sales manager a colleague of
    /// their store. Default: the lead's owner, else the caller.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub owner_id: Option<String>,
    /// What it is for (its escalation ladder follows): `store_visit_invitation`,
    /// `price_talk`, `finance_consultation`, `test_drive_follow_up`, `complaint` (climbs to
    /// the general manager), `other` (the default).
    #[validate(custom(function = "rules::one_of::<TaskKind>"))]
    #[schema(value_type = Option<TaskKindSchema>, inline)]
    pub kind: Option<String>,
}

impl CreateTask {
    pub fn into_command(self) -> NewManualTask {
        let id = |v: Option<String>| v.and_then(|v| rules::normalised_id(&v));
        NewManualTask {
            title: self.title.trim().to_owned(),
            note: rules::trimmed(self.note.as_deref()),
            due_at: self.due_at,
            lead_id: id(self.lead_id),
            customer_id: id(self.customer_id),
            owner_id: id(self.owner_id),
            kind: self
                .kind
                .as_deref()
                .and_then(|k| k.parse().ok())
                .unwrap_or(TaskKind::Other),
        }
    }
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "activity": {"kind": "call", "outcome": "reached",
        "content": "电话联系客户，约定周六上午到店试驾", "attachment_ids": []}
}))]
pub struct CompleteTask {
    /// An activity with the task's customer that the caller recorded.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub activity_id: Option<String>,
    /// Or the activity to record now (as `POST /api/v1/customers/{id}/activities`).
    #[validate(nested)]
    pub activity: Option<CreateActivity>,
}

impl CompleteTask {
    /// `None` when neither or both are given.
    pub fn into_command(self) -> Option<Completion> {
        match (self.activity_id, self.activity) {
            (Some(id), None) => rules::normalised_id(&id).map(Completion::Existing),
            (None, Some(activity)) => Some(Completion::Inline(activity.into_command())),
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "客户已在其他门店成交，无需跟进"}))]
pub struct CancelTask {
    #[validate(length(max = 500), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<500>>, inline)]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5e2-4b5c-7d00-8e1f-3a4b5c6d7e80", "kind": "first_response",
    "title": "首次响应：H级线索（30分钟内）", "note": null, "status": "open",
    "store_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a05",
    "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "lead_id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70", "deal_id": null,
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "due_at": "2026-12-08T02:30:00Z", "overdue": false, "escalation_step": 0,
    "activity_id": null, "completed_at": null, "completed_by": null,
    "created_by": "system:leads.intake", "created_at": "2026-12-08T02:00:00Z",
    "updated_at": "2026-12-08T02:00:00Z", "version": 1
}))]
pub struct TaskDto {
    pub id: String,
    /// first_response, follow_up, trigger, manual.
    #[schema(value_type = TaskKindSchema, inline)]
    pub kind: String,
    pub title: String,
    pub note: Option<String>,
    #[schema(value_type = TaskStatusSchema, inline)]
    pub status: String,
    pub store_id: Option<String>,
    /// Null while its lead waits in the pool.
    pub owner_id: Option<String>,
    pub lead_id: Option<String>,
    pub deal_id: Option<String>,
    pub customer_id: Option<String>,
    pub due_at: DateTime<Utc>,
    /// Open and past due now.
    pub overdue: bool,
    /// Escalation steps taken (4 once its ladder has no step left).
    pub escalation_step: i32,
    /// The activity that completed it.
    pub activity_id: Option<String>,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl TaskDto {
    pub fn at(t: Task, now: DateTime<Utc>) -> Self {
        Self {
            overdue: t.status == TaskStatus::Open.as_str() && t.due_at.and_utc() < now,
            id: t.id,
            kind: t.kind,
            title: t.title,
            note: t.note,
            status: t.status,
            store_id: t.store_id,
            owner_id: t.owner_id,
            lead_id: t.lead_id,
            deal_id: t.deal_id,
            customer_id: t.customer_id,
            due_at: t.due_at.and_utc(),
            escalation_step: t.escalation_step,
            activity_id: t.activity_id,
            completed_at: t.completed_at.map(|d| d.and_utc()),
            completed_by: t.completed_by,
            created_by: t.created_by,
            created_at: t.created_at.and_utc(),
            updated_at: t.updated_at.and_utc(),
            version: t.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "task": {"id": "0193a5e2-4b5c-7d00-8e1f-3a4b5c6d7e80", "kind": "first_response",
        "title": "首次响应：H级线索（30分钟内）", "status": "done",
        "activity_id": "0193a5c4-8c3d-7a10-9b2c-3d4e5f6a7b80"},
    "follow_up": {"id": "0193a5e2-5c6d-7e00-8f1a-4b5c6d7e8f90", "kind": "follow_up",
        "title": "第1次跟进：H级线索", "status": "open", "due_at": "2026-12-09T02:10:00Z"}
}))]
pub struct CompletedDto {
    pub task: TaskDto,
    /// The lead's next follow-up opened by its grade's cadence (null: none, or opened
    /// already).
    pub follow_up: Option<TaskDto>,
}

impl CompletedDto {
    pub fn at(c: Completed, now: DateTime<Utc>) -> Self {
        Self {
            task: TaskDto::at(c.task, now),
            follow_up: c.follow_up.map(|t| TaskDto::at(t, now)),
        }
    }
}

/// The organisation's SLA: first-response times, follow-up cadences, escalation ladders.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "first_response_minutes": 30,
    "first_response_rules": [
        {"sources": ["autohome", "dongchedi"], "grades": ["h"], "minutes": 15},
        {"sources": [], "grades": ["c"], "minutes": 240}
    ],
    "follow_up": {
        "h": {"first_after_hours": 24, "then_every_hours": 48},
        "a": {"first_after_hours": 48, "then_every_hours": 72},
        "b": {"first_after_hours": 72, "then_every_hours": 120},
        "c": {"first_after_hours": 168, "then_every_hours": 168}
    },
    "escalation": [
        {"action": "notify_owner", "after_minutes": 0},
        {"action": "notify_store_manager", "after_minutes": 30},
        {"action": "reassign", "after_minutes": 120},
        {"action": "notify_general_manager", "after_minutes": 240}
    ],
    "escalation_by_kind": {"complaint": [
        {"action": "notify_owner", "after_minutes": 0},
        {"action": "notify_store_manager", "after_minutes": 60},
        {"action": "notify_general_manager", "after_minutes": 240}
    ]}
}))]
pub struct LeadSlaSettings {
    /// Minutes to the first response when no rule matches.
    #[validate(range(min = 1, max = 10080))]
    #[schema(minimum = 1, maximum = 10080)]
    pub first_response_minutes: i64,
    /// In order, the first whose `sources` (empty: any) and `grades` (h, a, b, c; empty:
    /// any) match gives the minutes (1–10080).
    #[schema(value_type = Vec<Object>)]
    pub first_response_rules: Vec<FirstResponseRule>,
    /// Per grade (h, a, b, c): hours to the first follow-up, then between follow-ups
    /// (1–2160 each).
    #[schema(value_type = Object)]
    pub follow_up: PerGrade<Cadence>,
    /// Steps after the due time: `action` (notify_owner, notify_store_manager, reassign,
    /// notify_general_manager; each at most once) and `after_minutes` (0–43200, never less
    /// than the step before).
    #[schema(value_type = Vec<Object>)]
    pub escalation: EscalationLadder,
    /// Ladders for task kinds that climb another one (e.g. `complaint`).
    #[schema(value_type = Object)]
    pub escalation_by_kind: BTreeMap<LadderKind, EscalationLadder>,
}

impl From<SlaConfig> for LeadSlaSettings {
    fn from(c: SlaConfig) -> Self {
        Self {
            first_response_minutes: i64::from(c.first_response_minutes),
            first_response_rules: c.first_response_rules,
            follow_up: c.follow_up,
            escalation: c.escalation,
            escalation_by_kind: c.escalation_by_kind,
        }
    }
}

impl From<LeadSlaSettings> for SlaConfig {
    fn from(s: LeadSlaSettings) -> Self {
        Self {
            // Validated: 1 to 10080.
            first_response_minutes: u32::try_from(s.first_response_minutes).unwrap_or(0),
            first_response_rules: s.first_response_rules,
            follow_up: s.follow_up,
            escalation: s.escalation,
            escalation_by_kind: s.escalation_by_kind,
        }
    }
}
