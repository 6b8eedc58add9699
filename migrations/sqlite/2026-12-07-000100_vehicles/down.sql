DROP TABLE vehicle_costs;
DROP TABLE vehicles;
