//! The customer's garage: vehicles the customer owns (VIN, plate, brand, model, year,
//! purchase date) and their mileage readings over time.

pub mod dto;
pub mod handlers;
pub mod service;

pub use handlers::endpoints;
