//! Financing: the instalment calculators, finance products (lender offers) and applications
//! from draft to funded.

pub mod dto;
pub mod handlers;
pub mod service;
pub mod stored;

pub use handlers::endpoints;
