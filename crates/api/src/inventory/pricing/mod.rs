//! Price suggestions for cars in stock, and the market reference prices they draw on.

pub mod handlers;
pub mod service;

pub use handlers::endpoints;
