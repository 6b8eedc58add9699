//! Task use cases: the consultant's day and the manager's board, manual tasks, completing
//! (with an activity) and cancelling.

use autocrm_domain::access::{LeadScope, Role};
use autocrm_domain::leads::sla::TaskStatus;
use autocrm_domain::notification::NotificationKind;
use autocrm_persistence::db::lock_row;
use autocrm_persistence::models::{
    Activity, Lead, Task, TaskFilter, TaskScopeFilter, TenantRecord, User,
};
use chrono::{DateTime, NaiveDateTime, NaiveTime, TimeDelta, Utc};

use super::service::{NewTask, TaskKind, open};
use super::sla;
use crate::activities::service::NewActivity;
use crate::app::{Actor, Change, Ctx, ServiceError, ServiceResult, records};
use crate::notifications::service::{Notification, notify};

/// How far ahead a manual task may be due.
pub const MAX_DUE_DAYS: i64 = 365;

/// The tasks the caller sees, as its lead scope says: a consultant their own, a sales
/// manager their store's, general managers, admins and integrators all; a marketer the
/// tasks they own or opened.
pub fn scope(ctx: &Ctx) -> TaskScopeFilter {
    match crate::leads::service::scope(ctx) {
        LeadScope::All => TaskScopeFilter::All,
        LeadScope::Store(store) => TaskScopeFilter::Store(store),
        LeadScope::OwnerOrPool { owner, .. } => TaskScopeFilter::Owner(owner),
        LeadScope::CreatedBy(user) => TaskScopeFilter::OwnerOrCreator(user),
        LeadScope::Nothing => TaskScopeFilter::Nothing,
    }
}

fn admits(scope: &TaskScopeFilter, task: &Task) -> bool {
    match scope {
        TaskScopeFilter::All => true,
        TaskScopeFilter::Store(store) => task.store_id.as_deref() == Some(store.as_str()),
        TaskScopeFilter::Owner(user) => task.owner_id.as_deref() == Some(user.as_str()),
        TaskScopeFilter::OwnerOrCreator(user) => {
            task.owner_id.as_deref() == Some(user.as_str()) || task.created_by == *user
        }
        TaskScopeFilter::Nothing => false,
    }
}

/// The start of today in the organisation's time zone, as a UTC time.
pub fn start_of_today(ctx: &mut Ctx) -> ServiceResult<NaiveDateTime> {
    let zone = ctx.time_zone()?;
    let now = ctx.now_utc();
    let local = zone.local(now);
    let offset = local - now.naive_utc();
    Ok(local.date().and_time(NaiveTime::MIN) - offset)
}

/// Which due window a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueWindow {
    /// Due today, in the organisation's time zone (any status unless one is asked for).
    Today,
    /// Open and past due.
    Overdue,
}

/// A task list as its query asked for it.
#[derive(Debug, Clone, Default)]
pub struct TaskQuery {
    pub due: Option<DueWindow>,
    pub owner_id: Option<String>,
    pub status: Option<TaskStatus>,
    pub lead_id: Option<String>,
    pub customer_id: Option<String>,
    pub after_id: Option<String>,
    pub limit: i64,
}

/// A page of the tasks the caller sees, by id.
pub fn list(ctx: &mut Ctx, query: TaskQuery) -> ServiceResult<Vec<Task>> {
    let mut filter = TaskFilter {
        scope: scope(ctx),
        owner_id: query.owner_id,
        status: query.status.map(|s| s.as_str().to_owned()),
        lead_id: query.lead_id,
        customer_id: query.customer_id,
        due_from: None,
        due_before: None,
        after_id: query.after_id,
        limit: query.limit,
    };
    match query.due {
        Some(DueWindow::Today) => {
            let start = start_of_today(ctx)?;
            filter.due_from = Some(start);
            filter.due_before = Some(start + TimeDelta::days(1));
        }
        Some(DueWindow::Overdue) => {
            if query.status.is_some_and(|s| s != TaskStatus::Open) {
                return Ok(Vec::new());
            }
            filter.status = Some(TaskStatus::Open.as_str().to_owned());
            filter.due_before = Some(ctx.now());
        }
        None => {}
    }
    Ok(Task::list(ctx.conn, ctx.org_id(), &filter)?)
}

/// One task the caller sees; `NotFound` otherwise.
pub fn get(ctx: &mut Ctx, id: &str) -> ServiceResult<Task> {
    let scope = scope(ctx);
    records::find(ctx, id, |t: &Task| admits(&scope, t))
}

/// A manual task as its request's rules accepted it.
#[derive(Debug, Clone)]
pub struct NewManualTask {
    pub title: String,
    pub note: Option<String>,
    pub due_at: DateTime<Utc>,
    pub lead_id: Option<String>,
    pub customer_id: Option<String>,
    pub owner_id: Option<String>,
    pub kind: TaskKind,
}

