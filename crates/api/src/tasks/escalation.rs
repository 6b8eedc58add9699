//! The escalation ladder (DESIGN §5): a periodic job that climbs, for every open task past
//! its due time, the steps of its ladder (`lead_sla.escalation`, per task kind) that have
//! fallen due: remind the owner, tell the store's sales managers, reassign the task and its
//! lead to the least-loaded active consultant of the store, tell the general managers
//! (总经理督办).
//!
//! Each task escalates in its own unit of work, with its lead's row and then its own row
//! locked and everything read again under the locks; each step is a `task_escalations` row,
//! unique per task and step. So two nodes on one PostgreSQL take each step once.

use autocrm_domain::access::Role;
use autocrm_domain::leads::LeadStatus;
use autocrm_domain::leads::sla::{
    ESCALATION_DELAY_MAX_MINUTES, EscalationAction, TaskStatus, due_escalations,
};
use autocrm_domain::notification::NotificationKind;
use autocrm_persistence::db::{is_unique_violation, lock_row, new_id};
use autocrm_persistence::models::{
    JobRow, Lead, Task, TaskEscalation, TenantRecord, User, UserFilter, Versioned,
};
use chrono::TimeDelta;

use super::sla;
use crate::app::{Actor, App, Change, Ctx, RequestMeta, ServiceError, ServiceResult};
use crate::events::catalogue::{TaskEscalated, TaskOverdue};
use crate::jobs::{Job, JobFuture, Outcome, Periodic};
use crate::leads::service::{HistoryNote, OwnerMove, record_history, set_owner, status_of};
use crate::notifications::service::{Notification, notify};

/// Tasks escalated per run; the rest wait for the next run.
const BATCH: i64 = 500;

/// A ladder has at most one step per action: a task with this many steps taken (or whose
/// ladder has no step left, which is recorded as this) is not looked at again.
pub const LADDER_DONE: i32 = EscalationAction::ALL.len() as i32;

/// The history kind of a step taken on a lead's task.
pub const HISTORY_KIND: &str = "task_escalated";

pub struct EscalateOverdueTasks;

impl EscalateOverdueTasks {
    pub const KIND: &'static str = "tasks.escalate_overdue";

    pub fn every_minute() -> Periodic {
        Periodic {
            kind: Self::KIND,
            every: TimeDelta::minutes(1),
        }
    }
}

