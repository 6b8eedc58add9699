-- The customer's garage (issue 8, item 9): vehicles owned, with a checked VIN and a
-- normalised plate (upper case, half-width, no separators: searchable), and odometer
-- readings over time. `purchase_date` is YYYY-MM-DD.
CREATE TABLE customer_vehicles (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    vin TEXT,
    plate TEXT,
    brand TEXT NOT NULL,
    model TEXT NOT NULL,
    model_year INTEGER,
    purchase_date TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX customer_vehicles_vin_idx ON customer_vehicles (customer_id, vin);
CREATE INDEX customer_vehicles_plate_idx ON customer_vehicles (org_id, plate);
CREATE INDEX customer_vehicles_created_idx ON customer_vehicles (customer_id, created_at, id);

CREATE TABLE vehicle_mileage_readings (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    vehicle_id TEXT NOT NULL REFERENCES customer_vehicles (id),
    mileage_km BIGINT NOT NULL,
    read_at TIMESTAMP NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX vehicle_mileage_readings_vehicle_idx ON vehicle_mileage_readings (vehicle_id, read_at);
