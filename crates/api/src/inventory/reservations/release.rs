//! The periodic release of expired reservations: every active reservation whose expiry has
//! come (by the application's clock) ends as `expired` and its car goes back in stock. Each
//! release runs in its own unit of work with the car's and the reservation's rows locked and
//! the status checked again, so two nodes on one PostgreSQL release each reservation once.

use autocrm_persistence::models::{JobRow, VehicleReservation};
use chrono::TimeDelta;

use super::service;
use crate::app::{Actor, App, RequestMeta, ServiceResult};
use crate::jobs::{Job, JobFuture, Outcome, Periodic};

/// Reservations released per run; the rest wait for the next run.
const BATCH: i64 = 500;

pub struct ReleaseExpiredReservations;

impl ReleaseExpiredReservations {
    pub const KIND: &'static str = "reservations.release_expired";

    pub fn every_minute() -> Periodic {
        Periodic {
            kind: Self::KIND,
            every: TimeDelta::minutes(1),
        }
    }
}

/// One run: how many reservations this run released.
pub async fn release(app: &App) -> ServiceResult<usize> {
    let now = app.clock.now().naive_utc();
    let due = app
        .connection(move |conn| Ok(VehicleReservation::expired(conn, now, BATCH)?))
        .await?;
    let mut released = 0;
    for (org_id, id) in due {
        let system = Actor::System {
            org_id,
            name: ReleaseExpiredReservations::KIND,
        };
        let job_app = app.clone();
        let done = app
            .blocking(move || {
                job_app.write_now(&system, &RequestMeta::default(), |ctx| {
                    service::release_expired(ctx, &id)
                })
            })
            .await??;
        if done {
            released += 1;
        }
    }
    Ok(released)
}

impl Job for ReleaseExpiredReservations {
    fn kind(&self) -> &'static str {
        Self::KIND
    }

    fn run<'a>(&'a self, app: &'a App, _job: &'a JobRow) -> JobFuture<'a> {
        Box::pin(async move {
            match release(app).await {
                Ok(released) => {
                    tracing::info!(released, "expired reservations released");
                    Outcome::Done
                }
                Err(e) => Outcome::Failed(e.to_string()),
            }
        })
    }
}
