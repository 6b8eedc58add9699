-- Matching scores its candidates on these columns only (`CandidateCar`; `status`, which the
-- query names, or SQLite reads the row): carried in the partial price index (SQLite has no
-- INCLUDE: trailing key columns), the candidate walk is a covering index search.
DROP INDEX vehicles_offerable_price_idx;
CREATE INDEX vehicles_offerable_price_idx ON vehicles (org_id, asking_price_cents, id,
    store_id, condition, brand, model, model_year, body_type, energy_type, transmission,
    colour, seats, mileage_km, first_registration_date, status)
    WHERE status IN ('in_stock', 'in_transit');
