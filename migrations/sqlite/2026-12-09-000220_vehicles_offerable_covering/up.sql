-- Matching scores its candidates on these columns only (`CandidateCar`): carried in the
-- partial price index (SQLite has no INCLUDE: trailing key columns), the candidate walk reads
-- no table row.
DROP INDEX vehicles_offerable_price_idx;
CREATE INDEX vehicles_offerable_price_idx ON vehicles (org_id, asking_price_cents, id,
    store_id, condition, brand, model, model_year, body_type, energy_type, transmission,
    colour, seats, mileage_km, first_registration_date)
    WHERE status IN ('in_stock', 'in_transit');
