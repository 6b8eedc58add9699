//! What every lead capability shares. A lead's owner changes only through [`set_owner`], so
//! that its history, its open tasks, the event and the notification never disagree.

use autocrm_domain::access::LeadScope;
use autocrm_domain::leads::{LeadGrade, LeadStatus};
use autocrm_domain::notification::NotificationKind;
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{Lead, LeadHistoryEntry, Task, Versioned};

use crate::app::{Actor, Change, Ctx, ServiceError, ServiceResult, records};
use crate::events::catalogue::{LeadAssigned, LeadReturnedToPool};
use crate::notifications::service::{Notification, notify};

/// The leads the caller sees (the system sees all).
pub fn scope(ctx: &Ctx) -> LeadScope {
    match ctx.actor() {
        Actor::Principal(p) => LeadScope::of(p),
        Actor::System { .. } => LeadScope::All,
        Actor::Anonymous => LeadScope::Nothing,
    }
}

/// One lead in the caller's scope; `NotFound` for anything else.
pub fn find_visible(ctx: &mut Ctx, id: &str) -> ServiceResult<Lead> {
    let scope = scope(ctx);
    records::find(ctx, id, |l: &Lead| scope.admits(&l.facts()))
}

/// A visible lead, locked and changed under its version (`If-Match` when given).
pub fn update_visible(
    ctx: &mut Ctx,
    id: &str,
    expected: Option<i64>,
    change: impl FnOnce(&mut Ctx, &mut Lead) -> ServiceResult<()>,
) -> ServiceResult<Lead> {
    let scope = scope(ctx);
    records::update(
        ctx,
        id,
        expected,
        |l: &Lead| scope.admits(&l.facts()),
        change,
    )
}

pub fn status_of(lead: &Lead) -> ServiceResult<LeadStatus> {
    lead.status.parse().map_err(ServiceError::internal)
}

pub fn grade_of(lead: &Lead) -> ServiceResult<LeadGrade> {
    lead.grade.parse().map_err(ServiceError::internal)
}

/// What to write on a lead's history.
#[derive(Debug, Default)]
pub struct HistoryNote {
    pub kind: &'static str,
    pub from_user_id: Option<String>,
    pub to_user_id: Option<String>,
    pub from_value: Option<String>,
    pub to_value: Option<String>,
    pub reason: Option<String>,
    pub detail: Option<serde_json::Value>,
}

/// Appends one entry to the lead's history, by the acting principal or job.
pub fn record_history(ctx: &mut Ctx, lead: &Lead, note: HistoryNote) -> ServiceResult<()> {
    let now = ctx.now();
    record_history_at(ctx, lead, now, note)
}

fn record_history_at(
    ctx: &mut Ctx,
    lead: &Lead,
    at: chrono::NaiveDateTime,
    note: HistoryNote,
) -> ServiceResult<()> {
    history_entry(ctx, lead, at, note).insert(ctx.conn)?;
    Ok(())
}

/// A history entry by the acting principal or job, for the caller to write (batch intake
/// writes its entries in one statement).
pub fn history_entry(
    ctx: &Ctx,
    lead: &Lead,
    at: chrono::NaiveDateTime,
    note: HistoryNote,
) -> LeadHistoryEntry {
    LeadHistoryEntry {
        id: new_id(),
        org_id: lead.org_id.clone(),
        lead_id: lead.id.clone(),
        kind: note.kind.to_owned(),
        from_user_id: note.from_user_id,
        to_user_id: note.to_user_id,
        from_value: note.from_value,
        to_value: note.to_value,
        reason: note.reason,
        detail: note.detail.map(|d| d.to_string()),
        actor: ctx.actor_id(),
        created_at: at,
    }
}

/// Why a lead changes owner, as its history names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerMove {
    /// By a routing rule at intake (or after reactivation).
    Routed,
    /// Entered by the consultant who works it.
    Entered,
    /// By a manager, with a reason.
    Reassigned,
    /// From the pool by a consultant.
    Claimed,
    /// Back to the pool, unworked (the pool job) or given up.
    ReturnedToPool,
    /// In a handover (离职交接).
    HandedOver,
    /// By the escalation ladder's reassign step.
    Escalated,
}

impl OwnerMove {
    pub fn kind(self) -> &'static str {
        match self {
            OwnerMove::Routed | OwnerMove::Entered => LeadHistoryEntry::ASSIGNED,
            OwnerMove::Reassigned | OwnerMove::Escalated => LeadHistoryEntry::REASSIGNED,
            OwnerMove::Claimed => LeadHistoryEntry::CLAIMED,
            OwnerMove::ReturnedToPool => LeadHistoryEntry::RETURNED_TO_POOL,
            OwnerMove::HandedOver => "handed_over",
        }
    }

    fn label(self) -> &'static str {
        match self {
            OwnerMove::Routed => "routed",
            OwnerMove::Entered => "entered",
            OwnerMove::Reassigned => "reassigned",
            OwnerMove::Claimed => "claimed",
            OwnerMove::ReturnedToPool => "returned_to_pool",
            OwnerMove::HandedOver => "handed_over",
            OwnerMove::Escalated => "escalated",
        }
    }
}

