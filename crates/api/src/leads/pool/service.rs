//! Pool use cases: the settings, the pool's list, claiming, and returning one unworked lead.

use autocrm_domain::access::{LeadFacts, Role};
use autocrm_domain::leads::LeadStatus;
use autocrm_domain::leads::pool::{
    ClaimFacts, ClaimRefusal, PoolCheck, PoolConfig, PreviousOwner, check_claim, check_pool_return,
};
use autocrm_persistence::db::lock_row;
use autocrm_persistence::models::{
    Lead, LeadFilter, LeadHistoryEntry, OwnerFilter, TenantRecord, Versioned,
};

use crate::app::{Actor, Ctx, ServiceError, ServiceResult};
use crate::leads::service::{OwnerMove, grade_of, scope, set_owner, status_of};
use crate::organization::settings::{change_sections, sections};
use crate::tasks::board::start_of_today;

/// The organisation's pool settings (the defaults until set).
pub fn config(ctx: &mut Ctx) -> ServiceResult<PoolConfig> {
    Ok(sections(ctx)?.lead_pool.unwrap_or_default())
}

/// Replaces the pool settings after checking every field. Audited as
/// `organization.lead_pool_changed`.
pub fn put_config(ctx: &mut Ctx, new: PoolConfig) -> ServiceResult<PoolConfig> {
    new.validate()?;
    let detail = serde_json::to_value(&new).map_err(ServiceError::internal)?;
    let stored = new.clone();
    change_sections(ctx, "organization.lead_pool_changed", detail, |s| {
        s.lead_pool = Some(stored)
    })?;
    Ok(new)
}

/// The statuses of leads that can sit in, or return to, the pool.
pub fn open_statuses() -> Vec<&'static str> {
    LeadStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect()
}

/// A page of the open leads waiting in the pools the caller sees, by id: a consultant their
/// store's (the organisation's without a store), a sales manager their store's, general
/// managers and admins all (`store_id` narrows).
pub fn list(
    ctx: &mut Ctx,
    store_id: Option<String>,
    after_id: Option<String>,
    limit: i64,
) -> ServiceResult<Vec<Lead>> {
    let mut filter = LeadFilter::new(scope(ctx), limit);
    filter.owner = OwnerFilter::Pool;
    filter.statuses = open_statuses().into_iter().map(str::to_owned).collect();
    filter.store_id = store_id;
    filter.after_id = after_id;
    Ok(Lead::list(ctx.conn, ctx.org_id(), &filter)?)
}

/// A claimed lead and how many more the claimant may claim today.
pub struct Claimed {
    pub lead: Lead,
    pub claims_left_today: u32,
}

/// The claim refusals that are a state of the lead (409), and those of the claimant (422,
/// with the refusal's code on the `lead` field).
fn refused(refusal: ClaimRefusal) -> ServiceError {
    match refusal {
        ClaimRefusal::NotInPool | ClaimRefusal::Closed { .. } => {
            ServiceError::InvalidTransition(refusal.to_string())
        }
        ClaimRefusal::RecentlyReleased { .. } => {
            ServiceError::invalid("lead", "recently_released", refusal.to_string())
        }
        ClaimRefusal::DailyCapReached { .. } => {
            ServiceError::invalid("lead", "daily_cap_reached", refusal.to_string())
        }
    }
}

/// Claims a lead from a pool the caller sees, for the caller (consultants and sales
/// managers). The claimant's row is locked first (their claims of the day are counted once
/// at a time), then the lead's, and the lead is read again: of many claiming one lead at
/// once, one gets it and the others are told it has an owner.
pub fn claim(ctx: &mut Ctx, lead_id: &str) -> ServiceResult<Claimed> {
    let principal = match ctx.actor() {
        Actor::Principal(p) => (*p).clone(),
        _ => return Err(ServiceError::Forbidden),
    };
    let user = principal.id.clone();
    let scope = scope(ctx);
    lock_row(ctx.conn, "users", &user)?;
    lock_row(ctx.conn, "leads", lead_id)?;
    // A lead of a pool the caller sees stays theirs to ask for once someone has claimed it:
    // they are told it has an owner (409), not that it is gone.
    let mut lead = Lead::find(ctx.conn, ctx.org_id(), lead_id)?
        .filter(|l| {
            scope.admits(&l.facts())
                || scope.admits(&LeadFacts {
                    owner_id: None,
                    ..l.facts()
                })
        })
        .ok_or(ServiceError::NotFound)?;
    if !matches!(principal.role, Role::SalesConsultant | Role::SalesManager) {
        return Err(ServiceError::Forbidden);
    }
    let config = config(ctx)?;
    let since = start_of_today(ctx)?;
    let org_id = ctx.org_id().to_owned();
    let claims_today = LeadHistoryEntry::count_to_user_since(
        ctx.conn,
        &org_id,
        &user,
        LeadHistoryEntry::CLAIMED,
        since,
    )?;
    let previous_owner = LeadHistoryEntry::last_returned_from(ctx.conn, &org_id, &lead.id, &user)?
        .map(|at| PreviousOwner {
            user_id: user.clone(),
            released_at: at.and_utc(),
        });
    let facts = ClaimFacts {
        status: status_of(&lead)?,
        in_pool: lead.owner_id.is_none(),
        claims_today: u32::try_from(claims_today).unwrap_or(u32::MAX),
        previous_owner,
    };
    let granted = check_claim(&user, &facts, ctx.now_utc(), &config).map_err(refused)?;
    let version = lead.version;
    set_owner(ctx, &mut lead, Some(&user), OwnerMove::Claimed, None, None)?;
    if !lead.save(ctx.conn, version)? {
        return Err(ServiceError::Stale {
            current_version: version + 1,
        });
    }
    Ok(Claimed {
        lead,
        claims_left_today: granted.claims_left_today,
    })
}

/// Returns one owned lead to its pool if it is still open and unworked past its grade's
/// time, under its row lock (read again there: another node, or an activity, may have
/// come first). Answers whether it returned.
pub fn return_if_unworked(ctx: &mut Ctx, lead_id: &str) -> ServiceResult<bool> {
    lock_row(ctx.conn, "leads", lead_id)?;
    let Some(mut lead) = Lead::find(ctx.conn, ctx.org_id(), lead_id)? else {
        return Ok(false);
    };
    if lead.owner_id.is_none() || !status_of(&lead)?.is_open() {
        return Ok(false);
    }
    let Some(last_worked_at) = lead.last_worked_at.or(lead.assigned_at) else {
        return Ok(false);
    };
    let config = config(ctx)?;
    let grade = grade_of(&lead)?;
    let PoolCheck::Return { limit_days, .. } =
        check_pool_return(grade, last_worked_at.and_utc(), ctx.now_utc(), &config)
    else {
        return Ok(false);
    };
    let version = lead.version;
    set_owner(
        ctx,
        &mut lead,
        None,
        OwnerMove::ReturnedToPool,
        Some(format!(
            "{}级线索{limit_days}天未跟进，退回公海",
            grade.as_str().to_uppercase()
        )),
        Some(serde_json::json!({
            "rule": "unworked", "grade": grade.as_str(), "limit_days": limit_days,
            "last_worked_at": last_worked_at.and_utc(),
        })),
    )?;
    if !lead.save(ctx.conn, version)? {
        return Err(ServiceError::Conflict("the lead moved meanwhile".into()));
    }
    Ok(true)
}
