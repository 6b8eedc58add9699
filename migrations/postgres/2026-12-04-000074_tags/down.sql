DROP TABLE customer_dynamic_tags;
DROP TABLE customer_tags;
DROP TABLE tags;
