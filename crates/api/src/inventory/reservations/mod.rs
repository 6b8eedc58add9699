//! Reservations (issue 9): a car held for one customer until an expiry. Reserving moves the
//! car to `reserved` (under its row lock, and a unique index on active reservations per
//! car); cancelling, expiry (the release job) or a sale ends the hold.

pub mod demo;
pub mod dto;
pub mod handlers;
pub mod release;
pub mod service;

pub use handlers::endpoints;
