//! What `/api/v1/tags` and `/api/v1/customers/{id}/tags` read and write.

use autocrm_domain::customer::{TagColour, TagName};
use autocrm_persistence::models::{DynamicTagRow, Tag};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use super::service::{DynamicCount, TagWithCount};
use crate::error::ApiError;
use crate::validate::patch_field;
use crate::validate::rules::{self, Required};
use crate::validate::schema::{Id, Text};

fn fail(code: &'static str, message: String) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

fn valid_name(value: &str) -> Result<(), ValidationError> {
    rules::text(value)?;
    TagName::parse(value)
        .map(drop)
        .map_err(|e| fail("invalid_format", e.to_string()))
}

fn valid_colour(value: &str) -> Result<(), ValidationError> {
    TagColour::parse(value)
        .map(drop)
        .map_err(|e| fail("invalid_format", e.to_string()))
}

fn present_name(value: &Required<String>) -> Result<(), ValidationError> {
    rules::present(value)?;
    match value {
        Some(Some(v)) => valid_name(v),
        _ => Ok(()),
    }
}

fn present_colour(value: &Required<String>) -> Result<(), ValidationError> {
    rules::present(value)?;
    match value {
        Some(Some(v)) => valid_colour(v),
        _ => Ok(()),
    }
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "VIP客户", "colour": "#e4393c"}))]
pub struct CreateTag {
    /// 1 to 30 characters, unique in the organisation.
    #[validate(length(max = 30), custom(function = "valid_name"))]
    #[schema(value_type = Text<30>, inline)]
    pub name: String,
    /// `#RRGGBB` (either case; stored in lower case).
    #[validate(custom(function = "valid_colour"))]
    pub colour: String,
}

impl CreateTag {
    pub fn into_parts(self) -> Result<(TagName, TagColour), ApiError> {
        let name = TagName::parse(&self.name)
            .map_err(|e| ApiError::invalid("name", "invalid_format", e.to_string()))?;
        let colour = TagColour::parse(&self.colour)
            .map_err(|e| ApiError::invalid("colour", "invalid_format", e.to_string()))?;
        Ok((name, colour))
    }
}

#[derive(Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"colour": "#1677ff"}))]
pub struct PatchTag {
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 30), custom(function = "present_name"))]
    #[schema(value_type = Text<30>, inline, required = false)]
    pub name: Required<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "present_colour"))]
    #[schema(value_type = String, required = false)]
    pub colour: Required<String>,
}

impl PatchTag {
    pub fn into_parts(self) -> (Option<TagName>, Option<TagColour>) {
        (
            self.name.flatten().and_then(|n| TagName::parse(&n).ok()),
            self.colour
                .flatten()
                .and_then(|c| TagColour::parse(&c).ok()),
        )
    }
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"tag_id": "0193a5c4-c281-7f60-8a7b-8c9d0e1f2a34"}))]
pub struct AssignTag {
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Id, inline)]
    pub tag_id: String,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a5c4-c281-7f60-8a7b-8c9d0e1f2a34", "name": "VIP客户",
    "colour": "#e4393c", "customers": 12, "version": 1,
    "created_at": "2026-11-01T02:00:00Z", "updated_at": "2026-11-01T02:00:00Z"}))]
pub struct TagDto {
    pub id: String,
    pub name: String,
    pub colour: String,
    /// Customers in the caller's scope that carry it (lists only).
    pub customers: Option<i64>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TagDto {
    pub fn of(t: Tag, customers: Option<i64>) -> Self {
        Self {
            id: t.id,
            name: t.name,
            colour: t.colour,
            customers,
            version: t.version,
            created_at: t.created_at.and_utc(),
            updated_at: t.updated_at.and_utc(),
        }
    }
}

impl From<TagWithCount> for TagDto {
    fn from(t: TagWithCount) -> Self {
        Self::of(t.tag, Some(t.customers))
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"name": "偏好SUV", "rule_id": "prefers_suv", "customers": 37}))]
pub struct DynamicTagCountDto {
    pub name: String,
    /// The rule that sets it.
    pub rule_id: String,
    /// Customers in the caller's scope that carry it.
    pub customers: i64,
}

impl From<DynamicCount> for DynamicTagCountDto {
    fn from(d: DynamicCount) -> Self {
        Self {
            name: d.name,
            rule_id: d.rule_id,
            customers: d.customers,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "items": [{"id": "0193a5c4-c281-7f60-8a7b-8c9d0e1f2a34", "name": "VIP客户", "colour": "#e4393c",
               "customers": 12, "version": 1, "created_at": "2026-11-01T02:00:00Z",
               "updated_at": "2026-11-01T02:00:00Z"}],
    "dynamic": [{"name": "偏好SUV", "rule_id": "prefers_suv", "customers": 37},
                {"name": "对比车型3次以上", "rule_id": "compared_3_times", "customers": 9}]
}))]
pub struct TagList {
    /// The organisation's manual tags, by name.
    pub items: Vec<TagDto>,
    /// The dynamic tags customers in the caller's scope carry, most common first.
    pub dynamic: Vec<DynamicTagCountDto>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"name": "偏好SUV", "rule_id": "prefers_suv",
    "reasons": [{"type": "body_type", "body_type": "suv"}],
    "computed_at": "2026-11-28T12:10:00Z"}))]
pub struct DynamicTagDto {
    pub name: String,
    /// The rule that set it.
    pub rule_id: String,
    /// The facts that satisfied the rule.
    #[schema(value_type = Vec<Object>)]
    pub reasons: serde_json::Value,
    pub computed_at: DateTime<Utc>,
}

impl From<DynamicTagRow> for DynamicTagDto {
    fn from(d: DynamicTagRow) -> Self {
        Self {
            reasons: serde_json::from_str(&d.reasons).unwrap_or(serde_json::Value::Null),
            name: d.name,
            rule_id: d.rule_id,
            computed_at: d.computed_at.and_utc(),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "manual": [{"id": "0193a5c4-c281-7f60-8a7b-8c9d0e1f2a34", "name": "VIP客户", "colour": "#e4393c",
                "customers": null, "version": 1, "created_at": "2026-11-01T02:00:00Z",
                "updated_at": "2026-11-01T02:00:00Z"}],
    "dynamic": [{"name": "对比车型3次以上", "rule_id": "compared_3_times",
                 "reasons": [{"type": "comparisons", "count": 3}],
                 "computed_at": "2026-11-28T12:10:00Z"}]
}))]
pub struct CustomerTags {
    pub manual: Vec<TagDto>,
    pub dynamic: Vec<DynamicTagDto>,
}
