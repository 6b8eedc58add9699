-- Background work, claimed from the database so that it survives restarts and any number
-- of nodes share it without doing anything twice.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT REFERENCES organizations (id),
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    -- One job per key: a periodic job's period, or a job that must not be queued twice.
    dedupe_key TEXT UNIQUE,
    status TEXT NOT NULL,
    run_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    locked_by TEXT,
    locked_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX jobs_due_idx ON jobs (status, run_at);
