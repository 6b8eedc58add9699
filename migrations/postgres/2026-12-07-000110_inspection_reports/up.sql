-- Inspection reports (车况检测, issue 9 item 3). A report is never changed: a new inspection
-- is a new report, and a car shows its latest (by `inspected_on`, then `created_at`).
-- `items` is a JSON array of {section, code, name, result, note} checked against the
-- standard checklist (`autocrm_domain::vehicle::inspection`); `maintenance` a JSON array of
-- {date, mileage_km, description, shop}; `summary` the Chinese verdict computed from the
-- flags and items when the report was made. Photos are attachments owned by the report
-- (owner type `inspection_report`).
CREATE TABLE inspection_reports (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
    inspector_name TEXT NOT NULL,
    inspector_user_id TEXT REFERENCES users (id),
    inspected_on TEXT NOT NULL,
    mileage_km BIGINT NOT NULL,
    accident BOOLEAN NOT NULL,
    flood BOOLEAN NOT NULL,
    fire BOOLEAN NOT NULL,
    odometer_check TEXT NOT NULL,
    grade TEXT NOT NULL,
    summary TEXT NOT NULL,
    clean BOOLEAN NOT NULL,
    items TEXT NOT NULL,
    maintenance TEXT NOT NULL,
    notes TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX inspection_reports_vehicle_idx ON inspection_reports (org_id, vehicle_id, inspected_on, created_at);
