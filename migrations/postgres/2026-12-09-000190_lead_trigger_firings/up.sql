-- Behaviour triggers (issue 10 item 7): each firing of an organisation's rule over a
-- customer's behaviour events and activities (`/api/v1/settings/behavior-triggers`).
--
-- `window_key` is the domain's `WindowKey` (`rule_key|subject|window start`): unique per
-- customer, so a window fires once, also when two nodes or racing requests evaluate it.
-- Events up to `covered_until` are spent: the rule fires again only on later ones. The task
-- the firing opened for the lead's owner is `task_id`. `subject` is the model (`brand
-- model`) for rules counted per model.
CREATE TABLE lead_trigger_firings (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    rule_key TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    lead_id TEXT NOT NULL REFERENCES leads (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    subject TEXT,
    window_key TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    covered_until TIMESTAMP NOT NULL,
    event_count INTEGER NOT NULL,
    day_count INTEGER NOT NULL,
    task_id TEXT,
    fired_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX lead_trigger_firings_window_idx
    ON lead_trigger_firings (org_id, customer_id, window_key);
CREATE INDEX lead_trigger_firings_lead_idx ON lead_trigger_firings (org_id, lead_id, fired_at);
