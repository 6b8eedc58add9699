-- Matching reads the offerable cars (in stock or in transit) of an organisation by price, from
-- the top of a budget down (or from just above it up): a partial index in that order serves it
-- without a sort. Queries name the statuses as literals so that the planner can prove the
-- predicate.
CREATE INDEX vehicles_offerable_price_idx ON vehicles (org_id, asking_price_cents, id)
    WHERE status IN ('in_stock', 'in_transit');
