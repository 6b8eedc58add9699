DROP TABLE customer_activities;
