//! Integration events: the catalogue of types and payloads, the envelope every event
//! travels in (webhooks and the feed alike), and the events feed (`GET /api/v1/events`).

pub mod catalogue;
pub mod feed;
pub mod openapi;

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use utoipa::ToSchema;

pub use catalogue::{Event, is_known};
pub use feed::endpoints;

/// Time spent writing events (the envelope and its outbox row) inside the transactions of
/// the changes that raise them: what the outbox adds to a write request (`/metrics`).
pub static WRITE_COST: WriteCost = WriteCost {
    nanos: AtomicU64::new(0),
    count: AtomicU64::new(0),
};

pub struct WriteCost {
    nanos: AtomicU64,
    count: AtomicU64,
}

impl WriteCost {
    /// `events` were written in `elapsed`.
    pub fn add(&self, elapsed: std::time::Duration, events: usize) {
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(nanos, Ordering::Relaxed);
        self.count
            .fetch_add(u64::try_from(events).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// Seconds spent and events written, since the process started.
    pub fn totals(&self) -> (f64, u64) {
        let nanos = self.nanos.load(Ordering::Relaxed);
        (nanos as f64 / 1e9, self.count.load(Ordering::Relaxed))
    }
}

/// The envelope of an event, Standard Webhooks-shaped: what a webhook's body and a feed
/// item are, byte for byte the same JSON.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-7b2f-7000-9a1b-2c3d4e5f6a71", "type": "customer.created",
    "timestamp": "2026-12-03T02:15:30.123Z", "org_id": "0193a5c4-0000-7000-8000-000000000001",
    "data": {"customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "kind": "individual",
             "name": "王建国", "phone_masked": "138****5678", "owner_id": null, "store_id": null,
             "source_channel": "walk_in", "status": "active", "version": 1}
}))]
pub struct Envelope {
    /// The event id (UUIDv7); the `webhook-id` header of every delivery of it. Dedupe on it.
    pub id: String,
    /// The event type, from the catalogue.
    #[serde(rename = "type")]
    pub event_type: String,
    /// When the change committed, RFC 3339 UTC.
    pub timestamp: String,
    pub org_id: String,
    /// The type's payload (see the document's `webhooks` section for each type's schema).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl Envelope {
    pub fn new(
        id: String,
        event_type: &str,
        at: DateTime<Utc>,
        org_id: &str,
        data: serde_json::Value,
    ) -> Self {
        Self {
            id,
            event_type: event_type.to_owned(),
            timestamp: at.to_rfc3339_opts(SecondsFormat::Millis, true),
            org_id: org_id.to_owned(),
            data,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
