-- A customer's stated needs as indexed columns, kept by the customer service whenever the
-- needs change, so that reverse matching (customers for a car) drops in SQL the customers
-- whose must-haves exclude the car before scoring the rest. Budgets are the stated ones;
-- `hard_budget` says whether they are a must-have. `hard_*` columns are NULL when that
-- criterion is not a must-have; sets are comma-wrapped lists of wire names or catalogue
-- keys (",suv,mpv,").
CREATE TABLE customer_need_index (
    customer_id TEXT PRIMARY KEY NOT NULL REFERENCES customers (id),
    org_id TEXT NOT NULL REFERENCES organizations (id),
    budget_min_cents BIGINT,
    budget_max_cents BIGINT,
    hard_budget BOOLEAN NOT NULL,
    hard_body_types TEXT,
    hard_energy_types TEXT,
    hard_brand_keys TEXT,
    hard_condition TEXT,
    hard_min_seats INTEGER,
    hard_max_mileage_km BIGINT,
    hard_transmission TEXT
);
CREATE INDEX customer_need_index_budget_idx ON customer_need_index (org_id, budget_max_cents);
