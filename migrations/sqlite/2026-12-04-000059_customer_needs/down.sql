ALTER TABLE customers DROP COLUMN needs;
