//! Inventory alerts (库存预警 / 库龄预警): rules per brand, model, body type or store, a
//! periodic evaluation that opens one alert per rule and subject when a rule fires (and
//! resolves it when the condition clears), with an `inventory.alert` event and a
//! notification to the roles the rule names.

pub mod dto;
pub mod handlers;
pub mod job;
pub mod service;

pub use handlers::endpoints;
