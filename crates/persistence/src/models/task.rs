//! Tasks: first responses, follow-ups, trigger and manual tasks (issue 10).

use diesel::prelude::*;

use crate::DbConn;
use crate::schema::tasks;

/// A piece of work with a due time. `owner_id` is `None` while its lead waits in the pool;
/// `escalation_step` counts the escalation ladder's steps taken; `dedupe_key` opens a task
/// once per key (unique per organisation).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tasks, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct Task {
    pub id: String,
    pub org_id: String,
    pub store_id: Option<String>,
    pub owner_id: Option<String>,
    pub lead_id: Option<String>,
    pub deal_id: Option<String>,
    pub customer_id: Option<String>,
    /// `first_response`, `follow_up`, `trigger`, `manual`.
    pub kind: String,
    pub title: String,
    pub note: Option<String>,
    /// The domain's `TaskStatus`: `open`, `done`, `cancelled`.
    pub status: String,
    pub due_at: chrono::NaiveDateTime,
    pub escalation_step: i32,
    pub dedupe_key: Option<String>,
    /// The activity that completed it.
    pub activity_id: Option<String>,
    pub completed_at: Option<chrono::NaiveDateTime>,
    pub completed_by: Option<String>,
    pub created_by: String,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

super::record::versioned_record!(Task, tasks);

impl Task {
    pub const OPEN: &'static str = "open";

    /// Inserts the task unless its `dedupe_key` is taken (also by a concurrent insert from
    /// another node): one statement, no savepoint. Returns whether it was inserted.
    pub fn insert_unless_taken(&self, conn: &mut DbConn) -> QueryResult<bool> {
        crate::on_backend!(conn, |c| diesel::insert_into(tasks::table)
            .values(self)
            .on_conflict_do_nothing()
            .execute(c))
        .map(|n| n == 1)
    }

    /// New tasks in multi-row statements; a dedupe key already taken fails the statement.
    pub fn insert_many(conn: &mut DbConn, rows: &[Self]) -> QueryResult<usize> {
        crate::insert_batch!(conn, tasks::table, rows)
    }

    /// The open tasks of a lead (moved with it, cancelled when it closes).
    pub fn open_of_lead(conn: &mut DbConn, org_id: &str, lead_id: &str) -> QueryResult<Vec<Self>> {
        tasks::table
            .filter(tasks::org_id.eq(org_id))
            .filter(tasks::lead_id.eq(lead_id))
            .filter(tasks::status.eq(Self::OPEN))
            .order(tasks::id.asc())
            .select(Self::as_select())
            .load(conn)
    }
}
