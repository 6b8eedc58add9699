-- Quotes (issue 10 item 11): priced offers on a deal, one row per version.
--
-- A new version is a new row (`version_number` 1, 2, … per deal, unique); an existing row is
-- never re-priced: the application has no UPDATE of its lines, totals, vehicle or plan
-- (the model derives no changeset); the only UPDATEs are the status changes
-- (`sent` → `superseded` when a newer version is made, `sent` → `accepted` with who accepted
-- and the financing application it opened). `status` is the domain's `QuoteStatus`; a sent
-- quote past `valid_until` reads as `expired`.
--
-- `lines` is JSON of the priced lines (deductions negative, the purchase tax line last);
-- `total_cents` is their sum to the fen. `tax` is JSON: the taxed vehicle facts, the
-- purchase date and how the tax was computed. `financing` is JSON: the plan as requested and
-- its schedule as priced by the financing calculator. Amounts in fen. No personal data.
CREATE TABLE quotes (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    deal_id TEXT NOT NULL REFERENCES deals (id),
    version_number BIGINT NOT NULL,
    status TEXT NOT NULL,
    valid_until TIMESTAMP NOT NULL,
    vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
    vin TEXT NOT NULL,
    lines TEXT NOT NULL,
    tax TEXT NOT NULL,
    vehicle_net_cents BIGINT NOT NULL,
    purchase_tax_cents BIGINT NOT NULL,
    total_cents BIGINT NOT NULL,
    financing TEXT,
    financing_application_id TEXT REFERENCES financing_applications (id),
    created_by TEXT NOT NULL,
    accepted_at TIMESTAMP,
    accepted_by TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX quotes_deal_version_idx ON quotes (deal_id, version_number);
CREATE INDEX quotes_org_deal_idx ON quotes (org_id, deal_id);
