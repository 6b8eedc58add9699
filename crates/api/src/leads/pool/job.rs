//! The periodic return of unworked leads to the pool. Candidates are read per organisation
//! with its own return times; each lead returns in its own unit of work under its row lock
//! (`service::return_if_unworked` checks again there), so two nodes return each lead once.

use autocrm_domain::leads::LeadGrade;
use autocrm_persistence::models::{JobRow, Lead};
use chrono::TimeDelta;

use super::service;
use crate::app::{Actor, App, RequestMeta, ServiceError, ServiceResult};
use crate::jobs::{Job, JobFuture, Outcome, Periodic};

/// Leads returned per organisation and grade per run; the rest wait for the next run.
const BATCH: i64 = 500;

pub struct ReturnUnworkedLeads;

impl ReturnUnworkedLeads {
    pub const KIND: &'static str = "leads.return_unworked";

    pub fn every_ten_minutes() -> Periodic {
        Periodic {
            kind: Self::KIND,
            every: TimeDelta::minutes(10),
        }
    }
}

/// One run: how many leads returned to a pool.
pub async fn return_unworked(app: &App) -> ServiceResult<usize> {
    let now = app.clock.now().naive_utc();
    // No grade returns sooner than a day (the settings' minimum).
    let before = now - TimeDelta::days(1);
    let orgs = app
        .connection(move |conn| {
            Ok(Lead::orgs_with_unworked(
                conn,
                before,
                &service::open_statuses(),
            )?)
        })
        .await?;
    let mut returned = 0;
    for org_id in orgs {
        let system = Actor::System {
            org_id,
            name: ReturnUnworkedLeads::KIND,
        };
        let due = app
            .read(system.clone(), RequestMeta::default(), move |ctx| {
                let config = service::config(ctx)?;
                let cutoffs: Vec<(String, chrono::NaiveDateTime)> = LeadGrade::ALL
                    .iter()
                    .map(|g| {
                        let days = *config.return_after_days.get(*g);
                        (
                            g.as_str().to_owned(),
                            now - TimeDelta::days(i64::from(days)),
                        )
                    })
                    .collect();
                let org_id = ctx.org_id().to_owned();
                Ok(Lead::unworked(
                    ctx.conn,
                    &org_id,
                    &cutoffs,
                    &service::open_statuses(),
                    BATCH,
                )?)
            })
            .await?;
        for id in due {
            let job_app = app.clone();
            let system = system.clone();
            let done = app
                .blocking(move || {
                    job_app.write_now(&system, &RequestMeta::default(), |ctx| {
                        service::return_if_unworked(ctx, &id)
                    })
                })
                .await?;
            match done {
                Ok(true) => returned += 1,
                Ok(false) | Err(ServiceError::Conflict(_)) | Err(ServiceError::Stale { .. }) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(returned)
}

impl Job for ReturnUnworkedLeads {
    fn kind(&self) -> &'static str {
        Self::KIND
    }

    fn run<'a>(&'a self, app: &'a App, _job: &'a JobRow) -> JobFuture<'a> {
        Box::pin(async move {
            match return_unworked(app).await {
                Ok(returned) => {
                    tracing::info!(returned, "unworked leads returned to the pool");
                    Outcome::Done
                }
                Err(e) => Outcome::Failed(e.to_string()),
            }
        })
    }
}
