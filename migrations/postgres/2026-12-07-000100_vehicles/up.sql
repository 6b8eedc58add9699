-- Vehicle inventory (issue 9): cars in stock, in transit, reserved, sold or transferred out.
-- A sold or transferred car keeps its row (its history). Dates are YYYY-MM-DD text.
-- `brand_key`, `model_key` are the catalogue keys (`autocrm_domain::vehicle::catalog`),
-- `colour_family` the paint's family, and `age_from` the date the car's age counts from
-- (first registration, else 1 January of the model year for a used car; NULL for a new car
-- never registered): the matching hard filters run on them. `vin_override_reason` is set
-- when a person accepted a VIN whose check digit fails. `specs` is a JSON object of the
-- descriptive details no query filters on (trim, drivetrain, displacement, battery, range,
-- previous owners, plate city, emission standard, condition grade, options, description);
-- `features` a JSON array of feature names. `sold_price_cents` is the final price of a sold
-- car (comparables for price suggestions).
CREATE TABLE vehicles (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    store_id TEXT REFERENCES stores (id),
    vin TEXT NOT NULL,
    vin_override_reason TEXT,
    stock_number TEXT,
    condition TEXT NOT NULL,
    brand TEXT NOT NULL,
    brand_key TEXT NOT NULL,
    model TEXT NOT NULL,
    model_key TEXT NOT NULL,
    model_year INTEGER,
    body_type TEXT,
    energy_type TEXT,
    transmission TEXT,
    colour TEXT,
    colour_family TEXT,
    seats INTEGER,
    mileage_km BIGINT NOT NULL,
    first_registration_date TEXT,
    age_from TEXT,
    asking_price_cents BIGINT NOT NULL,
    status TEXT NOT NULL,
    in_stock_since TEXT,
    sold_at TIMESTAMP,
    sold_price_cents BIGINT,
    features TEXT NOT NULL,
    specs TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX vehicles_vin_idx ON vehicles (org_id, vin);
CREATE UNIQUE INDEX vehicles_stock_number_idx ON vehicles (org_id, stock_number);
CREATE INDEX vehicles_price_idx ON vehicles (org_id, status, asking_price_cents, id);
CREATE INDEX vehicles_model_idx ON vehicles (org_id, status, brand_key, model_key, asking_price_cents);
CREATE INDEX vehicles_body_idx ON vehicles (org_id, status, body_type, asking_price_cents);
CREATE INDEX vehicles_store_idx ON vehicles (org_id, store_id, status);
CREATE INDEX vehicles_created_idx ON vehicles (org_id, created_at, id);

-- What a car cost and the lowest price a consultant may accept: in their own table, read
-- only for callers who may see costs, so no other answer, event or export can carry them.
CREATE TABLE vehicle_costs (
    vehicle_id TEXT PRIMARY KEY NOT NULL REFERENCES vehicles (id),
    org_id TEXT NOT NULL REFERENCES organizations (id),
    acquisition_cost_cents BIGINT,
    floor_price_cents BIGINT,
    updated_at TIMESTAMP NOT NULL
);
