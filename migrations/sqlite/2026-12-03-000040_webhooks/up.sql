-- The events feed's order: a per-organisation position stamped by the relay after the
-- event's transaction committed (UUIDv7 ids of concurrent transactions commit out of order,
-- so the id cannot be the feed's order). NULL until the relay has seen the event.
ALTER TABLE outbox_events ADD COLUMN feed_position BIGINT;
CREATE UNIQUE INDEX outbox_events_feed_idx ON outbox_events (org_id, feed_position);

-- Webhook subscriptions (Standard Webhooks). The signing secret is kept only encrypted with
-- the PII cipher; after a rotation the previous one also signs until `previous_secret_until`.
CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    url TEXT NOT NULL,
    -- JSON array of event types; empty: every type.
    event_types TEXT NOT NULL,
    description TEXT,
    active BOOLEAN NOT NULL,
    secret_ciphertext TEXT NOT NULL,
    previous_secret_ciphertext TEXT,
    previous_secret_until TIMESTAMP,
    -- Why the system turned it off (e.g. the receiver answered 410 Gone).
    disabled_reason TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_subscriptions_org_idx ON webhook_subscriptions (org_id, id);

-- Outbound deliveries, for any kind of target: 'webhook' (a subscription) now, notification
-- gateways later. One row per event and target; its attempts are logged below.
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    -- The JSON body sent, byte for byte, at every attempt.
    payload TEXT NOT NULL,
    -- pending, succeeded, dead.
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP,
    last_status_code INTEGER,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX deliveries_target_idx ON deliveries (target_kind, target_id, id);

CREATE TABLE delivery_attempts (
    id TEXT PRIMARY KEY NOT NULL,
    delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    -- succeeded, failed, dead.
    outcome TEXT NOT NULL,
    response_code INTEGER,
    latency_ms BIGINT NOT NULL,
    -- The first KiB of the answer.
    response_body TEXT,
    error TEXT,
    next_attempt_at TIMESTAMP
);
CREATE INDEX delivery_attempts_target_idx ON delivery_attempts (target_kind, target_id, id);
CREATE INDEX delivery_attempts_delivery_idx ON delivery_attempts (delivery_id);
