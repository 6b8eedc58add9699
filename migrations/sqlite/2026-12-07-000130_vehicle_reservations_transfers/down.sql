DROP TABLE vehicle_transfer_tracking;
DROP TABLE vehicle_transfers;
DROP TABLE vehicle_reservations;
