-- Customer CSV imports (issue 8, item 13): one row per real run (a dry run writes nothing).
-- `report` is the per-row report as JSON (row numbers, statuses, field errors, masked phones:
-- never a clear personal value). `pending_rows` holds the rows still to create, encrypted
-- with the PII cipher, and is cleared once the import job is done.
CREATE TABLE customer_imports (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    store_id TEXT,
    status TEXT NOT NULL,
    encoding TEXT NOT NULL,
    total_rows BIGINT NOT NULL,
    valid_rows BIGINT NOT NULL,
    processed_rows BIGINT NOT NULL,
    created_count BIGINT NOT NULL,
    skipped_count BIGINT NOT NULL,
    failed_count BIGINT NOT NULL,
    report TEXT NOT NULL,
    pending_rows TEXT,
    created_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP,
    finished_at TIMESTAMP
);
CREATE INDEX customer_imports_org_idx ON customer_imports (org_id, created_at);