fn not_found(field: &'static str) -> impl FnOnce(ServiceError) -> ServiceError {
    move |e| match e {
        ServiceError::NotFound => ServiceError::invalid(field, "not_found", "no such record"),
        other => other,
    }
}

/// Opens a manual task on a lead or a customer the caller sees. The owner is the one named
/// (a consultant may name only themselves, a sales manager a colleague of their store), else
/// the lead's owner, else the caller. Notifies an owner other than the caller
/// (`task.assigned`).
pub fn create(ctx: &mut Ctx, new: NewManualTask) -> ServiceResult<Task> {
    let now = ctx.now_utc();
    if new.due_at <= now {
        return Err(ServiceError::invalid(
            "due_at",
            "not_in_future",
            "a task must be due in the future",
        ));
    }
    if new.due_at > now + TimeDelta::days(MAX_DUE_DAYS) {
        return Err(ServiceError::invalid(
            "due_at",
            "out_of_range",
            format!("a task is due within {MAX_DUE_DAYS} days"),
        ));
    }
    let lead = match &new.lead_id {
        Some(id) => {
            Some(crate::leads::service::find_visible(ctx, id).map_err(not_found("lead_id"))?)
        }
        None => None,
    };
    let customer_id = match (&lead, &new.customer_id) {
        (Some(lead), Some(c)) if *c != lead.customer_id => {
            return Err(ServiceError::invalid(
                "customer_id",
                "not_allowed",
                "the customer is not the lead's",
            ));
        }
        (Some(lead), _) => lead.customer_id.clone(),
        (None, Some(c)) => {
            crate::customers::service::find_visible(ctx, c).map_err(not_found("customer_id"))?;
            c.clone()
        }
        (None, None) => {
            return Err(ServiceError::invalid(
                "lead_id",
                "required",
                "a task is on a lead or a customer: give lead_id or customer_id",
            ));
        }
    };
    let caller = match ctx.actor() {
        Actor::Principal(p) => Some((*p).clone()),
        _ => None,
    };
    let owner = match &new.owner_id {
        Some(owner_id) => {
            let user = User::find(ctx.conn, ctx.org_id(), owner_id)?
                .filter(|u| u.active)
                .ok_or_else(|| {
                    ServiceError::invalid("owner_id", "not_found", "no such active user")
                })?;
            if let Some(p) = &caller {
                let allowed = match p.role {
                    Role::SalesConsultant | Role::Marketing => user.id == p.id,
                    Role::SalesManager => user.store_id == p.store_id,
                    _ => true,
                };
                if !allowed {
                    return Err(ServiceError::invalid(
                        "owner_id",
                        "not_allowed",
                        "you may not give tasks to this user",
                    ));
                }
            }
            Some(user)
        }
        None => {
            let id = lead
                .as_ref()
                .and_then(|l| l.owner_id.clone())
                .or_else(|| caller.as_ref().map(|p| p.id.clone()));
            match id {
                Some(id) => User::find(ctx.conn, ctx.org_id(), &id)?,
                None => None,
            }
        }
    };
    let store_id = lead
        .as_ref()
        .and_then(|l| l.store_id.clone())
        .or_else(|| owner.as_ref().and_then(|u| u.store_id.clone()))
        .or_else(|| caller.as_ref().and_then(|p| p.store_id.clone()));
    let task = open(
        ctx,
        NewTask {
            kind: new.kind,
            title: new.title,
            note: new.note,
            owner_id: owner.as_ref().map(|u| u.id.clone()),
            store_id,
            lead_id: lead.as_ref().map(|l| l.id.clone()),
            deal_id: None,
            customer_id: Some(customer_id),
            due_at: new.due_at,
            dedupe_key: None,
        },
    )?
    .ok_or_else(|| ServiceError::internal("a task without a key was deduplicated"))?;
    ctx.record(
        Change::new("task.created", "task", &task.id).detail(serde_json::json!({
            "kind": task.kind, "lead_id": task.lead_id, "customer_id": task.customer_id,
            "owner_id": task.owner_id, "due_at": new.due_at,
        })),
    )?;
    if let Some(owner) = &task.owner_id
        && *owner != ctx.actor_id()
    {
        notify(
            ctx,
            owner,
            Notification {
                kind: NotificationKind::TaskAssigned,
                title: format!("新任务：{}", task.title),
                body: format!(
                    "您有一项新任务「{}」，截止时间 {}。",
                    task.title,
                    task.due_at.format("%Y-%m-%d %H:%M UTC")
                ),
                link: Some(format!("/api/v1/tasks/{}", task.id)),
            },
        )?;
    }
    Ok(task)
}

