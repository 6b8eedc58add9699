//! The periodic clearing of leads' payloads as received, once their 90 days are over. One
//! statement per run; running it twice (two nodes) clears nothing twice.

use autocrm_persistence::models::JobRow;
use chrono::TimeDelta;

use crate::app::App;
use crate::jobs::{Job, JobFuture, Outcome, Periodic};

pub struct ClearExpiredLeadPayloads;

impl ClearExpiredLeadPayloads {
    pub const KIND: &'static str = "leads.clear_expired_payloads";

    pub fn hourly() -> Periodic {
        Periodic {
            kind: Self::KIND,
            every: TimeDelta::hours(1),
        }
    }
}

impl Job for ClearExpiredLeadPayloads {
    fn kind(&self) -> &'static str {
        Self::KIND
    }

    fn run<'a>(&'a self, app: &'a App, _job: &'a JobRow) -> JobFuture<'a> {
        Box::pin(async move {
            let now = app.clock.now().naive_utc();
            let cleared = app
                .connection(move |conn| {
                    Ok(autocrm_persistence::models::Lead::clear_expired_payloads(
                        conn, now,
                    )?)
                })
                .await;
            match cleared {
                Ok(n) => {
                    tracing::info!(cleared = n, "expired lead payloads cleared");
                    Outcome::Done
                }
                Err(e) => Outcome::Failed(e.to_string()),
            }
        })
    }
}
