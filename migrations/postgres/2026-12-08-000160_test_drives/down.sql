DROP TABLE calendar_feeds;
DROP TABLE test_drive_slots;
DROP TABLE test_drives;
