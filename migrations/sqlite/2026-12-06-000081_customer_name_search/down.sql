-- PostgreSQL adds trigram indexes for name search here; SQLite has no counterpart (its
-- name search reads the organisation's customers), so this migration only keeps the two
-- sets in step.
SELECT 1;
