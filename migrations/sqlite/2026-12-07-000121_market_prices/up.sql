-- Market reference prices quoted by outside valuation services (price suggestions).
-- `brand_key`/`model_key` are the catalogue keys; `observed_on` is YYYY-MM-DD.
CREATE TABLE market_prices (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    brand TEXT NOT NULL,
    brand_key TEXT NOT NULL,
    model TEXT NOT NULL,
    model_key TEXT NOT NULL,
    model_year INTEGER NOT NULL,
    mileage_km BIGINT,
    price_cents BIGINT NOT NULL,
    source TEXT NOT NULL,
    observed_on TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX market_prices_line_idx ON market_prices (org_id, brand_key, model_key, model_year);
