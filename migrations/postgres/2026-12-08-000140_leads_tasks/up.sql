-- Leads and their tasks (issue 10).
--
-- A lead is one enquiry of one customer (attached or created at intake, in the same
-- transaction). `owner_id` NULL means it waits in the pool (公海) of `store_id`, or of the
-- organisation when `store_id` is NULL. `grade` is H/A/B/C (lost and invalid are statuses);
-- `score_detail` is the domain's `LeadScore` (reasons and their points) as JSON.
-- `(source, source_lead_id)` is unique per organisation: a repeated push creates nothing.
-- `raw_ciphertext` is the payload as received, sealed like other personal data and cleared
-- after `raw_expires_at` (90 days) by the retention job, or at once by the customer's erasure.
-- `needs` is the lead's wanted vehicle, timeframe, payment and trade-in (JSON).
-- `last_worked_at` is the last activity on the lead: the pool clock counts from it.
CREATE TABLE leads (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    store_id TEXT REFERENCES stores (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    owner_id TEXT REFERENCES users (id),
    status TEXT NOT NULL,
    grade TEXT NOT NULL,
    score INTEGER NOT NULL,
    score_detail TEXT NOT NULL,
    source TEXT NOT NULL,
    source_lead_id TEXT,
    campaign_id TEXT,
    utm TEXT,
    referrer TEXT,
    needs TEXT,
    raw_ciphertext TEXT,
    raw_expires_at TIMESTAMP,
    created_by TEXT NOT NULL,
    active_since TIMESTAMP NOT NULL,
    last_worked_at TIMESTAMP,
    assigned_at TIMESTAMP,
    pool_since TIMESTAMP,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX leads_source_lead_idx ON leads (org_id, source, source_lead_id) WHERE source_lead_id IS NOT NULL;
CREATE INDEX leads_owner_idx ON leads (org_id, owner_id, status, id);
CREATE INDEX leads_store_idx ON leads (org_id, store_id, status, id);
CREATE INDEX leads_customer_idx ON leads (org_id, customer_id);
CREATE INDEX leads_status_idx ON leads (org_id, status, id);
CREATE INDEX leads_raw_expiry_idx ON leads (raw_expires_at) WHERE raw_ciphertext IS NOT NULL;

-- Everything that happened to a lead, in order: created, assigned (by rule or by hand, with
-- `reason` and the routing decision in `detail`), claimed from the pool, returned to it,
-- grade and status changes, lost requests and their decisions. `from_user_id`/`to_user_id`
-- are the owner before and after; `from_value`/`to_value` the grade or status. Never changed
-- once written. Round-robin reads each consultant's latest assignment from here, so no
-- shared counter row is locked by every intake.
CREATE TABLE lead_history (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    lead_id TEXT NOT NULL REFERENCES leads (id),
    kind TEXT NOT NULL,
    from_user_id TEXT,
    to_user_id TEXT,
    from_value TEXT,
    to_value TEXT,
    reason TEXT,
    detail TEXT,
    actor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX lead_history_lead_idx ON lead_history (org_id, lead_id, created_at, id);
CREATE INDEX lead_history_to_user_idx ON lead_history (org_id, to_user_id, kind, created_at);
CREATE INDEX lead_history_from_user_idx ON lead_history (org_id, from_user_id, kind, created_at);

-- Tasks: first responses, follow-ups, trigger and manual tasks. `owner_id` NULL when the
-- lead waits in the pool. Completing one needs an activity (`activity_id`).
-- `escalation_step` counts the ladder steps taken; the escalation job picks open tasks by
-- `due_at`. `dedupe_key` makes a task opened once per key (a trigger's window, a follow-up
-- round): a unique index, so two nodes cannot open it twice. `deal_id` has no foreign key
-- here: deals come in their own migration.
CREATE TABLE tasks (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    store_id TEXT REFERENCES stores (id),
    owner_id TEXT REFERENCES users (id),
    lead_id TEXT REFERENCES leads (id),
    deal_id TEXT,
    customer_id TEXT REFERENCES customers (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    note TEXT,
    status TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    escalation_step INTEGER NOT NULL,
    dedupe_key TEXT,
    activity_id TEXT,
    completed_at TIMESTAMP,
    completed_by TEXT,
    created_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX tasks_dedupe_idx ON tasks (org_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX tasks_owner_idx ON tasks (org_id, owner_id, status, due_at);
CREATE INDEX tasks_store_idx ON tasks (org_id, store_id, status, due_at);
CREATE INDEX tasks_lead_idx ON tasks (org_id, lead_id);
CREATE INDEX tasks_customer_idx ON tasks (org_id, customer_id);
CREATE INDEX tasks_open_due_idx ON tasks (status, due_at) WHERE status = 'open';

-- When and how each consultant works (routing picks among those on shift): a weekly pattern
-- (the domain's `ShiftPattern` as JSON) and an on-duty switch. A consultant without a row
-- is on duty around the clock, so an organisation that plans no shifts routes to everyone.
CREATE TABLE user_shifts (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    org_id TEXT NOT NULL REFERENCES organizations (id),
    pattern TEXT NOT NULL,
    on_duty BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX user_shifts_org_idx ON user_shifts (org_id, user_id);
