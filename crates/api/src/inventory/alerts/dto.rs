//! What `/api/v1/inventory-alert-rules` and `/api/v1/inventory-alerts` read and write.

use autocrm_domain::access::Role;
use autocrm_domain::vehicle::BodyType;
use autocrm_domain::vehicle::alerts::{AlertKind, AlertStatus};
use autocrm_persistence::models::{AlertRule, InventoryAlert};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use super::service::{NewRule, RuleChanges, roles_of};
use crate::http::pagination::Cursor;
use crate::validate::patch_field;
use crate::validate::rules::{self, Required};
use crate::validate::schema::{Id, OptionalText, Text, string_enum};

string_enum!(AlertKindSchema = AlertKind::NAMES);
string_enum!(AlertStatusSchema = AlertStatus::NAMES);
string_enum!(BodyTypeSchema = BodyType::NAMES);
string_enum!(
    /// A staff role.
    StaffRoleSchema = STAFF_ROLES
);

const STAFF_ROLES: [&str; 7] = [
    "admin",
    "general_manager",
    "sales_manager",
    "sales_consultant",
    "service_advisor",
    "marketing",
    "finance",
];

fn staff_roles(roles: &[String]) -> Result<(), ValidationError> {
    for role in roles {
        rules::one_of_names(role, &STAFF_ROLES)?;
    }
    Ok(())
}

fn present_roles(roles: &Required<Vec<String>>) -> Result<(), ValidationError> {
    rules::present(roles)?;
    match roles {
        Some(Some(r)) if r.is_empty() => {
            Err(ValidationError::new("length").with_message("name at least one role".into()))
        }
        Some(Some(r)) => staff_roles(r),
        _ => Ok(()),
    }
}

fn parse_roles(roles: Vec<String>) -> Vec<Role> {
    roles.iter().filter_map(|r| r.parse().ok()).collect()
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "比亚迪汉库存不足", "kind": "low_stock", "threshold": 3, "brand": "比亚迪",
    "model": "汉", "body_type": "sedan", "store_id": null,
    "notify_roles": ["sales_manager", "general_manager"]
}))]
pub struct CreateAlertRule {
    #[validate(length(max = 100), custom(function = "rules::text"))]
    #[schema(value_type = Text<100>, inline)]
    pub name: String,
    /// low_stock (fewer than `threshold` cars in stock match) or aging (a car over
    /// `threshold` days in stock).
    #[validate(custom(function = "rules::one_of::<AlertKind>"))]
    #[schema(value_type = AlertKindSchema, inline)]
    pub kind: String,
    /// Cars (low_stock) or days (aging).
    #[validate(range(min = 1, max = 10_000))]
    #[schema(minimum = 1, maximum = 10_000)]
    pub threshold: i64,
    #[validate(length(max = 60), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<60>>, inline)]
    pub brand: Option<String>,
    /// Needs `brand`.
    #[validate(length(max = 60), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<60>>, inline)]
    pub model: Option<String>,
    #[validate(custom(function = "rules::blank_or_one_of::<BodyType>"))]
    #[schema(value_type = Option<BodyTypeSchema>, inline)]
    pub body_type: Option<String>,
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub store_id: Option<String>,
    /// 1 to 7 staff roles; a store-scoped role (sales manager, consultant, ...) is notified
    /// only for the rule's or the car's store.
    #[validate(length(min = 1, max = 7), custom(function = "staff_roles"))]
    #[schema(value_type = Vec<StaffRoleSchema>, min_items = 1, max_items = 7)]
    pub notify_roles: Vec<String>,
    /// Default true.
    pub active: Option<bool>,
}

impl CreateAlertRule {
    /// The command; `None` only for a body the validator refused.
    pub fn into_command(self) -> Option<NewRule> {
        Some(NewRule {
            name: self.name.trim().to_owned(),
            kind: self.kind.parse().ok()?,
            threshold: self.threshold,
            brand: rules::trimmed(self.brand.as_deref()),
            model: rules::trimmed(self.model.as_deref()),
            body_type: rules::trimmed(self.body_type.as_deref()).and_then(|b| b.parse().ok()),
            store_id: self.store_id.as_deref().and_then(rules::normalised_id),
            notify_roles: parse_roles(self.notify_roles),
            active: self.active.unwrap_or(true),
        })
    }
}

