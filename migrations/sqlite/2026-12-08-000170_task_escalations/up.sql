-- The escalation ladder's steps taken on overdue tasks (issue 10): one row per task and step
-- (`notify_owner`, `notify_store_manager`, `reassign`, `notify_general_manager`), written by
-- the escalation job in the unit of work that takes the step. UNIQUE (task_id, step): with
-- two nodes on one database each step is taken once (the task's row is locked too, and
-- `tasks.escalation_step` advanced under that lock). `notified` is the JSON array of the user
-- ids told; `owner_id` the task's owner when the step was taken; `reassigned_to` the new owner
-- of a reassign step (NULL when nobody else was available). No personal data.
CREATE TABLE task_escalations (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    task_id TEXT NOT NULL REFERENCES tasks (id),
    step TEXT NOT NULL,
    step_index INTEGER NOT NULL,
    lead_id TEXT REFERENCES leads (id),
    owner_id TEXT,
    notified TEXT NOT NULL,
    reassigned_to TEXT,
    due_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX task_escalations_step_idx ON task_escalations (task_id, step);
CREATE INDEX task_escalations_org_idx ON task_escalations (org_id, task_id, created_at);

-- The pool job looks for owned leads by how long they have gone unworked.
CREATE INDEX leads_unworked_idx ON leads (org_id, last_worked_at) WHERE owner_id IS NOT NULL;
