-- Consent records under PIPL (issue 8, item 11): each grant or withdrawal, per purpose,
-- only ever added. `customers.marketing_consent` becomes their derived cache (a granted,
-- unwithdrawn marketing consent), kept by the consent service in the same transaction.
CREATE TABLE consent_records (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    purpose TEXT NOT NULL,
    action TEXT NOT NULL,
    channel TEXT NOT NULL,
    method TEXT NOT NULL,
    given_at TIMESTAMP NOT NULL,
    text_version TEXT,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX consent_records_customer_idx ON consent_records (customer_id, given_at, id);

-- The flag set before consent records existed stands as a staff entry made when the
-- customer was created, so that the flag and its records agree from the start.
INSERT INTO consent_records
    (id, org_id, customer_id, purpose, action, channel, method, given_at, text_version,
     recorded_by, created_at)
SELECT 'legacy-' || id, org_id, id, 'marketing', 'granted', 'crm', 'staff_entry', created_at,
       NULL, 'migration', created_at
FROM customers WHERE marketing_consent;
