//! `/api/v1/tasks` and `/api/v1/settings/lead-sla`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use autocrm_domain::leads::sla::TaskStatus;

use super::board::{self, DueWindow, TaskQuery};
use super::dto::{
    CancelTask, CompleteTask, CompletedDto, CreateTask, LeadSlaSettings, TaskDto, TaskListQuery,
};
use super::sla;
use crate::app::ServiceError;
use crate::error::{ApiError, Code, Problem};
use crate::http::pagination::{IdWindow, Page};
use crate::http::query::uuid_param;
use crate::http::versioning::versioned;
use crate::http::{Authorized, Json, PathId, perm};

/// List tasks: the consultant's day, the manager's board.
///
/// The tasks the caller sees, by id, cursor-paged: a consultant their own, a sales manager
/// their store's, general managers, admins and `tasks:read` clients all. `due=today` (due
/// today in the organisation's time zone) or `due=overdue` (open and past due);
/// `owner_id`, `status`, `lead_id`, `customer_id` filter. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/tasks", tag = "tasks",
    params(TaskListQuery),
    responses(
        (status = 200, description = "A page of tasks", body = Page<TaskDto>),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_tasks(
    caller: Authorized<perm::TasksRead>,
    query: web::Query<TaskListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let bad = |m: &str| ApiError::bad_request(Code::InvalidQuery, m.to_owned());
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let due = match q.due.as_deref() {
        None => None,
        Some("today") => Some(DueWindow::Today),
        Some("overdue") => Some(DueWindow::Overdue),
        Some(_) => return Err(bad("due is today or overdue")),
    };
    let status = q
        .status
        .as_deref()
        .map(str::parse::<TaskStatus>)
        .transpose()
        .map_err(|_| bad("status is open, done or cancelled"))?;
    let query = TaskQuery {
        due,
        owner_id: uuid_param(q.owner_id, "owner_id")?,
        status,
        lead_id: uuid_param(q.lead_id, "lead_id")?,
        customer_id: uuid_param(q.customer_id, "customer_id")?,
        after_id: window.after_id.clone(),
        limit: window.rows(),
    };
    let (items, now) = caller
        .read(move |ctx| Ok((board::list(ctx, query)?, ctx.now_utc())))
        .await?;
    Ok(HttpResponse::Ok().json(window.page(items, |t| &t.id, |t| TaskDto::at(t, now))))
}

/// Get one task.
///
/// A task the caller sees (another's, or another organisation's, is 404). Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/tasks/{id}", tag = "tasks",
    params(("id" = String, Path, description = "Task id")),
    responses((status = 200, description = "The task", body = TaskDto))
)]
pub async fn get_task(
    caller: Authorized<perm::TasksRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let (task, now) = caller
        .read(move |ctx| Ok((board::get(ctx, &id.0)?, ctx.now_utc())))
        .await?;
    let dto = TaskDto::at(task, now);
    Ok(versioned(StatusCode::OK, dto.version, dto))
}

