-- Tags (issue 8, item 5): the organisation's manual vocabulary with colours, their
-- assignments to customers, and the dynamic tags that rules set (each with the rule that
-- set it and the facts behind it, a JSON array of TagEvidence).
CREATE TABLE tags (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    colour TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX tags_name_idx ON tags (org_id, name);

CREATE TABLE customer_tags (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    tag_id TEXT NOT NULL REFERENCES tags (id),
    assigned_by TEXT NOT NULL,
    assigned_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX customer_tags_pair_idx ON customer_tags (customer_id, tag_id);
CREATE INDEX customer_tags_tag_idx ON customer_tags (tag_id);

CREATE TABLE customer_dynamic_tags (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    name TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    reasons TEXT NOT NULL,
    computed_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX customer_dynamic_tags_rule_idx ON customer_dynamic_tags (customer_id, rule_id);
CREATE INDEX customer_dynamic_tags_name_idx ON customer_dynamic_tags (org_id, name);
