-- Inventory alerts (库存预警 / 库龄预警, issue 9 item 8). A rule watches stock levels
-- (`low_stock`: fewer than `threshold` cars in stock matching its brand/model/body/store keys)
-- or days in stock (`aging`: cars over `threshold` days, optionally of its store/brand).
-- `notify_roles` is a JSON array of role names.
CREATE TABLE inventory_alert_rules (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    threshold BIGINT NOT NULL,
    brand TEXT,
    brand_key TEXT,
    model TEXT,
    model_key TEXT,
    body_type TEXT,
    store_id TEXT REFERENCES stores (id),
    notify_roles TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX inventory_alert_rules_org_idx ON inventory_alert_rules (org_id, id);

-- An alert a rule opened for a subject (`stock` for a low-stock rule, the car's id for an
-- aging rule). `open_subject` equals `subject` while the alert is open and is NULL once it
-- is resolved: the unique index keeps one open alert per (rule, subject), also when two
-- nodes evaluate at once. `rule_id` has no foreign key: an alert outlives its deleted rule.
CREATE TABLE inventory_alerts (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    rule_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    open_subject TEXT,
    vehicle_id TEXT,
    store_id TEXT,
    threshold BIGINT NOT NULL,
    observed BIGINT NOT NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP
);
CREATE UNIQUE INDEX inventory_alerts_open_idx ON inventory_alerts (rule_id, open_subject);
CREATE INDEX inventory_alerts_org_idx ON inventory_alerts (org_id, status, opened_at, id);
