//! Tags: the organisation's manual vocabulary (with colours) assigned by staff, and dynamic
//! tags set by rules over a customer's needs, behaviour and history, recomputed when those
//! change, each with the rule that set it.

pub mod dto;
pub mod handlers;
pub mod service;

pub use handlers::endpoints;
