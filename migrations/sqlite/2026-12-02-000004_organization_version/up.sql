-- Organisation settings are edited under optimistic locking, like every other resource.
ALTER TABLE organizations ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
