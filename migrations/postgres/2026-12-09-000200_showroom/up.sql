-- Showroom traffic (展厅客流登记) and store-visit invitations (邀约到店), issue 10 item 8.
--
-- A walk-in: when the party arrived and left, how many came, first or repeat visit (the
-- domain's `VisitKind`, from the customer's earlier visits), the consultant who received
-- them, the customer and lead it belongs to (created when new), and the invitation it
-- settled as showed. `note` is free text, cleared on erasure.
CREATE TABLE showroom_visits (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    store_id TEXT,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    lead_id TEXT,
    consultant_id TEXT,
    arrived_at TIMESTAMP NOT NULL,
    departed_at TIMESTAMP,
    party_size INTEGER NOT NULL,
    kind TEXT NOT NULL,
    invitation_id TEXT,
    note TEXT,
    registered_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX showroom_visits_org_arrived_idx ON showroom_visits (org_id, arrived_at, id);
CREATE INDEX showroom_visits_customer_idx ON showroom_visits (org_id, customer_id);

-- An invitation to come to the store at `appointment_at`, by `consultant_id`. `status`:
-- scheduled, showed, no_show, rescheduled (carried on by `rescheduled_to_id`), cancelled.
-- 到店率 = showed / (showed + no_show), counted from these rows.
CREATE TABLE store_visit_invitations (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    store_id TEXT,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    lead_id TEXT,
    consultant_id TEXT NOT NULL,
    appointment_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    visit_id TEXT,
    rescheduled_from_id TEXT,
    rescheduled_to_id TEXT,
    outcome_at TIMESTAMP,
    outcome_by TEXT,
    created_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX store_visit_invitations_org_appointment_idx
    ON store_visit_invitations (org_id, appointment_at, id);
CREATE INDEX store_visit_invitations_customer_idx
    ON store_visit_invitations (org_id, customer_id, status);
