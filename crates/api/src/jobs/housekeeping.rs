//! The platform's own periodic work: forgetting idempotency keys past their retention, and
//! finished jobs past a week.

use autocrm_persistence::models::{IdempotencyRecord, JobRow};
use chrono::TimeDelta;

use super::{Job, JobFuture, Outcome, Periodic};
use crate::app::{App, ServiceResult};
use crate::http::idempotency::RETENTION_HOURS;

/// How long finished and dead jobs are kept for inspection.
const FINISHED_JOBS_KEPT_DAYS: i64 = 7;

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
            let purged: ServiceResult<(usize, usize)> = app
                .connection(move |conn| {
                    let keys = IdempotencyRecord::purge_older_than(
                        conn,
                        now - TimeDelta::hours(RETENTION_HOURS),
                    )?;
                    let jobs = JobRow::purge_finished(
                        conn,
                        now - TimeDelta::days(FINISHED_JOBS_KEPT_DAYS),
                    )?;
                    Ok((keys, jobs))
                })
                .await;
            match purged {
                Ok((keys, jobs)) => {
                    tracing::info!(keys, jobs, "housekeeping purged");
                    Outcome::Done
                }
                Err(e) => Outcome::Failed(e.to_string()),
            }
        })
    }
}
