DROP INDEX audit_log_idempotency_idx;
ALTER TABLE audit_log DROP COLUMN idempotency_key;
