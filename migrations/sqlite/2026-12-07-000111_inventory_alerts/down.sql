DROP TABLE inventory_alerts;
DROP TABLE inventory_alert_rules;