/// Gives a lead (whose row the caller holds locked, or has just inserted) to `to`, or back
/// to its pool with `None`; the caller saves the row. Its open tasks follow it; the history
/// records who, why and (in `detail`) which rule; emits `lead.assigned` or
/// `lead.returned_to_pool`, and notifies the new owner.
pub fn set_owner(
    ctx: &mut Ctx,
    lead: &mut Lead,
    to: Option<&str>,
    why: OwnerMove,
    reason: Option<String>,
    detail: Option<serde_json::Value>,
) -> ServiceResult<()> {
    let now = ctx.now();
    set_owner_at(ctx, lead, to, why, reason, detail, now)
}

/// [`set_owner`], stamped `at` rather than the unit of work's time: routing stamps each
/// assignment of a batch a microsecond apart, so that round-robin (which reads the latest
/// assignment of each consultant from the history) rotates within one instant.
pub fn set_owner_at(
    ctx: &mut Ctx,
    lead: &mut Lead,
    to: Option<&str>,
    why: OwnerMove,
    reason: Option<String>,
    detail: Option<serde_json::Value>,
    now: chrono::NaiveDateTime,
) -> ServiceResult<()> {
    let from = place_owner(lead, to, now);
    for mut task in Task::open_of_lead(ctx.conn, &lead.org_id, &lead.id)? {
        let version = task.version;
        task.owner_id = lead.owner_id.clone();
        task.store_id = lead.store_id.clone();
        task.updated_at = now;
        if !task.save(ctx.conn, version)? {
            return Err(ServiceError::Stale {
                current_version: version + 1,
            });
        }
    }
    owner_placed(ctx, lead, from, why, reason, detail, now)
}

/// [`set_owner`] in a handover (离职交接): the same history, tasks and event, but the new
/// owner is not notified per lead (the handover sends each colleague one summary).
pub fn hand_over(
    ctx: &mut Ctx,
    lead: &mut Lead,
    to: &str,
    reason: Option<String>,
    detail: Option<serde_json::Value>,
) -> ServiceResult<()> {
    let now = ctx.now();
    set_owner_at(
        ctx,
        lead,
        Some(to),
        OwnerMove::HandedOver,
        reason,
        detail,
        now,
    )
}

/// The owner fields of a lead given to `to` (or to the pool) at `now`, nothing written;
/// answers the previous owner. Intake places the owner of a new lead before inserting it, then
/// calls [`owner_placed`]; every other move goes through [`set_owner`].
pub fn place_owner(
    lead: &mut Lead,
    to: Option<&str>,
    now: chrono::NaiveDateTime,
) -> Option<String> {
    let from = lead.owner_id.clone();
    lead.owner_id = to.map(str::to_owned);
    match to {
        Some(_) => {
            lead.assigned_at = Some(now);
            lead.pool_since = None;
            // A new owner gets the full pool time to work it.
            lead.last_worked_at = Some(now);
        }
        None => {
            lead.assigned_at = None;
            lead.pool_since = Some(now);
        }
    }
    lead.updated_at = now;
    from
}

/// What follows a lead's owner placed by [`place_owner`] (the row written): its history,
/// `lead.assigned` or `lead.returned_to_pool`, and the new owner notified.
pub fn owner_placed(
    ctx: &mut Ctx,
    lead: &Lead,
    from: Option<String>,
    why: OwnerMove,
    reason: Option<String>,
    detail: Option<serde_json::Value>,
    now: chrono::NaiveDateTime,
) -> ServiceResult<()> {
    owner_placed_unwritten(ctx, lead, from, why, reason, detail, now)?.insert(ctx.conn)?;
    Ok(())
}

/// [`owner_placed`], answering the history entry for the caller to write.
pub fn owner_placed_unwritten(
    ctx: &mut Ctx,
    lead: &Lead,
    from: Option<String>,
    why: OwnerMove,
    reason: Option<String>,
    detail: Option<serde_json::Value>,
    now: chrono::NaiveDateTime,
) -> ServiceResult<LeadHistoryEntry> {
    let entry = history_entry(
        ctx,
        lead,
        now,
        HistoryNote {
            kind: why.kind(),
            from_user_id: from.clone(),
            to_user_id: lead.owner_id.clone(),
            reason: reason.clone(),
            detail: detail.clone(),
            ..HistoryNote::default()
        },
    );
    announce_owner(ctx, lead, from, why, reason, detail)?;
    Ok(entry)
}

