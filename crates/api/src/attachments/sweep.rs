//! The hourly sweep of what attachments leave behind:
//! - uploads that never finished (still `pending` a day later: the process died, or the
//!   client went away before the clean-up ran) lose their row and any content;
//! - attachments whose owner row is gone (older than a day) are deleted, audited as the
//!   system's `attachment.deleted` with `reason: owner_gone`;
//! - deleted attachments whose content is still in the store (the store failed when they
//!   were deleted) lose it now.

use autocrm_persistence::models::{Attachment, JobRow};
use chrono::TimeDelta;

use super::owners::OwnerType;
use super::service;
use crate::app::{Actor, App, RequestMeta, ServiceError, ServiceResult};
use crate::jobs::{Job, JobFuture, Outcome, Periodic};

/// How long an upload may stay unfinished, and an orphan live, before the sweep.
pub const ORPHAN_AGE: TimeDelta = TimeDelta::days(1);
/// Rows handled per kind and run; the rest wait for the next hour.
const BATCH: i64 = 500;

pub struct SweepOrphans;

impl SweepOrphans {
    pub const KIND: &'static str = "attachments.sweep";

    pub fn every_hour() -> Periodic {
        Periodic {
            kind: Self::KIND,
            every: TimeDelta::hours(1),
        }
    }
}

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub unfinished: usize,
    pub owner_gone: usize,
    pub purged: usize,
}

async fn remove_content(app: &App, row: &Attachment) -> bool {
    let removed = match app.files.store(&row.storage) {
        Ok(store) => store.delete(&row.storage_key).await,
        Err(e) => Err(e),
    };
    match removed {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, attachment = %row.id, "the sweep could not remove content");
            false
        }
    }
}

/// One sweep, at the application's clock.
pub async fn sweep(app: &App) -> ServiceResult<Swept> {
    let now = app.clock.now().naive_utc();
    let cutoff = now - ORPHAN_AGE;
    let mut swept = Swept::default();

    let unfinished = app
        .connection(move |conn| Ok(Attachment::stale_pending(conn, cutoff, BATCH)?))
        .await?;
    for row in unfinished {
        if remove_content(app, &row).await {
            let id = row.id.clone();
            if app
                .connection(move |conn| Ok(Attachment::delete_pending(conn, &id)?))
                .await?
            {
                swept.unfinished += 1;
            }
        }
    }

    for owner in OwnerType::ALL.iter().copied() {
        let orphans = app
            .connection(move |conn| {
                Ok(Attachment::with_owner_gone(
                    conn,
                    owner.as_str(),
                    owner.table(),
                    cutoff,
                    BATCH,
                )?)
            })
            .await?;
        for row in orphans {
            let system = Actor::System {
                org_id: row.org_id.clone(),
                name: SweepOrphans::KIND,
            };
            let job_app = app.clone();
            let deleted = app
                .blocking(move || {
                    job_app.write_now(&system, &RequestMeta::default(), |ctx| {
                        service::delete_orphan(ctx, &row)
                    })
                })
                .await??;
            if deleted {
                swept.owner_gone += 1;
            }
        }
    }

    let unpurged = app
        .connection(move |conn| Ok(Attachment::unpurged(conn, BATCH)?))
        .await?;
    for row in unpurged {
        if remove_content(app, &row).await {
            let id = row.id.clone();
            app.connection(move |conn| Ok(Attachment::mark_purged(conn, &id, now)?))
                .await?;
            swept.purged += 1;
        }
    }
    Ok(swept)
}

impl Job for SweepOrphans {
    fn kind(&self) -> &'static str {
        Self::KIND
    }

    fn run<'a>(&'a self, app: &'a App, _job: &'a JobRow) -> JobFuture<'a> {
        Box::pin(async move {
            match sweep(app).await {
                Ok(swept) => {
                    tracing::info!(?swept, "attachments swept");
                    Outcome::Done
                }
                Err(ServiceError::Unavailable) => Outcome::Failed("database unavailable".into()),
                Err(e) => Outcome::Failed(e.to_string()),
            }
        })
    }
}
