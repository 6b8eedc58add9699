//! Vehicles: what kind of car it is. Inventory rules (VIN, matching, pricing) build on these.

mod kinds;

pub use kinds::{BodyType, Condition, EnergyType, Transmission};
