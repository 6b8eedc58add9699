//! The relay: publishes committed outbox events. It stamps each with its organisation's next
//! feed position (the events feed's order, given after commit, so a walker that has read up
//! to a position never misses an event that commits later with a smaller id), marks it
//! published, and queues one delivery per matching active webhook subscription. One relay
//! at a time: on PostgreSQL a transaction-scoped advisory lock, on SQLite the write lock.

use std::collections::HashMap;

use autocrm_persistence::DbConn;
use autocrm_persistence::db::write_tx;
use autocrm_persistence::models::{JobRow, OutboxEvent, WebhookSubscription};
use chrono::{NaiveDateTime, TimeDelta};

use super::deliver;
use crate::app::{App, ServiceError, ServiceResult};
use crate::jobs::{Job, JobFuture, Outcome, Periodic};

/// Events published per transaction.
const BATCH: i64 = 500;
/// Batches per run at most (the next period picks up the rest).
const MAX_BATCHES: usize = 40;
/// The advisory lock that makes relays take turns on PostgreSQL.
const RELAY_LOCK: i64 = 0x6175_746f_7265_6c61; // "autorela"

pub struct Relay;

impl Relay {
    pub const KIND: &'static str = "outbound.relay";

    pub fn every_second() -> Periodic {
        Periodic {
            kind: Self::KIND,
            every: TimeDelta::seconds(1),
        }
    }
}

/// Publishes one batch; returns how many events it published.
pub fn publish_batch(conn: &mut DbConn, now: NaiveDateTime) -> ServiceResult<usize> {
    write_tx(conn, |conn| {
        if let DbConn::Postgres(_) = conn {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({RELAY_LOCK})"))
                .execute(conn)?;
        }
        let events = OutboxEvent::unpublished(conn, BATCH)?;
        let mut positions: HashMap<String, i64> = HashMap::new();
        let mut subscriptions: HashMap<String, Vec<WebhookSubscription>> = HashMap::new();
        let mut batches: HashMap<String, Vec<String>> = HashMap::new();
        for event in &events {
            let position = match positions.get(&event.org_id) {
                Some(p) => *p + 1,
                None => OutboxEvent::last_position(conn, &event.org_id)? + 1,
            };
            positions.insert(event.org_id.clone(), position);
            if !OutboxEvent::publish(conn, &event.id, position, now)? {
                return Err(ServiceError::internal(
                    "an outbox event was published twice",
                ));
            }
            if !subscriptions.contains_key(&event.org_id) {
                let active = WebhookSubscription::active_of(conn, &event.org_id)?;
                subscriptions.insert(event.org_id.clone(), active);
            }
            for sub in subscriptions[&event.org_id]
                .iter()
                .filter(|s| s.wants(&event.event_type))
            {
                let delivery = deliver::insert(
                    conn,
                    &event.org_id,
                    &sub.id,
                    &event.id,
                    &event.event_type,
                    &event.payload,
                    now,
                )?;
                batches
                    .entry(event.org_id.clone())
                    .or_default()
                    .push(delivery.id);
            }
        }
        // One job per organisation and batch: one node sends the batch.
        for (org_id, ids) in batches {
            deliver::enqueue(conn, &org_id, ids, now, now)?;
        }
        Ok(events.len())
    })
}

impl Job for Relay {
    fn kind(&self) -> &'static str {
        Self::KIND
    }

    fn run<'a>(&'a self, app: &'a App, _job: &'a JobRow) -> JobFuture<'a> {
        Box::pin(async move {
            for _ in 0..MAX_BATCHES {
                let now = app.clock.now().naive_utc();
                match app.connection(move |conn| publish_batch(conn, now)).await {
                    Ok(n) if (n as i64) < BATCH => return Outcome::Done,
                    Ok(_) => {}
                    Err(e) => return Outcome::Failed(e.to_string()),
                }
            }
            Outcome::Done
        })
    }

    fn max_attempts(&self) -> i32 {
        1
    }
}
