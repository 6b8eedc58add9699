DROP TABLE vehicle_mileage_readings;
DROP TABLE customer_vehicles;
