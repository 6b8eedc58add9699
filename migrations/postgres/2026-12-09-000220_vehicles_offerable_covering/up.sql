-- Matching scores its candidates on these columns only (`CandidateCar`; `status` for the
-- predicate): carried in the partial price index, the candidate walk is an index-only scan and
-- reads no table page while the visibility map is current (a changed page is read from the
-- table until the next vacuum).
DROP INDEX vehicles_offerable_price_idx;
CREATE INDEX vehicles_offerable_price_idx ON vehicles (org_id, asking_price_cents, id)
    INCLUDE (store_id, condition, brand, model, model_year, body_type, energy_type,
             transmission, colour, seats, mileage_km, first_registration_date, status)
    WHERE status IN ('in_stock', 'in_transit');
