-- The customer record of issue 8 (items 1, 2, 4, 10, 12): profile, B2B, personal data at rest.
-- Personal values (other phones, WeChat ids, ID numbers, other documents, address) live in one
-- AES-256-GCM ciphertext (`personal_ciphertext`, JSON, the key id inside); `personal_masked`
-- holds their masked forms only. Exact lookups go through `customer_lookups` (keyed blind
-- indexes, never plaintext).
ALTER TABLE customers ADD COLUMN gender TEXT;
ALTER TABLE customers ADD COLUMN birthday TEXT;
ALTER TABLE customers ADD COLUMN personal_ciphertext TEXT;
ALTER TABLE customers ADD COLUMN personal_masked TEXT;
ALTER TABLE customers ADD COLUMN region TEXT;
ALTER TABLE customers ADD COLUMN source_detail TEXT;
ALTER TABLE customers ADD COLUMN referrer_id TEXT;
ALTER TABLE customers ADD COLUMN lifecycle_stage TEXT NOT NULL DEFAULT 'prospect';
ALTER TABLE customers ADD COLUMN custom_attributes TEXT;
ALTER TABLE customers ADD COLUMN business TEXT;

CREATE INDEX customers_org_kind_idx ON customers (org_id, kind, id);
CREATE INDEX customers_org_stage_idx ON customers (org_id, lifecycle_stage, id);
CREATE INDEX customers_org_city_idx ON customers (org_id, city, id);
CREATE INDEX customers_org_source_idx ON customers (org_id, source_channel, id);
CREATE INDEX customers_org_email_idx ON customers (org_id, email);

-- Keyed blind indexes of a customer's personal values: kind `phone` (every phone, E.164),
-- `phone_last4` (the last four digits, under their own derived key), `id_number` (document
-- type and number) and `wechat` (openid and unionid).
CREATE TABLE customer_lookups (
    org_id TEXT NOT NULL REFERENCES organizations (id),
    kind TEXT NOT NULL,
    blind_index TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    PRIMARY KEY (org_id, kind, blind_index, customer_id)
);
CREATE INDEX customer_lookups_customer_idx ON customer_lookups (customer_id);

-- The contact persons of a business customer; their phones are encrypted like a customer's.
CREATE TABLE customer_contacts (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    name TEXT NOT NULL,
    role TEXT,
    phones_ciphertext TEXT,
    phones_masked TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX customer_contacts_customer_idx ON customer_contacts (customer_id, ordinal);

-- Every lifecycle stage a customer entered, and when.
CREATE TABLE customer_lifecycle_changes (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    change_reason TEXT,
    actor_id TEXT,
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX customer_lifecycle_changes_customer_idx ON customer_lifecycle_changes (customer_id, changed_at);

-- The daily reveal cap counts a user's reveals in the audit log.
CREATE INDEX audit_log_actor_action_idx ON audit_log (org_id, actor_id, action, created_at);
