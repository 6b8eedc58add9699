//! What `/api/v1/audit-log` reads and answers.

use autocrm_persistence::models::AuditFilter;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};

use super::service::AuditLine;
use crate::error::{ApiError, Code};
use crate::http::csv_download::cell;
use crate::http::pagination::Cursor;
use crate::validate::schema::{UuidText, schema_marker};

/// An action or entity type: `customer.pii_revealed`, `financing_application`.
pub enum ActionName {}
schema_marker!(
    ActionName,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[a-z0-9_.:]{1,100}$"))
        .build()
        .into()
);

/// A record id as the log names it (UUIDs, or an organisation's id).
pub enum EntityId {}
schema_marker!(
    EntityId,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[A-Za-z0-9_.:-]{1,100}$"))
        .build()
        .into()
);

/// The filters of the audit log and of its export; every one given must match.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilterQuery {
    /// The user or API client who acted.
    #[param(value_type = Option<UuidText>, inline)]
    pub actor_id: Option<String>,
    /// e.g. `customer.pii_revealed`, `attachment.downloaded`.
    #[param(value_type = Option<ActionName>, inline)]
    pub action: Option<String>,
    /// e.g. `customer`, `attachment`, `financing_application`.
    #[param(value_type = Option<ActionName>, inline)]
    pub entity_type: Option<String>,
    #[param(value_type = Option<EntityId>, inline)]
    pub entity_id: Option<String>,
    /// RFC 3339; inclusive.
    pub from: Option<DateTime<Utc>>,
    /// RFC 3339; exclusive.
    pub to: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditPageQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// From `next_cursor` of the previous page.
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
}

impl AuditFilterQuery {
    /// The repository's filter (first page, no limit yet); 400 for a malformed filter.
    pub fn into_filter(self) -> Result<AuditFilter, ApiError> {
        let bad = |m: &str| ApiError::bad_request(Code::InvalidQuery, m.to_owned());
        let matches = |v: &str, extra: &[u8], max: usize| {
            (1..=max).contains(&v.len())
                && v.bytes().all(|b| {
                    b.is_ascii_lowercase()
                        || b.is_ascii_digit()
                        || b"_.:".contains(&b)
                        || extra.contains(&b)
                })
        };
        let actor_id = self
            .actor_id
            .map(|a| {
                uuid::Uuid::parse_str(&a)
                    .map(|u| u.to_string())
                    .map_err(|_| bad("actor_id must be a UUID"))
            })
            .transpose()?;
        if self
            .action
            .as_deref()
            .is_some_and(|a| !matches(a, b"", 100))
        {
            return Err(bad(
                "action must be an action name such as customer.created",
            ));
        }
        if self
            .entity_type
            .as_deref()
            .is_some_and(|a| !matches(a, b"", 100))
        {
            return Err(bad("entity_type must be a name such as customer"));
        }
        if self.entity_id.as_deref().is_some_and(|a| {
            !(1..=100).contains(&a.len())
                || !a
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b))
        }) {
            return Err(bad("entity_id must be a record id"));
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from >= to
        {
            return Err(bad("from must be before to"));
        }
        Ok(AuditFilter {
            actor_id,
            action: self.action,
            entity_type: self.entity_type,
            entity_id: self.entity_id.map(|e| e.to_ascii_lowercase()),
            from: self.from.map(|t| t.naive_utc()),
            to: self.to.map(|t| t.naive_utc()),
            before_id: None,
            limit: 0,
        })
    }
}

/// The filters an export used, for its own audit line.
pub fn described(filter: &AuditFilter) -> serde_json::Value {
    serde_json::json!({
        "actor_id": filter.actor_id,
        "action": filter.action,
        "entity_type": filter.entity_type,
        "entity_id": filter.entity_id,
        "from": filter.from.map(|t| t.and_utc()),
        "to": filter.to.map(|t| t.and_utc()),
    })
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a70", "created_at": "2026-12-03T02:15:00Z",
    "actor_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a11", "actor_name": "李娜",
    "actor_role": "sales_consultant", "action": "customer.pii_revealed",
    "entity_type": "customer", "entity_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a10",
    "detail": {"fields": ["phone"]}, "request_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a71"
}))]
pub struct AuditEntryDto {
    pub id: String,
    pub created_at: DateTime<Utc>,
    /// The user or API client; null for the system's own jobs.
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    /// The actor's role then, or `system:<job>`.
    pub actor_role: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    /// What the change was, beyond its action: ids, names, changed fields; never a phone
    /// number, ID number or address in clear.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// The request that made the change (`X-Request-Id`).
    pub request_id: Option<String>,
}

impl From<AuditLine> for AuditEntryDto {
    fn from(line: AuditLine) -> Self {
        let e = line.entry;
        Self {
            detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::String(e.detail)),
            id: e.id,
            created_at: e.created_at.and_utc(),
            actor_id: e.actor_id,
            actor_name: line.actor_name,
            actor_role: e.actor_role,
            action: e.action,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            request_id: e.request_id,
        }
    }
}

/// The CSV columns, in order.
pub const CSV_HEADER: [&str; 10] = [
    "id",
    "created_at",
    "actor_id",
    "actor_name",
    "actor_role",
    "action",
    "entity_type",
    "entity_id",
    "request_id",
    "detail",
];

/// One line as CSV cells.
pub fn csv_record(line: &AuditLine) -> [String; 10] {
    let e = &line.entry;
    let text = |v: &str| cell(v).into_owned();
    [
        e.id.clone(),
        e.created_at
            .and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        e.actor_id.clone().unwrap_or_default(),
        line.actor_name.as_deref().map(text).unwrap_or_default(),
        text(&e.actor_role),
        text(&e.action),
        text(&e.entity_type),
        e.entity_id.as_deref().map(text).unwrap_or_default(),
        e.request_id.clone().unwrap_or_default(),
        text(&e.detail),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_checked() {
        let query = |action: &str| AuditFilterQuery {
            actor_id: None,
            action: Some(action.into()),
            entity_type: None,
            entity_id: None,
            from: None,
            to: None,
        };
        assert!(query("customer.pii_revealed").into_filter().is_ok());
        assert!(query("Customer; DROP").into_filter().is_err());
        assert!(query("").into_filter().is_err());
    }
}
