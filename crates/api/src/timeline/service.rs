//! The timeline: each source read newest first from the cursor's position, merged.

use autocrm_persistence::models::{
    Activity, BehaviorEventRow, ConsentRow, OwnedVehicle, TimelineBefore, customer_changes,
};
use chrono::NaiveDateTime;
use serde_json::{Value, json};

use crate::app::{Ctx, ServiceResult};
use crate::customers::service::find_visible;

autocrm_domain::text_enum! {
    /// Where a timeline entry comes from.
    pub enum EntryKind {
        Activity = "activity",
        BehaviorEvent = "behavior_event",
        Consent = "consent",
        VehicleAdded = "vehicle_added",
        /// A change of the customer record itself, from the audit log.
        CustomerChange = "customer_change",
    }
}

/// One entry: its source's id, what it is, when, and its source's own facts.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub kind: EntryKind,
    pub at: NaiveDateTime,
    /// A one-line description (`call: reached`, `vehicle_compared: 比亚迪 汉EV, 特斯拉 Model 3`).
    pub summary: String,
    pub data: Value,
}

fn activity(a: Activity) -> Entry {
    let summary = match &a.outcome {
        Some(o) => format!("{}: {o}", a.kind),
        None => a.kind.clone(),
    };
    let attachments = a.attachments();
    Entry {
        id: a.id,
        kind: EntryKind::Activity,
        at: a.occurred_at,
        summary,
        data: json!({
            "kind": a.kind, "outcome": a.outcome, "content": a.content,
            "next_follow_up_at": a.next_follow_up_at.map(|t| t.and_utc()),
            "attachment_ids": attachments, "created_by": a.created_by,
        }),
    }
}

fn behavior(e: BehaviorEventRow) -> Entry {
    let models: Value = serde_json::from_str(&e.models).unwrap_or(Value::Array(Vec::new()));
    let names: Vec<String> = models
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            format!(
                "{} {}",
                m["brand"].as_str().unwrap_or_default(),
                m["model"].as_str().unwrap_or_default()
            )
        })
        .collect();
    let summary = if names.is_empty() {
        e.event_type.clone()
    } else {
        format!("{}: {}", e.event_type, names.join(", "))
    };
    Entry {
        id: e.id,
        kind: EntryKind::BehaviorEvent,
        at: e.occurred_at,
        summary,
        data: json!({
            "event_type": e.event_type, "models": models, "page": e.page,
            "device_id": e.device_id,
        }),
    }
}

fn consent(c: ConsentRow) -> Entry {
    Entry {
        summary: format!("{} {}", c.purpose, c.action),
        id: c.id,
        kind: EntryKind::Consent,
        at: c.given_at,
        data: json!({
            "purpose": c.purpose, "action": c.action, "channel": c.channel,
            "method": c.method, "text_version": c.text_version,
        }),
    }
}

fn vehicle(v: OwnedVehicle) -> Entry {
    Entry {
        summary: format!("{} {}", v.brand, v.model),
        id: v.id.clone(),
        kind: EntryKind::VehicleAdded,
        at: v.created_at,
        data: json!({
            "vehicle_id": v.id, "brand": v.brand, "model": v.model, "year": v.model_year,
            "vin": v.vin, "plate": v.plate,
        }),
    }
}

fn change(e: autocrm_persistence::models::AuditEntry) -> Entry {
    let detail: Value = serde_json::from_str(&e.detail).unwrap_or(Value::Null);
    Entry {
        summary: e.action.clone(),
        id: e.id,
        kind: EntryKind::CustomerChange,
        at: e.created_at,
        data: json!({
            "action": e.action, "actor_id": e.actor_id, "actor_role": e.actor_role,
            "detail": detail,
        }),
    }
}

/// Up to `limit` entries of a customer's timeline older than `before`, newest first (by
/// time, then id). Each source gives at most `limit` rows from the same position, so the
/// merge is exact.
pub fn page(
    ctx: &mut Ctx,
    customer_id: &str,
    before: Option<TimelineBefore>,
    limit: i64,
) -> ServiceResult<Vec<Entry>> {
    let customer = find_visible(ctx, customer_id)?;
    let (org, id, before) = (ctx.org_id(), customer.id.as_str(), before.as_ref());
    let conn = &mut *ctx.conn;
    let mut entries: Vec<Entry> = Vec::new();
    entries.extend(
        Activity::for_customer(conn, org, id, before, limit)?
            .into_iter()
            .map(activity),
    );
    entries.extend(
        BehaviorEventRow::for_customer(conn, org, id, before, limit)?
            .into_iter()
            .map(behavior),
    );
    entries.extend(
        ConsentRow::for_customer(conn, org, id, before, limit)?
            .into_iter()
            .map(consent),
    );
    entries.extend(
        OwnedVehicle::added_before(conn, org, id, before, limit)?
            .into_iter()
            .map(vehicle),
    );
    entries.extend(
        customer_changes(conn, org, id, before, limit)?
            .into_iter()
            .map(change),
    );
    entries.sort_by(|a, b| (b.at, &b.id).cmp(&(a.at, &a.id)));
    entries.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(entries)
}
