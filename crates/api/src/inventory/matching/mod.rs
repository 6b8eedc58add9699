//! Customer–vehicle matching both ways, and the organisation's matching settings.

pub mod bulk;
pub mod handlers;
pub mod service;

pub use handlers::endpoints;