/// Open a manual task.
///
/// A task on a lead or a customer the caller sees (422 `not_found` otherwise), due in the
/// future. The owner is `owner_id` (a consultant may name only themselves, a sales manager a
/// colleague of their store: 422 `not_allowed`), else the lead's owner, else the caller; an
/// owner other than the caller is notified (`task.assigned`). Consultants, managers, general
/// managers, admins. Audited as `task.created`.
#[utoipa::path(
    post, path = "/api/v1/tasks", tag = "tasks",
    request_body = CreateTask,
    responses(
        (status = 201, description = "Opened", body = TaskDto),
        (status = 422, description = "Invalid task", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_task(
    caller: Authorized<perm::TasksWrite>,
    body: Json<CreateTask>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_command();
    let (task, now) = caller
        .write(move |ctx| Ok((board::create(ctx, new)?, ctx.now_utc())))
        .await?;
    let dto = TaskDto::at(task, now);
    Ok(versioned(StatusCode::CREATED, dto.version, dto))
}

/// Complete a task with an activity.
///
/// Completing needs an activity (422 `activity_required` otherwise): `activity_id`, an
/// activity with the task's customer that the caller recorded, or `activity`, recorded now
/// (which marks the customer's open leads worked and restarts their pool clock). A lead's
/// task opens the lead's next follow-up by its grade's cadence (once per lead and round,
/// also under concurrent completions). A task no longer open is 409 `invalid_transition`.
/// The task's owner or a manager who sees it. Emits `activity.created` for an inline
/// activity; audited as `task.completed`.
#[utoipa::path(
    post, path = "/api/v1/tasks/{id}/complete", tag = "tasks",
    params(("id" = String, Path, description = "Task id")),
    request_body = CompleteTask,
    responses(
        (status = 200, description = "Completed, with the follow-up it opened", body = CompletedDto),
        (status = 409, description = "No longer open", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No activity, or a bad one", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn complete_task(
    caller: Authorized<perm::TasksWrite>,
    id: PathId,
    body: Json<CompleteTask>,
) -> Result<HttpResponse, ApiError> {
    let how = body.into_inner().into_command().ok_or_else(|| {
        ApiError::from(ServiceError::invalid(
            "activity",
            "activity_required",
            "completing a task needs an activity: give activity_id or activity (one of them)",
        ))
    })?;
    let (done, now) = caller
        .write(move |ctx| Ok((board::complete(ctx, &id.0, how)?, ctx.now_utc())))
        .await?;
    Ok(HttpResponse::Ok().json(CompletedDto::at(done, now)))
}

/// Cancel a task.
///
/// Sales managers (their store's tasks), general managers and admins; the reason is added to
/// the task's note. A task no longer open is 409 `invalid_transition`. Audited as
/// `task.cancelled`.
#[utoipa::path(
    post, path = "/api/v1/tasks/{id}/cancel", tag = "tasks",
    params(("id" = String, Path, description = "Task id")),
    request_body = CancelTask,
    responses(
        (status = 200, description = "Cancelled", body = TaskDto),
        (status = 409, description = "No longer open", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cancel_task(
    caller: Authorized<perm::LeadsManage>,
    id: PathId,
    body: Json<CancelTask>,
) -> Result<HttpResponse, ApiError> {
    let reason = crate::validate::rules::trimmed(body.into_inner().reason.as_deref());
    let (task, now) = caller
        .write(move |ctx| Ok((board::cancel(ctx, &id.0, reason)?, ctx.now_utc())))
        .await?;
    let dto = TaskDto::at(task, now);
    Ok(versioned(StatusCode::OK, dto.version, dto))
}

/// The organisation's SLA settings.
///
/// First-response minutes (default and per source and grade), follow-up cadences per
/// grade, escalation ladders (the defaults until set). Everyone who reads leads. Changes
/// nothing.
#[utoipa::path(
    get, path = "/api/v1/settings/lead-sla", tag = "tasks",
    responses((status = 200, description = "The settings", body = LeadSlaSettings))
)]
pub async fn get_lead_sla(caller: Authorized<perm::LeadsRead>) -> Result<HttpResponse, ApiError> {
    let config = caller.read(sla::config).await?;
    Ok(HttpResponse::Ok().json(LeadSlaSettings::from(config)))
}

/// Replace the organisation's SLA settings.
///
/// Every problem is listed at once (422). General managers and admins. Audited
/// (`organization.lead_sla_changed`); new tasks and the escalation job use them from the
/// next request on.
#[utoipa::path(
    put, path = "/api/v1/settings/lead-sla", tag = "tasks",
    request_body = LeadSlaSettings,
    responses(
        (status = 200, description = "The settings as stored", body = LeadSlaSettings),
        (status = 422, description = "Invalid settings", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_lead_sla(
    caller: Authorized<perm::LeadSettingsManage>,
    body: Json<LeadSlaSettings>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into();
    let config = caller.write(move |ctx| sla::put_config(ctx, new)).await?;
    Ok(HttpResponse::Ok().json(LeadSlaSettings::from(config)))
}

crate::endpoints![
    list_tasks,
    get_task,
    create_task,
    complete_task,
    cancel_task,
    get_lead_sla,
    put_lead_sla,
];
