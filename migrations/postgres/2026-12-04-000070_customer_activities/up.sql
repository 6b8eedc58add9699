-- Timeline activities (issue 8, item 6): calls, WeChat, SMS, email, store visits, test
-- drives and notes, with their outcome and the next follow-up. `content` is free text and
-- personal data: it never goes into events. `attachment_ids` is a JSON array of the ids of
-- the customer's attachments the activity refers to (call recordings, chat screenshots).
CREATE TABLE customer_activities (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    kind TEXT NOT NULL,
    outcome TEXT,
    occurred_at TIMESTAMP NOT NULL,
    next_follow_up_at TIMESTAMP,
    content TEXT,
    attachment_ids TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX customer_activities_customer_idx ON customer_activities (customer_id, occurred_at, id);
