//! Lost requests (战败申请) of leads and deals: a reason and a note, which the store's sales
//! manager approves or rejects (unless the organisation's lost policy needs no approval).
//! Approving marks the lead or deal lost; rejecting leaves it open. A lost lead can be
//! reactivated into its store's pool.

use autocrm_domain::access::Role;
use autocrm_domain::leads::sla::TaskStatus;
use autocrm_domain::leads::{
    LeadStatus, LostDecision, LostPolicy, LostReason, LostRequest, LostRequestError,
    LostRequestStatus,
};
use autocrm_domain::notification::NotificationKind;
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{
    Lead, LostRequestFilter, LostRequestRow, Task, TenantRecord, User, UserFilter, Versioned,
};

use crate::app::{Actor, Change, Ctx, ServiceError, ServiceResult, records};
use crate::leads::service::{self as leads, HistoryNote, OwnerMove};
use crate::notifications::service::{Notification, notify};
use crate::organization::settings::{change_sections, sections};
use crate::sales::deals::service as deals;

/// The organisation's lost policy (approval required until set).
pub fn policy(ctx: &mut Ctx) -> ServiceResult<LostPolicy> {
    Ok(sections(ctx)?.lost_policy.unwrap_or_default())
}

/// Replaces the lost policy. Audited (`organization.lost_policy_changed`).
pub fn put_policy(ctx: &mut Ctx, new: LostPolicy) -> ServiceResult<LostPolicy> {
    let detail = serde_json::to_value(new).map_err(ServiceError::internal)?;
    change_sections(ctx, "organization.lost_policy_changed", detail, |s| {
        s.lost_policy = Some(new)
    })?;
    Ok(new)
}

/// What a lost request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Lead,
    Deal,
}

/// A reason's note or a decision refused, as the answer's problem.
pub(crate) fn refused(e: LostRequestError) -> ServiceError {
    match e {
        LostRequestError::NoteRequired => ServiceError::invalid("note", "required", e.to_string()),
        LostRequestError::NoteTooLong => ServiceError::invalid("note", "too_long", e.to_string()),
        LostRequestError::AlreadyDecided(_) => ServiceError::InvalidTransition(e.to_string()),
    }
}

fn waiting() -> ServiceError {
    ServiceError::Conflict("a lost request for it already waits for a decision".into())
}

/// Requests that a lead or deal the caller sees be marked lost. With the organisation's
/// policy needing approval (the default), the request waits and the store's sales managers
/// are notified; otherwise it is approved at once. One request waits per lead or deal (409
/// otherwise); a closed lead or deal is 409.
pub fn request(
    ctx: &mut Ctx,
    subject: Subject,
    id: &str,
    reason: LostReason,
    note: Option<String>,
) -> ServiceResult<LostRequestRow> {
    let policy = policy(ctx)?;
    let opened = LostRequest::open(reason, note.as_deref(), policy).map_err(refused)?;
    let now = ctx.now();
    let (store_id, customer_id, lead_id, deal_id) = match subject {
        Subject::Lead => {
            // Locked: a second request for the same lead waits here, then sees the first.
            let lead = leads::update_visible(ctx, id, None, |ctx, lead| {
                if !leads::status_of(lead)?.is_open() {
                    return Err(ServiceError::InvalidTransition(format!(
                        "the lead is {} and cannot be marked lost",
                        lead.status
                    )));
                }
                lead.updated_at = ctx.now();
                Ok(())
            })?;
            (
                lead.store_id.clone(),
                lead.customer_id.clone(),
                Some(lead.id),
                None,
            )
        }
        Subject::Deal => {
            let deal = deals::update_visible(ctx, id, None, |ctx, deal| {
                if !deals::stage_of(deal)?.is_open() {
                    return Err(ServiceError::InvalidTransition(format!(
                        "the deal is {} and cannot be marked lost",
                        deal.stage
                    )));
                }
                deal.updated_at = ctx.now();
                Ok(())
            })?;
            (
                deal.store_id.clone(),
                deal.customer_id.clone(),
                None,
                Some(deal.id),
            )
        }
    };
    let pending = LostRequestRow::list(
        ctx.conn,
        ctx.org_id(),
        &LostRequestFilter {
            status: Some(LostRequestStatus::Requested.as_str().to_owned()),
            lead_id: lead_id.clone(),
            deal_id: deal_id.clone(),
            limit: 1,
            ..Default::default()
        },
    )?;
    if !pending.is_empty() {
        return Err(waiting());
    }
    let mut row = LostRequestRow {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        store_id,
        customer_id,
        lead_id,
        deal_id,
        reason: opened.reason.as_str().to_owned(),
        note: opened.note,
        status: LostRequestStatus::Requested.as_str().to_owned(),
        requested_by: ctx.actor_id(),
        decided_by: None,
        decided_at: None,
        decision_note: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    row.insert(ctx.conn).map_err(|e| {
        if autocrm_persistence::db::is_unique_violation(&e) {
            waiting()
        } else {
            e.into()
        }
    })?;
    if let Some(lead_id) = &row.lead_id {
        let lead = records::find(ctx, lead_id, |_: &Lead| true)?;
        leads::record_history(
            ctx,
            &lead,
            HistoryNote {
                kind: "lost_requested",
                to_value: Some(row.reason.clone()),
                reason: row.note.clone(),
                detail: Some(serde_json::json!({"lost_request_id": row.id})),
                ..Default::default()
            },
        )?;
    }
    ctx.record(
        Change::new("lost_request.created", "lost_request", &row.id).detail(serde_json::json!({
            "lead_id": row.lead_id, "deal_id": row.deal_id, "reason": row.reason})),
    )?;
    if opened.status == LostRequestStatus::Approved {
        row = decide_row(ctx, row, LostDecision::Approve, None)?;
    } else {
        notify_managers(ctx, &row)?;
    }
    Ok(row)
}

fn what(row: &LostRequestRow) -> &'static str {
    if row.lead_id.is_some() {
        "线索"
    } else {
        "商机"
    }
}

