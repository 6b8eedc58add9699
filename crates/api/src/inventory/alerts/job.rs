//! The hourly evaluation of inventory alert rules, organisation by organisation, at the
//! application's clock. Safe on several nodes: the runner queues one run per period, and
//! the unique index on open alerts makes a second opening of the same alert a no-op.

use autocrm_persistence::models::{AlertRule, JobRow};
use chrono::TimeDelta;

use super::service::{self, Evaluated};
use crate::app::{Actor, App, RequestMeta, ServiceError, ServiceResult};
use crate::jobs::{Job, JobFuture, Outcome, Periodic};

pub struct EvaluateAlerts;

impl EvaluateAlerts {
    pub const KIND: &'static str = "inventory.alerts.evaluate";

    pub fn every_hour() -> Periodic {
        Periodic {
            kind: Self::KIND,
            every: TimeDelta::hours(1),
        }
    }
}

/// Evaluates every organisation's rules, one transaction per organisation.
pub async fn evaluate_all(app: &App) -> ServiceResult<Evaluated> {
    let orgs = app
        .connection(|conn| Ok(AlertRule::orgs_with_rules(conn)?))
        .await?;
    let mut total = Evaluated::default();
    for org_id in orgs {
        let system = Actor::System {
            org_id,
            name: EvaluateAlerts::KIND,
        };
        let job_app = app.clone();
        let done = app
            .blocking(move || {
                job_app.write_now(&system, &RequestMeta::default(), service::evaluate)
            })
            .await??;
        total.opened += done.opened;
        total.resolved += done.resolved;
    }
    Ok(total)
}

impl Job for EvaluateAlerts {
    fn kind(&self) -> &'static str {
        Self::KIND
    }

    fn run<'a>(&'a self, app: &'a App, _job: &'a JobRow) -> JobFuture<'a> {
        Box::pin(async move {
            match evaluate_all(app).await {
                Ok(done) => {
                    tracing::info!(?done, "inventory alerts evaluated");
                    Outcome::Done
                }
                Err(ServiceError::Unavailable) => Outcome::Failed("database unavailable".into()),
                Err(e) => Outcome::Failed(e.to_string()),
            }
        })
    }
}
