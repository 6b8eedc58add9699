DROP INDEX IF EXISTS customers_email_trgm_idx;
DROP INDEX IF EXISTS customers_lower_name_trgm_idx;
DROP INDEX IF EXISTS customers_name_trgm_idx;
