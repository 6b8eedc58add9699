-- Handovers (离职交接, issue 10 item 12): a manager moved every customer, lead, open task,
-- open deal and future test drive of one user (`from_user_id`) to one or several colleagues
-- in one step. One row per run that wrote (a dry run leaves none): who asked, why, the
-- targets with their share and what each received (`targets`, JSON), and the totals per
-- kind (`counts`, JSON). The per-record changes are in the audit log and the lead history.
CREATE TABLE handovers (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    from_user_id TEXT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    targets TEXT NOT NULL,
    counts TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX handovers_org_idx ON handovers (org_id, id);
CREATE INDEX handovers_from_user_idx ON handovers (org_id, from_user_id, id);
