//! The runner: queues periodic jobs once per period, claims due jobs, runs them, records
//! what came of them, and hands unfinished ones back when it stops.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use autocrm_persistence::models::JobRow;
use chrono::TimeDelta;
use tokio::sync::Notify;
use tokio::task::JoinSet;

use super::{Job, JobMetrics, Outcome, Periodic};
use crate::app::{App, ServiceResult};

#[derive(Debug, Clone)]
pub struct RunnerOptions {
    /// This node's name in `locked_by`.
    pub node: String,
    /// How long to wait between looks for due work when none woke the runner sooner.
    pub poll: Duration,
    /// Jobs run at once on this node.
    pub concurrency: usize,
    /// How long a claim holds before another node may take the job (a node that died).
    pub lease: TimeDelta,
    /// On shutdown, how long running jobs may take to finish before they are handed back.
    pub grace: Duration,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        Self {
            node: format!(
                "{}-{}",
                std::env::var("HOSTNAME").unwrap_or_else(|_| "node".into()),
                uuid::Uuid::now_v7().simple()
            ),
            poll: Duration::from_millis(500),
            concurrency: 8,
            lease: TimeDelta::minutes(5),
            grace: Duration::from_secs(10),
        }
    }
}

pub struct Runner {
    app: App,
    jobs: HashMap<&'static str, Arc<dyn Job>>,
    periodic: Vec<Periodic>,
    options: RunnerOptions,
    metrics: Arc<JobMetrics>,
    wake: Arc<Notify>,
}

