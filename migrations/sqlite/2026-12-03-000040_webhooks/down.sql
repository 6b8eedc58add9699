DROP TABLE delivery_attempts;
DROP TABLE deliveries;
DROP TABLE webhook_subscriptions;
DROP INDEX outbox_events_feed_idx;
ALTER TABLE outbox_events DROP COLUMN feed_position;
