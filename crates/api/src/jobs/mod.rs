//! Background work: a `Job` per kind of work, and one runner that claims due jobs from the
//! database and runs them. `autocrm serve` runs the runner beside the API and `autocrm
//! worker` runs it alone; on PostgreSQL any number of nodes share the work (claims use
//! `FOR UPDATE SKIP LOCKED`), on SQLite one node runs it. Every job reads the application's
//! clock, so tests move the clock and call `Runner::run_due` instead of sleeping.

pub mod housekeeping;
mod metrics;
mod runner;

use std::future::Future;
use std::pin::Pin;

use autocrm_persistence::models::JobRow;
use chrono::{DateTime, Utc};

pub use metrics::JobMetrics;
pub use runner::{Runner, RunnerOptions};

use crate::app::{App, Ctx, ServiceResult};

/// What one run of a job came to.
#[derive(Debug)]
pub enum Outcome {
    Done,
    /// Try again at this time (the attempt counts).
    RetryAt(DateTime<Utc>),
    /// A failure: retried with backoff while attempts remain, then the job is dead.
    Failed(String),
}

pub type JobFuture<'a> = Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;

/// One kind of background work.
pub trait Job: Send + Sync + 'static {
    /// The name jobs of this kind are stored under.
    fn kind(&self) -> &'static str;

    /// Runs one job. Blocking work (diesel) goes through `app.write_now` inside
    /// `app.blocking`, as every use case does.
    fn run<'a>(&'a self, app: &'a App, job: &'a JobRow) -> JobFuture<'a>;

    /// Tries before a failing job is given up.
    fn max_attempts(&self) -> i32 {
        5
    }
}

/// A job that runs once per period across all nodes.
pub struct Periodic {
    pub kind: &'static str,
    pub every: chrono::TimeDelta,
}

/// Queues a job in the caller's transaction: it exists only if the change that asked for it
/// commits.
pub fn enqueue(
    ctx: &mut Ctx,
    kind: &str,
    payload: &impl serde::Serialize,
    run_at: DateTime<Utc>,
    max_attempts: i32,
) -> ServiceResult<String> {
    let payload = serde_json::to_string(payload).map_err(crate::app::ServiceError::internal)?;
    let org = ctx.org_id();
    let org = (!org.is_empty()).then_some(org);
    let job = JobRow::new(
        org,
        kind,
        payload,
        run_at.naive_utc(),
        max_attempts,
        ctx.now(),
    );
    job.insert(ctx.conn)?;
    Ok(job.id)
}