impl Runner {
    pub fn new(
        app: App,
        jobs: Vec<Arc<dyn Job>>,
        periodic: Vec<Periodic>,
        options: RunnerOptions,
        metrics: Arc<JobMetrics>,
    ) -> Self {
        Self {
            app,
            jobs: jobs.into_iter().map(|j| (j.kind(), j)).collect(),
            periodic,
            options,
            metrics,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Wakes the loop at once (e.g. when this node has just queued work).
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    pub fn metrics(&self) -> Arc<JobMetrics> {
        self.metrics.clone()
    }

    /// Queues this period's run of every periodic job. The period's key is unique, so
    /// however many nodes do this, each period runs once.
    pub async fn schedule_periodic(&self) -> ServiceResult<()> {
        let now = self.app.clock.now();
        let rows: Vec<JobRow> = self
            .periodic
            .iter()
            .filter_map(|p| {
                let every = p.every.num_seconds().max(1);
                let period = now.timestamp().div_euclid(every);
                let job = self.jobs.get(p.kind)?;
                let mut row = JobRow::new(
                    None,
                    p.kind,
                    "{}".into(),
                    now.naive_utc(),
                    job.max_attempts(),
                    now.naive_utc(),
                );
                row.dedupe_key = Some(format!("{}@{period}", p.kind));
                Some(row)
            })
            .collect();
        if rows.is_empty() {
            return Ok(());
        }
        self.app
            .connection(move |conn| {
                for row in &rows {
                    row.insert_once(conn)?;
                }
                Ok(())
            })
            .await
    }

    /// Claims and runs due jobs, up to `concurrency` at a time, until none is due; returns
    /// how many ran. Tests call this after moving the clock.
    pub async fn run_due(&self) -> ServiceResult<usize> {
        let mut ran = 0;
        loop {
            let claimed = self.claim().await?;
            if claimed.is_empty() {
                return Ok(ran);
            }
            ran += claimed.len();
            let mut running = JoinSet::new();
            for row in claimed {
                self.spawn(&mut running, row);
            }
            while let Some(done) = running.join_next().await {
                if let Ok((row, outcome)) = done {
                    self.record(row, outcome).await;
                }
            }
        }
    }

    /// Runs until `shutdown` resolves: schedules periodic jobs, runs due work, sleeps a
    /// poll interval (or less, when woken). Jobs running at shutdown get `grace` to finish;
    /// the rest are handed back for another node.
    pub async fn run(self: Arc<Self>, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut running: JoinSet<(JobRow, Outcome)> = JoinSet::new();
        let mut held: HashMap<String, ()> = HashMap::new();
        loop {
            if let Err(e) = self.schedule_periodic().await {
                tracing::warn!(error = %e, "scheduling periodic jobs failed");
            }
            let free = self.options.concurrency.saturating_sub(running.len());
            if free > 0 {
                match self.claim_up_to(free as i64).await {
                    Ok(claimed) => {
                        for row in claimed {
                            held.insert(row.id.clone(), ());
                            self.spawn(&mut running, row);
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "claiming jobs failed"),
                }
            }
            tokio::select! {
                _ = &mut shutdown => break,
                Some(done) = running.join_next(), if !running.is_empty() => {
                    if let Ok((row, outcome)) = done {
                        held.remove(&row.id);
                        self.record(row, outcome).await;
                    }
                }
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.options.poll) => {}
            }
        }
        let finishing = async {
            while let Some(done) = running.join_next().await {
                if let Ok((row, outcome)) = done {
                    held.remove(&row.id);
                    self.record(row, outcome).await;
                }
            }
        };
        if tokio::time::timeout(self.options.grace, finishing)
            .await
            .is_err()
        {
            running.abort_all();
        }
        let node = self.options.node.clone();
        let unfinished: Vec<String> = held.into_keys().collect();
        if !unfinished.is_empty() {
            tracing::info!(jobs = unfinished.len(), "handing unfinished jobs back");
            let _ = self
                .app
                .connection(move |conn| {
                    for id in &unfinished {
                        JobRow::release(conn, id, &node)?;
                    }
                    Ok(())
                })
                .await;
        }
    }

    async fn claim(&self) -> ServiceResult<Vec<JobRow>> {
        self.claim_up_to(self.options.concurrency as i64).await
    }

    async fn claim_up_to(&self, limit: i64) -> ServiceResult<Vec<JobRow>> {
        let now = self.app.clock.now();
        let lease_until = (now + self.options.lease).naive_utc();
        let node = self.options.node.clone();
        self.app
            .connection(move |conn| {
                Ok(JobRow::claim_due(
                    conn,
                    &node,
                    now.naive_utc(),
                    lease_until,
                    limit,
                )?)
            })
            .await
    }

    fn spawn(&self, running: &mut JoinSet<(JobRow, Outcome)>, row: JobRow) {
        let job = self.jobs.get(row.kind.as_str()).cloned();
        let app = self.app.clone();
        let span = tracing::info_span!("job", kind = %row.kind, id = %row.id);
        running.spawn(tracing::Instrument::instrument(
            async move {
                let outcome = match &job {
                    Some(job) => job.run(&app, &row).await,
                    None => Outcome::Failed(format!("no job of kind {} on this node", row.kind)),
                };
                (row, outcome)
            },
            span,
        ));
    }

    async fn record(&self, row: JobRow, outcome: Outcome) {
        let now = self.app.clock.now();
        let node = self.options.node.clone();
        self.metrics
            .ran(&row.kind, matches!(outcome, Outcome::Done));
        let result = self
            .app
            .connection(move |conn| {
                match outcome {
                    Outcome::Done => JobRow::finish(conn, &row.id, &node, now.naive_utc())?,
                    Outcome::RetryAt(at) => JobRow::fail(
                        conn,
                        &row.id,
                        &node,
                        "retry requested",
                        Some(at.naive_utc()),
                        now.naive_utc(),
                    )?,
                    Outcome::Failed(error) => {
                        tracing::warn!(kind = %row.kind, id = %row.id, %error, "job failed");
                        let retry = (row.attempts < row.max_attempts)
                            .then(|| now + backoff(row.attempts()));
                        JobRow::fail(
                            conn,
                            &row.id,
                            &node,
                            &error,
                            retry.map(|t| t.naive_utc()),
                            now.naive_utc(),
                        )?
                    }
                };
                Ok(())
            })
            .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "recording a job's outcome failed");
        }
    }
}

/// The wait before retrying a failed job: 10 s, doubling per attempt, at most an hour.
fn backoff(attempts: u32) -> TimeDelta {
    let secs = 10_i64.saturating_mul(1 << attempts.min(12));
    TimeDelta::seconds(secs.min(3600))
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(super::backoff(0).num_seconds(), 10);
        assert_eq!(super::backoff(1).num_seconds(), 20);
        assert_eq!(super::backoff(3).num_seconds(), 80);
        assert_eq!(super::backoff(30).num_seconds(), 3600);
    }
}
