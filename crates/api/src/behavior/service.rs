//! Behaviour event use cases: a batch in, a result per item; a customer's summary.

use std::collections::BTreeSet;

use autocrm_domain::customer::{
    BehaviorEvent, BehaviorEventError, BehaviorEventType, BehaviorSummary, ModelRef,
};
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{BehaviorEventRow, DeviceLink, TenantRecord};
use chrono::{DateTime, NaiveDate, Utc};

use crate::app::{Change, Ctx, FieldError, ServiceError, ServiceResult};
use crate::customers::service::find_visible;

/// Most events in one batch.
pub const MAX_BATCH: usize = 500;
/// Longest device id and page, in characters.
pub const MAX_DEVICE_ID_CHARS: usize = 128;
pub const MAX_PAGE_CHARS: usize = 500;
/// How far ahead of the server's clock a device's clock may run.
const CLOCK_SKEW_MINUTES: i64 = 5;

/// One event as posted: checked here, item by item, so that one bad item does not refuse
/// the others.
pub struct PostedEvent {
    pub event_type: String,
    pub occurred_at: String,
    pub device_id: Option<String>,
    pub customer_id: Option<String>,
    pub models: Vec<(String, String)>,
    pub page: Option<String>,
}

/// What became of one posted event.
pub enum ItemOutcome {
    Accepted {
        id: String,
        customer_id: Option<String>,
    },
    Rejected(Vec<FieldError>),
}

struct Accepted {
    event: BehaviorEvent,
    device_id: Option<String>,
    customer_id: Option<String>,
    page: Option<String>,
}

fn field(name: &str, code: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(name, code, message)
}

fn clean_text(value: Option<String>, name: &str, max: usize) -> Result<Option<String>, FieldError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) if text.chars().count() > max => Err(field(
            name,
            "too_long",
            format!("must be at most {max} long"),
        )),
        Some(text) if text.chars().any(char::is_control) => Err(field(
            name,
            "invalid_format",
            "must not contain control characters",
        )),
        Some(text) => Ok(Some(text.to_owned())),
    }
}

/// The item's own rules: everything but whether its customer exists.
fn check_item(
    posted: PostedEvent,
    now: DateTime<Utc>,
    date_of: impl Fn(DateTime<Utc>) -> NaiveDate,
) -> Result<Accepted, Vec<FieldError>> {
    let mut errors = Vec::new();
    let event_type: Option<BehaviorEventType> = match posted.event_type.parse() {
        Ok(t) => Some(t),
        Err(_) => {
            errors.push(field(
                "event_type",
                "not_allowed",
                format!("must be one of: {}", BehaviorEventType::NAMES.join(", ")),
            ));
            None
        }
    };
    let occurred_at = match DateTime::parse_from_rfc3339(posted.occurred_at.trim()) {
        Ok(t) if t.with_timezone(&Utc) > now + chrono::TimeDelta::minutes(CLOCK_SKEW_MINUTES) => {
            errors.push(field(
                "occurred_at",
                "in_future",
                "must not be in the future",
            ));
            None
        }
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(_) => {
            errors.push(field(
                "occurred_at",
                "invalid_format",
                "must be an RFC 3339 time",
            ));
            None
        }
    };
    let device_id = clean_text(posted.device_id, "device_id", MAX_DEVICE_ID_CHARS)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let page = clean_text(posted.page, "page", MAX_PAGE_CHARS)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let customer_id = match posted.customer_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(id) => match uuid::Uuid::parse_str(id) {
            Ok(id) => Some(id.to_string()),
            Err(_) => {
                errors.push(field("customer_id", "invalid_format", "must be a UUID"));
                None
            }
        },
    };
    let names_customer = posted
        .customer_id
        .as_deref()
        .is_some_and(|c| !c.trim().is_empty());
    if device_id.is_none() && !names_customer {
        errors.push(field(
            "device_id",
            "required",
            "an event names its device, its customer, or both",
        ));
    }
    let mut models = Vec::new();
    for (i, (brand, model)) in posted.models.iter().enumerate() {
        match ModelRef::new(brand, model) {
            Ok(m) => models.push(m),
            Err(e) => errors.push(field(
                &format!("models[{i}]"),
                "invalid_format",
                e.to_string(),
            )),
        }
    }
    let (Some(event_type), Some(occurred_at)) = (event_type, occurred_at) else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let event = BehaviorEvent {
        event_type,
        occurred_at,
        local_date: date_of(occurred_at),
        models,
    };
    if let Err(e) = event.check() {
        let code = match e {
            BehaviorEventError::RepeatedModel => "duplicate",
            _ => "out_of_range",
        };
        return Err(vec![field("models", code, e.to_string())]);
    }
    Ok(Accepted {
        event,
        device_id,
        customer_id,
        page,
    })
}

