-- Reservations and transfers of cars (issue 9 item 9).
--
-- A reservation holds one car for one customer until `expires_at`. `status` is `active`,
-- `cancelled` (by a person, or because the car was sold: `release_reason`), or `expired`
-- (released by the job). At most one active reservation per car: the partial unique index
-- stands beside the row lock on the car. `note` and `release_note` are free text and may
-- hold personal data: the erasure of the customer clears them.
CREATE TABLE vehicle_reservations (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    reserved_by TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    expires_at TIMESTAMP NOT NULL,
    released_at TIMESTAMP,
    released_by TEXT,
    release_reason TEXT,
    release_note TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX vehicle_reservations_active_idx ON vehicle_reservations (vehicle_id) WHERE status = 'active';
CREATE INDEX vehicle_reservations_vehicle_idx ON vehicle_reservations (org_id, vehicle_id, id);
CREATE INDEX vehicle_reservations_customer_idx ON vehicle_reservations (org_id, customer_id, id);
CREATE INDEX vehicle_reservations_status_idx ON vehicle_reservations (org_id, status, id);
CREATE INDEX vehicle_reservations_expiry_idx ON vehicle_reservations (status, expires_at);

-- A transfer of a car between two stores of one organisation (调车): requested → approved
-- → in_transit → received, or cancelled. The estimate (distance, days, cost) is computed
-- from the two stores' cities when requested; NULL when a city is unknown. At most one open
-- transfer per car.
CREATE TABLE vehicle_transfers (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
    from_store_id TEXT NOT NULL REFERENCES stores (id),
    to_store_id TEXT NOT NULL REFERENCES stores (id),
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    distance_km BIGINT,
    road_km BIGINT,
    estimated_days INTEGER,
    estimated_cost_cents BIGINT,
    approved_by TEXT,
    approved_at TIMESTAMP,
    dispatched_by TEXT,
    dispatched_at TIMESTAMP,
    carrier TEXT,
    waybill_no TEXT,
    estimated_arrival TIMESTAMP,
    received_by TEXT,
    received_at TIMESTAMP,
    cancelled_by TEXT,
    cancelled_at TIMESTAMP,
    cancel_reason TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX vehicle_transfers_open_idx ON vehicle_transfers (vehicle_id) WHERE status IN ('requested', 'approved', 'in_transit');
CREATE INDEX vehicle_transfers_list_idx ON vehicle_transfers (org_id, status, id);
CREATE INDEX vehicle_transfers_from_idx ON vehicle_transfers (org_id, from_store_id, id);
CREATE INDEX vehicle_transfers_to_idx ON vehicle_transfers (org_id, to_store_id, id);
CREATE INDEX vehicle_transfers_vehicle_idx ON vehicle_transfers (org_id, vehicle_id, id);

-- Logistics tracking of a transfer: where the car was seen, oldest first.
CREATE TABLE vehicle_transfer_tracking (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    transfer_id TEXT NOT NULL REFERENCES vehicle_transfers (id),
    at TIMESTAMP NOT NULL,
    position TEXT NOT NULL,
    city TEXT,
    note TEXT,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX vehicle_transfer_tracking_idx ON vehicle_transfer_tracking (transfer_id, at, id);
