-- Staff notifications (issue 7, item 5).
--
-- The in-app copy of a notification. `position` counts per recipient, 1, 2, 3, ... and is
-- the live stream's event id: a stream resumes after the last position it saw. It is taken
-- from `notification_counters` in the transaction that writes the notification, which locks
-- the recipient's counter row, so two notifications to one person commit in position order
-- and a stream that has seen position n never misses an earlier one.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    position BIGINT NOT NULL,
    -- NotificationKind: lead.assigned, financing.status_changed, system, ...
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- The API path of the record it is about, if any.
    link TEXT,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE UNIQUE INDEX notifications_user_position_idx ON notifications (user_id, position);
CREATE INDEX notifications_user_unread_idx ON notifications (user_id, read_at);

-- The last position given to each recipient.
CREATE TABLE notification_counters (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    last_position BIGINT NOT NULL
);

-- Which channels a person wants, per kind: JSON text {"lead.assigned": ["in_app", "sms"]};
-- a kind not named gets the default (in-app only). No row: defaults for every kind.
CREATE TABLE notification_preferences (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    org_id TEXT NOT NULL REFERENCES organizations (id),
    channels TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- An organisation's outbound gateway per channel: an HTTPS endpoint that the job runner
-- calls, signed with the secret (kept only encrypted with the PII cipher).
CREATE TABLE notification_gateways (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    -- GatewayChannel: sms, email, app_push, wechat_template.
    channel TEXT NOT NULL,
    url TEXT NOT NULL,
    description TEXT,
    active BOOLEAN NOT NULL,
    secret_ciphertext TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX notification_gateways_channel_idx ON notification_gateways (org_id, channel);

-- Single-use tickets for browsers' EventSource (which cannot send headers): the SHA-256 of
-- the ticket, its short expiry, and the expiry of the access token that asked for it (the
-- stream it opens lives no longer).
CREATE TABLE notification_stream_tickets (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    ticket_hash TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    access_expires_at TIMESTAMP NOT NULL,
    consumed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX notification_stream_tickets_hash_idx ON notification_stream_tickets (ticket_hash);
