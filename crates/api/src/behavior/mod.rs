//! Behaviour events posted by apps and mini-programs (vehicle viewed, compared, financing
//! calculated, page viewed, …), linked to customers through their devices, and summarised
//! per customer.

pub mod dto;
pub mod handlers;
pub mod service;

pub use handlers::endpoints;
