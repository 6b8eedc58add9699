//! Vehicles: what kind of car it is, where it is in stock, and the inventory rules (VIN,
//! matching, pricing, free-text search).

mod kinds;
mod status;

pub use kinds::{BodyType, Condition, Drivetrain, EmissionStandard, EnergyType, Transmission};
pub use status::{
    HoldState, ReservationError, ReservationPolicy, ReservationTimes, StatusMachine,
    TransferStatus, TransitionError, VehicleStatus, transition,
};
