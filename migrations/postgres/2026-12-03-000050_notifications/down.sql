DROP TABLE notification_stream_tickets;
DROP TABLE notification_gateways;
DROP TABLE notification_preferences;
DROP TABLE notification_counters;
DROP TABLE notifications;
