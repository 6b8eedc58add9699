//! Routing use cases. Round-robin state is read from the lead history (each consultant's
//! latest assignment), so no shared counter row is written by every intake.

use std::collections::{BTreeSet, HashMap};

use autocrm_domain::access::Role;
use autocrm_domain::leads::routing::{
    Candidate, LeadRoutingFacts, RoutingConfig, RoutingDecision, RoutingStrategy, route,
};
use autocrm_domain::leads::{LeadStatus, ShiftPattern, is_on_shift};
use autocrm_persistence::models::{
    Lead, LeadHistoryEntry, RoutingMember, Store, TenantRecord, User, UserShift,
};

use crate::app::{Actor, Ctx, FieldError, ServiceError, ServiceResult};
use crate::leads::service::{OwnerMove, set_owner, update_visible};
use crate::organization::settings::{change_sections, sections};

/// The statuses whose leads count as a consultant's load.
const OPEN: [&str; 3] = ["new", "contacted", "qualified"];

pub fn config(ctx: &mut Ctx) -> ServiceResult<RoutingConfig> {
    Ok(sections(ctx)?.lead_routing.unwrap_or_default())
}

/// Replaces the routing rules after checking them: the domain's rules, and every team member
/// an active consultant or sales manager of the organisation, every store one of its stores.
/// Audited (`organization.lead_routing_changed`).
pub fn put_config(ctx: &mut Ctx, new: RoutingConfig) -> ServiceResult<RoutingConfig> {
    new.validate()?;
    let members: Vec<String> = new
        .rules
        .iter()
        .flat_map(|r| r.team.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let roles = [Role::SalesConsultant.as_str(), Role::SalesManager.as_str()];
    let known: BTreeSet<String> = User::active_with_roles(ctx.conn, ctx.org_id(), &roles, None)?
        .into_iter()
        .map(|u| u.id)
        .filter(|id| members.contains(id))
        .collect();
    let mut problems = Vec::new();
    for (i, rule) in new.rules.iter().enumerate() {
        for (j, member) in rule.team.iter().enumerate() {
            if !known.contains(member) {
                problems.push(FieldError::new(
                    format!("rules[{i}].team[{j}]"),
                    "not_found",
                    "no active consultant or sales manager with this id",
                ));
            }
        }
        for store in &rule.store_ids {
            if Store::find(ctx.conn, ctx.org_id(), store)?.is_none() {
                problems.push(FieldError::new(
                    format!("rules[{i}].store_ids"),
                    "not_found",
                    format!("no store {store}"),
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    let detail = serde_json::to_value(&new).map_err(ServiceError::internal)?;
    let stored = new.clone();
    change_sections(ctx, "organization.lead_routing_changed", detail, |s| {
        s.lead_routing = Some(stored);
    })?;
    Ok(new)
}

/// Routes a lead by the organisation's rules: the candidates are the teams of the rules that
/// match, with whether each is active and on shift now (local time), their open leads and
/// their latest assignment.
pub fn decide(
    ctx: &mut Ctx,
    config: &RoutingConfig,
    facts: &LeadRoutingFacts,
) -> ServiceResult<RoutingDecision> {
    Ok(Board::load(ctx, config, &[facts])?.decide(config, facts))
}

/// What routing knows of the team members in a unit of work, read once and kept current as
/// it assigns: a batch of 500 leads routes on one read, and round-robin still rotates
/// through the batch (each assignment stamped after the last).
pub struct Board {
    candidates: Vec<Candidate>,
    now: chrono::DateTime<chrono::Utc>,
}

impl Board {
    /// The members of the rules that match any of these leads.
    pub fn load(
        ctx: &mut Ctx,
        config: &RoutingConfig,
        leads: &[&LeadRoutingFacts],
    ) -> ServiceResult<Board> {
        let now = ctx.now_utc();
        let matching: Vec<_> = config
            .rules
            .iter()
            .filter(|r| leads.iter().any(|facts| r.matches(facts)))
            .collect();
        if matching.is_empty() {
            return Ok(Board {
                candidates: Vec::new(),
                now,
            });
        }
        let team: Vec<String> = matching
            .iter()
            .flat_map(|r| r.team.iter().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let org = ctx.org_id().to_owned();
        let members = RoutingMember::of_users(ctx.conn, &org, &team)?;
        for m in &members {
            // The one assigned is notified in this unit of work: no second read of them.
            ctx.cache_recipient(&m.user_id, Some((m.active, m.channels.clone())));
        }
        let members: HashMap<String, RoutingMember> = members
            .into_iter()
            .map(|m| (m.user_id.clone(), m))
            .collect();
        let last: HashMap<String, chrono::NaiveDateTime> =
            LeadHistoryEntry::last_assigned(ctx.conn, &org, &team)?
                .into_iter()
                .collect();
        let load: HashMap<String, i64> = if matching
            .iter()
            .any(|r| r.strategy == RoutingStrategy::LeastLoaded)
        {
            Lead::open_counts(ctx.conn, &org, &team, &OPEN)?
                .into_iter()
                .collect()
        } else {
            HashMap::new()
        };
        let local = ctx.time_zone()?.local(now);
        let mut candidates = Vec::with_capacity(team.len());
        for user_id in team {
            let Some(member) = members.get(&user_id) else {
                continue;
            };
            let is_active = member.active;
            let on_shift = match (&member.pattern, member.on_duty) {
                (Some(pattern), Some(on_duty)) => {
                    let pattern: ShiftPattern =
                        serde_json::from_str(pattern).map_err(ServiceError::internal)?;
                    is_on_shift(&pattern, on_duty, local)
                }
                // No row: an organisation that plans no shifts routes to everyone.
                _ => true,
            };
            candidates.push(Candidate {
                open_leads: load
                    .get(&user_id)
                    .map_or(0, |&n| u32::try_from(n).unwrap_or(u32::MAX)),
                last_assigned_at: last.get(&user_id).map(|t| t.and_utc()),
                active: is_active,
                on_shift,
                user_id,
            });
        }
        Ok(Board { candidates, now })
    }

    /// Routes one lead (loaded with [`Board::load`]) and counts the assignment.
    pub fn decide(&mut self, config: &RoutingConfig, facts: &LeadRoutingFacts) -> RoutingDecision {
        let decision = route(config, facts, &self.candidates, self.now);
        if let RoutingDecision::Assigned(a) = &decision
            && let Some(chosen) = self.candidates.iter_mut().find(|c| c.user_id == a.user_id)
        {
            chosen.last_assigned_at = Some(a.last_assigned_at);
            chosen.open_leads = chosen.open_leads.saturating_add(1);
        }
        decision
    }
}

/// A manager gives a lead to another consultant by hand, with a reason (recorded on the
/// history, `lead.assigned`, the new owner notified). The consultant must be an active user
/// of the lead's store (when it has one); a sales manager reassigns within their own store.
pub fn reassign(
    ctx: &mut Ctx,
    lead_id: &str,
    expected: Option<i64>,
    to: &str,
    reason: String,
) -> ServiceResult<Lead> {
    update_visible(ctx, lead_id, expected, |ctx, lead| {
        let status: LeadStatus = lead.status.parse().map_err(ServiceError::internal)?;
        if !status.is_open() {
            return Err(ServiceError::InvalidTransition(format!(
                "a {status} lead is not reassigned"
            )));
        }
        let user = User::find(ctx.conn, ctx.org_id(), to)?
            .filter(|u| u.active)
            .ok_or_else(|| ServiceError::invalid("owner_id", "not_found", "no such active user"))?;
        let works_leads = matches!(
            user.role.parse::<Role>(),
            Ok(Role::SalesConsultant | Role::SalesManager)
        );
        if !works_leads {
            return Err(ServiceError::invalid(
                "owner_id",
                "not_allowed",
                "leads go to consultants and sales managers",
            ));
        }
        if lead.store_id.is_some() && user.store_id != lead.store_id {
            return Err(ServiceError::invalid(
                "owner_id",
                "not_allowed",
                "the consultant works in another store",
            ));
        }
        if lead.owner_id.as_deref() == Some(to) {
            return Err(ServiceError::InvalidTransition(
                "the lead is already this consultant's".into(),
            ));
        }
        if let Actor::Principal(p) = ctx.actor()
            && p.role == Role::SalesManager
            && user.store_id != p.store_id
        {
            return Err(ServiceError::Forbidden);
        }
        set_owner(
            ctx,
            lead,
            Some(to),
            OwnerMove::Reassigned,
            Some(reason),
            None,
        )
    })
}

/// A consultant's shift: the stored pattern and switch, or around the clock on duty.
pub fn shift_of(ctx: &mut Ctx, user_id: &str) -> ServiceResult<(ShiftPattern, bool, i64)> {
    match UserShift::find(ctx.conn, ctx.org_id(), user_id)? {
        Some(row) => Ok((
            serde_json::from_str(&row.pattern).map_err(ServiceError::internal)?,
            row.on_duty,
            row.version,
        )),
        None => Ok((ShiftPattern::always(), true, 0)),
    }
}

/// Whether the caller may set this user's shift: themselves (the on-duty switch), a sales
/// manager for their own store's people, general managers and admins for everyone.
fn may_plan(ctx: &mut Ctx, user: &User) -> bool {
    match ctx.actor() {
        Actor::Principal(p) => match p.role {
            Role::Admin | Role::GeneralManager => true,
            Role::SalesManager => p.store_id.is_some() && p.store_id == user.store_id,
            _ => p.id == user.id,
        },
        Actor::System { .. } => true,
        Actor::Anonymous => false,
    }
}

/// Sets a user's weekly pattern (`None` keeps it) and on-duty switch (`None` keeps it).
/// Audited (`user.shift_changed`).
pub fn set_shift(
    ctx: &mut Ctx,
    user_id: &str,
    pattern: Option<ShiftPattern>,
    on_duty: Option<bool>,
) -> ServiceResult<(ShiftPattern, bool, i64)> {
    let user = User::find(ctx.conn, ctx.org_id(), user_id)?.ok_or(ServiceError::NotFound)?;
    if !may_plan(ctx, &user) {
        return Err(ServiceError::Forbidden);
    }
    if let Some(p) = &pattern {
        p.validate()
            .map_err(|e| ServiceError::from(e).prefixed("pattern"))?;
    }
    autocrm_persistence::db::lock_row(ctx.conn, "users", user_id)?;
    let (old_pattern, old_duty, _) = shift_of(ctx, user_id)?;
    let now = ctx.now();
    let row = UserShift {
        user_id: user.id.clone(),
        org_id: user.org_id.clone(),
        pattern: serde_json::to_string(pattern.as_ref().unwrap_or(&old_pattern))
            .map_err(ServiceError::internal)?,
        on_duty: on_duty.unwrap_or(old_duty),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    row.upsert(ctx.conn)?;
    ctx.record(
        crate::app::Change::new("user.shift_changed", "user", &user.id).detail(
            serde_json::json!({"on_duty": row.on_duty, "pattern_changed": pattern.is_some()}),
        ),
    )?;
    shift_of(ctx, user_id)
}
