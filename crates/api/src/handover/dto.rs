//! What the handover endpoints read and answer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use super::service::{
    HandoverClash, HandoverCommand, HandoverCounts, HandoverTargetCounts, KINDS, Outcome, Target,
};
use crate::http::pagination::Cursor;
use crate::validate::rules;
use crate::validate::schema::{Id, Text, string_enum};

string_enum!(HandoverKindSchema = KINDS);

/// A colleague who receives part of the records.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"user_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a13", "share": 2}))]
pub struct HandoverTargetDto {
    /// An active consultant or sales manager of the organisation (another organisation's:
    /// 404; deactivated: 422 `inactive`); a sales manager names people of their own store.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Id, inline)]
    pub user_id: String,
    /// The colleague's weight in the split, 1 to 100 (default 1): with shares 2 and 1, the
    /// first receives two customers for each one the second receives.
    #[validate(range(min = 1, max = 100))]
    #[schema(minimum = 1, maximum = 100)]
    pub share: Option<u32>,
}

fn kinds(kinds: &[String]) -> Result<(), ValidationError> {
    kinds
        .iter()
        .try_for_each(|k| rules::one_of_names(k, &KINDS))
}

/// Hand a user's records over to colleagues.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "targets": [
        {"user_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a13"},
        {"user_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a14", "share": 2}
    ],
    "dry_run": true,
    "reason": "顾问李明12月离职，客户交接给王芳和赵磊",
    "include": ["customers", "leads", "tasks", "deals", "test_drives"]
}))]
pub struct HandoverRequest {
    /// 1 to 20 colleagues, each once, not the user handed over.
    #[validate(length(min = 1, max = 20), nested)]
    #[schema(min_items = 1, max_items = 20)]
    pub targets: Vec<HandoverTargetDto>,
    /// Answer the counts and the split (and any test-drive clash) and change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Why (离职, 调店...): on the audit line, the leads' history and the colleagues'
    /// notification.
    #[validate(length(max = 200), custom(function = "rules::text"))]
    #[schema(value_type = Text<200>, inline)]
    pub reason: String,
    /// What to move (default: everything). The open tasks of a moved lead always follow it.
    #[validate(length(max = 6), custom(function = "kinds"))]
    #[schema(value_type = Option<Vec<HandoverKindSchema>>, max_items = 6)]
    pub include: Option<Vec<String>>,
}

impl HandoverRequest {
    pub fn into_command(self) -> HandoverCommand {
        HandoverCommand {
            targets: self
                .targets
                .into_iter()
                .map(|t| Target {
                    user_id: rules::normalised_id(&t.user_id).unwrap_or(t.user_id),
                    share: t.share.unwrap_or(1),
                })
                .collect(),
            dry_run: self.dry_run,
            reason: self.reason.trim().to_owned(),
            include: super::service::kinds(self.include),
        }
    }
}

/// A handover done (or, in a dry run, planned): the totals per kind and what each colleague
/// receives.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5f0-2b3c-7d00-8e1f-3a4b5c6d7e90", "dry_run": false,
    "from_user_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "reason": "顾问李明12月离职，客户交接给王芳和赵磊",
    "counts": {"customers": 12, "leads": 9, "tasks": 15, "deals": 3, "test_drives": 2, "invitations": 1},
    "targets": [
        {"user_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a13", "share": 1,
         "counts": {"customers": 4, "leads": 3, "tasks": 5, "deals": 1, "test_drives": 1, "invitations": 0}},
        {"user_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a14", "share": 2,
         "counts": {"customers": 8, "leads": 6, "tasks": 10, "deals": 2, "test_drives": 1, "invitations": 1}}
    ],
    "clashes": [],
    "created_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a05",
    "created_at": "2026-12-09T02:00:00Z"
}))]
pub struct HandoverDto {
    /// `null` for a dry run (nothing is stored).
    pub id: Option<String>,
    pub dry_run: bool,
    /// The user whose records move.
    pub from_user_id: String,
    pub reason: String,
    pub counts: HandoverCounts,
    pub targets: Vec<HandoverTargetCounts>,
    /// Test drives a colleague cannot take (booked then themselves); a real run with any is
    /// refused (409).
    pub clashes: Vec<HandoverClash>,
    pub created_by: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
}

impl From<Outcome> for HandoverDto {
    fn from(o: Outcome) -> Self {
        Self {
            id: o.id,
            dry_run: o.dry_run,
            from_user_id: o.from_user_id,
            reason: o.reason,
            counts: o.counts,
            targets: o.targets,
            clashes: o.clashes,
            created_by: o.created_by,
            created_at: o.created_at.map(|t| t.and_utc()),
        }
    }
}

/// Which handovers a list shows.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HandoverListQuery {
    /// Only handovers of this user's records.
    #[param(value_type = Option<Id>, inline)]
    pub from_user_id: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
}
