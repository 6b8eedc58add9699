-- Name and e-mail search (`q`) matches anywhere in the text, which a B-tree cannot serve:
-- trigram indexes let PostgreSQL find the few customers called 张伟明 among a million without
-- reading them all. A text with nothing to fold (Chinese) is matched against the name as
-- stored, one with letters against lower(name): one index each. pg_trgm is a trusted
-- extension (PostgreSQL 13+): a database owner may create it. Texts of one or two
-- characters have no trigram; they match many customers, and the walk in id order finds a
-- page quickly.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX customers_name_trgm_idx ON customers USING gin (name gin_trgm_ops);
CREATE INDEX customers_lower_name_trgm_idx ON customers USING gin (lower(name) gin_trgm_ops);
CREATE INDEX customers_email_trgm_idx ON customers USING gin (lower(email) gin_trgm_ops);
