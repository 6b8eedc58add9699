-- Test drives (issue 10 item 10) and the consultants' calendar feeds.
--
-- A test drive books one car (`vehicle_id`) with one consultant for `[starts_at, ends_at)`
-- (UTC, on the organisation's slot grid). `status`: booked, in_progress, completed,
-- cancelled, no_show. The driving licence number is personal data: only its ciphertext and
-- masked form are kept (`licence_ciphertext`, `licence_masked`), cleared on erasure with the
-- free texts (`note`, `feedback`).
CREATE TABLE test_drives (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    lead_id TEXT,
    consultant_id TEXT NOT NULL REFERENCES users (id),
    store_id TEXT,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    licence_ciphertext TEXT,
    licence_masked TEXT,
    note TEXT,
    feedback TEXT,
    booked_by TEXT NOT NULL,
    booked_via TEXT NOT NULL,
    closed_at TIMESTAMP,
    closed_by TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX test_drives_org_starts_idx ON test_drives (org_id, starts_at, id);
CREATE INDEX test_drives_vehicle_idx ON test_drives (vehicle_id, starts_at);
CREATE INDEX test_drives_consultant_idx ON test_drives (consultant_id, starts_at);
CREATE INDEX test_drives_customer_idx ON test_drives (org_id, customer_id);

-- The slots a booking holds, one row per grid slot per resource (`car` + vehicle id,
-- `consultant` + user id): the primary key is the database's guarantee that no two
-- bookings hold the same slot of a car or of a consultant, whatever the concurrency,
-- beside the row locks on the car and the consultant. Rows go when the booking stops
-- holding its slots (cancelled, completed, no-show).
CREATE TABLE test_drive_slots (
    resource TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    slot_start TIMESTAMP NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    test_drive_id TEXT NOT NULL REFERENCES test_drives (id),
    PRIMARY KEY (resource, resource_id, slot_start)
);
CREATE INDEX test_drive_slots_drive_idx ON test_drive_slots (test_drive_id);

-- A staff member's secret calendar feed URL (iCalendar): only a SHA-256 hash of the token is
-- kept; rotating replaces it, revoking deletes the row.
CREATE TABLE calendar_feeds (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX calendar_feeds_user_idx ON calendar_feeds (user_id);
CREATE UNIQUE INDEX calendar_feeds_token_idx ON calendar_feeds (token_hash);