fn link(row: &LostRequestRow) -> String {
    format!("/api/v1/lost-requests/{}", row.id)
}

/// The active sales managers of the request's store (none when it has no store: the
/// general managers decide those).
fn notify_managers(ctx: &mut Ctx, row: &LostRequestRow) -> ServiceResult<()> {
    let (role, store_id) = match &row.store_id {
        Some(store) => (Role::SalesManager, Some(store.clone())),
        None => (Role::GeneralManager, None),
    };
    let managers = User::list(
        ctx.conn,
        ctx.org_id(),
        &UserFilter {
            role: Some(role.as_str().to_owned()),
            store_id,
            active: Some(true),
            after_id: None,
            limit: 200,
        },
    )?;
    let reason = row.reason.clone();
    for manager in managers {
        notify(
            ctx,
            &manager.id,
            Notification {
                kind: NotificationKind::LeadLostRequest,
                title: format!("战败申请待审批（{}）", what(row)),
                body: format!("一条{}的战败申请（原因：{reason}）等待您审批。", what(row)),
                link: Some(link(row)),
            },
        )?;
    }
    Ok(())
}

/// Whether the caller decides requests of this store: admins and general managers all, a
/// sales manager their store's.
fn decides(ctx: &Ctx, row: &LostRequestRow) -> ServiceResult<bool> {
    let p = ctx.principal()?;
    Ok(match p.role {
        Role::Admin | Role::GeneralManager => true,
        Role::SalesManager => p.store_id.is_some() && p.store_id == row.store_id,
        _ => false,
    })
}

/// Whether the caller sees a request: those who decide it, and the requester.
fn sees(ctx: &Ctx, row: &LostRequestRow) -> bool {
    match ctx.actor() {
        Actor::System { .. } => true,
        Actor::Anonymous => false,
        Actor::Principal(p) => p.id == row.requested_by || decides(ctx, row).unwrap_or(false),
    }
}

pub fn get(ctx: &mut Ctx, id: &str) -> ServiceResult<LostRequestRow> {
    let row = records::find(ctx, id, |_: &LostRequestRow| true)?;
    if sees(ctx, &row) {
        Ok(row)
    } else {
        Err(ServiceError::NotFound)
    }
}

/// The requests the caller sees: a sales manager's store queue, everything for admins and
/// general managers, their own for anyone else.
pub fn list(ctx: &mut Ctx, mut filter: LostRequestFilter) -> ServiceResult<Vec<LostRequestRow>> {
    let p = ctx.principal()?;
    match p.role {
        Role::Admin | Role::GeneralManager => {}
        Role::SalesManager => filter.store_id = Some(p.store_id.clone()),
        _ => filter.requested_by = Some(p.id.clone()),
    }
    Ok(LostRequestRow::list(ctx.conn, ctx.org_id(), &filter)?)
}

/// Decides a waiting request: a sales manager of its store, a general manager or an admin
/// (another store's is 404). Approving marks the lead lost (its open tasks cancelled) or the
/// deal lost (`deal.lost`); rejecting leaves it open. The requester is notified.
pub fn decide(
    ctx: &mut Ctx,
    id: &str,
    decision: LostDecision,
    note: Option<String>,
) -> ServiceResult<LostRequestRow> {
    let found = records::find(ctx, id, |_: &LostRequestRow| true)?;
    if !decides(ctx, &found)? {
        return Err(ServiceError::NotFound);
    }
    autocrm_persistence::db::lock_row(ctx.conn, LostRequestRow::TABLE, id)?;
    let row = records::find(ctx, id, |_: &LostRequestRow| true)?;
    decide_row(ctx, row, decision, note)
}

