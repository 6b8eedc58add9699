-- Deals (opportunities, issue 10): one customer's way from qualified to won or lost.
--
-- `stage` is the domain's `DealStage`; `payment` the customer's `PaymentMethod` (financing
-- approval applies to loans and leases only). `owner_id` is the consultant working it;
-- `lead_id` the lead it was opened from (that lead became `converted`). `vehicle_id` the car
-- from stock it sells; `amount_cents` the price in fen. `lost_reason` is set when an approved
-- lost request closed it. `note` is free text (cleared when the customer is erased).
CREATE TABLE deals (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    store_id TEXT REFERENCES stores (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    lead_id TEXT REFERENCES leads (id),
    owner_id TEXT REFERENCES users (id),
    title TEXT NOT NULL,
    stage TEXT NOT NULL,
    payment TEXT,
    amount_cents BIGINT,
    expected_close_date TEXT,
    vehicle_id TEXT REFERENCES vehicles (id),
    note TEXT,
    lost_reason TEXT,
    closed_at TIMESTAMP,
    created_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX deals_owner_idx ON deals (org_id, owner_id, stage, id);
CREATE INDEX deals_store_idx ON deals (org_id, store_id, stage, id);
CREATE INDEX deals_customer_idx ON deals (org_id, customer_id);
CREATE INDEX deals_lead_idx ON deals (org_id, lead_id);

-- Every stage move of a deal, in order, with the waivers that stood in for missing
-- documents (JSON object: document kind → reason). Never changed once written.
CREATE TABLE deal_stage_changes (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    deal_id TEXT NOT NULL REFERENCES deals (id),
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    waivers TEXT,
    actor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX deal_stage_changes_deal_idx ON deal_stage_changes (org_id, deal_id, id);

-- The documents of a deal: an attachment (owner type `deal`) and the kind of document it
-- is (`test_drive_agreement`, `signed_contract`, `vehicle_condition_confirmation`, ...): the
-- evidence its stage gates read. One kind per attachment.
CREATE TABLE deal_documents (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    deal_id TEXT NOT NULL REFERENCES deals (id),
    attachment_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    added_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX deal_documents_attachment_idx ON deal_documents (org_id, attachment_id);
CREATE INDEX deal_documents_deal_idx ON deal_documents (org_id, deal_id);

-- Colleagues invited to a deal (专家会诊): they see it while invited. One row per user.
CREATE TABLE deal_collaborators (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    deal_id TEXT NOT NULL REFERENCES deals (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    role_note TEXT,
    added_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX deal_collaborators_user_idx ON deal_collaborators (org_id, deal_id, user_id);
CREATE INDEX deal_collaborators_by_user_idx ON deal_collaborators (org_id, user_id);

-- Comments on a deal, with the users they mention (JSON array of ids). `body` is free text
-- (cleared when the customer is erased).
CREATE TABLE deal_comments (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    deal_id TEXT NOT NULL REFERENCES deals (id),
    author_id TEXT NOT NULL,
    body TEXT,
    mentions TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX deal_comments_deal_idx ON deal_comments (org_id, deal_id, id);

-- Lost requests (战败申请) for a lead or a deal: the reason, a note, and the store manager's
-- decision. At most one request waits per lead and per deal (unique partial indexes), so two
-- requests at once cannot both wait. `store_id` is the lead's or deal's store (the queue of
-- its sales managers); `customer_id` the customer it concerns.
CREATE TABLE lost_requests (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    store_id TEXT REFERENCES stores (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    lead_id TEXT REFERENCES leads (id),
    deal_id TEXT REFERENCES deals (id),
    reason TEXT NOT NULL,
    note TEXT,
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP,
    decision_note TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX lost_requests_pending_lead_idx ON lost_requests (org_id, lead_id) WHERE status = 'requested' AND lead_id IS NOT NULL;
CREATE UNIQUE INDEX lost_requests_pending_deal_idx ON lost_requests (org_id, deal_id) WHERE status = 'requested' AND deal_id IS NOT NULL;
CREATE INDEX lost_requests_queue_idx ON lost_requests (org_id, status, store_id, id);
CREATE INDEX lost_requests_customer_idx ON lost_requests (org_id, customer_id);
