-- Logical schema shared by both backends. Ids are UUIDv7 text made in Rust,
-- money is BIGINT fen, times are UTC TIMESTAMP, flexible data is JSON in TEXT.
CREATE TABLE organizations (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    currency TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    settings TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE stores (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    city TEXT NOT NULL,
    region TEXT,
    address TEXT,
    phone TEXT,
    active BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    store_id TEXT REFERENCES stores (id),
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    phone TEXT UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    failed_logins INTEGER NOT NULL,
    locked_until TIMESTAMP,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX users_org_idx ON users (org_id, id);

CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    family_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE api_clients (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    revoked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX api_clients_org_idx ON api_clients (org_id, id);

CREATE TABLE customers (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    store_id TEXT REFERENCES stores (id),
    owner_id TEXT REFERENCES users (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    phone_ciphertext TEXT,
    phone_blind_index TEXT,
    phone_masked TEXT,
    email TEXT,
    city TEXT,
    source_channel TEXT,
    notes TEXT,
    marketing_consent BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    archived_at TIMESTAMP,
    UNIQUE (org_id, phone_blind_index)
);
CREATE INDEX customers_org_idx ON customers (org_id, id);
CREATE INDEX customers_org_owner_idx ON customers (org_id, owner_id, id);
CREATE INDEX customers_org_store_idx ON customers (org_id, store_id, id);
CREATE INDEX customers_org_name_idx ON customers (org_id, name, id);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    actor_id TEXT,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT,
    detail TEXT NOT NULL,
    request_id TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_org_idx ON audit_log (org_id, id);
CREATE INDEX audit_log_entity_idx ON audit_log (org_id, entity_type, entity_id);

CREATE TABLE outbox_events (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    event_type TEXT NOT NULL,
    aggregate_type TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP
);
CREATE INDEX outbox_events_pending_idx ON outbox_events (published_at, id);

CREATE TABLE idempotency_keys (
    org_id TEXT NOT NULL REFERENCES organizations (id),
    principal_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_fingerprint TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, principal_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
