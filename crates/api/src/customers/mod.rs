//! Customers: the first resource end to end. Personal data is encrypted at rest, masked in
//! answers, and revealed only on an audited request.

pub mod bulk_seed;
pub mod demo;
pub mod dto;
pub mod handlers;
pub mod personal;
pub mod rotation;
pub mod service;

pub use handlers::endpoints;
