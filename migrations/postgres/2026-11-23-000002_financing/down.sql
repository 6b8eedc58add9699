DROP TABLE financing_application_events;
DROP TABLE financing_applications;
DROP TABLE finance_products;
