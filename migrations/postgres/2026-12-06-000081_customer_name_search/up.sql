-- Name and e-mail search (`q`) matches anywhere in the text, which a B-tree cannot serve:
-- trigram indexes let PostgreSQL find the few customers called 张伟明 among a million without
-- reading them all. pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may
-- create it. Short texts (one or two characters) have no trigram and are served by the
-- id-ordered scan, which finds a page quickly because such texts match many customers.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX customers_name_trgm_idx ON customers USING gin (lower(name) gin_trgm_ops);
CREATE INDEX customers_email_trgm_idx ON customers USING gin (lower(email) gin_trgm_ops);
