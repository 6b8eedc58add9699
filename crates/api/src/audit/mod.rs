//! The audit-log API: the organisation's append-only record of who saw or changed what,
//! for admins and general managers (PIPL), read page by page or exported as CSV.

pub mod demo;
pub mod dto;
pub mod handlers;
pub mod service;

pub use handlers::endpoints;