/// `lead.assigned` (and the new owner notified) or `lead.returned_to_pool`.
fn announce_owner(
    ctx: &mut Ctx,
    lead: &Lead,
    from: Option<String>,
    why: OwnerMove,
    reason: Option<String>,
    detail: Option<serde_json::Value>,
) -> ServiceResult<()> {
    match lead.owner_id.as_deref() {
        Some(user) => {
            ctx.record(
                Change::new("lead.assigned", "lead", &lead.id)
                    .detail(
                        serde_json::json!({"from": from, "to": user, "why": why.label(),
                        "reason": reason}),
                    )
                    .event(LeadAssigned {
                        lead_id: lead.id.clone(),
                        customer_id: lead.customer_id.clone(),
                        store_id: lead.store_id.clone(),
                        owner_id: user.to_owned(),
                        previous_owner_id: from,
                        why: why.label().to_owned(),
                        rule: detail
                            .as_ref()
                            .and_then(|d| d.pointer("/rule/name"))
                            .and_then(|n| n.as_str())
                            .map(str::to_owned),
                        grade: lead.grade.clone(),
                    }),
            )?;
            // A handover sends each colleague one summary instead of a note per lead.
            if why == OwnerMove::HandedOver {
                return Ok(());
            }
            notify(
                ctx,
                user,
                Notification {
                    kind: NotificationKind::LeadAssigned,
                    title: format!("新线索（{}级）", lead.grade.to_uppercase()),
                    body: format!(
                        "一条来自「{}」的{}级线索分配给您，请尽快跟进。",
                        lead.source,
                        lead.grade.to_uppercase()
                    ),
                    link: Some(format!("/api/v1/leads/{}", lead.id)),
                },
            )?;
        }
        None => {
            ctx.record(
                Change::new("lead.returned_to_pool", "lead", &lead.id)
                    .detail(serde_json::json!({"from": from, "why": why.label(),
                        "reason": reason}))
                    .event(LeadReturnedToPool {
                        lead_id: lead.id.clone(),
                        customer_id: lead.customer_id.clone(),
                        store_id: lead.store_id.clone(),
                        previous_owner_id: from,
                        grade: lead.grade.clone(),
                        reason,
                    }),
            )?;
        }
    }
    Ok(())
}

/// Marks the customer's open leads as worked now (an activity with the customer): their pool
/// clock starts again. Scores are recomputed by the caller where engagement changed.
pub fn mark_worked(ctx: &mut Ctx, customer_id: &str) -> ServiceResult<Vec<Lead>> {
    let now = ctx.now();
    let mut touched = Vec::new();
    let open: Vec<String> = Lead::of_customer(ctx.conn, ctx.org_id(), customer_id)?
        .into_iter()
        .filter(|l| status_of(l).is_ok_and(LeadStatus::is_open))
        .map(|l| l.id)
        .collect();
    for id in open {
        let lead = records::update(
            ctx,
            &id,
            None,
            |_: &Lead| true,
            |_, lead| {
                lead.last_worked_at = Some(now);
                if lead.status == LeadStatus::New.as_str() && lead.owner_id.is_some() {
                    lead.status = LeadStatus::Contacted.as_str().to_owned();
                }
                Ok(())
            },
        )?;
        touched.push(lead);
    }
    Ok(touched)
}

/// Leads with their customers' names and masked phones (one query for the page).
pub fn shown(ctx: &mut Ctx, leads: Vec<Lead>) -> ServiceResult<Vec<crate::leads::dto::ShownLead>> {
    let ids: Vec<String> = leads.iter().map(|l| l.customer_id.clone()).collect();
    let names: std::collections::HashMap<String, (String, Option<String>)> =
        autocrm_persistence::models::Customer::names_of(ctx.conn, ctx.org_id(), &ids)?
            .into_iter()
            .map(|(id, name, phone)| (id, (name, phone)))
            .collect();
    Ok(leads
        .into_iter()
        .map(|lead| {
            let (customer_name, customer_phone) = names
                .get(&lead.customer_id)
                .cloned()
                .map_or((None, None), |(n, p)| (Some(n), p));
            crate::leads::dto::ShownLead {
                lead,
                customer_name,
                customer_phone,
            }
        })
        .collect())
}

/// A page of the leads the caller sees.
pub fn list(
    ctx: &mut Ctx,
    mut filter: autocrm_persistence::models::LeadFilter,
) -> ServiceResult<Vec<crate::leads::dto::ShownLead>> {
    filter.scope = scope(ctx);
    let rows = Lead::list(ctx.conn, ctx.org_id(), &filter)?;
    shown(ctx, rows)
}

