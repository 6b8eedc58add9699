//! Activities on a customer's timeline: calls, WeChat, SMS, email, store visits, test
//! drives and notes, with their outcome, the next follow-up and the customer's attachments
//! they refer to.

pub mod dto;
pub mod handlers;
pub mod service;

pub use handlers::endpoints;
