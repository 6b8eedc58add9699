-- Behaviour events posted by apps and mini-programs (issue 8, item 6). `customer_id` is
-- known when the event named its customer or its device was linked to one; events of a
-- device posted before its link are attached when the link appears. `local_date` is the
-- organisation's local day of `occurred_at` (YYYY-MM-DD); `models` a JSON array of
-- {brand, model}.
CREATE TABLE behavior_events (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    customer_id TEXT REFERENCES customers (id),
    device_id TEXT,
    event_type TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    local_date TEXT NOT NULL,
    models TEXT NOT NULL,
    page TEXT,
    posted_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX behavior_events_customer_idx ON behavior_events (customer_id, occurred_at, id);
CREATE INDEX behavior_events_device_idx ON behavior_events (org_id, device_id);

-- Which customer a device belongs to: the first link stands.
CREATE TABLE device_links (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    device_id TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    linked_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX device_links_device_idx ON device_links (org_id, device_id);
