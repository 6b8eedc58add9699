ALTER TABLE stores DROP COLUMN longitude_e6;
ALTER TABLE stores DROP COLUMN latitude_e6;
