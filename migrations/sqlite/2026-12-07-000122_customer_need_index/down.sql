DROP TABLE customer_need_index;
