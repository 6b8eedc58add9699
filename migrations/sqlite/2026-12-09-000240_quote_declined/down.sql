ALTER TABLE quotes DROP COLUMN decline_note;
ALTER TABLE quotes DROP COLUMN decline_reason;
ALTER TABLE quotes DROP COLUMN declined_by;
ALTER TABLE quotes DROP COLUMN declined_at;
