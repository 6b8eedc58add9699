-- Files that belong to a record (a customer, a financing application, ...). The content is
-- in the file store (local disk or S3-compatible), encrypted in chunks with AES-256-GCM
-- under a key derived from the PII key; `key_id` names that key for later rotation. The
-- file name may be personal: it is kept only encrypted.
CREATE TABLE attachments (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    -- The owner is polymorphic (no foreign key): the sweeper removes attachments whose
    -- owner is gone.
    owner_type TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    -- pending (content being received), stored, deleted.
    status TEXT NOT NULL,
    -- Sniffed from the content, never taken from the sender.
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    -- Hex SHA-256 of the plaintext; NULL while pending.
    sha256 TEXT,
    -- PII cipher; NULL once the attachment is deleted.
    filename_ciphertext TEXT,
    storage TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    key_id TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    stored_at TIMESTAMP,
    deleted_at TIMESTAMP,
    deleted_by TEXT,
    -- When the content was removed from the store.
    purged_at TIMESTAMP
);
CREATE INDEX attachments_owner_idx ON attachments (org_id, owner_type, owner_id, id);
CREATE INDEX attachments_status_idx ON attachments (status, created_at);

