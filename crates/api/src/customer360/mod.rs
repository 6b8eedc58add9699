//! `GET /api/v1/customers/{id}/360`: everything about one customer in one answer. Each
//! section is its own capability's service function, called on the customer found once;
//! a capability adds its section as one field of [`service::Customer360`] and of
//! [`dto::Customer360Dto`].

pub mod dto;
pub mod handlers;
pub mod service;

pub use handlers::endpoints;
