//! Activity use cases, in the caller's unit of work.

use autocrm_domain::customer::{ActivityError, ActivityKind, ActivityOutcome};
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{
    Activity, Attachment, AttachmentStatus, TenantRecord, TimelineBefore,
};
use chrono::NaiveDateTime;

use crate::app::{Change, Ctx, Invalid, ServiceResult};
use crate::attachments::owners::OwnerType;
use crate::customers::service::find_visible;
use crate::events::catalogue as events;

/// A new activity, as its request's rules accepted it.
pub struct NewActivity {
    pub kind: ActivityKind,
    pub outcome: Option<ActivityOutcome>,
    /// `None`: now.
    pub occurred_at: Option<NaiveDateTime>,
    pub next_follow_up_at: Option<NaiveDateTime>,
    pub content: Option<String>,
    pub attachment_ids: Vec<String>,
}

/// Records an activity with a customer the caller sees. The attachments it names must be
/// the customer's own stored attachments. Emits `activity.created` (without the free text)
/// and recomputes the customer's dynamic tags.
pub fn create(ctx: &mut Ctx, customer_id: &str, new: NewActivity) -> ServiceResult<Activity> {
    let customer = find_visible(ctx, customer_id)?;
    let now = ctx.now();
    let occurred_at = new.occurred_at.unwrap_or(now);
    let mut invalid = Invalid::new();
    if occurred_at > now {
        invalid.add(
            "occurred_at",
            "in_future",
            "an activity cannot happen later than now",
        );
    }
    match new.kind.check(
        new.outcome,
        occurred_at.and_utc(),
        new.next_follow_up_at.map(|t| t.and_utc()),
    ) {
        Ok(()) => {}
        Err(e @ ActivityError::OutcomeNotForKind { .. }) => {
            invalid.add("outcome", "not_allowed", e.to_string())
        }
        Err(e @ ActivityError::FollowUpNotAfterActivity) => {
            invalid.add("next_follow_up_at", "out_of_range", e.to_string())
        }
    }
    for (i, id) in new.attachment_ids.iter().enumerate() {
        let belongs = Attachment::find(ctx.conn, ctx.org_id(), id)?.is_some_and(|a| {
            a.owner_type == OwnerType::Customer.as_str()
                && a.owner_id == customer.id
                && a.status == AttachmentStatus::Stored.as_str()
        });
        if !belongs {
            invalid.add(
                &format!("attachment_ids[{i}]"),
                "not_found",
                "no such stored attachment of this customer",
            );
        }
    }
    invalid.finish()?;
    let activity = Activity {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        customer_id: customer.id.clone(),
        kind: new.kind.as_str().to_owned(),
        outcome: new.outcome.map(|o| o.as_str().to_owned()),
        occurred_at,
        next_follow_up_at: new.next_follow_up_at,
        content: new.content,
        attachment_ids: serde_json::to_string(&new.attachment_ids)
            .map_err(crate::app::ServiceError::internal)?,
        created_by: ctx.actor_id(),
        created_at: now,
    };
    activity.insert(ctx.conn)?;
    ctx.record(
        Change::new("activity.created", "activity", &activity.id)
            .detail(serde_json::json!({"customer_id": customer.id, "kind": activity.kind}))
            .event(events::ActivityCreated {
                activity_id: activity.id.clone(),
                customer_id: activity.customer_id.clone(),
                kind: activity.kind.clone(),
                outcome: activity.outcome.clone(),
                occurred_at: activity.occurred_at.and_utc(),
                next_follow_up_at: activity.next_follow_up_at.map(|t| t.and_utc()),
                attachment_count: new.attachment_ids.len(),
                created_by: activity.created_by.clone(),
            }),
    )?;
    crate::tags::service::recompute(ctx, &customer.id)?;
    // An activity works the customer's open leads: their pool clock starts again.
    crate::leads::service::mark_worked(ctx, &customer.id)?;
    // Engagement moves their scores and grades.
    crate::leads::scoring::service::rescore_customer(ctx, &customer.id)?;
    // And may fire the organisation's behaviour triggers.
    crate::leads::triggers::service::evaluate(ctx, &customer.id)?;
    Ok(activity)
}

/// A page of a customer's activities, newest first (one more row than `limit`, if any).
pub fn list(
    ctx: &mut Ctx,
    customer_id: &str,
    before: Option<TimelineBefore>,
    limit: i64,
) -> ServiceResult<Vec<Activity>> {
    let customer = find_visible(ctx, customer_id)?;
    Ok(Activity::for_customer(
        ctx.conn,
        ctx.org_id(),
        &customer.id,
        before.as_ref(),
        limit,
    )?)
}

/// How many activities a customer's timeline shows per kind, the latest ones, and the
/// follow-up the most recent activity naming one asked for.
pub struct ActivitySummary {
    /// (kind, count), by kind.
    pub counts: Vec<(String, i64)>,
    /// The newest first, at most [`SUMMARY_LATEST`].
    pub latest: Vec<Activity>,
    pub next_follow_up_at: Option<NaiveDateTime>,
}

/// How many of the newest activities a summary carries.
pub const SUMMARY_LATEST: i64 = 10;

/// A customer's activities at a glance (no scope check: for callers that already found the
/// customer). Three indexed queries by customer.
pub fn summary_of(ctx: &mut Ctx, customer_id: &str) -> ServiceResult<ActivitySummary> {
    let org_id = ctx.org_id().to_owned();
    Ok(ActivitySummary {
        counts: Activity::count_by_kind(ctx.conn, &org_id, customer_id)?,
        latest: Activity::for_customer(ctx.conn, &org_id, customer_id, None, SUMMARY_LATEST)?,
        next_follow_up_at: Activity::latest_follow_up(ctx.conn, &org_id, customer_id)?,
    })
}
