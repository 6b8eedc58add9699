-- The audit-log API filters by actor and by action, newest first.
CREATE INDEX audit_log_actor_idx ON audit_log (org_id, actor_id, id);
CREATE INDEX audit_log_action_idx ON audit_log (org_id, action, id);