/// Takes a batch of events: each is checked on its own and stored when it passes, with a
/// result per item in the order posted. An event naming a customer the caller cannot see is
/// refused (`customer_id` `not_found`). An event naming both its device and its customer
/// links the device to the customer (the first link stands), and the device's earlier
/// events without a customer are attached then; an event naming only a linked device gets
/// its customer. Recomputes the dynamic tags of every customer the batch touched.
pub fn ingest(ctx: &mut Ctx, batch: Vec<PostedEvent>) -> ServiceResult<Vec<ItemOutcome>> {
    let now = ctx.now_utc();
    let zone = ctx.time_zone()?;
    let posted_by = ctx.actor_id();
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut touched = BTreeSet::new();
    for posted in batch {
        let mut accepted = match check_item(posted, now, |t| zone.date_of(t)) {
            Ok(a) => a,
            Err(errors) => {
                outcomes.push(ItemOutcome::Rejected(errors));
                continue;
            }
        };
        if let Some(id) = &accepted.customer_id {
            match find_visible(ctx, id) {
                Ok(_) => {}
                Err(ServiceError::NotFound) => {
                    outcomes.push(ItemOutcome::Rejected(vec![field(
                        "customer_id",
                        "not_found",
                        "no such customer",
                    )]));
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
        if let Some(device) = &accepted.device_id {
            let link = DeviceLink::find_device(ctx.conn, ctx.org_id(), device)?;
            match (&accepted.customer_id, link) {
                (None, Some(link)) => accepted.customer_id = Some(link.customer_id),
                (Some(customer), None) => {
                    DeviceLink {
                        id: new_id(),
                        org_id: ctx.org_id().to_owned(),
                        device_id: device.clone(),
                        customer_id: customer.clone(),
                        linked_at: ctx.now(),
                    }
                    .insert(ctx.conn)?;
                    BehaviorEventRow::attach_device(ctx.conn, ctx.org_id(), device, customer)?;
                }
                _ => {}
            }
        }
        let models: Vec<serde_json::Value> = accepted
            .event
            .models
            .iter()
            .map(|m| serde_json::json!({"brand": m.brand(), "model": m.model()}))
            .collect();
        let row = BehaviorEventRow {
            id: new_id(),
            org_id: ctx.org_id().to_owned(),
            customer_id: accepted.customer_id.clone(),
            device_id: accepted.device_id,
            event_type: accepted.event.event_type.as_str().to_owned(),
            occurred_at: accepted.event.occurred_at.naive_utc(),
            local_date: accepted.event.local_date.to_string(),
            models: serde_json::Value::Array(models).to_string(),
            page: accepted.page,
            posted_by: posted_by.clone(),
            created_at: ctx.now(),
        };
        row.insert(ctx.conn)?;
        if let Some(customer) = &row.customer_id {
            touched.insert(customer.clone());
        }
        outcomes.push(ItemOutcome::Accepted {
            id: row.id,
            customer_id: row.customer_id,
        });
    }
    let accepted = outcomes
        .iter()
        .filter(|o| matches!(o, ItemOutcome::Accepted { .. }))
        .count();
    if accepted > 0 {
        ctx.record(
            Change::new("behavior_events.posted", "behavior_batch", &new_id()).detail(
                serde_json::json!({
                    "accepted": accepted,
                    "rejected": outcomes.len() - accepted,
                    "customers": touched.len(),
                }),
            ),
        )?;
    }
    for customer in &touched {
        crate::tags::service::recompute(ctx, customer)?;
        crate::leads::scoring::service::rescore_customer(ctx, customer)?;
        crate::leads::triggers::service::evaluate(ctx, customer)?;
    }
    Ok(outcomes)
}

/// The domain's view of a stored event (rows that no longer parse are left out).
pub fn domain_event(row: &BehaviorEventRow) -> Option<BehaviorEvent> {
    let models: Vec<ModelRef> = serde_json::from_str(&row.models).ok()?;
    Some(BehaviorEvent {
        event_type: row.event_type.parse().ok()?,
        occurred_at: row.occurred_at.and_utc(),
        local_date: row.local_date.parse().ok()?,
        models,
    })
}

/// The behaviour summary of a customer, from every event stored for them (no scope check:
/// for callers that already found the customer).
pub fn summary_of(ctx: &mut Ctx, customer_id: &str) -> ServiceResult<BehaviorSummary> {
    let rows = BehaviorEventRow::all_for_customer(ctx.conn, ctx.org_id(), customer_id)?;
    let events: Vec<BehaviorEvent> = rows.iter().filter_map(domain_event).collect();
    Ok(BehaviorSummary::of(&events))
}

/// A customer's behaviour at a glance: views per model, days active, last seen.
pub fn summary(ctx: &mut Ctx, customer_id: &str) -> ServiceResult<BehaviorSummary> {
    let customer = find_visible(ctx, customer_id)?;
    summary_of(ctx, &customer.id)
}