/// One lead the caller sees.
pub fn get(ctx: &mut Ctx, id: &str) -> ServiceResult<crate::leads::dto::ShownLead> {
    let lead = find_visible(ctx, id)?;
    Ok(shown(ctx, vec![lead])?.remove(0))
}

/// A visible lead's history, oldest first.
pub fn history(
    ctx: &mut Ctx,
    id: &str,
    after_id: Option<String>,
    limit: i64,
) -> ServiceResult<Vec<LeadHistoryEntry>> {
    let lead = find_visible(ctx, id)?;
    Ok(LeadHistoryEntry::of_lead(
        ctx.conn,
        ctx.org_id(),
        &lead.id,
        after_id.as_deref(),
        limit,
    )?)
}

/// What a consultant changes on a lead.
pub struct LeadChanges {
    pub status: Option<LeadStatus>,
    pub needs: Option<autocrm_domain::leads::LeadNeeds>,
    pub reason: Option<String>,
}

/// Moves a visible lead along (contacted, qualified, invalid: the lifecycle decides) and
/// replaces its needs (which update the customer's). The lead is rescored; a status change
/// and a grade change are on its history. Invalid closes its open tasks.
pub fn change(
    ctx: &mut Ctx,
    id: &str,
    expected: Option<i64>,
    changes: LeadChanges,
) -> ServiceResult<Lead> {
    if let Some(needs) = &changes.needs {
        needs
            .check()
            .map_err(|e| ServiceError::invalid("needs", "out_of_range", e.to_string()))?;
    }
    let mut moved = None;
    let lead = update_visible(ctx, id, expected, |ctx, lead| {
        if let Some(to) = changes.status {
            let from = status_of(lead)?;
            if from != to {
                from.transition(to)
                    .map_err(|e| ServiceError::InvalidTransition(e.to_string()))?;
                lead.status = to.as_str().to_owned();
                moved = Some(from);
            }
        }
        if let Some(needs) = &changes.needs {
            lead.needs = (!needs.is_empty())
                .then(|| serde_json::to_string(needs))
                .transpose()
                .map_err(ServiceError::internal)?;
        }
        lead.last_worked_at = Some(ctx.now());
        Ok(())
    })?;
    if let Some(from) = moved {
        record_history(
            ctx,
            &lead,
            HistoryNote {
                kind: "status_changed",
                from_value: Some(from.as_str().to_owned()),
                to_value: Some(lead.status.clone()),
                reason: changes.reason.clone(),
                ..HistoryNote::default()
            },
        )?;
        if lead.status == LeadStatus::Invalid.as_str() {
            cancel_open_tasks(ctx, &lead)?;
        }
    }
    if let Some(needs) = &changes.needs
        && !needs.is_empty()
    {
        let customer = crate::app::records::find(
            ctx,
            &lead.customer_id,
            |_: &autocrm_persistence::models::Customer| true,
        )?;
        crate::customers::service::absorb_lead_needs(ctx, &customer, needs)?;
    }
    crate::leads::scoring::service::rescore_customer(ctx, &lead.customer_id)?;
    find_visible(ctx, &lead.id)
}

/// Cancels the open tasks of a lead that closed (invalid, lost, converted).
pub fn cancel_open_tasks(ctx: &mut Ctx, lead: &Lead) -> ServiceResult<()> {
    let now = ctx.now();
    for mut task in Task::open_of_lead(ctx.conn, &lead.org_id, &lead.id)? {
        let version = task.version;
        task.status = autocrm_domain::leads::sla::TaskStatus::Cancelled
            .as_str()
            .to_owned();
        task.updated_at = now;
        if !task.save(ctx.conn, version)? {
            return Err(ServiceError::Stale {
                current_version: version + 1,
            });
        }
    }
    Ok(())
}

/// The best offerable cars for a visible lead: the lead's needs over its customer's, seen
/// from the customer's city. Changes nothing.
pub fn vehicle_matches(
    ctx: &mut Ctx,
    id: &str,
    limit: usize,
) -> ServiceResult<crate::inventory::matching::service::VehicleMatches> {
    use crate::inventory::matching::service as matching;
    let lead = find_visible(ctx, id)?;
    let customer = records::find(
        ctx,
        &lead.customer_id,
        |_: &autocrm_persistence::models::Customer| true,
    )?;
    let lead_needs = crate::leads::scoring::service::needs_of(&lead)?;
    let needs = lead_needs.merged_into(customer.stated_needs().as_ref());
    matching::matches_for_needs(ctx, &needs, matching::customer_location(&customer), limit)
}
