//! The platform's own periodic work: forgetting idempotency keys past their retention,
//! finished jobs past a week, published events past 90 days (the feed promises 30) and
//! finished webhook deliveries past 30 days.

use autocrm_persistence::models::{Delivery, IdempotencyRecord, JobRow, OutboxEvent, SignInCode};
use chrono::TimeDelta;

use super::{Job, JobFuture, Outcome, Periodic};
use crate::app::{App, ServiceResult};
use crate::http::idempotency::RETENTION_HOURS;

/// How long finished and dead jobs are kept for inspection.
const FINISHED_JOBS_KEPT_DAYS: i64 = 7;
/// How long published events stay in the feed (at least 30 days are promised).
const PUBLISHED_EVENTS_KEPT_DAYS: i64 = 90;
/// How long finished deliveries and their attempt log are kept.
const FINISHED_DELIVERIES_KEPT_DAYS: i64 = 30;

pub struct Housekeeping;

impl Housekeeping {
    pub const KIND: &'static str = "platform.housekeeping";

    pub fn every_hour() -> Periodic {
        Periodic {
            kind: Self::KIND,
            every: TimeDelta::hours(1),
        }
    }
}

impl Job for Housekeeping {
    fn kind(&self) -> &'static str {
        Self::KIND
    }

    fn run<'a>(&'a self, app: &'a App, _job: &'a JobRow) -> JobFuture<'a> {
        Box::pin(async move {
            let now = app.clock.now().naive_utc();
            let purged: ServiceResult<(usize, usize, usize, usize, usize)> = app
                .connection(move |conn| {
                    let keys = IdempotencyRecord::purge_older_than(
                        conn,
                        now - TimeDelta::hours(RETENTION_HOURS),
                    )?;
                    let jobs = JobRow::purge_finished(
                        conn,
                        now - TimeDelta::days(FINISHED_JOBS_KEPT_DAYS),
                    )?;
                    let events = OutboxEvent::purge_published_before(
                        conn,
                        now - TimeDelta::days(PUBLISHED_EVENTS_KEPT_DAYS),
                    )?;
                    let deliveries = Delivery::purge_finished(
                        conn,
                        now - TimeDelta::days(FINISHED_DELIVERIES_KEPT_DAYS),
                    )?;
                    // Sign-in codes live five minutes; a day later they are noise.
                    let codes = SignInCode::purge_expired_before(conn, now - TimeDelta::days(1))?;
                    Ok((keys, jobs, events, deliveries, codes))
                })
                .await;
            match purged {
                Ok((keys, jobs, events, deliveries, codes)) => {
                    tracing::info!(keys, jobs, events, deliveries, codes, "housekeeping purged");
                    Outcome::Done
                }
                Err(e) => Outcome::Failed(e.to_string()),
            }
        })
    }
}
