//! Vehicles: what kind of car it is, where it is in stock, and the inventory rules (VIN,
//! matching, pricing, free-text search).

pub mod catalog;
mod kinds;
mod status;
mod vin;
mod wmi;

pub use kinds::{BodyType, Condition, Drivetrain, EmissionStandard, EnergyType, Transmission};
pub use status::{
    HoldState, ReservationError, ReservationPolicy, ReservationTimes, StatusMachine,
    TransferStatus, TransitionError, VehicleStatus, transition,
};
pub use vin::{VIN_LENGTH, Vin, VinDecode, VinError, VinProblem, decode, model_years, problem};
