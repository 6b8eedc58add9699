//! The queries of the task board, the escalation ladder and the lead pool (issue 10): task
//! lists by scope and due window, the ladder's steps taken, and owned leads gone unworked.

use diesel::prelude::*;

use crate::DbConn;
use crate::models::{Lead, Task};
use crate::schema::{leads, task_escalations, tasks};

/// Whose tasks a list shows: the SQL side of the API's task scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskScopeFilter {
    All,
    /// The tasks of one store.
    Store(String),
    /// The tasks one user owns.
    Owner(String),
    /// The tasks one user owns or opened.
    OwnerOrCreator(String),
    Nothing,
}

/// Which tasks a list shows, by id.
#[derive(Debug, Clone)]
pub struct TaskFilter {
    pub scope: TaskScopeFilter,
    pub owner_id: Option<String>,
    pub status: Option<String>,
    pub lead_id: Option<String>,
    pub customer_id: Option<String>,
    /// Due at or after.
    pub due_from: Option<chrono::NaiveDateTime>,
    /// Due before.
    pub due_before: Option<chrono::NaiveDateTime>,
    pub after_id: Option<String>,
    pub limit: i64,
}

impl Task {
    /// A page of tasks by id.
    pub fn list(conn: &mut DbConn, org_id: &str, filter: &TaskFilter) -> QueryResult<Vec<Self>> {
        let mut query = tasks::table
            .filter(tasks::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        query = match &filter.scope {
            TaskScopeFilter::All => query,
            TaskScopeFilter::Store(s) => query.filter(tasks::store_id.eq(s.clone())),
            TaskScopeFilter::Owner(u) => query.filter(tasks::owner_id.eq(u.clone())),
            TaskScopeFilter::OwnerOrCreator(u) => query.filter(
                tasks::owner_id
                    .eq(u.clone())
                    .or(tasks::created_by.eq(u.clone())),
            ),
            TaskScopeFilter::Nothing => return Ok(Vec::new()),
        };
        if let Some(owner) = &filter.owner_id {
            query = query.filter(tasks::owner_id.eq(owner.clone()));
        }
        if let Some(status) = &filter.status {
            query = query.filter(tasks::status.eq(status.clone()));
        }
        if let Some(lead) = &filter.lead_id {
            query = query.filter(tasks::lead_id.eq(lead.clone()));
        }
        if let Some(customer) = &filter.customer_id {
            query = query.filter(tasks::customer_id.eq(customer.clone()));
        }
        if let Some(from) = filter.due_from {
            query = query.filter(tasks::due_at.ge(from));
        }
        if let Some(before) = filter.due_before {
            query = query.filter(tasks::due_at.lt(before));
        }
        if let Some(after) = &filter.after_id {
            query = query.filter(tasks::id.gt(after.clone()));
        }
        crate::db::first_rows(conn, query.order(tasks::id.asc()), filter.limit)
    }

    /// The task opened under this key, if any.
    pub fn by_dedupe_key(conn: &mut DbConn, org_id: &str, key: &str) -> QueryResult<Option<Self>> {
        tasks::table
            .filter(tasks::org_id.eq(org_id))
            .filter(tasks::dedupe_key.eq(key))
            .select(Self::as_select())
            .first(conn)
            .optional()
    }

    /// Open tasks overdue at `now` and due after `since` whose ladder may still have steps
    /// (fewer than `max_steps` taken), oldest due first: (org_id, id).
    pub fn overdue(
        conn: &mut DbConn,
        now: chrono::NaiveDateTime,
        since: chrono::NaiveDateTime,
        max_steps: i32,
        limit: i64,
    ) -> QueryResult<Vec<(String, String)>> {
        tasks::table
            .filter(tasks::status.eq(Self::OPEN))
            .filter(tasks::due_at.lt(now))
            .filter(tasks::due_at.ge(since))
            .filter(tasks::escalation_step.lt(max_steps))
            .order((tasks::due_at.asc(), tasks::id.asc()))
            .select((tasks::org_id, tasks::id))
            .limit(limit)
            .load(conn)
    }

    /// How many tasks of `kind` a lead has in `status`.
    pub fn count_of_lead(
        conn: &mut DbConn,
        org_id: &str,
        lead_id: &str,
        kind: &str,
        status: &str,
    ) -> QueryResult<i64> {
        tasks::table
            .filter(tasks::org_id.eq(org_id))
            .filter(tasks::lead_id.eq(lead_id))
            .filter(tasks::kind.eq(kind))
            .filter(tasks::status.eq(status))
            .count()
            .get_result(conn)
    }
}

/// One step of the escalation ladder taken on one task. Never changed once written.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = task_escalations, treat_none_as_default_value = false)]
pub struct TaskEscalation {
    pub id: String,
    pub org_id: String,
    pub task_id: String,
    /// The domain's `EscalationAction`.
    pub step: String,
    /// Its position on the ladder (0 first).
    pub step_index: i32,
    pub lead_id: Option<String>,
    /// The task's owner when the step was taken.
    pub owner_id: Option<String>,
    /// JSON array of the user ids told.
    pub notified: String,
    /// The new owner of a reassign step.
    pub reassigned_to: Option<String>,
    /// When the step fell due.
    pub due_at: chrono::NaiveDateTime,
    pub created_at: chrono::NaiveDateTime,
}

impl TaskEscalation {
    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(task_escalations::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    /// A task's steps taken, in order.
    pub fn of_task(conn: &mut DbConn, org_id: &str, task_id: &str) -> QueryResult<Vec<Self>> {
        task_escalations::table
            .filter(task_escalations::org_id.eq(org_id))
            .filter(task_escalations::task_id.eq(task_id))
            .order((
                task_escalations::step_index.asc(),
                task_escalations::id.asc(),
            ))
            .select(Self::as_select())
            .load(conn)
    }
}

impl Lead {
    /// The organisations with owned leads in `statuses` unworked since before `before`.
    pub fn orgs_with_unworked(
        conn: &mut DbConn,
        before: chrono::NaiveDateTime,
        statuses: &[&str],
    ) -> QueryResult<Vec<String>> {
        leads::table
            .filter(leads::owner_id.is_not_null())
            .filter(leads::last_worked_at.le(before))
            .filter(leads::status.eq_any(statuses))
            .select(leads::org_id)
            .distinct()
            .order(leads::org_id.asc())
            .load(conn)
    }

    /// Owned leads of the organisation in `statuses` whose grade's cut-off has passed:
    /// `cutoffs` pairs a grade with the time before which its leads count as unworked. Oldest
    /// first, at most `limit`.
    pub fn unworked(
        conn: &mut DbConn,
        org_id: &str,
        cutoffs: &[(String, chrono::NaiveDateTime)],
        statuses: &[&str],
        limit: i64,
    ) -> QueryResult<Vec<String>> {
        let mut found = Vec::new();
        for (grade, before) in cutoffs {
            let ids: Vec<String> = leads::table
                .filter(leads::org_id.eq(org_id))
                .filter(leads::owner_id.is_not_null())
                .filter(leads::grade.eq(grade))
                .filter(leads::last_worked_at.le(*before))
                .filter(leads::status.eq_any(statuses))
                .order((leads::last_worked_at.asc(), leads::id.asc()))
                .select(leads::id)
                .limit(limit)
                .load(conn)?;
            found.extend(ids);
        }
        Ok(found)
    }
}
