DROP TABLE device_links;
DROP TABLE behavior_events;
