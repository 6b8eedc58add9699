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
        created_at: ctx.now(),
    }
    .insert(ctx.conn)?;
    Ok(())
}

/// Why a lead changes owner, as its history names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerMove {
    /// By a routing rule at intake (or after reactivation).
    Routed,
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
            OwnerMove::Routed => LeadHistoryEntry::ASSIGNED,
            OwnerMove::Reassigned | OwnerMove::Escalated => LeadHistoryEntry::REASSIGNED,
            OwnerMove::Claimed => LeadHistoryEntry::CLAIMED,
            OwnerMove::ReturnedToPool => LeadHistoryEntry::RETURNED_TO_POOL,
            OwnerMove::HandedOver => "handed_over",
        }
    }

    fn label(self) -> &'static str {
        match self {
            OwnerMove::Routed => "routed",
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
    let from = lead.owner_id.clone();
    let now = ctx.now();
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
    record_history(
        ctx,
        lead,
        HistoryNote {
            kind: why.kind(),
            from_user_id: from.clone(),
            to_user_id: lead.owner_id.clone(),
            reason: reason.clone(),
            detail: detail.clone(),
            ..HistoryNote::default()
        },
    )?;
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
    match to {
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
