ALTER TABLE organizations DROP COLUMN version;