fn decide_row(
    ctx: &mut Ctx,
    mut row: LostRequestRow,
    decision: LostDecision,
    note: Option<String>,
) -> ServiceResult<LostRequestRow> {
    let status: LostRequestStatus = row.status.parse().map_err(ServiceError::internal)?;
    let decided = status.decide(decision).map_err(refused)?;
    let reason: LostReason = row.reason.parse().map_err(ServiceError::internal)?;
    let version = row.version;
    row.status = decided.as_str().to_owned();
    row.decided_by = Some(ctx.actor_id());
    row.decided_at = Some(ctx.now());
    row.decision_note = note;
    row.updated_at = ctx.now();
    if !row.save(ctx.conn, version)? {
        return Err(ServiceError::Stale {
            current_version: version + 1,
        });
    }
    if let Some(lead_id) = row.lead_id.clone() {
        let approved = decided == LostRequestStatus::Approved;
        let detail = serde_json::json!({"lost_request_id": row.id, "decision": decided.as_str()});
        let decision_note = row.decision_note.clone();
        records::update(
            ctx,
            &lead_id,
            None,
            |_: &Lead| true,
            |ctx, lead| {
                leads::record_history(
                    ctx,
                    lead,
                    HistoryNote {
                        kind: "lost_decided",
                        to_value: Some(decided.as_str().to_owned()),
                        reason: decision_note,
                        detail: Some(detail),
                        ..Default::default()
                    },
                )?;
                if approved {
                    let from = leads::status_of(lead)?;
                    let to = from
                        .transition(LeadStatus::Lost)
                        .map_err(|e| ServiceError::InvalidTransition(e.to_string()))?;
                    lead.status = to.as_str().to_owned();
                    lead.updated_at = ctx.now();
                    leads::record_history(
                        ctx,
                        lead,
                        HistoryNote {
                            kind: "status_changed",
                            from_value: Some(from.as_str().to_owned()),
                            to_value: Some(to.as_str().to_owned()),
                            reason: Some(format!("lost: {}", reason.as_str())),
                            ..Default::default()
                        },
                    )?;
                    cancel_open_tasks(ctx, lead)?;
                }
                Ok(())
            },
        )?;
    }
    if let Some(deal_id) = row.deal_id.clone()
        && decided == LostRequestStatus::Approved
    {
        deals::mark_lost(ctx, &deal_id, reason, &row.id)?;
    }
    ctx.record(
        Change::new("lost_request.decided", "lost_request", &row.id).detail(serde_json::json!({
            "decision": decided.as_str(), "lead_id": row.lead_id, "deal_id": row.deal_id})),
    )?;
    if row.requested_by != ctx.actor_id() {
        let verdict = if decided == LostRequestStatus::Approved {
            "已批准"
        } else {
            "已驳回"
        };
        let requester = row.requested_by.clone();
        notify(
            ctx,
            &requester,
            Notification {
                kind: NotificationKind::LeadLostRequest,
                title: format!("战败申请{verdict}（{}）", what(&row)),
                body: format!("您提交的{}战败申请{verdict}。", what(&row)),
                link: Some(link(&row)),
            },
        )?;
    }
    Ok(row)
}

fn cancel_open_tasks(ctx: &mut Ctx, lead: &Lead) -> ServiceResult<()> {
    let now = ctx.now();
    for mut task in Task::open_of_lead(ctx.conn, &lead.org_id, &lead.id)? {
        let version = task.version;
        task.status = TaskStatus::Cancelled.as_str().to_owned();
        task.updated_at = now;
        if !task.save(ctx.conn, version)? {
            return Err(ServiceError::Stale {
                current_version: version + 1,
            });
        }
    }
    Ok(())
}

/// Brings a lost lead back: status `new`, into its store's pool (`lead.returned_to_pool`),
/// its silence counted from now. A lead that is not lost is 409.
pub fn reactivate(ctx: &mut Ctx, lead_id: &str, reason: Option<String>) -> ServiceResult<Lead> {
    leads::update_visible(ctx, lead_id, None, |ctx, lead| {
        let from = leads::status_of(lead)?;
        if from != LeadStatus::Lost {
            return Err(ServiceError::InvalidTransition(format!(
                "only a lost lead is reactivated; this one is {from}"
            )));
        }
        let to = from
            .transition(LeadStatus::New)
            .map_err(|e| ServiceError::InvalidTransition(e.to_string()))?;
        lead.status = to.as_str().to_owned();
        lead.active_since = ctx.now();
        leads::record_history(
            ctx,
            lead,
            HistoryNote {
                kind: "reactivated",
                from_value: Some(from.as_str().to_owned()),
                to_value: Some(to.as_str().to_owned()),
                reason: reason.clone(),
                ..Default::default()
            },
        )?;
        leads::set_owner(
            ctx,
            lead,
            None,
            OwnerMove::ReturnedToPool,
            Some(reason.unwrap_or_else(|| "reactivated".into())),
            None,
        )
    })
}
