-- A sent quote the customer turned down (客户拒绝报价): when, who recorded it, the reason
-- (the lost reasons' list) and its note.
ALTER TABLE quotes ADD COLUMN declined_at TIMESTAMP;
ALTER TABLE quotes ADD COLUMN declined_by TEXT;
ALTER TABLE quotes ADD COLUMN decline_reason TEXT;
ALTER TABLE quotes ADD COLUMN decline_note TEXT;
