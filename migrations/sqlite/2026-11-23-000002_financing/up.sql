-- Finance products: terms are the domain's ProductTerms as JSON (rates as decimal text).
CREATE TABLE finance_products (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    lender TEXT NOT NULL,
    terms TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, name)
);
CREATE INDEX finance_products_org_idx ON finance_products (org_id, id);

-- An application keeps the plan and the schedule exactly as quoted to the customer.
CREATE TABLE financing_applications (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    product_id TEXT REFERENCES finance_products (id),
    deal_id TEXT,
    quote_id TEXT,
    status TEXT NOT NULL,
    plan TEXT NOT NULL,
    quote TEXT NOT NULL,
    subsidy_cents BIGINT NOT NULL,
    documents TEXT NOT NULL,
    note TEXT,
    created_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX financing_applications_org_idx ON financing_applications (org_id, id);
CREATE INDEX financing_applications_customer_idx ON financing_applications (org_id, customer_id);

CREATE TABLE financing_application_events (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    application_id TEXT NOT NULL REFERENCES financing_applications (id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    note TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX financing_application_events_app_idx ON financing_application_events (application_id, id);
