DROP INDEX vehicles_offerable_price_idx;
CREATE INDEX vehicles_offerable_price_idx ON vehicles (org_id, asking_price_cents, id)
    WHERE status IN ('in_stock', 'in_transit');
