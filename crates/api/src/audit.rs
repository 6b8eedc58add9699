//! The audit trail and the integration outbox, written inside the caller's transaction.

use autocrm_persistence::DbConn;
use autocrm_persistence::db::{new_id, now};
use autocrm_persistence::models::{AuditEntry, OutboxEvent};

use crate::auth::Principal;
use crate::error::ApiError;

pub fn record(
    conn: &mut DbConn,
    actor: &Principal,
    action: &str,
    entity_type: &str,
    entity_id: Option<&str>,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    AuditEntry {
        id: new_id(),
        org_id: actor.org_id.clone(),
        actor_id: Some(actor.id.clone()),
        actor_role: actor.role.as_str().to_owned(),
        action: action.to_owned(),
        entity_type: entity_type.to_owned(),
        entity_id: entity_id.map(str::to_owned),
        detail: detail.to_string(),
        request_id: actor.request_id.clone(),
        created_at: now(),
        idempotency_key: actor.idempotency_key.clone(),
    }
    .insert(conn)?;
    Ok(())
}

/// Queues an event for integrators; it commits or rolls back with the change itself.
pub fn emit(
    conn: &mut DbConn,
    org_id: &str,
    event_type: &str,
    aggregate_type: &str,
    aggregate_id: &str,
    data: serde_json::Value,
) -> Result<(), ApiError> {
    let id = new_id();
    let created_at = now();
    let payload = serde_json::json!({
        "id": id,
        "type": event_type,
        "occurred_at": created_at.and_utc().to_rfc3339(),
        "org_id": org_id,
        "data": data,
    });
    OutboxEvent {
        id,
        org_id: org_id.to_owned(),
        event_type: event_type.to_owned(),
        aggregate_type: aggregate_type.to_owned(),
        aggregate_id: aggregate_id.to_owned(),
        payload: payload.to_string(),
        created_at,
        published_at: None,
    }
    .insert(conn)?;
    Ok(())
}
