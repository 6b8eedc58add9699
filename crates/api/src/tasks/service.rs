//! Opening tasks, for every capability (intake's first response, follow-up cadences,
//! behaviour triggers, managers).

pub use autocrm_domain::leads::sla::TaskKind;
use autocrm_domain::leads::sla::TaskStatus;
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{Task, TenantRecord};
use chrono::{DateTime, Utc};

use crate::app::{Ctx, ServiceResult};

/// A task to open.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub kind: TaskKind,
    pub title: String,
    pub note: Option<String>,
    pub owner_id: Option<String>,
    pub store_id: Option<String>,
    pub lead_id: Option<String>,
    pub deal_id: Option<String>,
    pub customer_id: Option<String>,
    pub due_at: DateTime<Utc>,
    /// Opens the task once per key in the organisation: a second open with the same key
    /// answers `None` and writes nothing (also when two nodes race).
    pub dedupe_key: Option<String>,
}

/// Opens a task. With a `dedupe_key` already used, nothing is written and `None` answers.
pub fn open(ctx: &mut Ctx, new: NewTask) -> ServiceResult<Option<Task>> {
    let task = row(ctx, new);
    if task.dedupe_key.is_some() {
        return Ok(task.insert_unless_taken(ctx.conn)?.then_some(task));
    }
    task.insert(ctx.conn)?;
    Ok(Some(task))
}

/// Opens tasks whose dedupe keys nobody can have used yet (they name records of this unit
/// of work, e.g. the first response of leads just taken in), in multi-row statements.
pub fn open_new(ctx: &mut Ctx, new: Vec<NewTask>) -> ServiceResult<Vec<Task>> {
    let tasks: Vec<Task> = new.into_iter().map(|n| row(ctx, n)).collect();
    Task::insert_many(ctx.conn, &tasks)?;
    Ok(tasks)
}

fn row(ctx: &Ctx, new: NewTask) -> Task {
    let now = ctx.now();
    Task {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        store_id: new.store_id,
        owner_id: new.owner_id,
        lead_id: new.lead_id,
        deal_id: new.deal_id,
        customer_id: new.customer_id,
        kind: new.kind.as_str().to_owned(),
        title: new.title,
        note: new.note,
        status: TaskStatus::Open.as_str().to_owned(),
        due_at: new.due_at.naive_utc(),
        escalation_step: 0,
        dedupe_key: new.dedupe_key,
        activity_id: None,
        completed_at: None,
        completed_by: None,
        created_by: ctx.actor_id(),
        version: 1,
        created_at: now,
        updated_at: now,
    }
}
