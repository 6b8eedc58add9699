-- Customer merges (issue 8, item 10): one row per merge source, naming the survivor that
-- took its records. The source keeps its row (status `merged`) and answers 410 with the
-- survivor; `field_choices` is the JSON of how each conflicting field was decided
-- (`survivor`, `source:<id>` or `value`: never a clear personal value), `moved` the JSON
-- of how many rows of each table moved.
CREATE TABLE customer_merges (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    survivor_id TEXT NOT NULL REFERENCES customers (id),
    source_id TEXT NOT NULL REFERENCES customers (id),
    field_choices TEXT NOT NULL,
    moved TEXT NOT NULL,
    merged_by TEXT NOT NULL,
    merged_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX customer_merges_source_idx ON customer_merges (source_id);
CREATE INDEX customer_merges_survivor_idx ON customer_merges (survivor_id);
