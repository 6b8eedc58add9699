-- A store's own coordinates in micro-degrees (WGS-84/GCJ-02), for matching distances and
-- transfer estimates; a store without them is placed at its city's seat (built-in table).
ALTER TABLE stores ADD COLUMN latitude_e6 INTEGER;
ALTER TABLE stores ADD COLUMN longitude_e6 INTEGER;
