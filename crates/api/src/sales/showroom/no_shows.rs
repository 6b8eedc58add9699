//! The periodic settling of no-shows: an invitation still scheduled once its appointment day
//! and the grace days after it have passed is a no-show (`service::settle_if_no_show` decides
//! by the domain's rule, in the organisation's time zone). Without it an invitation nobody
//! closed would wait forever, and 到店率 would count only the outcomes someone remembered to
//! enter. Each invitation settles in its own unit of work under its row lock, so two nodes
//! settle each once.

use autocrm_persistence::models::{JobRow, StoreVisitInvitation};
use chrono::TimeDelta;

use super::service::{self, GRACE_DAYS};
use crate::app::{Actor, App, RequestMeta, ServiceError, ServiceResult};
use crate::jobs::{Job, JobFuture, Outcome, Periodic};

/// Invitations looked at per run; the rest wait for the next run.
const BATCH: i64 = 500;

pub struct SettleNoShows;

impl SettleNoShows {
    pub const KIND: &'static str = "showroom.settle_no_shows";

    pub fn every_hour() -> Periodic {
        Periodic {
            kind: Self::KIND,
            every: TimeDelta::hours(1),
        }
    }
}

/// One run: how many invitations became no-shows.
pub async fn settle_no_shows(app: &App) -> ServiceResult<usize> {
    // No invitation's window closes sooner than the grace days after its appointment; the
    // time zone decides the rest, invitation by invitation.
    let before = (app.clock.now() - TimeDelta::days(i64::from(GRACE_DAYS))).naive_utc();
    let candidates = app
        .connection(move |conn| Ok(StoreVisitInvitation::scheduled_before(conn, before, BATCH)?))
        .await?;
    let mut settled = 0;
    for (org_id, id) in candidates {
        let system = Actor::System {
            org_id,
            name: SettleNoShows::KIND,
        };
        let job_app = app.clone();
        let done = app
            .blocking(move || {
                job_app.write_now(&system, &RequestMeta::default(), |ctx| {
                    service::settle_if_no_show(ctx, &id)
                })
            })
            .await?;
        match done {
            Ok(true) => settled += 1,
            // Settled by someone else meanwhile, or its window still open in its zone.
            Ok(false) | Err(ServiceError::NotFound) | Err(ServiceError::Stale { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(settled)
}

impl Job for SettleNoShows {
    fn kind(&self) -> &'static str {
        Self::KIND
    }

    fn run<'a>(&'a self, app: &'a App, _job: &'a JobRow) -> JobFuture<'a> {
        Box::pin(async move {
            match settle_no_shows(app).await {
                Ok(settled) => {
                    tracing::info!(settled, "store-visit invitations settled as no-shows");
                    Outcome::Done
                }
                Err(e) => Outcome::Failed(e.to_string()),
            }
        })
    }
}
