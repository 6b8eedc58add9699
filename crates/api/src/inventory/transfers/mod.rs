//! Transfers of cars between the stores of one organisation (调车, issue 9): requested →
//! approved → in_transit → received, or cancelled, under `TransferStatus`; logistics
//! tracking entries while the car is on the road; the estimate (distance, days, cost) from
//! the two stores' cities.

pub mod demo;
pub mod dto;
pub mod handlers;
pub mod service;

pub use handlers::endpoints;
