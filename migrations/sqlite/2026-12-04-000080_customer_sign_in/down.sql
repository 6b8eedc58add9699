DROP TABLE customer_sign_in_codes;
