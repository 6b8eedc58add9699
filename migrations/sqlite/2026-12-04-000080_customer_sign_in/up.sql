-- Customer sign-in for mini-programs and apps (issue 8, item 7).
--
-- A one-time code sent by SMS. Neither the phone nor the code is stored: the phone as its
-- keyed blind index (current key), the code as a keyed hash. A code works once, for five
-- minutes, and five wrong tries end it.
CREATE TABLE customer_sign_in_codes (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    phone_blind_index TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    expires_at TIMESTAMP NOT NULL,
    consumed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX customer_sign_in_codes_phone ON customer_sign_in_codes (org_id, phone_blind_index, created_at);
CREATE INDEX customer_sign_in_codes_expiry ON customer_sign_in_codes (expires_at);
