-- Customer search (issue 8, item 12): `q` finds a VIN across the organisation's garages
-- (plates have their index already); the last-activity filters read
-- customer_activities_customer_idx (customer_id, occurred_at, id).
CREATE INDEX customer_vehicles_org_vin_idx ON customer_vehicles (org_id, vin);
