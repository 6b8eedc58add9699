-- The Idempotency-Key of the request that made each change: after a crash, a retry can
-- tell that its first attempt committed although its answer was never sent.
ALTER TABLE audit_log ADD COLUMN idempotency_key TEXT;
CREATE INDEX audit_log_idempotency_idx ON audit_log (org_id, actor_id, idempotency_key);