/// What completes a task: an activity with the task's customer that the caller recorded, or
/// one recorded now.
pub enum Completion {
    Existing(String),
    Inline(NewActivity),
}

/// A completed task and the follow-up it opened.
pub struct Completed {
    pub task: Task,
    pub follow_up: Option<Task>,
}

/// Completes an open task the caller sees with an activity (an inline one is recorded now,
/// which marks the customer's leads worked). A lead's task opens the lead's next follow-up
/// by its grade's cadence. A task no longer open is `InvalidTransition`.
pub fn complete(ctx: &mut Ctx, id: &str, how: Completion) -> ServiceResult<Completed> {
    let scope = scope(ctx);
    // The lead's row before the task's (the activity marks the lead worked): the order the
    // escalation job and every owner move take, so they never deadlock.
    if let Some(lead_id) = Task::find(ctx.conn, ctx.org_id(), id)?.and_then(|t| t.lead_id) {
        lock_row(ctx.conn, "leads", &lead_id)?;
    }
    let task = records::update(
        ctx,
        id,
        None,
        |t: &Task| admits(&scope, t),
        |ctx, task| {
            let status: TaskStatus = task.status.parse().map_err(ServiceError::internal)?;
            status
                .transition(TaskStatus::Done)
                .map_err(|e| ServiceError::InvalidTransition(e.to_string()))?;
            let customer_id = match (&task.customer_id, &task.lead_id) {
                (Some(c), _) => c.clone(),
                (None, Some(lead_id)) => {
                    Lead::find(ctx.conn, ctx.org_id(), lead_id)?
                        .ok_or(ServiceError::NotFound)?
                        .customer_id
                }
                (None, None) => {
                    return Err(ServiceError::invalid(
                        "activity",
                        "not_allowed",
                        "this task has no customer to record an activity with",
                    ));
                }
            };
            let activity_id = match how {
                Completion::Existing(activity_id) => {
                    let activity = Activity::find(ctx.conn, ctx.org_id(), &activity_id)?
                        .ok_or_else(|| {
                            ServiceError::invalid("activity_id", "not_found", "no such activity")
                        })?;
                    if activity.customer_id != customer_id {
                        return Err(ServiceError::invalid(
                            "activity_id",
                            "not_allowed",
                            "the activity is not with the task's customer",
                        ));
                    }
                    if activity.created_by != ctx.actor_id() {
                        return Err(ServiceError::invalid(
                            "activity_id",
                            "not_allowed",
                            "the activity was recorded by someone else",
                        ));
                    }
                    activity.id
                }
                Completion::Inline(new) => {
                    crate::activities::service::create(ctx, &customer_id, new)
                        .map_err(|e| e.prefixed("activity."))?
                        .id
                }
            };
            let now = ctx.now();
            task.status = TaskStatus::Done.as_str().to_owned();
            task.activity_id = Some(activity_id);
            task.completed_at = Some(now);
            task.completed_by = Some(ctx.actor_id());
            Ok(())
        },
    )?;
    ctx.record(
        Change::new("task.completed", "task", &task.id).detail(serde_json::json!({
            "kind": task.kind, "lead_id": task.lead_id, "activity_id": task.activity_id,
        })),
    )?;
    let follow_up = match &task.lead_id {
        Some(lead_id) => match Lead::find(ctx.conn, ctx.org_id(), lead_id)? {
            Some(lead) => sla::open_next_follow_up(ctx, &lead)?,
            None => None,
        },
        None => None,
    };
    Ok(Completed { task, follow_up })
}

/// Cancels an open task the caller sees (managers); the reason is kept in its note.
pub fn cancel(ctx: &mut Ctx, id: &str, reason: Option<String>) -> ServiceResult<Task> {
    let scope = scope(ctx);
    let task = records::update(
        ctx,
        id,
        None,
        |t: &Task| admits(&scope, t),
        |ctx, task| {
            let status: TaskStatus = task.status.parse().map_err(ServiceError::internal)?;
            status
                .transition(TaskStatus::Cancelled)
                .map_err(|e| ServiceError::InvalidTransition(e.to_string()))?;
            task.status = TaskStatus::Cancelled.as_str().to_owned();
            task.completed_at = Some(ctx.now());
            task.completed_by = Some(ctx.actor_id());
            if let Some(reason) = &reason {
                task.note = Some(match task.note.take() {
                    Some(note) => format!("{note}\n取消原因：{reason}"),
                    None => format!("取消原因：{reason}"),
                });
            }
            Ok(())
        },
    )?;
    ctx.record(Change::new("task.cancelled", "task", &task.id).detail(
        serde_json::json!({"kind": task.kind, "lead_id": task.lead_id, "with_reason": reason.is_some()}),
    ))?;
    Ok(task)
}