/// One run: how many steps were taken.
pub async fn escalate(app: &App) -> ServiceResult<usize> {
    let now = app.clock.now().naive_utc();
    // A step is due at most the ladder's longest delay after the task: older tasks have had
    // every step (a day's slack for a runner that was down).
    let since =
        now - TimeDelta::minutes(i64::from(ESCALATION_DELAY_MAX_MINUTES)) - TimeDelta::days(1);
    let due = app
        .connection(move |conn| Ok(Task::overdue(conn, now, since, LADDER_DONE, BATCH)?))
        .await?;
    let mut taken = 0;
    for (org_id, id) in due {
        let system = Actor::System {
            org_id,
            name: EscalateOverdueTasks::KIND,
        };
        let job_app = app.clone();
        let steps = app
            .blocking(move || {
                job_app.write_now(&system, &RequestMeta::default(), |ctx| {
                    escalate_task(ctx, &id)
                })
            })
            .await?;
        match steps {
            Ok(n) => taken += n,
            // Another node took the step first: nothing of this unit of work stands.
            Err(ServiceError::Duplicate { .. }) | Err(ServiceError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(taken)
}

fn users(ctx: &mut Ctx, role: Role, store_id: Option<&str>) -> ServiceResult<Vec<User>> {
    let filter = UserFilter {
        role: Some(role.as_str().to_owned()),
        store_id: store_id.map(str::to_owned),
        active: Some(true),
        after_id: None,
        limit: 200,
    };
    Ok(User::list(ctx.conn, ctx.org_id(), &filter)?)
}

fn open_statuses() -> Vec<&'static str> {
    LeadStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect()
}

/// The active consultant of the store with the fewest open leads, other than `except`
/// (ties: the lowest id).
pub fn least_loaded_consultant(
    ctx: &mut Ctx,
    store_id: Option<&str>,
    except: Option<&str>,
) -> ServiceResult<Option<String>> {
    let Some(store_id) = store_id else {
        return Ok(None);
    };
    let candidates: Vec<String> = users(ctx, Role::SalesConsultant, Some(store_id))?
        .into_iter()
        .map(|u| u.id)
        .filter(|id| Some(id.as_str()) != except)
        .collect();
    if candidates.is_empty() {
        return Ok(None);
    }
    let counts = Lead::open_counts(ctx.conn, ctx.org_id(), &candidates, &open_statuses())?;
    let load = |id: &String| {
        counts
            .iter()
            .find(|(owner, _)| owner == id)
            .map_or(0, |(_, n)| *n)
    };
    Ok(candidates
        .iter()
        .min_by_key(|id| (load(id), (*id).clone()))
        .cloned())
}

/// Takes the steps of one task's ladder that are due now; answers how many. Nothing when the
/// task is no longer open and overdue, or another node took them first.
pub fn escalate_task(ctx: &mut Ctx, id: &str) -> ServiceResult<usize> {
    let Some(peek) = Task::find(ctx.conn, ctx.org_id(), id)? else {
        return Ok(0);
    };
    // The lead's row first, then the task's: the order every owner move takes.
    if let Some(lead_id) = &peek.lead_id {
        lock_row(ctx.conn, "leads", lead_id)?;
    }
    lock_row(ctx.conn, "tasks", id)?;
    let Some(task) = Task::find(ctx.conn, ctx.org_id(), id)? else {
        return Ok(0);
    };
    let now = ctx.now();
    if task.status != TaskStatus::Open.as_str() || task.due_at >= now {
        return Ok(0);
    }
    let config = sla::config(ctx)?;
    let ladder = config.ladder(sla::ladder_kind(&task)).clone();
    let taken: Vec<EscalationAction> = TaskEscalation::of_task(ctx.conn, ctx.org_id(), id)?
        .iter()
        .filter_map(|e| e.step.parse().ok())
        .collect();
    let due = due_escalations(task.due_at.and_utc(), &taken, ctx.now_utc(), &ladder);
    let overdue_minutes = (now - task.due_at).num_minutes();
    if taken.is_empty() && !due.is_empty() {
        ctx.record(
            Change::new("task.overdue", "task", &task.id)
                .detail(serde_json::json!({"due_at": task.due_at.and_utc()}))
                .event(TaskOverdue {
                    task_id: task.id.clone(),
                    kind: task.kind.clone(),
                    title: task.title.clone(),
                    lead_id: task.lead_id.clone(),
                    customer_id: task.customer_id.clone(),
                    store_id: task.store_id.clone(),
                    owner_id: task.owner_id.clone(),
                    due_at: task.due_at.and_utc(),
                }),
        )?;
    }
    let mut task = task;
    for step in &due {
        let index = ladder
            .steps
            .iter()
            .position(|s| s.action == step.action)
            .unwrap_or_default() as i32;
        let owner_before = task.owner_id.clone();
        let link = Some(format!("/api/v1/tasks/{}", task.id));
        let mut notified = Vec::new();
        let mut reassigned_to = None;
        match step.action {
            EscalationAction::NotifyOwner => {
                if let Some(owner) = &task.owner_id {
                    notified.push(owner.clone());
                    notify(
                        ctx,
                        owner,
                        Notification {
                            kind: NotificationKind::TaskEscalated,
                            title: format!("任务已逾期：{}", task.title),
                            body: format!(
                                "您的任务「{}」已逾期{overdue_minutes}分钟，请尽快处理。",
                                task.title
                            ),
                            link: link.clone(),
                        },
                    )?;
                }
            }
            EscalationAction::NotifyStoreManager => {
                for manager in users(ctx, Role::SalesManager, task.store_id.as_deref())? {
                    if task.store_id.is_none() {
                        break;
                    }
                    notified.push(manager.id.clone());
                    notify(
                        ctx,
                        &manager.id,
                        Notification {
                            kind: NotificationKind::TaskEscalated,
                            title: format!("逾期任务提醒：{}", task.title),
                            body: format!(
                                "门店任务「{}」已逾期{overdue_minutes}分钟，负责人尚未处理，请督促跟进。",
                                task.title
                            ),
                            link: link.clone(),
                        },
                    )?;
                }
            }
            EscalationAction::Reassign => {
                reassigned_to = reassign(ctx, &mut task)?;
                notified.extend(reassigned_to.clone());
            }
            EscalationAction::NotifyGeneralManager => {
                for gm in users(ctx, Role::GeneralManager, None)? {
                    notified.push(gm.id.clone());
                    notify(
                        ctx,
                        &gm.id,
                        Notification {
                            kind: NotificationKind::TaskEscalated,
                            title: format!("总经理督办：{}", task.title),
                            body: format!(
                                "任务「{}」已逾期{overdue_minutes}分钟，经提醒、主管督促后仍未处理，请督办。",
                                task.title
                            ),
                            link: link.clone(),
                        },
                    )?;
                }
            }
        }
        TaskEscalation {
            id: new_id(),
            org_id: task.org_id.clone(),
            task_id: task.id.clone(),
            step: step.action.as_str().to_owned(),
            step_index: index,
            lead_id: task.lead_id.clone(),
            owner_id: owner_before.clone(),
            notified: serde_json::to_string(&notified).map_err(ServiceError::internal)?,
            reassigned_to: reassigned_to.clone(),
            due_at: step.due_at.naive_utc(),
            created_at: now,
        }
        .insert(ctx.conn)
        .map_err(|e| {
            if is_unique_violation(&e) {
                ServiceError::Conflict("escalated already".into())
            } else {
                e.into()
            }
        })?;
        if let Some(lead_id) = &task.lead_id
            && let Some(lead) = Lead::find(ctx.conn, ctx.org_id(), lead_id)?
        {
            record_history(
                ctx,
                &lead,
                HistoryNote {
                    kind: HISTORY_KIND,
                    from_user_id: owner_before.clone(),
                    to_user_id: reassigned_to.clone(),
                    to_value: Some(step.action.as_str().to_owned()),
                    detail: Some(serde_json::json!({
                        "task_id": task.id, "step": step.action.as_str(), "step_index": index,
                        "notified": notified, "overdue_minutes": overdue_minutes,
                    })),
                    ..HistoryNote::default()
                },
            )?;
        }
        ctx.record(
            Change::new("task.escalated", "task", &task.id)
                .detail(
                    serde_json::json!({"step": step.action.as_str(), "notified": notified,
                    "reassigned_to": reassigned_to}),
                )
                .event(TaskEscalated {
                    task_id: task.id.clone(),
                    step: step.action.as_str().to_owned(),
                    step_index: index,
                    lead_id: task.lead_id.clone(),
                    store_id: task.store_id.clone(),
                    owner_id: owner_before,
                    reassigned_to,
                    notified,
                    due_at: task.due_at.and_utc(),
                    overdue_minutes,
                }),
        )?;
    }
    let taken_now = taken.len() + due.len();
    let left = ladder
        .steps
        .iter()
        .filter(|s| !taken.contains(&s.action) && !due.iter().any(|d| d.action == s.action))
        .count();
    let step = if left == 0 {
        LADDER_DONE
    } else {
        taken_now as i32
    };
    if step != task.escalation_step {
        let version = task.version;
        task.escalation_step = step;
        task.touch(now);
        if !task.save(ctx.conn, version)? {
            return Err(ServiceError::Conflict("the task moved meanwhile".into()));
        }
    }
    Ok(due.len())
}

/// The reassign step: the task's open lead (and with it all its open tasks) goes to the
/// least-loaded active consultant of its store other than the owner; a task without an open
/// lead goes alone. Nobody available: nothing moves. Answers the new owner. `task` is read
/// again afterwards (the lead's move saved it).
fn reassign(ctx: &mut Ctx, task: &mut Task) -> ServiceResult<Option<String>> {
    let lead = match &task.lead_id {
        Some(lead_id) => Lead::find(ctx.conn, ctx.org_id(), lead_id)?
            .filter(|l| status_of(l).is_ok_and(LeadStatus::is_open)),
        None => None,
    };
    let store = lead
        .as_ref()
        .and_then(|l| l.store_id.clone())
        .or_else(|| task.store_id.clone());
    let Some(to) = least_loaded_consultant(ctx, store.as_deref(), task.owner_id.as_deref())? else {
        return Ok(None);
    };
    match lead {
        Some(mut lead) => {
            let version = lead.version;
            set_owner(
                ctx,
                &mut lead,
                Some(&to),
                OwnerMove::Escalated,
                Some("任务逾期未处理，按升级规则改派".into()),
                Some(serde_json::json!({"task_id": task.id, "step": "reassign"})),
            )?;
            if !lead.save(ctx.conn, version)? {
                return Err(ServiceError::Conflict("the lead moved meanwhile".into()));
            }
            *task = Task::find(ctx.conn, ctx.org_id(), &task.id)?.ok_or(ServiceError::NotFound)?;
        }
        None => {
            let version = task.version;
            task.owner_id = Some(to.clone());
            task.touch(ctx.now());
            if !task.save(ctx.conn, version)? {
                return Err(ServiceError::Conflict("the task moved meanwhile".into()));
            }
            notify(
                ctx,
                &to,
                Notification {
                    kind: NotificationKind::TaskAssigned,
                    title: format!("改派任务：{}", task.title),
                    body: format!("逾期任务「{}」已改派给您，请尽快处理。", task.title),
                    link: Some(format!("/api/v1/tasks/{}", task.id)),
                },
            )?;
        }
    }
    Ok(Some(to))
}

impl Job for EscalateOverdueTasks {
    fn kind(&self) -> &'static str {
        Self::KIND
    }

    fn run<'a>(&'a self, app: &'a App, _job: &'a JobRow) -> JobFuture<'a> {
        Box::pin(async move {
            match escalate(app).await {
                Ok(steps) => {
                    tracing::info!(steps, "overdue tasks escalated");
                    Outcome::Done
                }
                Err(e) => Outcome::Failed(e.to_string()),
            }
        })
    }
}