/// JSON merge patch: absent leaves a field, `null` clears it (`name`, `threshold`,
/// `notify_roles` and `active` cannot be cleared; `kind` cannot change).
#[derive(Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"threshold": 5, "active": true}))]
pub struct PatchAlertRule {
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 100), custom(function = "rules::present_text"))]
    #[schema(value_type = Text<100>, inline, required = false)]
    pub name: Required<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(range(min = 1, max = 10_000), custom(function = "rules::present"))]
    #[schema(value_type = i64, minimum = 1, maximum = 10_000, required = false)]
    pub threshold: Required<i64>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 60), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<60>>, inline)]
    pub brand: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 60), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<60>>, inline)]
    pub model: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::blank_or_one_of::<BodyType>"))]
    #[schema(value_type = Option<BodyTypeSchema>, inline)]
    pub body_type: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub store_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "present_roles"))]
    #[schema(value_type = Vec<StaffRoleSchema>, min_items = 1, max_items = 7, required = false)]
    pub notify_roles: Required<Vec<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::present"))]
    #[schema(value_type = bool, required = false)]
    pub active: Required<bool>,
}

impl PatchAlertRule {
    pub fn into_changes(self) -> RuleChanges {
        RuleChanges {
            name: self.name.flatten().map(|n| n.trim().to_owned()),
            threshold: self.threshold.flatten(),
            brand: self.brand.map(|b| rules::trimmed(b.as_deref())),
            model: self.model.map(|m| rules::trimmed(m.as_deref())),
            body_type: self
                .body_type
                .map(|b| rules::trimmed(b.as_deref()).and_then(|b| b.parse().ok())),
            store_id: self
                .store_id
                .map(|s| s.as_deref().and_then(rules::normalised_id)),
            notify_roles: self.notify_roles.flatten().map(parse_roles),
            active: self.active.flatten(),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5d2-1b2c-7a00-8d1e-3f4a5b6c7d80", "name": "比亚迪汉库存不足",
    "kind": "low_stock", "threshold": 3, "brand": "比亚迪", "model": "汉",
    "body_type": "sedan", "store_id": null, "notify_roles": ["general_manager", "sales_manager"],
    "active": true, "version": 1,
    "created_at": "2026-12-01T02:00:00Z", "updated_at": "2026-12-01T02:00:00Z"
}))]
pub struct AlertRuleDto {
    pub id: String,
    pub name: String,
    #[schema(value_type = AlertKindSchema, inline)]
    pub kind: String,
    pub threshold: i64,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub body_type: Option<String>,
    pub store_id: Option<String>,
    pub notify_roles: Vec<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<AlertRule> for AlertRuleDto {
    fn from(r: AlertRule) -> Self {
        Self {
            notify_roles: roles_of(&r),
            id: r.id,
            name: r.name,
            kind: r.kind,
            threshold: r.threshold,
            brand: r.brand,
            model: r.model,
            body_type: r.body_type,
            store_id: r.store_id,
            active: r.active,
            version: r.version,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [{
    "id": "0193a5d2-1b2c-7a00-8d1e-3f4a5b6c7d80", "name": "长库龄车辆", "kind": "aging",
    "threshold": 90, "brand": null, "model": null, "body_type": null, "store_id": null,
    "notify_roles": ["sales_manager"], "active": true, "version": 1,
    "created_at": "2026-12-01T02:00:00Z", "updated_at": "2026-12-01T02:00:00Z"
}]}))]
pub struct AlertRuleList {
    /// Oldest first.
    pub items: Vec<AlertRuleDto>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5d2-3d4e-7c00-8f2a-5b6c7d8e9f01", "rule_id": "0193a5d2-1b2c-7a00-8d1e-3f4a5b6c7d80",
    "kind": "aging", "status": "open", "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60", "threshold": 90, "observed": 91,
    "message": "库龄预警：比亚迪 汉 SZ-2026-0412已在库91天，超过90天",
    "opened_at": "2026-12-07T01:00:00Z", "resolved_at": null
}))]
pub struct InventoryAlertDto {
    pub id: String,
    pub rule_id: String,
    #[schema(value_type = AlertKindSchema, inline)]
    pub kind: String,
    #[schema(value_type = AlertStatusSchema, inline)]
    pub status: String,
    /// The car (aging alerts).
    pub vehicle_id: Option<String>,
    pub store_id: Option<String>,
    /// Cars (low stock) or days (aging).
    pub threshold: i64,
    /// Cars in stock (low stock) or days in stock (aging) when it opened.
    pub observed: i64,
    pub message: String,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl From<InventoryAlert> for InventoryAlertDto {
    fn from(a: InventoryAlert) -> Self {
        Self {
            id: a.id,
            rule_id: a.rule_id,
            kind: a.kind,
            status: a.status,
            vehicle_id: a.vehicle_id,
            store_id: a.store_id,
            threshold: a.threshold,
            observed: a.observed,
            message: a.message,
            opened_at: a.opened_at.and_utc(),
            resolved_at: a.resolved_at.map(|t| t.and_utc()),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AlertListQuery {
    /// open or resolved; both when absent.
    #[param(value_type = Option<AlertStatusSchema>, inline)]
    pub status: Option<String>,
    /// low_stock or aging; both when absent.
    #[param(value_type = Option<AlertKindSchema>, inline)]
    pub kind: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
}
